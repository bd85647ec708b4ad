package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore/storetest"
)

func openFile(t *testing.T, path string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(t.Context(), "sqlite:"+path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

func openTemp(t *testing.T, opts ...Option) *DB {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "cointally.db"), opts...)
}

func TestConformance(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) cointally.Store { return openTemp(t) })
	})
	t.Run("memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) cointally.Store {
			db, err := Open(t.Context(), ":memory:")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		})
	})
}

// account creates a user and an account and returns the account's ID.
func account(t *testing.T, db *DB, user, name string) int64 {
	t.Helper()
	u, err := db.UserByName(t.Context(), user)
	if cointally.IsNotFound(err) {
		u = &cointally.User{Name: user}
		err = db.CreateUser(t.Context(), u)
	}
	if err != nil {
		t.Fatal(err)
	}
	a := &cointally.Account{UserID: u.ID, Name: name, Exchange: "kraken"}
	c := &cointally.Credential{APIKeySealed: []byte("k"), PrivateKeySealed: []byte("s")}
	if err := db.CreateAccount(t.Context(), a, c); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func entries(prefix string, n int, at time.Time) []cointally.Entry {
	list := make([]cointally.Entry, n)
	for i := range list {
		list[i] = cointally.Entry{
			ID: fmt.Sprintf("%s%05d", prefix, i), RefID: "T" + prefix, Time: at.Add(time.Duration(i) * time.Second),
			Type: "trade", Asset: "XXBT", Amount: money.MustParse("0.1"), Source: cointally.SourceAPI, Raw: []byte(`{}`),
		}
	}
	return list
}

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func TestParseDSN(t *testing.T) {
	for _, tc := range []struct {
		dsn, want string
		bad       bool
	}{
		{dsn: "sqlite:data/cointally.db", want: "data/cointally.db"},
		{dsn: "sqlite:///var/lib/cointally.db", want: "/var/lib/cointally.db"},
		{dsn: "sqlite3:x.db", want: "x.db"},
		{dsn: "/var/lib/cointally.db", want: "/var/lib/cointally.db"},
		{dsn: "cointally.db", want: "cointally.db"},
		{dsn: ":memory:", want: ":memory:"},
		{dsn: "sqlite::memory:", want: ":memory:"},
		{dsn: "C:\\data\\c.db", want: "C:\\data\\c.db"},
		{dsn: "postgres://localhost/cointally", bad: true},
		{dsn: "file:x.db?mode=ro", bad: true},
		{dsn: "", bad: true},
		{dsn: "sqlite:", bad: true},
		{dsn: "x.db?_pragma=foo", bad: true},
	} {
		t.Run(tc.dsn, func(t *testing.T) {
			got, err := parseDSN(tc.dsn)
			if (err != nil) != tc.bad || got != tc.want {
				t.Errorf("parseDSN(%q) = %q, %v; want %q, error %v", tc.dsn, got, err, tc.want, tc.bad)
			}
		})
	}
	_, err := Open(t.Context(), "postgres://localhost/x")
	if cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("Open(postgres) = %v, want KindInvalid", err)
	}
}

func TestOpenCreatesAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub.db")
	// Two processes opening a new file at once: both succeed, each
	// migration runs once.
	var wg sync.WaitGroup
	dbs := make([]*DB, 2)
	for i := range dbs {
		wg.Go(func() {
			db, err := Open(t.Context(), path)
			if err != nil {
				t.Error(err)
				return
			}
			dbs[i] = db
		})
	}
	wg.Wait()
	for _, db := range dbs {
		if db != nil {
			db.Close()
		}
	}
	db := openFile(t, path)
	var versions []int
	rows, err := db.r.QueryContext(t.Context(), `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	files, err := migrationFS.ReadDir("migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != len(files) || versions[0] != 1 {
		t.Errorf("schema_migrations = %v for %d files", versions, len(files))
	}
	var mode string
	if err := db.r.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := db.w.QueryRowContext(t.Context(), `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v", fk, err)
	}
}

// TestAbortedPageStoresNothing fails a write transaction after the page and
// after its checkpoint were written, just before commit.
func TestAbortedPageStoresNothing(t *testing.T) {
	for _, point := range []string{"entries", "commit"} {
		t.Run(point, func(t *testing.T) {
			ctx := t.Context()
			db := openTemp(t)
			acc := account(t, db, "alice", "main")
			boom := errors.New("disk on fire")
			db.testHook = func(p string) error {
				if p == point {
					return boom
				}
				return nil
			}
			_, err := db.PutEntries(ctx, acc, entries("L", 500, t0), &cointally.Checkpoint{Stream: "ledger", Offset: 500})
			db.testHook = nil
			if !errors.Is(err, boom) || cointally.KindOf(err) != cointally.KindOther {
				t.Fatalf("PutEntries = %v, want the hook's error as KindOther", err)
			}
			if n, err := db.EntryCount(ctx, acc); err != nil || n != 0 {
				t.Errorf("EntryCount = %d, %v; want 0", n, err)
			}
			if _, err := db.Checkpoint(ctx, acc, "ledger"); !cointally.IsNotFound(err) {
				t.Errorf("Checkpoint = %v, want NotFound", err)
			}
			// The writer is usable afterwards.
			if _, err := db.PutEntries(ctx, acc, entries("L", 5, t0), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestConcurrentWriters runs writers from many goroutines on two handles of
// one file (two processes): none may fail with SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.db")
	db1, db2 := openFile(t, path, WithBusyTimeout(30*time.Second)), openFile(t, path, WithBusyTimeout(30*time.Second))
	const workers, pages = 6, 10
	ids := make([]int64, workers)
	for w := range ids {
		ids[w] = account(t, db1, "alice", fmt.Sprint("acct", w))
	}
	var wg sync.WaitGroup
	for w := range workers {
		db := db1
		if w%2 == 1 {
			db = db2
		}
		wg.Go(func() {
			ctx := t.Context()
			for p := range pages {
				batch := entries(fmt.Sprintf("W%dP%d-", w, p), 50, t0.Add(time.Duration(p)*time.Hour))
				cp := &cointally.Checkpoint{Stream: "ledger", Offset: (p + 1) * 50}
				if _, err := db.PutEntries(ctx, ids[w], batch, cp); err != nil {
					t.Error(err)
					return
				}
				if _, err := db.AdvanceNonce(ctx, ids[w], uint64(p)); err != nil {
					t.Error(err)
					return
				}
				// Reads run beside the writes.
				if _, err := db.EntryCount(ctx, ids[(w+1)%workers]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, id := range ids {
		if n, err := db2.EntryCount(t.Context(), id); err != nil || n != pages*50 {
			t.Errorf("account %d: %d entries, %v", id, n, err)
		}
	}
}

func TestLockAcrossHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.db")
	server, cli := openFile(t, path), openFile(t, path)
	acc := account(t, server, "alice", "main")
	unlock, err := server.TryLockAccount(t.Context(), acc, "server", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.TryLockAccount(t.Context(), acc, "cli", time.Hour); cointally.KindOf(err) != cointally.KindConflict {
		t.Fatalf("second process: %v, want conflict", err)
	}
	// A run of the live server is not interrupted by the CLI starting up.
	run := &cointally.SyncRun{AccountID: acc}
	if err := server.StartRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	if n, err := cli.InterruptStaleRuns(t.Context()); err != nil || n != 0 {
		t.Errorf("InterruptStaleRuns = %d, %v while the server holds the lock", n, err)
	}
	unlock()
	cliUnlock, err := cli.TryLockAccount(t.Context(), acc, "cli", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cliUnlock()
}

// TestInjectedClock checks that stored times come from WithNow and that
// lock expiry follows it.
func TestInjectedClock(t *testing.T) {
	var (
		mu  sync.Mutex
		now = t0
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := t.Context()
	db := openTemp(t, WithNow(clock))
	u := &cointally.User{Name: "alice"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	acc := account(t, db, "alice", "main")
	a, err := db.AccountByID(ctx, acc)
	if err != nil {
		t.Fatal(err)
	}
	if !u.Created.Equal(t0) || !a.Added.Equal(t0) || !a.KeyAdded.Equal(t0) {
		t.Errorf("Created %v, Added %v, KeyAdded %v; want %v", u.Created, a.Added, a.KeyAdded, t0)
	}
	if _, err := db.TryLockAccount(ctx, acc, "dead", time.Minute); err != nil {
		t.Fatal(err)
	}
	run := &cointally.SyncRun{AccountID: acc}
	if err := db.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	advance(59 * time.Second)
	if _, err := db.TryLockAccount(ctx, acc, "new", time.Minute); cointally.KindOf(err) != cointally.KindConflict {
		t.Errorf("before expiry: %v, want conflict", err)
	}
	if n, _ := db.InterruptStaleRuns(ctx); n != 0 {
		t.Errorf("interrupted %d runs of a live lock", n)
	}
	advance(time.Second)
	if n, err := db.InterruptStaleRuns(ctx); err != nil || n != 1 {
		t.Errorf("after expiry: interrupted %d, %v; want 1", n, err)
	}
	runs, err := db.Runs(ctx, acc, 1)
	if err != nil || len(runs) != 1 || runs[0].Outcome != cointally.OutcomeInterrupted || !runs[0].Ended.Equal(t0.Add(time.Minute)) {
		t.Errorf("runs = %+v, %v", runs, err)
	}
	if _, err := db.TryLockAccount(ctx, acc, "new", time.Minute); err != nil {
		t.Errorf("after expiry: %v", err)
	}
}

// TestManyAccountsFallback covers users with more accounts than one
// compound SELECT merges.
func TestManyAccountsFallback(t *testing.T) {
	db := openTemp(t)
	ctx := t.Context()
	a1, a2 := account(t, db, "alice", "one"), account(t, db, "alice", "two")
	if _, err := db.PutEntries(ctx, a1, entries("A", 3, t0), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutEntries(ctx, a2, entries("B", 3, t0.Add(500*time.Millisecond)), nil); err != nil {
		t.Fatal(err)
	}
	accounts := []int64{a1, a2}
	for i := range maxMergeArms {
		accounts = append(accounts, int64(1000+i)) // accounts without entries
	}
	for _, desc := range []bool{false, true} {
		query, args := entryQuery(accounts, "asset = ?", []any{"XXBT"}, desc, -1, 0)
		var got []string
		err := streamEntries(ctx, db.r, "test", func(e *cointally.Entry) error {
			got = append(got, e.ID)
			return nil
		}, query, args...)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"A00000", "B00000", "A00001", "B00001", "A00002", "B00002"}
		if desc {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("desc=%v: %v, want %v", desc, got, want)
		}
	}
}

func TestContextCanceledWhileWaiting(t *testing.T) {
	db := openTemp(t)
	acc := account(t, db, "alice", "main")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := db.PutEntries(ctx, acc, entries("L", 3, t0), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("PutEntries with a canceled context = %v", err)
	}
	var e *cointally.Error
	if !errors.As(err, &e) {
		t.Errorf("%v is not a *cointally.Error", err)
	}
}
