package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestUserAdd(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	out := h.mustRun("a-long-password\n", "user", "add", "carol", "--admin")
	if !strings.Contains(out, "carol (admin)") {
		t.Errorf("user add: %q", out)
	}
	if _, _, code := h.run("a-long-password\n", "user", "add", "carol"); code == 0 {
		t.Error("user add of an existing user succeeded")
	}
	if _, errOut, code := h.run("short\n", "user", "add", "dave"); code == 0 || !strings.Contains(errOut, "at least 10") {
		t.Errorf("short password: exit %d %q", code, errOut)
	}
	// The built-in local user (who owns the CLI's accounts) can get a password.
	h.mustRun("local-password\n", "user", "add", "local")
	if strings.Contains(h.outputs.String(), "a-long-password") || strings.Contains(h.outputs.String(), "local-password") {
		t.Error("a password was printed")
	}
}

// TestServeWebAddExchange drives the web UI of `cointally serve` over HTTP:
// log in, add a Kraken key (krakensim), watch the first import finish on
// the account page.
func TestServeWebAddExchange(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun("alice-web-password\n", "user", "add", "alice")
	srv := startServe(t, h)
	fetch, stderr := srv.fetch, &srv.stderr
	if code, _ := fetch("GET", "/login", nil); code != 200 {
		t.Fatalf("GET /login: %d", code)
	}
	if code, body := fetch("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice-web-password"}}); code != 200 || !strings.Contains(body, "No exchange accounts yet") {
		t.Fatalf("login: %d\n%s", code, body)
	}
	fetch("GET", "/accounts/new", nil)
	key := "alice-read-only-key-0001"
	form := func(action string) url.Values {
		return url.Values{"name": {"alice"}, "api_key": {key}, "private_key": {secretOf(key)}, "tier": {"pro"}, "action": {action}}
	}
	code, body := fetch("POST", "/accounts/new", form("test"))
	if code != 200 || !strings.Contains(body, "read-only and has what cointally needs") {
		t.Fatalf("test connection: %d\n%s", code, body)
	}
	// A key that can withdraw is refused with the audit shown.
	bad := url.Values{"name": {"risky"}, "api_key": {"alice-withdraw-key-0003"}, "private_key": {secretOf("alice-withdraw-key-0003")}, "tier": {"pro"}, "action": {"save"}}
	if code, body := fetch("POST", "/accounts/new", bad); code != 400 || !strings.Contains(body, "Withdraw") {
		t.Fatalf("risky key: %d\n%s", code, body)
	}
	code, body = fetch("POST", "/accounts/new", form("save"))
	if code != 200 || !strings.HasPrefix(body, "/accounts/") || !strings.Contains(body, "Sync now") {
		t.Fatalf("save: %d\n%s", code, body)
	}
	page := strings.SplitN(body, "\n", 2)[0]
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body = fetch("GET", page, nil)
		if strings.Contains(body, `data-running="false"`) && strings.Contains(body, "status-ok\">ok</span></td>") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first import did not finish:\n%s\nstderr:\n%s", body, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(body, "Completeness proof") || strings.Contains(body, "<td>0</td><td>0</td><td>0</td>") {
		t.Errorf("account page after the import:\n%s", body)
	}
	if a := h.accounts(); len(a) != 0 {
		t.Errorf("the web account landed on the local user: %+v", a)
	}
	for _, k := range []string{key, "alice-withdraw-key-0003"} {
		if strings.Contains(srv.all.String(), secretOf(k)) {
			t.Errorf("a response contained the private key of %s", k)
		}
	}
	srv.stop()
}

// serveSession is `cointally serve` run in-process on 127.0.0.1 with a
// browser-like client (cookies, the page's CSRF token) logged in as
// nobody yet.
type serveSession struct {
	t              *testing.T
	addr           string
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan error
	client         *http.Client
	csrf           string
	all            strings.Builder // every response body, for the leak checks
}

// startServe runs serve for the harness's data directory.
func startServe(t *testing.T, h *harness) *serveSession {
	t.Helper()
	s := &serveSession{t: t, done: make(chan error, 1)}
	e := &env{stdin: strings.NewReader(""), stdout: &s.stdout, stderr: &s.stderr,
		getenv: func(k string) string { return h.vars[k] }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	s.cancel = cancel
	t.Cleanup(cancel)
	go func() { s.done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--sync-interval", "24h"}, e) }()
	for s.addr == "" {
		select {
		case err := <-s.done:
			t.Fatalf("serve stopped: %v\n%s", err, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if out := s.stdout.String(); strings.Contains(out, "http://") {
			s.addr = strings.Fields(out[strings.Index(out, "http://"):])[0]
		}
	}
	jar, _ := cookiejar.New(nil)
	s.client = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	return s
}

var csrfFieldRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// fetch sends a request (a POST carries the last page's CSRF token) and
// returns the status and the final URL's path and query, a newline, then
// the body.
func (s *serveSession) fetch(method, path string, form url.Values) (int, string) {
	s.t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		form.Set("csrf_token", s.csrf)
		resp, err = s.client.PostForm(s.addr+path, form)
	} else {
		resp, err = s.client.Get(s.addr + path)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfFieldRE.FindSubmatch(b); m != nil {
		s.csrf = strings.ReplaceAll(string(m[1]), "&#43;", "+")
	}
	s.all.Write(b)
	return resp.StatusCode, resp.Request.URL.RequestURI() + "\n" + string(b)
}

// stop stops serve and checks that it ended cleanly.
func (s *serveSession) stop() {
	s.t.Helper()
	s.cancel()
	if err := <-s.done; err != nil {
		s.t.Fatalf("serve after cancel: %v", err)
	}
}
