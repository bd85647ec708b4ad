package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlstore"
)

func TestScheduledAccountsUseUserInterval(t *testing.T) {
	t.Parallel()
	st, err := sqlstore.Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	users := map[string]*cointally.User{}
	for _, name := range []string{"alice", "bob", "carol"} {
		u := &cointally.User{Name: name}
		if err := st.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		users[name] = u
	}
	if err := st.PutSetting(t.Context(), users["alice"].ID, cointally.SettingSyncInterval, "2h"); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSetting(t.Context(), users["carol"].ID, cointally.SettingSyncInterval, "1s"); err != nil { // below the minimum: ignored
		t.Fatal(err)
	}
	for _, a := range []*cointally.Account{
		{UserID: users["alice"].ID, Name: "a-default", Exchange: "kraken"},
		{UserID: users["alice"].ID, Name: "a-own", Exchange: "kraken", SyncInterval: 30 * time.Minute},
		{UserID: users["bob"].ID, Name: "b-default", Exchange: "kraken"},
		{UserID: users["carol"].ID, Name: "c-default", Exchange: "kraken"},
	} {
		if err := st.CreateAccount(t.Context(), a, nil); err != nil {
			t.Fatal(err)
		}
	}
	accts, err := scheduledAccounts(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Duration{"a-default": 2 * time.Hour, "a-own": 30 * time.Minute, "b-default": 0, "c-default": 0}
	if len(accts) != len(want) {
		t.Fatalf("%d accounts, want %d", len(accts), len(want))
	}
	for _, a := range accts {
		if a.SyncInterval != want[a.Name] {
			t.Errorf("%s: interval %v, want %v", a.Name, a.SyncInterval, want[a.Name])
		}
	}
}

// TestDemoServesUI runs `cointally demo --serve yes` and uses its web UI:
// the password is printed once, logging in with it works, the dashboard
// answers, and the server stops cleanly.
func TestDemoServesUI(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	var stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: &stderr,
		getenv: func(string) string { return "" }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "--serve", "yes", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir()}, e)
		pw.Close()
	}()
	lineRE := regexp.MustCompile(`The web UI is at (http://127\.0\.0\.1:\d+) — log in as (\S+) with password (\S+)`)
	var out syncBuffer
	var base, user, password string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		_, _ = out.Write([]byte(sc.Text() + "\n"))
		if m := lineRE.FindStringSubmatch(sc.Text()); m != nil {
			base, user, password = m[1], m[2], m[3]
			break
		}
	}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(&out, pr); close(copied) }() // keep the pipe flowing
	if base == "" {
		t.Fatalf("no web UI line; output:\n%s\nstderr:\n%s", out.String(), stderr.String())
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	_, login := get("/login")
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(login)
	if m == nil {
		t.Fatal("no CSRF token on the login page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"username": {user}, "password": {password}, "csrf_token": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	status, body := get("/")
	if status != http.StatusOK || !strings.Contains(body, ">demo</a>") {
		t.Fatalf("dashboard after login: %d\n%s", status, body)
	}
	// The figures are computed in the background, priced with the
	// emulator's market data: the dashboard shows a real total.
	totalRE := regexp.MustCompile(`Total value</span><span class="value">€([0-9,]+\.[0-9]{2})<`)
	deadline := time.Now().Add(90 * time.Second)
	for !totalRE.MatchString(body) {
		if strings.Contains(body, `role="alert"`) || time.Now().After(deadline) {
			t.Fatalf("no total on the demo's dashboard:\n%s\nstderr:\n%s", body, stderr.String())
		}
		time.Sleep(500 * time.Millisecond)
		_, body = get("/")
	}
	if total := totalRE.FindStringSubmatch(body)[1]; total == "0.00" || !strings.Contains(body, "chart-line") || !strings.Contains(body, "<title>BTC ") {
		t.Errorf("the demo's dashboard shows total €%s, without its charts or BTC", total)
	}
	if status, _ := get("/healthz"); status != http.StatusOK {
		t.Errorf("/healthz: %d", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("demo: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not stop within 30 s of its context ending")
	}
	<-copied
	if n := strings.Count(out.String(), password); n != 1 {
		t.Errorf("the password appears %d times in the output, want once", n)
	}
}

// TestServeUISweepsSessions: the server started by serve deletes ended
// sessions on its timer, answers /healthz, and stops with its context.
func TestServeUISweepsSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun("alice-web-password\n", "user", "add", "alice")
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return h.vars[k] }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := (&commonFlags{dataDir: new(string), db: new(string)}).open(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	alice, err := a.store.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ended, live := sha256.Sum256([]byte("ended")), sha256.Sum256([]byte("live"))
	for _, s := range []*cointally.Session{
		{TokenHash: ended[:], UserID: alice.ID, CSRFToken: "c1", LastSeen: now.Add(-time.Hour), Expires: now.Add(-time.Minute)},
		{TokenHash: live[:], UserID: alice.ID, CSRFToken: "c2", LastSeen: now, Expires: now.Add(time.Hour)},
	} {
		if err := a.store.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- a.serveUI(srvCtx, ln, serveOptions{web: webOptions{syncInterval: time.Hour}, sweepEvery: 20 * time.Millisecond})
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := a.store.Session(ctx, ended[:])
		if cointally.IsNotFound(err) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ended session is still stored after 10 s (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := a.store.Session(ctx, live[:]); err != nil {
		t.Errorf("the live session was deleted: %v", err)
	}
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serveUI: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveUI did not stop within 10 s of its context ending")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the server still listens after stopping")
	}
}
