package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

// ledgerWalker walks the ledger, storing each page with its checkpoint.
func (j *job) ledgerWalker() *walker[cointally.Entry] {
	return &walker[cointally.Entry]{
		stream: StreamLedger,
		call:   cointally.CallLedgerPage,
		fetch: func(ctx context.Context, q cointally.PageQuery) (page[cointally.Entry], error) {
			p, err := j.x.LedgerPage(ctx, q)
			return page[cointally.Entry]{items: p.Entries, count: p.Count, hasCount: p.HasCount}, err
		},
		timeOf: func(e *cointally.Entry) time.Time { return e.Time },
		put:    j.putEntries,
	}
}

// putEntries stores entries (and cp) in one transaction and counts what
// is new.
func (j *job) putEntries(ctx context.Context, entries []cointally.Entry, cp *cointally.Checkpoint) (int, error) {
	r, err := j.s.Store.PutEntries(ctx, j.acct.ID, entries, cp)
	if err != nil {
		return 0, err
	}
	j.res.NewEntries += r.Added
	for i := range entries {
		if entries[i].Unknown {
			j.res.Unknown++
		}
	}
	if len(r.Diffs) > 0 {
		j.log.Debug("ingest: entries stored before with other values", "count", len(r.Diffs), "first", r.Diffs[0].ID)
	}
	return r.Added, nil
}

// syncLedger brings the ledger up to date: an export backfill if one is
// under way or worth starting, then a walk (resumed, backfill or
// incremental), then the completeness proof.
func (j *job) syncLedger(ctx context.Context) error {
	s := j.s
	cp, err := j.checkpoint(ctx, StreamLedger)
	if err != nil {
		return err
	}
	ecp, err := j.checkpoint(ctx, StreamExport)
	if err != nil {
		return err
	}
	exported := ecp != nil && ecp.Done && readExportState(ecp).imported()
	var first *page[cointally.Entry]
	switch {
	case ecp != nil && !ecp.Done:
		if exported, err = j.exportBackfill(ctx, ecp); err != nil {
			return err
		}
	case cp == nil && ecp == nil && !s.DisableExport && j.x.Can(cointally.CapExport):
		// The backfill's first page tells the history's size: export a
		// large one, page a small one (the page is its first).
		p, err := j.ledgerWalker().fetch(ctx, cointally.PageQuery{})
		if err != nil {
			return err
		}
		if p.hasCount && p.count >= s.exportMin() {
			if exported, err = j.exportBackfill(ctx, nil); err != nil {
				return err
			}
		} else {
			first = &p
		}
	}
	if exported {
		if ecp, err = j.checkpoint(ctx, StreamExport); err != nil {
			return err
		}
	}

	var wcp *cointally.Checkpoint
	switch {
	case cp != nil && !cp.Done:
		wcp = cp // resume where the walk stopped
	case cp != nil && cp.Done || exported:
		var boundary time.Time
		newest, err := s.Store.NewestEntry(ctx, j.acct.ID)
		switch {
		case err == nil:
			boundary = newest.Time.Add(-time.Second)
		case !cointally.IsNotFound(err):
			return err
		}
		wcp = newWalk(j.acct.ID, StreamLedger, boundary, cp)
	default:
		wcp = newWalk(j.acct.ID, StreamLedger, time.Time{}, cp) // backfill
	}
	r, err := j.ledgerWalker().run(ctx, j, wcp, first)
	if err != nil {
		return err
	}
	check, err := j.countCheck(ctx, r.cp)
	if err != nil {
		return err
	}
	if exported && !readExportState(ecp).Verified {
		if check != nil && !check.OK {
			// The export missed entries (or held others): page through
			// the whole ledger once; entries already stored are kept.
			j.note(fmt.Sprintf("After the export, Kraken counted %d ledger entries and %d were stored; "+
				"the whole ledger was read page by page to repair the gap.", check.Exchange, check.Stored))
			rr, err := j.ledgerWalker().run(ctx, j, newWalk(j.acct.ID, StreamLedger, time.Time{}, r.cp), nil)
			if err != nil {
				return err
			}
			r.fetched, r.added, r.pages = r.fetched+rr.fetched, r.added+rr.added, r.pages+rr.pages
			if check, err = j.countCheck(ctx, rr.cp); err != nil {
				return err
			}
		}
		st := readExportState(ecp)
		st.Verified = true
		ecp.State = mustJSON(st)
		if err := s.Store.PutCheckpoint(ctx, ecp); err != nil {
			return err
		}
	}
	j.res.Count = check
	if check != nil && !check.OK {
		j.note(fmt.Sprintf("Kraken counts %d ledger entries up to %s, but %d are stored.",
			check.Exchange, check.Through.Format(time.RFC3339), check.Stored))
	}
	j.res.Streams = append(j.res.Streams, StreamResult{Stream: StreamLedger, Fetched: r.fetched, Added: r.added, Pages: r.pages})
	return nil
}

// countCheck compares the exchange's count of the walk's window with the
// entries stored in it; nil if the walk got no count.
func (j *job) countCheck(ctx context.Context, cp *cointally.Checkpoint) (*CountCheck, error) {
	if !readWalkState(cp).Counted {
		return nil, nil
	}
	c := &CountCheck{Exchange: cp.Count}
	if cp.Window == "" {
		n, err := j.s.Store.EntryCount(ctx, j.acct.ID)
		if err != nil {
			return nil, err
		}
		c.Stored = n
	} else {
		through, err := parseBound(cp.Window)
		if err != nil {
			return nil, fmt.Errorf("checkpoint ledger: window: %w", err)
		}
		c.Through = through
		n, err := storedThrough(ctx, j.s.Store, j.acct, through)
		if err != nil {
			return nil, err
		}
		c.Stored = n
	}
	c.OK = c.Stored == c.Exchange
	return c, nil
}

// storedThrough counts the account's entries at or before t.
func storedThrough(ctx context.Context, st cointally.Store, a *cointally.Account, t time.Time) (int, error) {
	_, n, err := st.FindEntries(ctx, cointally.EntryFilter{UserID: a.UserID, AccountID: a.ID, To: t.Add(time.Nanosecond), Limit: 1})
	return n, err
}

// Export phases, in exportState.Phase.
const (
	exportRequested = "requested" // asked for; waiting or importing
	exportImported  = "imported"  // every row stored; the report still exists
	exportRemoved   = "removed"   // removed from the exchange: finished
	exportAbandoned = "abandoned" // given up (lost, too slow); paging instead
)

// exportState is the export checkpoint's State.
type exportState struct {
	ID        string `json:"id"`
	Tag       string `json:"tag"`
	To        string `json:"to"`        // the report's end (bound text)
	Requested string `json:"requested"` // when it was requested (bound text)
	Phase     string `json:"phase"`
	Rows      int    `json:"rows"` // rows of the file stored so far, in file order
	Verified  bool   `json:"verified,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

func readExportState(cp *cointally.Checkpoint) exportState {
	var st exportState
	if cp != nil && cp.State != "" {
		_ = json.Unmarshal([]byte(cp.State), &st)
	}
	return st
}

func (st exportState) imported() bool { return st.Phase == exportImported || st.Phase == exportRemoved }

// exportBackfill runs (or resumes, ecp not nil) the export fast path. It
// reports whether the history was imported from the export; false means
// the caller pages through the ledger instead.
func (j *job) exportBackfill(ctx context.Context, ecp *cointally.Checkpoint) (bool, error) {
	s, x := j.s, j.x
	var st exportState
	if ecp == nil {
		now := s.now()
		st = exportState{Tag: fmt.Sprintf("cointally ledger backfill (account %d)", j.acct.ID),
			To: cointally.BoundTime(now), Requested: cointally.BoundTime(now), Phase: exportRequested}
		j.emit(Progress{Stream: StreamExport, Phase: PhaseWaiting})
		id, err := x.RequestLedgerExport(ctx, time.Time{}, now, st.Tag)
		if err != nil {
			if errors.Is(err, cointally.ErrPermissionDenied) || cointally.KindOf(err) == cointally.KindInvalid {
				j.note("The ledger export could not be used (" + UserMessage(err) + "); the ledger was read page by page.")
				return false, nil
			}
			return false, fmt.Errorf("export: %w", err)
		}
		st.ID = id
		ecp = &cointally.Checkpoint{AccountID: j.acct.ID, Stream: StreamExport, State: mustJSON(st)}
		if err := s.Store.PutCheckpoint(ctx, ecp); err != nil {
			return false, err
		}
		j.log.Info("ingest: ledger export requested", "id", id)
	} else {
		st = readExportState(ecp)
	}
	if st.Phase == exportRequested {
		ready, err := j.waitExport(ctx, ecp, &st)
		if err != nil || !ready {
			return false, err
		}
		ok, err := j.importExport(ctx, ecp, &st)
		if err != nil || !ok {
			return false, err
		}
	}
	if st.Phase == exportImported {
		if err := x.RemoveExport(ctx, st.ID); err != nil && !cointally.IsNotFound(err) {
			if isCanceled(err) {
				return false, err
			}
			j.note("The finished ledger export could not be removed from Kraken (" + UserMessage(err) +
				"); it expires by itself, or remove it on Kraken's website.")
		}
		st.Phase = exportRemoved
		ecp.Done, ecp.State = true, mustJSON(st)
		if err := s.Store.PutCheckpoint(ctx, ecp); err != nil {
			return false, err
		}
	}
	j.res.Export = true
	return true, nil
}

// abandonExport records that the export is given up.
func (j *job) abandonExport(ctx context.Context, ecp *cointally.Checkpoint, st *exportState, reason string) error {
	j.note("The ledger export was not used: " + reason + "; the ledger was read page by page.")
	st.Phase, st.Reason = exportAbandoned, reason
	ecp.Done, ecp.State = true, mustJSON(*st)
	return j.s.Store.PutCheckpoint(ctx, ecp)
}

// waitExport polls until the report is processed, doubling the wait
// between polls. It reports false (after abandoning the export) if the
// report vanished or took longer than the timeout.
func (j *job) waitExport(ctx context.Context, ecp *cointally.Checkpoint, st *exportState) (bool, error) {
	s := j.s
	requested, err := parseBound(st.Requested)
	if err != nil {
		requested = s.now()
	}
	delay := orDefault(s.ExportPoll, 2*time.Second)
	maxDelay := max(orDefault(s.ExportPollMax, time.Minute), delay)
	for polls := 1; ; polls++ {
		ready, err := j.x.ExportReady(ctx, st.ID)
		switch {
		case cointally.IsNotFound(err):
			return false, j.abandonExport(ctx, ecp, st, "Kraken no longer has the requested export")
		case err != nil:
			return false, fmt.Errorf("export: %w", err)
		case ready:
			return true, nil
		}
		if waited := s.now().Sub(requested); waited > s.exportTimeout() {
			if err := j.x.RemoveExport(ctx, st.ID); err != nil && isCanceled(err) {
				return false, err
			}
			return false, j.abandonExport(ctx, ecp, st, fmt.Sprintf("Kraken had not prepared it after %s", waited.Round(time.Second)))
		}
		j.emit(Progress{Stream: StreamExport, Phase: PhaseWaiting, Pages: polls})
		if err := s.sleep(ctx, delay); err != nil {
			return false, err
		}
		delay = min(delay*2, maxDelay)
	}
}

// importExport stores the report's entries in batches, each with the
// export checkpoint counting the rows done, so a resumed import skips
// them.
//
// Reading the file and storing overlap: while one batch is being stored
// (by a second goroutine, in file order), the next one is parsed.
func (j *job) importExport(ctx context.Context, ecp *cointally.Checkpoint, st *exportState) (bool, error) {
	type batch struct {
		entries []cointally.Entry
		cp      cointally.Checkpoint // the checkpoint to commit with it
		seen    int
	}
	var (
		queue    = make(chan batch, 1)
		done     = make(chan struct{})
		mu       sync.Mutex
		storeErr error // the storer's first error
		added    int
	)
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return storeErr
	}
	go func() {
		defer close(done)
		for b := range queue {
			if failed() != nil {
				continue // drain after a failure
			}
			n, err := j.putEntries(ctx, b.entries, &b.cp)
			if err != nil {
				mu.Lock()
				storeErr = fmt.Errorf("storing exported entries: %w", err)
				mu.Unlock()
				continue
			}
			added += n
			j.emit(Progress{Stream: StreamExport, Phase: PhaseImporting, Items: b.seen, Added: added})
		}
	}()
	seen := 0
	err := j.x.RetrieveLedgerExport(ctx, st.ID, j.s.exportBatch(), func(b []cointally.Entry) error {
		if err := failed(); err != nil {
			return err
		}
		start := seen
		seen += len(b)
		if seen <= st.Rows {
			return nil // stored by an earlier, interrupted import
		}
		if start < st.Rows {
			b = b[st.Rows-start:]
		}
		st.Rows = seen
		cp := *ecp
		cp.State = mustJSON(*st)
		select {
		case queue <- batch{entries: b, cp: cp, seen: seen}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(queue)
	<-done
	if serr := failed(); serr != nil {
		err = serr // the cause; the reader may have stopped because of it
	}
	ecp.State = mustJSON(*st)
	if cointally.IsNotFound(err) {
		return false, j.abandonExport(ctx, ecp, st, "Kraken no longer has the requested export")
	}
	if err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	st.Phase = exportImported
	ecp.State = mustJSON(*st)
	if err := j.s.Store.PutCheckpoint(ctx, ecp); err != nil {
		return false, err
	}
	j.res.Streams = append(j.res.Streams, StreamResult{Stream: StreamExport, Fetched: seen, Added: added})
	j.emit(Progress{Stream: StreamExport, Phase: PhaseDone, Items: seen, Added: added})
	return true, nil
}

// syncTrades walks the trades (with their ledger links).
func (j *job) syncTrades(ctx context.Context) (StreamResult, error) {
	w := &walker[cointally.Trade]{
		stream: StreamTrades,
		call:   cointally.CallTradePage,
		fetch: func(ctx context.Context, q cointally.PageQuery) (page[cointally.Trade], error) {
			p, err := j.x.TradePage(ctx, q)
			return page[cointally.Trade]{items: p.Trades, count: p.Count, hasCount: p.HasCount}, err
		},
		timeOf: func(t *cointally.Trade) time.Time { return t.Time },
		put: func(ctx context.Context, items []cointally.Trade, cp *cointally.Checkpoint) (int, error) {
			return j.s.Store.PutTrades(ctx, j.acct.ID, items, cp)
		},
	}
	return j.walkStream(ctx, w.stream, func(cp *cointally.Checkpoint) (walkResult, error) { return w.run(ctx, j, cp, nil) })
}

// syncOrders walks the closed orders, by close time.
func (j *job) syncOrders(ctx context.Context) (StreamResult, error) {
	w := &walker[cointally.Order]{
		stream: StreamOrders,
		call:   cointally.CallClosedOrderPage,
		fetch: func(ctx context.Context, q cointally.PageQuery) (page[cointally.Order], error) {
			p, err := j.x.ClosedOrderPage(ctx, q)
			return page[cointally.Order]{items: p.Orders, count: p.Count, hasCount: p.HasCount}, err
		},
		timeOf: func(o *cointally.Order) time.Time {
			if o.Closed.IsZero() {
				return o.Opened
			}
			return o.Closed
		},
		put: func(ctx context.Context, items []cointally.Order, cp *cointally.Checkpoint) (int, error) {
			return j.s.Store.PutOrders(ctx, j.acct.ID, items, cp)
		},
	}
	return j.walkStream(ctx, w.stream, func(cp *cointally.Checkpoint) (walkResult, error) { return w.run(ctx, j, cp, nil) })
}

// walkStream resumes or starts a walk of a stream other than the ledger.
func (j *job) walkStream(ctx context.Context, stream string, run func(*cointally.Checkpoint) (walkResult, error)) (StreamResult, error) {
	prev, err := j.checkpoint(ctx, stream)
	if err != nil {
		return StreamResult{}, err
	}
	cp, err := resumeOrNew(j.acct.ID, stream, prev)
	if err != nil {
		return StreamResult{}, err
	}
	r, err := run(cp)
	return StreamResult{Fetched: r.fetched, Added: r.added, Pages: r.pages}, err
}

func (j *job) syncOpenOrders(ctx context.Context) (StreamResult, error) {
	open, err := j.x.OpenOrders(ctx)
	if err != nil {
		return StreamResult{}, err
	}
	if err := j.s.Store.ReplaceOpenOrders(ctx, j.acct.ID, open); err != nil {
		return StreamResult{}, err
	}
	j.emit(Progress{Stream: StreamOpenOrders, Phase: PhaseDone, Items: len(open)})
	return StreamResult{Fetched: len(open), Pages: 1}, nil
}

func (j *job) syncBalances(ctx context.Context) (StreamResult, error) {
	bal, err := j.x.Balances(ctx)
	if err != nil {
		return StreamResult{}, err
	}
	if err := j.s.Store.PutBalances(ctx, j.acct.ID, j.s.now(), bal); err != nil {
		return StreamResult{}, err
	}
	j.emit(Progress{Stream: StreamBalances, Phase: PhaseDone, Items: len(bal)})
	return StreamResult{Fetched: len(bal), Pages: 1}, nil
}

// fundingState is a funding stream's checkpoint State.
type fundingState struct {
	Newest string `json:"newest,omitempty"` // time of the newest item seen (bound text)
}

// syncFunding reads the status of deposits or withdrawals from a week
// before the newest one known (all the exchange keeps, the first time).
func (j *job) syncFunding(ctx context.Context, kind, stream string) (StreamResult, error) {
	cp, err := j.checkpoint(ctx, stream)
	if err != nil {
		return StreamResult{}, err
	}
	var st fundingState
	var since time.Time
	if cp != nil {
		_ = json.Unmarshal([]byte(cp.State), &st)
		if t, err := parseBound(st.Newest); err == nil {
			since = t.Add(-j.s.fundingLookback())
		}
	}
	items, err := j.x.Funding(ctx, cointally.FundingQuery{Kind: kind, Since: since})
	if err != nil {
		return StreamResult{}, err
	}
	added := 0
	if len(items) > 0 {
		if added, err = j.s.Store.PutFunding(ctx, j.acct.ID, items); err != nil {
			return StreamResult{}, err
		}
	}
	newest, _ := parseBound(st.Newest)
	for _, it := range items {
		if it.Time.After(newest) {
			newest = it.Time
			st.Newest = cointally.BoundTime(it.Time)
		}
	}
	next := &cointally.Checkpoint{AccountID: j.acct.ID, Stream: stream, Done: true, Count: len(items), State: mustJSON(st)}
	if err := j.s.Store.PutCheckpoint(ctx, next); err != nil {
		return StreamResult{}, err
	}
	j.emit(Progress{Stream: stream, Phase: PhaseDone, Items: len(items), Added: added})
	return StreamResult{Fetched: len(items), Added: added, Pages: 1}, nil
}
