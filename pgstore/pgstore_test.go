package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore/storetest"
	"github.com/jackc/pgx/v5"
)

// The tests need a PostgreSQL server: COINTALLY_TEST_POSTGRES is the URL of
// a database in which the test role may create schemas (and, for one test,
// databases). .ci/postgres.sh starts a throwaway one:
//
//	eval "$(.ci/postgres.sh start)"; go test ./pgstore/; .ci/postgres.sh stop
const envURL = "COINTALLY_TEST_POSTGRES"

// testURL returns the server's URL, or skips the test when none is given;
// in CI (CI=true) a missing server fails instead, so the suite never
// silently does not run.
func testURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envURL)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts a server with .ci/postgres.sh)", envURL)
		}
		t.Skipf("set %s to a postgres:// URL to run the PostgreSQL tests; "+
			`for a throwaway server: eval "$(.ci/postgres.sh start)"`, envURL)
	}
	return u
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// withParam returns rawURL with the query parameter key set to value.
func withParam(t testing.TB, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("%s: %v", envURL, err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// adminExec runs statements on the test database outside any store.
func adminExec(t testing.TB, base string, sqls ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connecting to %s: %v", Redact(base), err)
	}
	defer conn.Close(ctx)
	for _, q := range sqls {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// newSchemaURL creates an empty schema, dropped when the test ends, and
// returns a URL whose connections use it.
func newSchemaURL(t testing.TB) string {
	t.Helper()
	base := testURL(t)
	schema := randomName("ct_")
	adminExec(t, base, `CREATE SCHEMA `+schema)
	t.Cleanup(func() { adminExec(t, base, `DROP SCHEMA `+schema+` CASCADE`) })
	return withParam(t, base, "search_path", schema)
}

// openTest opens a new, empty store in its own schema, closed (then
// dropped) when the test ends.
func openTest(t testing.TB, opts ...Option) *DB {
	t.Helper()
	u := newSchemaURL(t)
	db, err := Open(context.Background(), u, append([]Option{WithMaxConns(8)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	testURL(t) // skip (or fail in CI) once, not per subtest
	storetest.Run(t, func(t *testing.T) cointally.Store { return openTest(t) })
}

// A new database (not only a schema) works too: the way a real deployment
// starts.
func TestOpenNewDatabase(t *testing.T) {
	base := testURL(t)
	name := randomName("ct_db_")
	adminExec(t, base, `CREATE DATABASE `+name)
	t.Cleanup(func() { adminExec(t, base, `DROP DATABASE `+name+` WITH (FORCE)`) })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	db, err := Open(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureLocalUser(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Two processes starting at once against a new database: both Opens
// succeed and every migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	u := newSchemaURL(t)
	const n = 4
	var (
		wg   sync.WaitGroup
		dbs  [n]*DB
		errs [n]error
	)
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = Open(t.Context(), u, WithMaxConns(2)) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
	}
	ents, err := migrationFS.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var applied, distinct int
	if err := dbs[0].pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).
		Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != len(ents) || distinct != len(ents) {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d", applied, distinct, len(ents))
	}
	// Opening again applies nothing and changes nothing.
	again, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}

// The sync lock holds across two store handles (two processes' pools) on
// one database, including expiry and takeover.
func TestLockAcrossHandles(t *testing.T) {
	u := newSchemaURL(t)
	a, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := t.Context()
	user := &cointally.User{Name: "alice"}
	if err := a.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	acct := &cointally.Account{UserID: user.ID, Name: "main", Exchange: "kraken"}
	if err := a.CreateAccount(ctx, acct, nil); err != nil {
		t.Fatal(err)
	}
	unlockA, err := a.TryLockAccount(ctx, acct.ID, "server A", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.TryLockAccount(ctx, acct.ID, "server B", time.Hour)
	if cointally.KindOf(err) != cointally.KindConflict || !strings.Contains(err.Error(), "server A") {
		t.Fatalf("B while A holds the lock: %v, want a conflict naming server A", err)
	}
	// A run of A's is live while A holds the lock, even for B's start-up.
	run := &cointally.SyncRun{AccountID: acct.ID}
	if err := a.StartRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	if n, err := b.InterruptStaleRuns(ctx); err != nil || n != 0 {
		t.Fatalf("B's InterruptStaleRuns = %d, %v; want 0 while A holds the lock", n, err)
	}
	unlockA()
	unlockB, err := b.TryLockAccount(ctx, acct.ID, "server B", 30*time.Millisecond)
	if err != nil {
		t.Fatalf("B after A unlocked: %v", err)
	}
	defer unlockB()
	time.Sleep(80 * time.Millisecond)
	// B died without unlocking: its lock expires and A takes over.
	unlockA2, err := a.TryLockAccount(ctx, acct.ID, "server A", time.Hour)
	if err != nil {
		t.Fatalf("A after B's lock expired: %v", err)
	}
	unlockA2()

	// Many lockers from both handles at once: exactly one wins.
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		won int
	)
	for i := range 16 {
		db := a
		if i%2 == 1 {
			db = b
		}
		wg.Go(func() {
			_, err := db.TryLockAccount(ctx, acct.ID, randomName("worker "), time.Hour)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case cointally.KindOf(err) != cointally.KindConflict:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("%d lockers won, want 1", won)
	}
}

// Malformed URLs are refused as invalid, and no error shows the password.
func TestOpenErrors(t *testing.T) {
	const secret = "s3cr3t-Pa55word"
	tests := []struct {
		name string
		url  string
		kind cointally.Kind
	}{
		{"not a URL", "host=localhost password=" + secret, cointally.KindInvalid},
		{"sqlite", "sqlite:/tmp/x.db", cointally.KindInvalid},
		{"bad port", "postgres://u:" + secret + "@127.0.0.1:notaport/db", cointally.KindInvalid},
		{"bad sslmode", "postgres://u:" + secret + "@127.0.0.1:5432/db?sslmode=sometimes", cointally.KindInvalid},
		{"nobody listens", "postgres://u:" + secret + "@127.0.0.1:1/db?connect_timeout=2", cointally.KindUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			db, err := Open(ctx, tc.url)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded")
			}
			if got := cointally.KindOf(err); got != tc.kind {
				t.Errorf("kind %v, want %v: %v", got, tc.kind, err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

// A wrong password from a real server: the error is about authentication,
// without the password.
func TestOpenWrongPassword(t *testing.T) {
	base := testURL(t)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	const wrong = "wrong-Pa55word-xyz"
	u.User = url.UserPassword(u.User.Username(), wrong)
	db, err := Open(t.Context(), u.String())
	if err == nil {
		db.Close()
		t.Skip("the server does not check passwords (trust authentication)")
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the error shows the password: %v", err)
	}
	if pw, ok := u.User.Password(); ok && strings.Contains(err.Error(), pw) {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:pw@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"postgres://h/db", "postgres://h/db"},
		{"postgres://u:p%zz@h/db", "postgres://u:xxxxx@h/db"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Amounts and raw bytes come back exactly; times to the nanosecond.
func TestExactRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	u := &cointally.User{Name: "alice"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	a := &cointally.Account{UserID: u.ID, Name: "main", Exchange: "kraken"}
	if err := db.CreateAccount(ctx, a, nil); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 2, 29, 23, 59, 59, 123456789, time.UTC)
	e := cointally.Entry{ID: "L1", RefID: "R1", Time: at, Type: "trade", Asset: "XXBT", Source: cointally.SourceAPI,
		Raw: []byte("{\"a\":\"\x00\xff\"}")}
	var err error
	if e.Amount, err = money.Parse("-123456789012345678901234567890.1234567890123456789"); err != nil {
		t.Fatal(err)
	}
	if e.Fee, err = money.Parse("0.0000000001"); err != nil {
		t.Fatal(err)
	}
	e.Balance, e.HasBalance = e.Fee, true
	if _, err := db.PutEntries(ctx, a.ID, []cointally.Entry{e}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.NewestEntry(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(at) || got.Amount.String() != e.Amount.String() || got.Fee.String() != e.Fee.String() ||
		string(got.Raw) != string(e.Raw) || !got.HasBalance {
		t.Errorf("got %+v\nwant %+v", got, e)
	}
}
