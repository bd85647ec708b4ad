package ingest

import (
	"time"
)

// Phases of a Progress event.
const (
	PhaseWorking   = "working"   // a page or step is being fetched or stored
	PhaseWaiting   = "waiting"   // waiting for the exchange to prepare the export
	PhaseImporting = "importing" // storing the export's entries
	PhaseDone      = "done"      // the stream is finished
)

// Progress reports how a sync is getting on, for a progress bar: one event
// after each page stored and at each phase change.
type Progress struct {
	AccountID int64  `json:"account_id"`
	Account   string `json:"account"`
	Stream    string `json:"stream"` // StreamLedger, StreamExport, StreamTrades, ...
	Phase     string `json:"phase"`  // PhaseWorking, PhaseWaiting, PhaseImporting, PhaseDone
	// Items counts the stream's items received so far in this walk (ledger
	// entries, trades, orders, exported rows), Added those stored for the
	// first time.
	Items int `json:"items"`
	Added int `json:"added"`
	// Pages counts the pages fetched so far in this walk.
	Pages int `json:"pages"`
	// Total is the exchange's count of items to walk, 0 when unknown (an
	// incremental walk, which stops at the known part, reports 0).
	Total int `json:"total"`
	// ETA estimates the time left for this stream from the rate-limit model
	// (cointally.Exchange.EstimateCalls) and the latency seen so far; 0 when
	// unknown.
	ETA time.Duration `json:"eta"`
}

func (j *job) emit(p Progress) {
	if j.progress == nil {
		return
	}
	p.AccountID, p.Account = j.acct.ID, j.acct.Name
	j.progress(p)
}

// latency tracks the mean time of a call without rate-limit waits.
type latency struct {
	n     int
	total time.Duration
}

func (l *latency) add(d time.Duration) {
	if d > 0 {
		l.n++
		l.total += d
	}
}

func (l *latency) mean() time.Duration {
	if l.n == 0 {
		return 0
	}
	return l.total / time.Duration(l.n)
}

// eta estimates the time that pages more calls of call take: the waits the
// rate model predicts plus the mean latency per call.
func (j *job) eta(call string, pages int, lat *latency) time.Duration {
	if pages <= 0 {
		return 0
	}
	return j.x.EstimateCalls(call, pages) + time.Duration(pages)*lat.mean()
}
