package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/pgstore"
	"github.com/cointally/cointally/sqlstore"
	"github.com/jackc/pgx/v5"
)

// The tests in this file need a PostgreSQL server, as pgstore's do:
// COINTALLY_TEST_POSTGRES is the URL of a database in which the test role
// may create schemas; .ci/postgres.sh starts a throwaway one.

// pgSchemaURL returns the URL of a new, empty schema on the test server,
// dropped when the test ends. Without a server it skips the test, or fails
// it in CI (CI=true), so CI never silently skips.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv("COINTALLY_TEST_POSTGRES")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("COINTALLY_TEST_POSTGRES is not set: CI must run the PostgreSQL tests (.ci/run starts a server with .ci/postgres.sh)")
		}
		t.Skip(`set COINTALLY_TEST_POSTGRES to a postgres:// URL to run the PostgreSQL tests; for a throwaway server: eval "$(.ci/postgres.sh start)"`)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "ct_cmd_" + hex.EncodeToString(b)
	exec := func(q string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatalf("connecting to %s: %v", pgstore.Redact(base), err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE SCHEMA ` + schema)
	t.Cleanup(func() { exec(`DROP SCHEMA ` + schema + ` CASCADE`) })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestOpenStoreURLs(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"/var/lib/cointally.db", "mysql://u:pw@h/db", "file:x.db", ""} {
		_, err := openStore(t.Context(), bad, time.Now)
		if err == nil || cointally.KindOf(err) != cointally.KindInvalid || !strings.Contains(err.Error(), "sqlite:PATH") {
			t.Errorf("openStore(%q) = %v, want an invalid error naming the accepted forms", bad, err)
		}
	}
	_, err := openStore(t.Context(), "postgres://u:s3cret-pw@127.0.0.1:1/db?connect_timeout=2", time.Now)
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("unreachable PostgreSQL: %v (want an error without the password)", err)
	}
}

// migrate-store copies a synced SQLite store into PostgreSQL; the copy
// then serves every command (the sealed keys still open: IDs and
// ciphertexts survived), and a second copy into it is refused.
func TestMigrateStore(t *testing.T) {
	t.Parallel()
	pgURL := pgSchemaURL(t)
	h := newHarness(t)
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	h.mustRun(keyInput("bob-read-only-key-0007"), "account", "add", "kraken", "--name", "bob", "--tier", "100:100")
	h.mustRun("", "sync")
	h.mustRun("carol-password\n", "user", "add", "carol", "--admin")
	sqliteLedger := h.mustRun("", "ledger", "--json")
	sqliteAccounts := h.accounts()

	// What the copy must carry beyond the Store interface's reads: every
	// checkpoint (also the call counters), snapshot and session.
	src, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(h.dataDir, "cointally.db"))
	if err != nil {
		t.Fatal(err)
	}
	local, err := src.EnsureLocalUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	accts, err := src.Accounts(t.Context(), local.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkpoints, snapshots := 0, 0
	for _, a := range accts {
		cps, err := src.Checkpoints(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkpoints += len(cps)
		if err := src.BalanceHistory(t.Context(), a.ID, func(time.Time, []cointally.BalanceSnapshot) error { snapshots++; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()
	if checkpoints < 4 || snapshots < 2 {
		t.Fatalf("the source has %d checkpoints and %d snapshots: the test needs more", checkpoints, snapshots)
	}

	out := h.mustRun("", "migrate-store", "--to", pgURL)
	for _, want := range []string{"Copied 2 users, 2 accounts (2 keys)", fmt.Sprintf("%d balance snapshots", snapshots),
		fmt.Sprintf("%d checkpoints", checkpoints), "alice", "Verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate-store output lacks %q:\n%s", want, out)
		}
	}
	if pw := urlPassword(pgURL); pw != "" && strings.Contains(h.outputs.String(), pw) {
		t.Error("migrate-store printed the database password")
	}

	if _, errOut, code := h.run("", "migrate-store", "--to", pgURL); code == 0 || !strings.Contains(errOut, "holds data already") {
		t.Errorf("a second copy into the used database: exit %d, %q", code, errOut)
	}
	if out := h.mustRun("", "migrate-store", "--to", pgURL, "--resume"); !strings.Contains(out, "Verified") {
		t.Errorf("--resume: %s", out)
	}

	h.vars["COINTALLY_DB"] = pgURL
	if got := h.mustRun("", "ledger", "--json"); got != sqliteLedger {
		t.Errorf("the copy's ledger differs from the source's (%d vs %d bytes)", len(got), len(sqliteLedger))
	}
	pgAccounts := h.accounts()
	if a, b := mustJSON(t, pgAccounts), mustJSON(t, sqliteAccounts); a != b {
		t.Errorf("accounts differ:\ncopy   %s\nsource %s", a, b)
	}
	h.mustRun("", "reconcile")
	h.mustRun("", "account", "audit", "alice") // decrypts the copied key and calls Kraken
	h.mustRun("", "sync", "alice")
	h.assertNoSecretLeak()
}

func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// buildCointally builds this command into a temporary directory.
func buildCointally(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cointally with")
	}
	bin := filepath.Join(t.TempDir(), "cointally")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// server is a `cointally serve` process.
type server struct {
	cmd    *exec.Cmd
	addr   string // http://127.0.0.1:port
	stderr *syncBuffer
}

func startServer(t *testing.T, bin string, env map[string]string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop(t) })
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), "http://"); i >= 0 {
				addrc <- strings.Fields(sc.Text()[i:])[0]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s.addr = <-addrc:
	case <-time.After(30 * time.Second):
		t.Fatalf("cointally serve did not start:\n%s", s.stderr.String())
	}
	return s
}

// stop interrupts the server and waits for it; it is killed after 10 s.
func (s *server) stop(t *testing.T) {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cointally serve exited with %v:\n%s", err, s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		t.Errorf("cointally serve did not stop within 10 s")
	}
}

// Two `cointally serve` processes share one PostgreSQL database: both
// schedulers sync the same account every second, yet the store's sync runs
// never overlap, Kraken never sees a nonce go back (the two would clash at
// once if both synced with the key at the same time), and a session opened
// through one server's /login is valid on the other.
func TestTwoServersOnePostgres(t *testing.T) {
	t.Parallel()
	pgURL := pgSchemaURL(t)
	bin := buildCointally(t)
	h := newHarness(t)
	h.vars["COINTALLY_DB"] = pgURL
	h.mustRun(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	h.mustRun("carol-password\n", "user", "add", "carol")
	before := h.sim.Stats().Keys["alice-read-only-key-0001"]

	env := map[string]string{"HOME": h.vars["HOME"], "COINTALLY_DATA_DIR": h.dataDir, "COINTALLY_DB": pgURL,
		"COINTALLY_KRAKEN_URL": h.vars["COINTALLY_KRAKEN_URL"]}
	a := startServer(t, bin, env, "--sync-interval", "1s")
	b := startServer(t, bin, env, "--sync-interval", "1s")

	st, err := pgstore.Open(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, err := st.UserByName(t.Context(), cointally.LocalUserName)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.Account(t.Context(), u.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}

	// A session opened on A works on B. The cookie jar sends the cookies
	// of 127.0.0.1 to both ports.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	get := func(addr, path string) (string, string) {
		t.Helper()
		resp, err := client.Get(addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.Request.URL.Path, string(body)
	}
	_, page := get(a.addr, "/login")
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on A's login page:\n%s", page)
	}
	csrf := strings.ReplaceAll(m[1], "&#43;", "+")
	resp, err := client.PostForm(a.addr+"/login", url.Values{"username": {"carol"}, "password": {"carol-password"}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if path := resp.Request.URL.Path; path == "/login" {
		t.Fatalf("logging in on A failed (status %d)", resp.StatusCode)
	}
	if path, _ := get(b.addr, "/"); path == "/login" {
		t.Error("B sent the session opened on A to /login")
	}
	anon := &http.Client{Timeout: 20 * time.Second}
	if resp, err := anon.Get(b.addr + "/"); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
		if resp.Request.URL.Path != "/login" {
			t.Errorf("B let an anonymous request in (%s)", resp.Request.URL.Path)
		}
	}

	// Both schedulers fire every second; wait for several finished runs,
	// and for each server to have held the lock at least once (the lock
	// row names the process).
	var mu sync.Mutex
	owners := map[string]bool{}
	conn, err := pgx.Connect(t.Context(), pgURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	stopPoll := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			var owner string
			if err := conn.QueryRow(t.Context(), `SELECT owner FROM locks WHERE account_id = $1`, acct.ID).Scan(&owner); err == nil {
				mu.Lock()
				owners[owner] = true
				mu.Unlock()
			}
			select {
			case <-stopPoll:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	// A server's schedule fired if it held the lock, or if it was refused
	// because the other held it (it then prints the holder and retries a
	// minute later).
	fired := func(s *server) bool {
		if strings.Contains(s.stderr.String(), "being synced by") {
			return true
		}
		pid := fmt.Sprintf("cointally pid %d ", s.cmd.Process.Pid)
		mu.Lock()
		defer mu.Unlock()
		for o := range owners {
			if strings.HasPrefix(o, pid) {
				return true
			}
		}
		return false
	}
	bothFired := func() bool { return fired(a) && fired(b) }
	const wantRuns = 4
	deadline := time.Now().Add(60 * time.Second)
	var runs []cointally.SyncRun
	for {
		runs, err = st.Runs(t.Context(), acct.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		finished := 0
		for _, r := range runs {
			if r.Outcome != cointally.OutcomeRunning {
				finished++
			}
		}
		if finished >= wantRuns && bothFired() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d runs finished within 60 s (both schedules fired: %v), lock holders seen %q\nA:\n%s\nB:\n%s", finished, wantRuns, bothFired(), slices.Sorted(maps.Keys(owners)), a.stderr.String(), b.stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	close(stopPoll)
	<-polled
	a.stop(t)
	b.stop(t)

	runs, err = st.Runs(t.Context(), acct.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Started.Before(runs[j].Started) })
	calls := 0
	for i, r := range runs {
		if r.Outcome != cointally.OutcomeOK {
			t.Errorf("run %d: outcome %s, errors %q", r.ID, r.Outcome, r.Errors)
		}
		if i > 0 && r.Started.Before(runs[i-1].Ended) {
			t.Errorf("run %d started at %s, before run %d ended at %s: two syncs overlapped",
				r.ID, r.Started.Format(time.StampMicro), runs[i-1].ID, runs[i-1].Ended.Format(time.StampMicro))
		}
		calls += r.Calls
	}
	after := h.sim.Stats().Keys["alice-read-only-key-0001"]
	if n := after.Errors["EAPI:Invalid nonce"]; n != 0 {
		t.Errorf("Kraken refused %d nonces: the servers used the key at the same time", n)
	}
	private := 0
	for m, n := range after.Calls {
		private += n - before.Calls[m]
	}
	if private < calls {
		t.Errorf("Kraken saw %d private calls, fewer than the %d the runs recorded", private, calls)
	}
	t.Logf("lock holders seen: %q", slices.Sorted(maps.Keys(owners)))
	t.Logf("%d runs, none overlapping; %d private calls recorded by the runs, %d seen by Kraken", len(runs), calls, private)
}
