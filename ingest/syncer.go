package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

// Syncer imports exchange accounts into a store. Set Store and Connect; the
// other fields have defaults. A Syncer is safe for concurrent use; syncs of
// different accounts may run at once, syncs of one account never do.
type Syncer struct {
	// Store keeps everything (required).
	Store cointally.Store
	// Connect returns the Exchange for an account: its API client with the
	// account's key (required for Sync; Reconcile does not need it).
	Connect func(ctx context.Context, a *cointally.Account) (cointally.Exchange, error)
	// Logger receives progress and problems (default: discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Sleep waits between export status polls (default: a timer that
	// returns early with ctx's error).
	Sleep func(ctx context.Context, d time.Duration) error
	// Owner names this process and job in the store's account lock, shown
	// to whoever is refused (default "ingest"). Give each process its own.
	Owner string
	// LockTTL is how long the lock outlives a process that died without
	// releasing it (default 2 minutes); a running sync renews it every
	// third of that.
	LockTTL time.Duration
	// NormalizeAsset maps an asset code to its base asset and suffix (the
	// connector's function, e.g. kraken.NormalizeAsset). Reconcile uses it
	// to pair a ledger chain with a live balance written in another form;
	// nil pairs exact codes only.
	NormalizeAsset func(code string) (base, suffix string)

	// PageSize is the exchange's page size: a shorter page ends a walk
	// (default 50, Kraken's).
	PageSize int
	// DisableExport turns the export fast path off.
	DisableExport bool
	// ExportMinEntries is the smallest history (by the exchange's count)
	// for which a backfill uses the export when the key allows it (default
	// 2500, 50 pages): smaller ones are quicker to page.
	ExportMinEntries int
	// ExportPoll and ExportPollMax bound the wait between export status
	// polls: it starts at ExportPoll and doubles up to ExportPollMax
	// (defaults 2 s and 1 minute).
	ExportPoll, ExportPollMax time.Duration
	// ExportTimeout is how long a requested export may take before the sync
	// cancels it and pages instead (default 2 hours).
	ExportTimeout time.Duration
	// ExportBatch is the number of exported entries stored per transaction
	// (default 5000).
	ExportBatch int
	// FundingLookback is how far before the newest known deposit or
	// withdrawal their status is read again, to see pending ones settle
	// (default 7 days).
	FundingLookback time.Duration

	mu      sync.Mutex
	running map[int64]bool
}

func (s *Syncer) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Syncer) sleep(ctx context.Context, d time.Duration) error {
	if s.Sleep != nil {
		return s.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func (s *Syncer) owner() string          { return orDefault(s.Owner, "ingest") }
func (s *Syncer) lockTTL() time.Duration { return orDefault(s.LockTTL, 2*time.Minute) }
func (s *Syncer) pageSize() int          { return orDefault(s.PageSize, 50) }
func (s *Syncer) exportMin() int         { return orDefault(s.ExportMinEntries, 2500) }
func (s *Syncer) exportBatch() int       { return orDefault(s.ExportBatch, 5000) }
func (s *Syncer) exportTimeout() time.Duration {
	return orDefault(s.ExportTimeout, 2*time.Hour)
}
func (s *Syncer) fundingLookback() time.Duration { return orDefault(s.FundingLookback, 7*24*time.Hour) }

// Result is what one sync did.
type Result struct {
	AccountID int64  `json:"account_id"`
	Account   string `json:"account"`
	// Run is the sync's record as stored.
	Run cointally.SyncRun `json:"run"`
	// NewEntries counts ledger entries stored for the first time.
	NewEntries int `json:"new_entries"`
	// Unknown counts new entries whose type the connector does not know;
	// they are stored and flagged (cointally.Entry.Unknown).
	Unknown int `json:"unknown"`
	// Streams says what each stream did, in sync order.
	Streams []StreamResult `json:"streams"`
	// Export is set when the backfill went through the export report.
	Export bool `json:"export"`
	// Count is the completeness proof of the ledger: the exchange's count
	// against the stored count (nil if the exchange gave none).
	Count *CountCheck `json:"count,omitempty"`
	// Reconciliation is the account's reconciliation after the sync.
	Reconciliation *AccountReport `json:"reconciliation,omitempty"`
}

// StreamResult is what the sync did with one stream.
type StreamResult struct {
	Stream  string `json:"stream"`
	Fetched int    `json:"fetched"` // items received from the exchange
	Added   int    `json:"added"`   // items stored for the first time
	Pages   int    `json:"pages"`   // pages (calls) of a paged stream
	// Skipped says, in the user's words, why the stream was not synced
	// (a permission the key lacks); empty when it was.
	Skipped string `json:"skipped,omitempty"`
}

// CountCheck compares the exchange's count of ledger entries up to Through
// with the entries stored up to then.
type CountCheck struct {
	Exchange int       `json:"exchange"`
	Stored   int       `json:"stored"`
	Through  time.Time `json:"through"`
	OK       bool      `json:"ok"`
}

// Stream names, as used in checkpoints, results and progress events.
const (
	StreamLedger     = "ledger"
	StreamExport     = "export"
	StreamTrades     = "trades"
	StreamOrders     = "orders"
	StreamOpenOrders = "open-orders"
	StreamBalances   = "balances"
	StreamDeposits   = "deposits"
	StreamWithdraws  = "withdrawals"
	StreamReconcile  = "reconcile"
)

// Sync imports one account: it resumes an interrupted walk where it
// stopped, or backfills a new account, or fetches what is new, then
// reconciles. progress, if not nil, is called after each page and phase,
// one call at a time (from Sync's goroutine, or while an export is
// imported from the goroutine that stores it).
//
// The result is returned also when err is not nil (as far as the sync
// got), except for a Conflict. Errors are *cointally.Error kinds wrapped
// with the account and stream:
//
//   - KindConflict: another sync of the account holds the lock (nothing
//     was done, no run recorded).
//   - KindUnauthorized: the exchange rejected the key (or a permission the
//     ledger needs). Sync has set the account's Status to
//     cointally.StatusNeedsNewKey with the reason; KeyRejected gives it.
//   - KindUnavailable: the exchange could not be reached; what was stored
//     stays, and the next sync continues from there.
//   - a context error if ctx was canceled: the run is recorded as
//     interrupted and the next sync resumes.
//
// On success the account's LastSync and KeyLastUsed are set and its
// Status becomes ok; after another failure it becomes StatusError with
// the reason. Sync does not change an account when it is interrupted.
func (s *Syncer) Sync(ctx context.Context, a *cointally.Account, progress func(Progress)) (*Result, error) {
	op := "sync " + a.Name
	if s.Store == nil || s.Connect == nil {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindInvalid, Message: "the syncer needs a store and a Connect function"}
	}
	if !s.claim(a.ID) {
		return nil, &cointally.Error{Op: op, Kind: cointally.KindConflict,
			Message: fmt.Sprintf("a sync of account %s is already running in this process", a.Name)}
	}
	defer s.release(a.ID)
	unlock, err := s.Store.TryLockAccount(ctx, a.ID, s.owner(), s.lockTTL())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer unlock()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := s.renewLock(ctx, cancel, a.ID)
	defer stopRenew()

	j := &job{s: s, acct: a, progress: progress, log: s.logger().With("account", a.Name),
		res: &Result{AccountID: a.ID, Account: a.Name}}
	run := &j.res.Run
	run.AccountID, run.Started = a.ID, s.now()
	if err := s.Store.StartRun(ctx, run); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	err = j.run(ctx)
	if cause := context.Cause(ctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		err = fmt.Errorf("%w (%w)", err, cause)
	}
	j.finish(ctx, err)
	if err != nil {
		return j.res, fmt.Errorf("%s: %w", op, err)
	}
	return j.res, nil
}

// claim marks the account as syncing in this process.
func (s *Syncer) claim(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running == nil {
		s.running = map[int64]bool{}
	}
	if s.running[id] {
		return false
	}
	s.running[id] = true
	return true
}

func (s *Syncer) release(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, id)
}

// renewLock extends the account lock every third of its TTL until the
// returned stop is called; if the lock is lost, the sync is canceled.
func (s *Syncer) renewLock(ctx context.Context, cancel context.CancelCauseFunc, id int64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(s.lockTTL()/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := s.Store.TryLockAccount(ctx, id, s.owner(), s.lockTTL()); err != nil && ctx.Err() == nil {
					s.logger().Warn("ingest: lost the account lock", "account", id, "error", err)
					cancel(fmt.Errorf("the account lock was lost: %w", err))
					return
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// KeyRejected reports whether err (from Sync or an Exchange) means that the
// exchange rejects the account's key, and returns the reason in the user's
// words: the account needs a new key (cointally.StatusNeedsNewKey).
func KeyRejected(err error) (reason string, ok bool) {
	if !cointally.IsUnauthorized(err) {
		return "", false
	}
	return UserMessage(err), true
}

// UserMessage returns the Message of the first *cointally.Error in err's
// chain that has one, or err's text.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var ce *cointally.Error
	for e := err; e != nil && errors.As(e, &ce); e = ce.Err {
		if ce.Message != "" {
			return ce.Message
		}
	}
	return err.Error()
}

// MarkNeedsNewKey sets the account's status to cointally.StatusNeedsNewKey
// with the reason, so that syncs skip it until the key is replaced.
func (s *Syncer) MarkNeedsNewKey(ctx context.Context, accountID int64, reason string) error {
	return s.updateAccount(ctx, accountID, func(a *cointally.Account) {
		a.Status, a.StatusReason = cointally.StatusNeedsNewKey, reason
	})
}

func (s *Syncer) updateAccount(ctx context.Context, id int64, change func(*cointally.Account)) error {
	a, err := s.Store.AccountByID(ctx, id)
	if err != nil {
		return err
	}
	change(a)
	return s.Store.UpdateAccount(ctx, a)
}

// job is one running sync.
type job struct {
	s        *Syncer
	acct     *cointally.Account
	x        cointally.Exchange
	progress func(Progress)
	log      *slog.Logger
	res      *Result
	base     cointally.ExchangeStats // the exchange's stats when the job began
	notes    []string
}

func (j *job) run(ctx context.Context) error {
	x, err := j.s.Connect(ctx, j.acct)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	j.x = x
	j.base = x.Stats()
	if err := j.syncLedger(ctx); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	for _, st := range []struct {
		name string
		cap  cointally.Capability
		fn   func(context.Context) (StreamResult, error)
	}{
		{StreamTrades, cointally.CapTrades, j.syncTrades},
		{StreamOrders, cointally.CapTrades, j.syncOrders},
		{StreamOpenOrders, cointally.CapOpenOrders, j.syncOpenOrders},
		{StreamBalances, cointally.CapBalances, j.syncBalances},
		{StreamDeposits, cointally.CapDeposits, func(ctx context.Context) (StreamResult, error) {
			return j.syncFunding(ctx, "deposit", StreamDeposits)
		}},
		{StreamWithdraws, cointally.CapWithdrawals, func(ctx context.Context) (StreamResult, error) {
			return j.syncFunding(ctx, "withdrawal", StreamWithdraws)
		}},
	} {
		if !x.Can(st.cap) {
			j.skip(st.name, "the API key does not allow it")
			continue
		}
		r, err := st.fn(ctx)
		if errors.Is(err, cointally.ErrPermissionDenied) {
			j.skip(st.name, UserMessage(err))
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		r.Stream = st.name
		j.res.Streams = append(j.res.Streams, r)
	}
	j.emit(Progress{Stream: StreamReconcile, Phase: PhaseWorking})
	rep, err := j.s.Reconcile(ctx, j.acct.ID)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if len(rep.Accounts) == 1 {
		j.res.Reconciliation = &rep.Accounts[0]
	}
	j.emit(Progress{Stream: StreamReconcile, Phase: PhaseDone})
	return nil
}

// skip records an optional stream that was not synced.
func (j *job) skip(stream, why string) {
	msg := fmt.Sprintf("%s not synced: %s", streamTitle(stream), why)
	j.log.Info("ingest: stream skipped", "stream", stream, "reason", why)
	j.res.Streams = append(j.res.Streams, StreamResult{Stream: stream, Skipped: why})
	j.notes = append(j.notes, msg)
}

func streamTitle(stream string) string {
	switch stream {
	case StreamTrades:
		return "Trades"
	case StreamOrders:
		return "Closed orders"
	case StreamOpenOrders:
		return "Open orders"
	case StreamBalances:
		return "Live balances"
	case StreamDeposits:
		return "Deposit status"
	case StreamWithdraws:
		return "Withdrawal status"
	}
	return stream
}

// finish records the run and updates the account's status.
func (j *job) finish(ctx context.Context, err error) {
	s := j.s
	run := &j.res.Run
	run.Ended = s.now()
	if j.x != nil {
		st := j.x.Stats()
		run.Calls = int(st.Calls - j.base.Calls)
		if n := st.Retries - j.base.Retries; n > 0 {
			j.notes = append(j.notes, fmt.Sprintf("%d requests to %s failed and were retried", n, j.x.Name()))
		}
	}
	run.NewEntries = j.res.NewEntries
	run.Errors = append([]string{}, j.notes...)
	interrupted := err != nil && ctx.Err() != nil
	switch {
	case err == nil:
		run.Outcome = cointally.OutcomeOK
	case interrupted:
		run.Outcome = cointally.OutcomeInterrupted
		run.Errors = append(run.Errors, "The sync was interrupted; the next sync continues where it stopped.")
	default:
		run.Outcome = cointally.OutcomeFailed
		run.Errors = append(run.Errors, UserMessage(err))
	}
	if r := j.res.Reconciliation; r != nil {
		run.Reconciled, run.Summary = true, r.Summary
	}
	// Recording must happen even when ctx was canceled.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := s.Store.FinishRun(wctx, run); ferr != nil {
		j.log.Error("ingest: recording the sync run failed", "error", ferr)
	}
	var change func(*cointally.Account)
	switch {
	case err == nil:
		now := s.now()
		change = func(a *cointally.Account) {
			a.Status, a.StatusReason, a.LastSync, a.KeyLastUsed = cointally.StatusOK, "", now, now
		}
	case interrupted || cointally.KindOf(err) == cointally.KindConflict:
	case cointally.IsUnauthorized(err):
		reason := UserMessage(err)
		change = func(a *cointally.Account) { a.Status, a.StatusReason = cointally.StatusNeedsNewKey, reason }
	default:
		reason := UserMessage(err)
		change = func(a *cointally.Account) {
			if a.Status != cointally.StatusNeedsNewKey {
				a.Status, a.StatusReason = cointally.StatusError, reason
			}
		}
	}
	if change != nil {
		if uerr := s.updateAccount(wctx, j.acct.ID, change); uerr != nil {
			j.log.Error("ingest: updating the account status failed", "error", uerr)
		}
	}
}

// checkpoint returns the account's checkpoint for stream, nil if none.
func (j *job) checkpoint(ctx context.Context, stream string) (*cointally.Checkpoint, error) {
	cp, err := j.s.Store.Checkpoint(ctx, j.acct.ID, stream)
	if cointally.IsNotFound(err) {
		return nil, nil
	}
	return cp, err
}

// note records a problem for the run, in user words.
func (j *job) note(msg string) {
	j.notes = append(j.notes, msg)
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
