package ingest_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/ingest"
)

const historySize = 2000

func defaultScenario() *krakensim.Scenario { return scenario(historySize, fastTier) }

// TestFullAndIncremental: a backfill stores every entry Kraken counts, the
// balances match, and a second sync costs one Ledgers call.
func TestFullAndIncremental(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	var events []ingest.Progress
	res := db.sync(t, s, func(p ingest.Progress) { events = append(events, p) })

	want := sim.simIDs()
	if got := db.ids(t); !slices.Equal(got, want) {
		t.Fatalf("stored %d entries, Kraken has %d", len(got), len(want))
	}
	if res.Count == nil || !res.Count.OK || res.Count.Exchange != len(want) {
		t.Errorf("count check %+v, want %d", res.Count, len(want))
	}
	if res.NewEntries != len(want) || res.Run.Outcome != cointally.OutcomeOK || res.Export {
		t.Errorf("result: %d new entries, outcome %s, export %v", res.NewEntries, res.Run.Outcome, res.Export)
	}
	rec := res.Reconciliation
	if rec == nil || !rec.OK {
		t.Fatalf("reconciliation: %+v", rec)
	}
	for _, ch := range rec.Chains {
		if ch.LiveBalance == nil || !ch.Difference.IsZero() {
			t.Errorf("chain %s: ledger %s live %v", ch.Asset, ch.LedgerBalance, ch.LiveBalance)
		}
	}
	for _, stream := range []string{ingest.StreamLedger, ingest.StreamTrades, ingest.StreamOrders,
		ingest.StreamOpenOrders, ingest.StreamBalances, ingest.StreamDeposits, ingest.StreamWithdraws} {
		if !slices.ContainsFunc(res.Streams, func(r ingest.StreamResult) bool { return r.Stream == stream && r.Skipped == "" }) {
			t.Errorf("stream %s missing from %+v", stream, res.Streams)
		}
	}
	// Progress: the ledger walk reports totals and ETAs, and ends done.
	var ledgerEvents, withTotal int
	for _, e := range events {
		if e.Stream == ingest.StreamLedger {
			ledgerEvents++
			if e.Total == len(want) {
				withTotal++
			}
		}
	}
	if ledgerEvents < historySize/50 || withTotal == 0 {
		t.Errorf("%d ledger progress events, %d with the total", ledgerEvents, withTotal)
	}
	runs, err := db.st.Runs(context.Background(), db.acct.ID, 0)
	if err != nil || len(runs) != 1 || !runs[0].Reconciled || runs[0].Calls == 0 || runs[0].NewEntries != len(want) {
		t.Fatalf("runs %+v %v", runs, err)
	}
	if a := db.account(t); a.LastSync.IsZero() || a.Status != cointally.StatusOK {
		t.Errorf("account after sync: %+v", a)
	}

	before := sim.stats(t, "ro").Calls
	res2 := db.sync(t, s, nil)
	after := sim.stats(t, "ro").Calls
	for _, m := range []string{"Ledgers", "TradesHistory", "ClosedOrders", "OpenOrders", "Balance", "DepositStatus", "WithdrawStatus"} {
		if n := after[m] - before[m]; n != 1 {
			t.Errorf("second sync made %d %s calls, want 1", n, m)
		}
	}
	if res2.NewEntries != 0 || !res2.Count.OK || !res2.Reconciliation.OK || res2.Run.Calls != 7 {
		t.Errorf("second sync: %d new, count %+v, reconciled %v, %d calls", res2.NewEntries, res2.Count,
			res2.Reconciliation.OK, res2.Run.Calls)
	}
}

// TestActivityDuringBackfill adds activity between pages of a backfill:
// the fixed window keeps the walk consistent, and the next sync brings the
// new entries, none lost, none twice.
func TestActivityDuringBackfill(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	added := 0
	db.sync(t, s, func(p ingest.Progress) {
		if p.Stream == ingest.StreamLedger && p.Pages%7 == 3 && added < 5 {
			sim.addActivity(t, 15)
			added++
		}
	})
	if added == 0 {
		t.Fatal("no activity was added")
	}
	if got := len(db.ids(t)); got >= len(sim.simIDs()) {
		t.Fatalf("the first sync stored %d entries; the new ones should come with the next sync", got)
	}
	res := db.sync(t, s, nil)
	if got, want := db.ids(t), sim.simIDs(); !slices.Equal(got, want) {
		t.Fatalf("after the second sync: %d entries stored, Kraken has %d", len(got), len(want))
	}
	if !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("count %+v, reconciliation %s", res.Count, res.Reconciliation.Summary)
	}
}

// TestFaults syncs through 10% injected faults of every kind and gets the
// same store as a fault-free sync.
func TestFaults(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	sim.sim.SetFaults(krakensim.Faults{Rate: 0.1, Seed: 3, SlowMin: time.Millisecond, SlowMax: 20 * time.Millisecond})
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if _, err = s.Sync(context.Background(), db.account(t), nil); err == nil {
			break
		}
		t.Logf("attempt %d: %v", attempt, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	faults := sim.stats(t, "ro").Faults
	if len(faults) < 4 {
		t.Errorf("only faults %v were injected", faults)
	}
	diffDumps(t, db.dump(t, false), referenceDump(t, "default", defaultScenario, false))
}

// TestQueryRangeKey: a key limited to a date range makes the import look
// complete (the count matches) but the chains start with a break.
func TestQueryRangeKey(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	db := newDB(t)
	res := db.sync(t, db.syncer(t, sim, "ranged", fastClient), nil)
	from := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range db.entries(t) {
		if e.Time.Before(from) {
			t.Fatalf("entry %s at %v is outside the key's range", e.ID, e.Time)
		}
	}
	if !res.Count.OK {
		t.Errorf("count %+v", res.Count)
	}
	rec := res.Reconciliation
	if rec.OK {
		t.Fatal("reconciliation of a date-limited history is ok")
	}
	starts := 0
	for _, ch := range rec.Chains {
		for _, b := range ch.Breaks {
			if b.Before != "" {
				t.Errorf("chain %s has a break inside (%s..%s)", ch.Asset, b.Before, b.After)
			}
			starts++
		}
		// A chain with entries in the range ends at the live balance; an
		// asset whose entries all lie before the range shows only live.
		if ch.Difference != nil && !ch.Difference.IsZero() && ch.Entries > 0 {
			t.Errorf("chain %s ends at %s, live %s", ch.Asset, ch.LedgerBalance, ch.LiveBalance)
		}
	}
	if starts == 0 || !strings.Contains(rec.Summary, "break") {
		t.Errorf("no break at the start of a chain: %s", rec.Summary)
	}
}

// TestUnknownTypes: an entry of a type nobody knows is stored, flagged,
// and does not stop the sync.
func TestUnknownTypes(t *testing.T) {
	t.Parallel()
	sim := startSim(t, scenario(300, fastTier))
	a := sim.sim.Account("alice")
	a.Mu.Lock()
	last := a.Entries[len(a.Entries)-1]
	bal := a.Balances()["ZEUR"]
	e := krakensim.Entry{ID: "LUNKNW-TYPEA-AAAAAA", RefID: "FTunknowntype", Time: last.Time + 10_000,
		Type: "hybridearnwithdrawal", Subtype: "", Aclass: "currency", Asset: "ZEUR", Amount: 12_3400, Balance: bal + 12_3400}
	a.Entries = append(a.Entries, e)
	a.EntryIndex[e.ID] = len(a.Entries) - 1
	a.Mu.Unlock()

	db := newDB(t)
	res := db.sync(t, db.syncer(t, sim, "ro", fastClient), nil)
	if res.Unknown < 1 {
		t.Errorf("result counts %d unknown entries", res.Unknown)
	}
	found := false
	for _, x := range db.entries(t) {
		if x.ID == e.ID {
			found = true
			if !x.Unknown || x.Type != "hybridearnwithdrawal" || x.Amount.String() != "12.34" {
				t.Errorf("stored as %+v", x)
			}
		} else if x.Unknown {
			t.Errorf("entry %s (%s/%s) flagged unknown", x.ID, x.Type, x.Subtype)
		}
	}
	if !found || !res.Reconciliation.OK {
		t.Errorf("found %v, reconciliation %s", found, res.Reconciliation.Summary)
	}
}

// TestConcurrentSyncs: while one sync runs, a second one (another process,
// or this one again) gets a Conflict, and the data stay consistent.
func TestConcurrentSyncs(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	db := newDB(t)
	first := db.syncer(t, sim, "ro", fastClient)
	first.Owner = "process-1"
	second := db.syncer(t, sim, "ro2", fastClient)
	second.Owner = "process-2"
	var errOther, errSame error
	var once atomic.Bool
	res := db.sync(t, first, func(p ingest.Progress) {
		if p.Stream == ingest.StreamLedger && p.Pages == 3 && once.CompareAndSwap(false, true) {
			_, errOther = second.Sync(context.Background(), db.account(t), nil)
			_, errSame = first.Sync(context.Background(), db.account(t), nil)
		}
	})
	for name, err := range map[string]error{"other process": errOther, "same process": errSame} {
		if cointally.KindOf(err) != cointally.KindConflict {
			t.Errorf("%s: %v, want a Conflict", name, err)
		}
	}
	if got, want := db.ids(t), sim.simIDs(); !slices.Equal(got, want) || !res.Reconciliation.OK {
		t.Errorf("%d entries stored, %d in Kraken; %s", len(got), len(want), res.Reconciliation.Summary)
	}
	if runs, _ := db.st.Runs(context.Background(), db.acct.ID, 0); len(runs) != 1 {
		t.Errorf("%d runs recorded, want 1", len(runs))
	}
	// Released: the other process can sync now.
	if _, err := second.Sync(context.Background(), db.account(t), nil); err != nil {
		t.Fatal(err)
	}
}

// TestReconcileFindsDeletedEntry deletes one row behind the store's back:
// reconciliation names the entries around the gap and the amount missing.
func TestReconcileFindsDeletedEntry(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	db.sync(t, s, nil)

	// A deposit in the middle of its asset's chain, alone at its time.
	var chain []*cointally.Entry
	var victim int
	entries := db.entries(t)
	byAsset := map[string][]*cointally.Entry{}
	for _, e := range entries {
		byAsset[e.Asset] = append(byAsset[e.Asset], e)
	}
	for _, list := range byAsset {
		for i := 2; i < len(list)-2 && chain == nil; i++ {
			e := list[i]
			if e.Type == "deposit" && !list[i-1].Time.Equal(e.Time) && !list[i+1].Time.Equal(e.Time) &&
				!list[i-2].Time.Equal(list[i-1].Time) && !list[i+2].Time.Equal(list[i+1].Time) {
				chain, victim = list, i
			}
		}
	}
	if chain == nil {
		t.Fatal("no deposit to delete")
	}
	gone := chain[victim]
	raw, err := sql.Open("sqlite", db.path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if r, err := raw.Exec(`DELETE FROM ledger_entries WHERE account_id = ? AND id = ?`, db.acct.ID, gone.ID); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("deleted %d rows", n)
	}

	rep, err := s.Reconcile(context.Background(), db.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	ar := rep.Accounts[0]
	if ar.OK || ar.Count == nil || ar.Count.OK || ar.Count.Stored != ar.Count.Exchange-1 {
		t.Errorf("report ok %v, count %+v", ar.OK, ar.Count)
	}
	var found []ingest.Break
	for _, ch := range ar.Chains {
		if ch.Asset == gone.Asset {
			found = ch.Breaks
		} else if len(ch.Breaks) > 0 {
			t.Errorf("chain %s has breaks %+v", ch.Asset, ch.Breaks)
		}
	}
	want := ingest.Break{Before: chain[victim-1].ID, After: chain[victim+1].ID, Time: chain[victim+1].Time,
		Missing: gone.Amount.Sub(gone.Fee)}
	if len(found) != 1 || found[0].Before != want.Before || found[0].After != want.After ||
		!found[0].Missing.Equal(want.Missing) || !found[0].Time.Equal(want.Time) {
		t.Fatalf("breaks %+v, want one %+v", found, want)
	}
	if !strings.Contains(ar.Summary, gone.Asset) {
		t.Errorf("summary %q does not name %s", ar.Summary, gone.Asset)
	}
}

// TestExportFastPath: with the export permission a large backfill goes
// through AddExport/RetrieveExport and ends with the same entries as
// paging (times to the second, the CSV's precision).
func TestExportFastPath(t *testing.T) {
	t.Parallel()
	sim := startSim(t, defaultScenario())
	sim.sim.ExportDelay = 0
	db := newDB(t)
	s := db.syncer(t, sim, "exp", fastClient)
	s.ExportMinEntries = 1000
	var slept []time.Duration
	s.Sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	res := db.sync(t, s, nil)
	if !res.Export {
		t.Fatal("the export was not used")
	}
	calls := sim.stats(t, "exp").Calls
	for m, want := range map[string]int{"AddExport": 1, "RetrieveExport": 1, "RemoveExport": 1} {
		if calls[m] != want {
			t.Errorf("%s called %d times, want %d", m, calls[m], want)
		}
	}
	if calls["Ledgers"] > 3 {
		t.Errorf("%d Ledgers calls besides the export", calls["Ledgers"])
	}
	if !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("count %+v, reconciliation %s", res.Count, res.Reconciliation.Summary)
	}
	diffDumps(t, db.dump(t, true), referenceDump(t, "default", defaultScenario, true))
	// Later syncs page as usual.
	before := sim.stats(t, "exp").Calls
	res2 := db.sync(t, s, nil)
	if after := sim.stats(t, "exp").Calls; after["Ledgers"]-before["Ledgers"] != 1 || after["AddExport"] != 1 {
		t.Errorf("second sync: %d Ledgers calls, %d exports", after["Ledgers"]-before["Ledgers"], after["AddExport"])
	}
	if res2.Export || !res2.Count.OK {
		t.Errorf("second sync: export %v, count %+v", res2.Export, res2.Count)
	}
}

// TestExportPolling: the sync polls a slow export with growing waits, and
// a sync canceled while polling resumes the same report.
func TestExportPolling(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
	sim := startSim(t, defaultScenario(), krakensim.WithClock(clock.Now))
	sim.sim.ExportDelay = 5 * time.Minute
	db := newDB(t)
	s := db.syncer(t, sim, "exp", fastClient)
	s.ExportMinEntries, s.Now = 1000, clock.Now
	ctx, cancel := context.WithCancel(context.Background())
	var waits []time.Duration
	s.Sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if len(waits) == 3 {
			cancel() // the process stops while waiting
			return ctx.Err()
		}
		return clock.Sleep(ctx, d)
	}
	_, err := s.Sync(ctx, db.account(t), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled sync: %v", err)
	}
	if runs, _ := db.st.Runs(context.Background(), db.acct.ID, 1); len(runs) != 1 || runs[0].Outcome != cointally.OutcomeInterrupted {
		t.Errorf("run %+v", runs)
	}
	if !slices.Equal(waits, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second}) {
		t.Errorf("waits %v", waits)
	}
	s.Sleep = clock.Sleep
	res := db.sync(t, s, nil)
	if st := sim.stats(t, "exp"); st.Calls["AddExport"] != 1 {
		t.Errorf("%d exports requested, want 1", st.Calls["AddExport"])
	}
	if !res.Export || !res.Count.OK || !res.Reconciliation.OK {
		t.Errorf("export %v count %+v: %s", res.Export, res.Count, res.Reconciliation.Summary)
	}
}

// TestRateLimit syncs at Kraken's starter tier (15 points, 0.33/s) with a
// fake clock that the client's waits advance: no call is refused.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)}
	sim := startSim(t, scenario(1200, &krakensim.RateLimitSpec{Tier: "starter"}), krakensim.WithClock(clock.Now))
	db := newDB(t)
	s := db.syncer(t, sim, "ro", clientConfig{tier: kraken.TierStarter, clock: clock.Now, sleep: clock.Sleep})
	s.Now = clock.Now
	start := clock.Now()
	var etas []time.Duration
	res := db.sync(t, s, func(p ingest.Progress) {
		if p.Stream == ingest.StreamLedger && p.ETA > 0 {
			etas = append(etas, p.ETA)
		}
	})
	st := sim.stats(t, "ro")
	if n := st.Errors["EAPI:Rate limit exceeded"]; n != 0 {
		t.Errorf("%d rate-limit errors", n)
	}
	if !res.Count.OK {
		t.Errorf("count %+v", res.Count)
	}
	// The ETA of the first pages predicts the walk's remaining time.
	if len(etas) < 5 || etas[0] < 30*time.Second {
		t.Errorf("ETAs %v", etas[:min(len(etas), 5)])
	}
	t.Logf("%d calls in %v of Kraken time", res.Run.Calls, clock.Now().Sub(start))
}

// TestKeyRejected: a key Kraken does not know moves the account to
// needs-new-key with the reason.
func TestKeyRejected(t *testing.T) {
	t.Parallel()
	sim := startSim(t, scenario(100, fastTier))
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	s.Connect = connectWith(sim.url, "revoked", keySecret("ro"), readOnly, fastClient)
	_, err := s.Sync(context.Background(), db.account(t), nil)
	reason, ok := ingest.KeyRejected(err)
	if !ok || !strings.Contains(reason, "API key") {
		t.Fatalf("KeyRejected(%v) = %q, %v", err, reason, ok)
	}
	a := db.account(t)
	if a.Status != cointally.StatusNeedsNewKey || a.StatusReason != reason {
		t.Errorf("account status %q %q", a.Status, a.StatusReason)
	}
	runs, _ := db.st.Runs(context.Background(), a.ID, 1)
	if len(runs) != 1 || runs[0].Outcome != cointally.OutcomeFailed || len(runs[0].Errors) == 0 {
		t.Errorf("run %+v", runs)
	}
}

// TestOptionalStreams: a key that may only read the ledger syncs it and
// notes the streams it could not read.
func TestOptionalStreams(t *testing.T) {
	t.Parallel()
	sim := startSim(t, scenario(300, fastTier))
	db := newDB(t)
	s := db.syncer(t, sim, "ledger", fastClient)
	res := db.sync(t, s, nil)
	skipped := map[string]bool{}
	for _, r := range res.Streams {
		if r.Skipped != "" {
			skipped[r.Stream] = true
		}
	}
	for _, stream := range []string{ingest.StreamTrades, ingest.StreamOrders, ingest.StreamOpenOrders,
		ingest.StreamBalances, ingest.StreamDeposits} {
		if !skipped[stream] {
			t.Errorf("stream %s not skipped: %+v", stream, res.Streams)
		}
	}
	if skipped[ingest.StreamWithdraws] || skipped[ingest.StreamLedger] {
		t.Errorf("ledger or withdrawals skipped: %+v", res.Streams)
	}
	if len(res.Run.Errors) < 5 || res.Run.Outcome != cointally.OutcomeOK || !res.Count.OK {
		t.Errorf("run %+v", res.Run)
	}
	// Without permissions known, the calls tell: Kraken refuses, the sync
	// goes on.
	s.Connect = connectWith(sim.url, "ledger", keySecret("ledger"), nil, fastClient)
	res = db.sync(t, s, nil)
	if res.Run.Outcome != cointally.OutcomeOK || len(res.Run.Errors) < 5 {
		t.Errorf("unknown permissions: %+v", res.Run)
	}
}

// chainStore is a store that offers ingest.ChainEntries (here Entries,
// split by asset between three sinks), to check that Reconcile takes it
// and adds up what the sinks saw.
type chainStore struct {
	cointally.Store
	calls atomic.Int32
}

func (c *chainStore) ChainEntries(ctx context.Context, accountID int64, newSink func() func(*cointally.Entry) error) error {
	c.calls.Add(1)
	sinks := []func(*cointally.Entry) error{newSink(), newSink(), newSink()}
	return c.Store.Entries(ctx, accountID, func(e *cointally.Entry) error {
		return sinks[int(e.Asset[len(e.Asset)-1])%len(sinks)](e)
	})
}

func TestReconcileUsesChainEntries(t *testing.T) {
	t.Parallel()
	sim := startSim(t, scenario(200, fastTier))
	db := newDB(t)
	s := db.syncer(t, sim, "ro", fastClient)
	cs := &chainStore{Store: db.st}
	s.Store = cs
	res := db.sync(t, s, nil)
	if cs.calls.Load() != 1 || !res.Reconciliation.OK {
		t.Errorf("ChainEntries called %d times; %s", cs.calls.Load(), res.Reconciliation.Summary)
	}
	rep, err := s.ReconcileUser(context.Background(), db.acct.UserID)
	if err != nil || len(rep.Accounts) != 1 || !rep.OK() {
		t.Fatalf("ReconcileUser: %+v %v", rep, err)
	}
}
