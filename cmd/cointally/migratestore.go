package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/ingest"
	"github.com/cointally/cointally/pgstore"
	"github.com/cointally/cointally/sqlstore"
)

// This file is `cointally migrate-store`: a copy of everything one store
// holds into another (SQLite into PostgreSQL when a single-user setup
// becomes a server), verified afterwards.

// storeRestorer is what a copy's target needs beyond cointally.Store:
// rows written with their source IDs and times (sealed credentials are
// bound to the user's ID, so IDs must survive), and an emptiness check.
// pgstore.DB implements it.
type storeRestorer interface {
	cointally.Store
	IsEmpty(ctx context.Context) (bool, error)
	RestoreUser(ctx context.Context, u *cointally.User) error
	RestoreAccount(ctx context.Context, a *cointally.Account, c *cointally.Credential) error
	RestoreGrant(ctx context.Context, g cointally.Grant) error
	RestoreRun(ctx context.Context, r cointally.SyncRun) error
	RaiseLedgerVersion(ctx context.Context, accountID, v int64) error
}

// storeSource is a store that lists what cointally.Store reads only one at
// a time (every checkpoint, every balance snapshot, every session), so it
// can be copied completely. sqlstore.DB and pgstore.DB implement it.
type storeSource interface {
	cointally.Store
	Checkpoints(ctx context.Context, accountID int64) ([]cointally.Checkpoint, error)
	BalanceHistory(ctx context.Context, accountID int64, fn func(at time.Time, balances []cointally.BalanceSnapshot) error) error
	AllSessions(ctx context.Context, fn func(*cointally.Session) error) error
}

var (
	_ storeSource   = (*sqlstore.DB)(nil)
	_ storeSource   = (*pgstore.DB)(nil)
	_ storeRestorer = (*pgstore.DB)(nil)
)

// copyPage is how many rows travel in one write to the target.
const copyPage = 5000

// copyStats counts what a copy wrote, for the summary.
type copyStats struct {
	users, accounts, credentials, entries, trades, orders, funding   int
	snapshots, runs, checkpoints, prices, sessions, settings, grants int
}

func runMigrateStore(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("migrate-store", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dataDir := fs.String("data-dir", "", "data directory whose database is the default --from")
	from := fs.String("from", "", "the store to copy: sqlite:PATH (default: the data directory's) or a postgres:// URL")
	to := fs.String("to", "", "the empty PostgreSQL database to copy into: postgres://user:password@host:port/db")
	resume := fs.Bool("resume", false, "copy into a target that holds data already (to finish an interrupted copy)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("migrate-store: give the target with --to postgres://user:password@host:port/database")
	}
	if *from == "" {
		cf := &commonFlags{dataDir: dataDir, db: new(string)}
		cfg, err := cf.resolve(e)
		if err != nil {
			return err
		}
		*from = cfg.dbURL
	}
	if *from == *to {
		return errors.New("migrate-store: --from and --to name the same database")
	}
	opened, err := openStore(ctx, *from, e.now)
	if err != nil {
		return fmt.Errorf("migrate-store: opening the source: %w", err)
	}
	defer opened.Close()
	src, ok := opened.(storeSource)
	if !ok {
		return fmt.Errorf("migrate-store: the source %s cannot list everything it holds", redactDB(*from))
	}
	dst, err := openStore(ctx, *to, e.now)
	if err != nil {
		return fmt.Errorf("migrate-store: opening the target: %w", err)
	}
	defer dst.Close()
	target, ok := dst.(storeRestorer)
	if !ok {
		return fmt.Errorf("migrate-store: the target %s cannot take a copy: give a postgres:// URL", redactDB(*to))
	}
	empty, err := target.IsEmpty(ctx)
	if err != nil {
		return fmt.Errorf("migrate-store: %w", err)
	}
	if !empty && !*resume {
		return fmt.Errorf("migrate-store: the target %s holds data already; copy into an empty database, or pass --resume to finish an interrupted copy", redactDB(*to))
	}
	fmt.Fprintf(e.stdout, "Copying %s into %s\n", redactDB(*from), redactDB(*to))
	start := time.Now()
	st, err := copyStore(ctx, src, target, e)
	if err != nil {
		return fmt.Errorf("migrate-store: %w", err)
	}
	fmt.Fprintf(e.stdout, "Copied %d users, %d accounts (%d keys), %d ledger entries, %d trades, %d orders, %d funding items, "+
		"%d balance snapshots, %d sync runs, %d checkpoints, %d prices, %d sessions, %d settings, %d grants in %s.\n",
		st.users, st.accounts, st.credentials, st.entries, st.trades, st.orders, st.funding, st.snapshots, st.runs,
		st.checkpoints, st.prices, st.sessions, st.settings, st.grants, time.Since(start).Round(time.Millisecond))
	if err := verifyCopy(ctx, src, target, e); err != nil {
		return fmt.Errorf("migrate-store: %w", err)
	}
	fmt.Fprintf(e.stdout, "Done. Point cointally at the copy with --db or COINTALLY_DB=%s\n", redactDB(*to))
	return nil
}

// copyStore copies everything src holds into dst.
func copyStore(ctx context.Context, src storeSource, dst storeRestorer, e *env) (*copyStats, error) {
	st := &copyStats{}
	users, err := src.Users(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if err := dst.RestoreUser(ctx, u); err != nil {
			return nil, err
		}
		st.users++
		settings, err := src.Settings(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for k, v := range settings {
			if err := dst.PutSetting(ctx, u.ID, k, v); err != nil {
				return nil, err
			}
			st.settings++
		}
	}
	for _, u := range users {
		grants, err := src.GrantsBy(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		for _, g := range grants {
			if err := dst.RestoreGrant(ctx, g); err != nil {
				return nil, err
			}
			st.grants++
		}
	}
	accounts, err := src.AllAccounts(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range accounts {
		if err := copyAccount(ctx, src, dst, a, st); err != nil {
			return nil, fmt.Errorf("account %s: %w", a.Name, err)
		}
		fmt.Fprintf(e.stdout, "  account %s: copied\n", a.Name)
	}
	var page []cointally.PricePoint
	flush := func() error {
		if len(page) == 0 {
			return nil
		}
		_, err := dst.PutPrices(ctx, page)
		st.prices += len(page)
		page = page[:0]
		return err
	}
	err = src.Prices(ctx, cointally.PriceFilter{}, func(p *cointally.PricePoint) error {
		if page = append(page, *p); len(page) == copyPage {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, fmt.Errorf("prices: %w", err)
	}
	err = src.AllSessions(ctx, func(s *cointally.Session) error {
		err := dst.CreateSession(ctx, s)
		if cointally.KindOf(err) == cointally.KindConflict { // copied by an interrupted run
			return nil
		}
		st.sessions++
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sessions: %w", err)
	}
	return st, nil
}

// copyAccount copies one account and everything stored for it.
func copyAccount(ctx context.Context, src storeSource, dst storeRestorer, a *cointally.Account, st *copyStats) error {
	cred, err := src.Credential(ctx, a.ID)
	switch {
	case cointally.IsNotFound(err):
		cred = nil
	case err != nil:
		return err
	default:
		st.credentials++
	}
	if err := dst.RestoreAccount(ctx, a, cred); err != nil {
		return err
	}
	st.accounts++

	var entries []cointally.Entry
	flushEntries := func() error {
		if len(entries) == 0 {
			return nil
		}
		_, err := dst.PutEntries(ctx, a.ID, entries, nil)
		st.entries += len(entries)
		entries = entries[:0]
		return err
	}
	err = src.Entries(ctx, a.ID, func(e *cointally.Entry) error {
		if entries = append(entries, *e); len(entries) == copyPage {
			return flushEntries()
		}
		return nil
	})
	if err == nil {
		err = flushEntries()
	}
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	v, err := src.LedgerVersion(ctx, a.ID)
	if err != nil {
		return err
	}
	if err := dst.RaiseLedgerVersion(ctx, a.ID, v+1); err != nil {
		return err
	}

	var trades []cointally.Trade
	err = src.Trades(ctx, a.ID, func(t *cointally.Trade) error {
		if trades = append(trades, *t); len(trades) == copyPage {
			_, err := dst.PutTrades(ctx, a.ID, trades, nil)
			st.trades += len(trades)
			trades = trades[:0]
			return err
		}
		return nil
	})
	if err == nil && len(trades) > 0 {
		_, err = dst.PutTrades(ctx, a.ID, trades, nil)
		st.trades += len(trades)
	}
	if err != nil {
		return fmt.Errorf("trades: %w", err)
	}

	var orders []cointally.Order
	if err := src.Orders(ctx, a.ID, func(o *cointally.Order) error { orders = append(orders, *o); return nil }); err != nil {
		return fmt.Errorf("orders: %w", err)
	}
	for len(orders) > 0 {
		n := min(len(orders), copyPage)
		if _, err := dst.PutOrders(ctx, a.ID, orders[:n], nil); err != nil {
			return fmt.Errorf("orders: %w", err)
		}
		st.orders += n
		orders = orders[n:]
	}

	var funding []cointally.Funding
	if err := src.Funding(ctx, a.ID, func(f *cointally.Funding) error { funding = append(funding, *f); return nil }); err != nil {
		return fmt.Errorf("funding: %w", err)
	}
	if len(funding) > 0 {
		if _, err := dst.PutFunding(ctx, a.ID, funding); err != nil {
			return fmt.Errorf("funding: %w", err)
		}
		st.funding += len(funding)
	}

	err = src.BalanceHistory(ctx, a.ID, func(at time.Time, b []cointally.BalanceSnapshot) error {
		st.snapshots++
		return dst.PutBalances(ctx, a.ID, at, b)
	})
	if err != nil {
		return fmt.Errorf("balances: %w", err)
	}

	runs, err := src.Runs(ctx, a.ID, 0)
	if err != nil {
		return fmt.Errorf("sync runs: %w", err)
	}
	for i := len(runs) - 1; i >= 0; i-- { // oldest first
		if err := dst.RestoreRun(ctx, runs[i]); err != nil {
			return fmt.Errorf("sync runs: %w", err)
		}
		st.runs++
	}

	cps, err := src.Checkpoints(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("checkpoints: %w", err)
	}
	for i := range cps {
		cps[i].AccountID = a.ID
		if err := dst.PutCheckpoint(ctx, &cps[i]); err != nil {
			return fmt.Errorf("checkpoints: %w", err)
		}
		st.checkpoints++
	}
	return nil
}

// verifyCopy compares the counts of both stores and runs the completeness
// proof on the copy: it must reach the source's verdict for every account.
func verifyCopy(ctx context.Context, src, dst cointally.Store, e *env) error {
	srcAccts, err := src.AllAccounts(ctx)
	if err != nil {
		return err
	}
	var problems []string
	srcSyncer := &ingest.Syncer{Store: src}
	dstSyncer := &ingest.Syncer{Store: dst}
	for _, a := range srcAccts {
		type counter struct {
			what string
			n    func(cointally.Store) (int, error)
		}
		for _, c := range []counter{
			{"ledger entries", func(s cointally.Store) (int, error) { return s.EntryCount(ctx, a.ID) }},
			{"trades", func(s cointally.Store) (int, error) {
				n := 0
				return n, s.Trades(ctx, a.ID, func(*cointally.Trade) error { n++; return nil })
			}},
			{"orders", func(s cointally.Store) (int, error) {
				n := 0
				return n, s.Orders(ctx, a.ID, func(*cointally.Order) error { n++; return nil })
			}},
			{"funding items", func(s cointally.Store) (int, error) {
				n := 0
				return n, s.Funding(ctx, a.ID, func(*cointally.Funding) error { n++; return nil })
			}},
			{"sync runs", func(s cointally.Store) (int, error) {
				r, err := s.Runs(ctx, a.ID, 0)
				return len(r), err
			}},
		} {
			want, err := c.n(src)
			if err != nil {
				return err
			}
			got, err := c.n(dst)
			if err != nil {
				return err
			}
			if got != want {
				problems = append(problems, fmt.Sprintf("account %s: %d %s in the copy, %d in the source", a.Name, got, c.what, want))
			}
		}
		srcRep, err := srcSyncer.Reconcile(ctx, a.ID)
		if err != nil {
			return err
		}
		dstRep, err := dstSyncer.Reconcile(ctx, a.ID)
		if err != nil {
			return err
		}
		sr, dr := srcRep.Accounts[0], dstRep.Accounts[0]
		verdict := "reconciles"
		if !dr.OK {
			verdict = "does not reconcile"
		}
		fmt.Fprintf(e.stdout, "  account %s: %d entries, %s: %s\n", a.Name, dr.Entries, verdict, dr.Summary)
		if sr.OK != dr.OK || sr.Entries != dr.Entries || sr.Summary != dr.Summary {
			problems = append(problems, fmt.Sprintf("account %s: the copy's completeness proof (%s) differs from the source's (%s)",
				a.Name, dr.Summary, sr.Summary))
		}
	}
	countPrices := func(s cointally.Store) (int, error) {
		n := 0
		return n, s.Prices(ctx, cointally.PriceFilter{}, func(*cointally.PricePoint) error { n++; return nil })
	}
	want, err := countPrices(src)
	if err != nil {
		return err
	}
	got, err := countPrices(dst)
	if err != nil {
		return err
	}
	if got != want {
		problems = append(problems, fmt.Sprintf("%d prices in the copy, %d in the source", got, want))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the copy differs from the source: %s", strings.Join(problems, "; "))
	}
	fmt.Fprintln(e.stdout, "Verified: every count matches and every account's completeness proof agrees with the source's.")
	return nil
}
