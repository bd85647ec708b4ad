package cointally

import "time"

// Sync run outcomes.
const (
	OutcomeRunning     = "running"
	OutcomeOK          = "ok"
	OutcomeFailed      = "failed"
	OutcomeInterrupted = "interrupted" // the process stopped; the next run resumes
)

// SyncRun records one sync of one account.
type SyncRun struct {
	ID         int64
	AccountID  int64
	Started    time.Time
	Ended      time.Time // zero while running
	Calls      int       // API calls made
	NewEntries int
	Errors     []string // errors met along the way, retried or not, in user words
	Outcome    string
	Reconciled bool
	Summary    string // the reconciliation verdict in one line
}

// Checkpoint is where a paged walk of one stream (ledger, trades, orders)
// stands, committed in the same transaction as the page it follows, so a
// killed sync resumes exactly where it stopped.
type Checkpoint struct {
	AccountID int64
	Stream    string // "ledger", "trades", "orders", "export"
	// Window is the fixed end of the walk (an ID or a unix time as text),
	// Start its exclusive start, Offset the next ofs to request.
	Start  string
	Window string
	Offset int
	Count  int // the exchange's count when last seen
	Done   bool
	State  string // stream-specific JSON (export report ID, ...)
}
