package web_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlstore"
	"github.com/cointally/cointally/web"
)

// fast Argon2id parameters, so tests do not spend 64 MiB per login.
var fastParams = web.PasswordParams{Memory: 64, Time: 1, Threads: 1}

const (
	goodPrivate  = "GOOD-PRIVATE-KEY-c2VjcmV0IHRoYXQgbXVzdCBuZXZlciBsZWFr"
	riskyPrivate = "RISKY-PRIVATE-KEY-d2l0aGRyYXcgaXMgbm90IGZvciB0cmFja2Vycw"
)

// fakeConnector accepts goodPrivate, refuses riskyPrivate (as a key that
// can withdraw) and rejects anything else as Kraken would a wrong key.
type fakeConnector struct{ store cointally.Store }

func (c *fakeConnector) audit(k web.KeyInput) (*web.AuditView, error) {
	switch k.PrivateKey {
	case goodPrivate:
		return &web.AuditView{Method: "fake", Rows: []web.PermissionRow{{Setting: "Funds → Query", Present: "yes", Need: "required", Verdict: "ok", OK: true}}}, nil
	case riskyPrivate:
		return &web.AuditView{Method: "fake", Risky: true, Refused: !k.AllowRisky, Problems: []string{"the key can withdraw"},
			Rows: []web.PermissionRow{{Setting: "Funds → Withdraw", Present: "yes", Need: "never", Verdict: "dangerous"}}}, nil
	}
	return nil, &cointally.Error{Kind: cointally.KindUnauthorized, Message: "Kraken rejected the key: the private key does not match."}
}

func (c *fakeConnector) TestKey(ctx context.Context, k web.KeyInput) (*web.AuditView, error) {
	return c.audit(k)
}

func (c *fakeConnector) AddAccount(ctx context.Context, userID int64, k web.KeyInput) (*cointally.Account, *web.AuditView, error) {
	a, err := c.audit(k)
	if err != nil {
		return nil, nil, err
	}
	if a.Refused {
		return nil, a, &cointally.Error{Kind: cointally.KindInvalid, Message: "The key was not stored."}
	}
	acct := &cointally.Account{UserID: userID, Name: k.Name, Exchange: "kraken", Tier: k.Tier, KeyHint: "fake…"}
	cred := &cointally.Credential{APIKeySealed: []byte("sealed"), PrivateKeySealed: []byte("sealed")}
	if err := c.store.CreateAccount(ctx, acct, cred); err != nil {
		return nil, a, err
	}
	return acct, a, nil
}

type fakeSyncer struct {
	store   cointally.Store
	mu      sync.Mutex
	started []int64
}

func (s *fakeSyncer) SyncNow(ctx context.Context, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = append(s.started, id)
	return nil
}

func (s *fakeSyncer) Progress(id int64) web.ProgressView {
	return web.ProgressView{Running: true, Stream: "ledger", Phase: "working", Items: 50, Total: 200}
}

func (s *fakeSyncer) Reconcile(ctx context.Context, id int64) (*web.ReconcileView, error) {
	if _, err := s.store.AccountByID(ctx, id); err != nil {
		return nil, err
	}
	live := money.MustParse("1.5")
	zero := money.MustParse("0")
	return &web.ReconcileView{OK: true, Summary: "complete", Entries: 3,
		Count:  &web.CountView{Exchange: 3, Stored: 3, Through: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), OK: true},
		Chains: []web.ChainView{{Asset: "XXBT", Base: "BTC", Entries: 3, Ledger: live, Live: &live, Difference: &zero}}}, nil
}

type env struct {
	t      *testing.T
	store  *sqlstore.DB
	srv    *web.Server
	syncer *fakeSyncer
	now    time.Time
	mu     sync.Mutex
}

func setup(t *testing.T, mod ...func(*web.Config)) *env {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, store: st, syncer: &fakeSyncer{store: st}, now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	cfg := web.Config{Store: st, Sessions: st, Connector: &fakeConnector{store: st}, Syncer: e.syncer,
		PasswordParams: fastParams, SyncInterval: 15 * time.Minute,
		Now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }}
	for _, m := range mod {
		m(&cfg)
	}
	if e.srv, err = web.New(cfg); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

// addUser stores a user with a password.
func (e *env) addUser(name, pw string, admin bool) *cointally.User {
	e.t.Helper()
	h, err := web.HashPassword(pw, fastParams)
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := web.SetUserPassword(e.t.Context(), e.store, name, h, admin)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// browser keeps cookies and talks to the server in-process.
type browser struct {
	e       *env
	remote  string
	headers map[string]string
	cookies map[string]*http.Cookie
	csrf    string // the last csrf_token seen in a page
}

func (e *env) browser() *browser {
	return &browser{e: e, remote: "127.0.0.1:50000", headers: map[string]string{}, cookies: map[string]*http.Cookie{}}
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.e.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	req.RemoteAddr = b.remote
	for k, v := range b.headers {
		req.Header.Set(k, v)
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	w := httptest.NewRecorder()
	b.e.srv.ServeHTTP(w, req)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	if m := csrfRE.FindStringSubmatch(w.Body.String()); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return w
}

func (b *browser) get(path string) *httptest.ResponseRecorder { return b.do("GET", path, nil) }

// post sends form with the last CSRF token seen (unless form sets one).
func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	if _, ok := f["csrf_token"]; !ok {
		f.Set("csrf_token", b.csrf)
	}
	return b.do("POST", path, f)
}

func (b *browser) login(name, pw string) *httptest.ResponseRecorder {
	b.e.t.Helper()
	b.get("/login")
	return b.post("/login", url.Values{"username": {name}, "password": {pw}})
}

func (b *browser) mustLogin(name, pw string) {
	b.e.t.Helper()
	if w := b.login(name, pw); w.Code != http.StatusSeeOther {
		b.e.t.Fatalf("login %s: %d\n%s", name, w.Code, w.Body)
	}
	b.get("/") // picks up the session's CSRF token
}

func wantStatus(t *testing.T, w *httptest.ResponseRecorder, want int, what string) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, w.Code, want, w.Body)
	}
}

func TestHealthzWithoutLogin(t *testing.T) {
	t.Parallel()
	e := setup(t)
	w := e.browser().get("/healthz")
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("/healthz = %d %q", w.Code, w.Body)
	}
}

// The icon browsers ask for by themselves is there, without login.
func TestFavicon(t *testing.T) {
	t.Parallel()
	b := setup(t).browser()
	w := b.get("/favicon.ico")
	if w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/static/favicon.svg" {
		t.Fatalf("/favicon.ico = %d to %q", w.Code, w.Header().Get("Location"))
	}
	w = b.get("/static/favicon.svg")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "image/svg+xml") || !strings.Contains(w.Body.String(), "<svg") {
		t.Fatalf("/static/favicon.svg = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	for _, path := range []string{"/login", "/help", "/healthz", "/static/style.css", "/nope"} {
		w := b.get(path)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		for k, v := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
	}
	// No inline script in any page: scripts come from /static only.
	b.mustLogin("alice", "alice-password-1")
	for _, path := range []string{"/", "/help", "/accounts/new"} {
		body := b.get(path).Body.String()
		for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(m, `src="/static/`) {
				t.Errorf("%s: inline script %s", path, m)
			}
		}
		if strings.Contains(body, " style=") || strings.Contains(body, " onclick=") {
			t.Errorf("%s: inline style or handler", path)
		}
	}
}

func TestLoginForm(t *testing.T) {
	t.Parallel()
	e := setup(t)
	body := e.browser().get("/login").Body.String()
	for _, want := range []string{`name="username"`, `name="password"`, `type="hidden" name="csrf_token"`} {
		if !strings.Contains(body, want) {
			t.Errorf("login form lacks %s", want)
		}
	}
	if !strings.Contains(body, "cointally user add") {
		t.Error("a fresh install's login page does not say how to create the first user")
	}
}

func TestLoginCookies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        func(*web.Config)
		headers    map[string]string
		wantSecure bool
	}{
		{"plain http", nil, nil, false},
		{"tls", func(c *web.Config) { c.TLS = true }, nil, true},
		{"trusted proxy https", func(c *web.Config) { c.TrustProxy = true }, map[string]string{"X-Forwarded-Proto": "https"}, true},
		{"untrusted proxy header", nil, map[string]string{"X-Forwarded-Proto": "https"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mods []func(*web.Config)
			if tt.cfg != nil {
				mods = append(mods, tt.cfg)
			}
			e := setup(t, mods...)
			e.addUser("alice", "alice-password-1", false)
			b := e.browser()
			for k, v := range tt.headers {
				b.headers[k] = v
			}
			w := b.login("alice", "alice-password-1")
			wantStatus(t, w, http.StatusSeeOther, "login")
			var sess *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == "cointally_session" {
					sess = c
				}
			}
			if sess == nil {
				t.Fatal("no session cookie")
			}
			if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Secure != tt.wantSecure || sess.Path != "/" {
				t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Secure=%v", sess, tt.wantSecure)
			}
			// The store keeps only the token's hash.
			sum := sha256.Sum256([]byte(sess.Value))
			if _, err := e.store.Session(t.Context(), sum[:]); err != nil {
				t.Errorf("the session is not stored under the token's hash: %v", err)
			}
			if _, err := e.store.Session(t.Context(), []byte(sess.Value)); !cointally.IsNotFound(err) {
				t.Errorf("the raw token finds a session: %v", err)
			}
			wantStatus(t, b.get("/"), http.StatusOK, "dashboard after login")
		})
	}
}

func TestLoginWrongPassword(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	for _, tt := range []struct{ user, pw string }{{"alice", "wrong-password"}, {"nobody", "whatever-pass"}, {"alice", ""}} {
		w := b.login(tt.user, tt.pw)
		wantStatus(t, w, http.StatusUnauthorized, "login "+tt.user)
		if !strings.Contains(w.Body.String(), "user name or password is wrong") {
			t.Errorf("login %s: no plain error", tt.user)
		}
		if strings.Contains(w.Body.String(), tt.pw) && tt.pw != "" {
			t.Errorf("the password was echoed")
		}
	}
	wantStatus(t, b.get("/"), http.StatusSeeOther, "dashboard without a session")
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	t.Run("per user", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.addUser("alice", "alice-password-1", false)
		for i := range 5 {
			b := e.browser()
			b.remote = fmt.Sprintf("192.0.2.%d:1234", i+1) // different addresses
			wantStatus(t, b.login("alice", "wrong-password"), http.StatusUnauthorized, "wrong password")
		}
		b := e.browser()
		b.remote = "198.51.100.7:1234"
		w := b.login("alice", "alice-password-1")
		wantStatus(t, w, http.StatusTooManyRequests, "right password after 5 failures")
		if !strings.Contains(w.Body.String(), "Too many failed logins") {
			t.Error("no plain throttle message")
		}
		e.advance(16 * time.Minute)
		wantStatus(t, b.login("alice", "alice-password-1"), http.StatusSeeOther, "after the window")
	})
	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		e.addUser("alice", "alice-password-1", false)
		b := e.browser()
		b.remote = "203.0.113.9:1234"
		for i := range 20 {
			wantStatus(t, b.login(fmt.Sprintf("user%d", i), "wrong-password"), http.StatusUnauthorized, "wrong user")
		}
		wantStatus(t, b.login("alice", "alice-password-1"), http.StatusTooManyRequests, "same address")
		other := e.browser()
		other.remote = "203.0.113.10:1234"
		wantStatus(t, other.login("alice", "alice-password-1"), http.StatusSeeOther, "other address")
	})
	t.Run("proxy address", func(t *testing.T) {
		t.Parallel()
		e := setup(t, func(c *web.Config) { c.TrustProxy = true; c.LoginLimitAddr = 2 })
		e.addUser("alice", "alice-password-1", false)
		b := e.browser()
		b.headers["X-Forwarded-For"] = "203.0.113.9"
		for range 2 {
			b.login("x", "wrong-password")
		}
		wantStatus(t, b.login("alice", "alice-password-1"), http.StatusTooManyRequests, "client behind the proxy")
		c := e.browser()
		c.headers["X-Forwarded-For"] = "203.0.113.10"
		wantStatus(t, c.login("alice", "alice-password-1"), http.StatusSeeOther, "another client behind the proxy")
	})
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", true)
	acct := &cointally.Account{UserID: alice.ID, Name: "main", Exchange: "kraken"}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	// Login itself needs the pre-session token.
	b := e.browser()
	b.get("/login")
	wantStatus(t, b.do("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice-password-1"}}), http.StatusForbidden, "login without token")
	wantStatus(t, b.do("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice-password-1"}, "csrf_token": {"forged"}}), http.StatusForbidden, "login with a forged token")
	b.mustLogin("alice", "alice-password-1")
	posts := []struct {
		path string
		form url.Values
	}{
		{"/logout", url.Values{}},
		{"/accounts/new", url.Values{"name": {"x"}, "api_key": {"k"}, "private_key": {goodPrivate}, "tier": {"starter"}, "action": {"save"}}},
		{fmt.Sprintf("/accounts/%d/sync", acct.ID), url.Values{}},
		{"/users", url.Values{"username": {"mallory"}, "password": {"mallory-pass-1"}, "password2": {"mallory-pass-1"}}},
	}
	for _, p := range posts {
		for _, token := range []string{"", "forged", "__prelogin__"} {
			f := url.Values{}
			for k, v := range p.form {
				f[k] = v
			}
			if token == "__prelogin__" {
				token = b.cookies["cointally_csrf"].Value // the double-submit token is no session token
			}
			f.Set("csrf_token", token)
			wantStatus(t, b.do("POST", p.path, f), http.StatusForbidden, fmt.Sprintf("POST %s with token %q", p.path, token))
		}
	}
	if len(e.syncer.started) != 0 {
		t.Errorf("a forged POST started syncs %v", e.syncer.started)
	}
	if _, err := e.store.UserByName(t.Context(), "mallory"); !cointally.IsNotFound(err) {
		t.Errorf("a forged POST created a user: %v", err)
	}
	// A cross-site POST is refused even with the right token.
	b.headers["Sec-Fetch-Site"] = "cross-site"
	wantStatus(t, b.post(fmt.Sprintf("/accounts/%d/sync", acct.ID), nil), http.StatusForbidden, "cross-site POST")
	delete(b.headers, "Sec-Fetch-Site")
	wantStatus(t, b.post(fmt.Sprintf("/accounts/%d/sync", acct.ID), nil), http.StatusSeeOther, "POST with the token")
	// Still logged in: the refused logouts did nothing.
	wantStatus(t, b.get("/"), http.StatusOK, "dashboard")
}

func TestLogoutEndsSession(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	stolen := *b.cookies["cointally_session"]
	wantStatus(t, b.post("/logout", nil), http.StatusSeeOther, "logout")
	wantStatus(t, b.get("/"), http.StatusSeeOther, "after logout")
	// The old cookie no longer works: the session is gone from the store.
	c := e.browser()
	c.cookies["cointally_session"] = &stolen
	wantStatus(t, c.get("/"), http.StatusSeeOther, "replayed cookie")
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	e := setup(t, func(c *web.Config) { c.IdleTimeout = time.Hour; c.SessionTTL = 3 * time.Hour })
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	for range 2 {
		e.advance(50 * time.Minute)
		wantStatus(t, b.get("/"), http.StatusOK, "active session")
	}
	e.advance(61 * time.Minute)
	wantStatus(t, b.get("/"), http.StatusSeeOther, "idle session")

	b.mustLogin("alice", "alice-password-1")
	for range 3 {
		e.advance(55 * time.Minute)
		b.get("/")
	}
	e.advance(20 * time.Minute) // 3 h 5 min after login, never idle
	wantStatus(t, b.get("/"), http.StatusSeeOther, "expired session")
}

func TestSetup(t *testing.T) {
	t.Parallel()
	form := url.Values{"username": {"local"}, "password": {"first-admin-pw"}, "password2": {"first-admin-pw"}}
	for _, tt := range []struct {
		name    string
		remote  string
		headers map[string]string
	}{
		{"remote address", "192.0.2.1:4000", nil},
		{"through a proxy", "127.0.0.1:4000", map[string]string{"X-Forwarded-For": "192.0.2.1"}},
		{"forwarded header", "[::1]:4000", map[string]string{"Forwarded": "for=192.0.2.1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			b := e.browser()
			b.remote = tt.remote
			b.headers = tt.headers
			if b.headers == nil {
				b.headers = map[string]string{}
			}
			wantStatus(t, b.get("/setup"), http.StatusForbidden, "GET /setup")
			b.get("/login")
			wantStatus(t, b.post("/setup", form), http.StatusForbidden, "POST /setup")
			if ok, _ := anyPassword(t, e); ok {
				t.Fatal("setup from outside set a password")
			}
		})
	}
	t.Run("loopback", func(t *testing.T) {
		t.Parallel()
		e := setup(t)
		if _, err := e.store.EnsureLocalUser(t.Context()); err != nil {
			t.Fatal(err)
		}
		b := e.browser()
		b.remote = "[::1]:4000"
		wantStatus(t, b.get("/setup"), http.StatusOK, "GET /setup")
		short := url.Values{"username": {"local"}, "password": {"short"}, "password2": {"short"}}
		wantStatus(t, b.post("/setup", short), http.StatusBadRequest, "short password")
		wantStatus(t, b.post("/setup", form), http.StatusSeeOther, "POST /setup")
		wantStatus(t, b.get("/"), http.StatusOK, "logged in after setup")
		u, err := e.store.UserByName(t.Context(), "local")
		if err != nil || !u.Admin || !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") {
			t.Fatalf("local user after setup: %+v, %v", u, err)
		}
		// Setup works once.
		c := e.browser()
		c.remote = "127.0.0.1:4000"
		wantStatus(t, c.get("/setup"), http.StatusNotFound, "GET /setup again")
		c.get("/login")
		wantStatus(t, c.post("/setup", url.Values{"username": {"evil"}, "password": {"evil-password"}, "password2": {"evil-password"}}), http.StatusNotFound, "POST /setup again")
	})
}

func anyPassword(t *testing.T, e *env) (bool, error) {
	users, err := e.store.Users(t.Context())
	for _, u := range users {
		if u.PasswordHash != "" {
			return true, err
		}
	}
	return false, err
}

func TestAddExchange(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	page := b.get("/accounts/new").Body.String()
	for _, want := range []string{"Query ledger entries", "Never", "Withdraw", "only once", "one key for cointally", "IP", `name="private_key" type="password"`,
		`<input type="radio" name="exchange" value="kraken" checked>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the add page lacks %q", want)
		}
	}
	// Only a supported exchange is accepted.
	wx := b.post("/accounts/new", url.Values{"exchange": {"binance"}, "name": {"main"}, "api_key": {"k"}, "private_key": {goodPrivate}, "tier": {"starter"}, "action": {"test"}})
	if wx.Code != http.StatusBadRequest || !strings.Contains(wx.Body.String(), "supports Kraken so far") {
		t.Errorf("an unsupported exchange: %d", wx.Code)
	}
	b.get("/accounts/new")
	base := url.Values{"name": {"main"}, "api_key": {"public-api-key"}, "tier": {"starter"}}
	with := func(kv ...string) url.Values {
		f := url.Values{}
		for k, v := range base {
			f[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	var bodies []string
	check := func(w *httptest.ResponseRecorder, status int, what string, wants ...string) {
		t.Helper()
		wantStatus(t, w, status, what)
		body := w.Body.String()
		bodies = append(bodies, body)
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: response lacks %q", what, want)
			}
		}
		if !strings.Contains(body, "public-api-key") {
			t.Errorf("%s: the API key was not kept in the form", what)
		}
	}
	check(b.post("/accounts/new", with("private_key", goodPrivate, "action", "test")), 200, "test good key", "read-only and has what cointally needs", "Funds → Query", "paste it again")
	check(b.post("/accounts/new", with("private_key", riskyPrivate, "action", "test")), 200, "test risky key", "cannot be used", "dangerous", "Store this key anyway")
	check(b.post("/accounts/new", with("private_key", "WRONG-"+goodPrivate, "action", "test")), 403, "test wrong key", "rejected the key")
	check(b.post("/accounts/new", with("private_key", riskyPrivate, "action", "save")), 400, "save risky key", "not stored", "dangerous")
	check(b.post("/accounts/new", with("private_key", goodPrivate, "action", "save", "name", "")), 400, "save without a name", "Give the account a name")
	check(b.post("/accounts/new", with("private_key", goodPrivate, "action", "save", "tier", "whale")), 400, "bad tier", "tier")
	for i, body := range bodies {
		for _, secret := range []string{goodPrivate, riskyPrivate, "WRONG-"} {
			if strings.Contains(body, secret) {
				t.Errorf("response %d contains the private key %q", i, secret)
			}
		}
	}
	if n := len(e.syncer.started); n != 0 {
		t.Fatalf("syncs started before a save: %d", n)
	}
	w := b.post("/accounts/new", with("private_key", goodPrivate, "action", "save"))
	wantStatus(t, w, http.StatusSeeOther, "save good key")
	if strings.Contains(w.Body.String(), goodPrivate) {
		t.Error("the redirect contains the private key")
	}
	loc := w.Header().Get("Location")
	if !regexp.MustCompile(`^/accounts/\d+$`).MatchString(loc) {
		t.Fatalf("save redirects to %q", loc)
	}
	if len(e.syncer.started) != 1 || fmt.Sprintf("/accounts/%d", e.syncer.started[0]) != loc {
		t.Errorf("save started syncs %v, want the new account's at once", e.syncer.started)
	}
	page = b.get(loc).Body.String()
	for _, want := range []string{"main", "Sync now", "complete", "XXBT", "Completeness proof", "Sync history", `data-running="true"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the account page lacks %q", want)
		}
	}
	// A second account of the same name is refused with words.
	w = b.post("/accounts/new", with("private_key", goodPrivate, "action", "save"))
	if w.Code == http.StatusSeeOther || strings.Contains(w.Body.String(), goodPrivate) {
		t.Errorf("duplicate name: %d", w.Code)
	}
}

func TestUserIsolation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", false)
	e.addUser("bob", "bob-password-12", false)
	acct := &cointally.Account{UserID: alice.ID, Name: "alice-kraken", Exchange: "kraken"}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	a := e.browser()
	a.mustLogin("alice", "alice-password-1")
	wantStatus(t, a.get(fmt.Sprintf("/accounts/%d", acct.ID)), http.StatusOK, "alice's own account")
	if !strings.Contains(a.get("/").Body.String(), "alice-kraken") {
		t.Error("alice's dashboard does not list her account")
	}

	b := e.browser()
	b.mustLogin("bob", "bob-password-12")
	missing := b.get("/accounts/999999")
	for _, path := range []string{fmt.Sprintf("/accounts/%d", acct.ID), fmt.Sprintf("/accounts/%d/progress", acct.ID), "/accounts/999999", "/accounts/abc"} {
		w := b.get(path)
		wantStatus(t, w, http.StatusNotFound, "bob GET "+path)
		if strings.Contains(w.Body.String(), "alice") {
			t.Errorf("bob GET %s shows alice's data", path)
		}
	}
	if got := b.get(fmt.Sprintf("/accounts/%d", acct.ID)).Body.String(); got != missing.Body.String() {
		t.Error("another user's account answers differently from a missing one")
	}
	wantStatus(t, b.post(fmt.Sprintf("/accounts/%d/sync", acct.ID), nil), http.StatusNotFound, "bob POST sync")
	if len(e.syncer.started) != 0 {
		t.Errorf("bob started a sync of alice's account: %v", e.syncer.started)
	}
	if strings.Contains(b.get("/").Body.String(), "alice-kraken") {
		t.Error("bob's dashboard lists alice's account")
	}
	// Non-admins cannot manage users.
	wantStatus(t, b.get("/users"), http.StatusNotFound, "bob GET /users")
	wantStatus(t, b.post("/users", url.Values{"username": {"eve"}, "password": {"eve-password-1"}, "password2": {"eve-password-1"}}), http.StatusNotFound, "bob POST /users")
}

func TestAdminAddsUser(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("root", "root-password-1", true)
	b := e.browser()
	b.mustLogin("root", "root-password-1")
	b.get("/users")
	w := b.post("/users", url.Values{"username": {"carol"}, "password": {"carol-password"}, "password2": {"carol-password"}})
	wantStatus(t, w, http.StatusOK, "add carol")
	if strings.Contains(w.Body.String(), "carol-password") {
		t.Error("the password was echoed")
	}
	wantStatus(t, b.post("/users", url.Values{"username": {"carol"}, "password": {"carol-password"}, "password2": {"carol-password"}}), http.StatusConflict, "add carol twice")
	c := e.browser()
	c.mustLogin("carol", "carol-password")
}

func TestProgressJSON(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", false)
	acct := &cointally.Account{UserID: alice.ID, Name: "k", Exchange: "kraken"}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	w := b.get(fmt.Sprintf("/accounts/%d/progress", acct.ID))
	wantStatus(t, w, 200, "progress")
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("content type %q", ct)
	}
	for _, want := range []string{`"running":true`, `"percent":25`, `Syncing ledger`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("progress %s lacks %s", w.Body, want)
		}
	}
}

// TestEveryPageRenders renders each page template through its route, so a
// template that fails at run time fails here.
func TestEveryPageRenders(t *testing.T) {
	t.Parallel()
	e := setup(t)
	root := e.addUser("root", "root-password-1", true)
	acct := &cointally.Account{UserID: root.ID, Name: "main", Exchange: "kraken", LastSync: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	run := &cointally.SyncRun{AccountID: acct.ID}
	if err := e.store.StartRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	run.Outcome, run.Errors, run.Summary = cointally.OutcomeFailed, []string{"Kraken could not be reached"}, "stopped"
	if err := e.store.FinishRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{ // template -> path that renders it
		"help":         "/help",
		"dashboard":    "/",
		"account_new":  "/accounts/new",
		"account":      fmt.Sprintf("/accounts/%d", acct.ID),
		"users":        "/users",
		"error":        "/accounts/424242",
		"transactions": "/transactions",
		"tax":          "/tax",
		"settings":     "/settings",
		"sharing":      "/sharing",
	}
	fresh := setup(t)
	wantStatus(t, fresh.browser().get("/setup"), http.StatusOK, "setup")
	b := e.browser()
	wantStatus(t, b.get("/login"), 200, "login")
	b.mustLogin("root", "root-password-1")
	for name, path := range pages {
		w := b.get(path)
		want := http.StatusOK
		if name == "error" {
			want = http.StatusNotFound
		}
		wantStatus(t, w, want, name)
		if !strings.Contains(w.Body.String(), "</html>") {
			t.Errorf("%s: page cut short", name)
		}
	}
	if !strings.Contains(b.get(pages["account"]).Body.String(), "Kraken could not be reached") {
		t.Error("the sync history does not show the run's error")
	}
	for _, name := range e.srv.Pages() {
		if _, ok := pages[name]; !ok && name != "setup" && name != "login" {
			t.Errorf("template %s has no render test", name)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := web.HashPassword("correct horse battery", fastParams)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h) {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	h2, _ := web.HashPassword("correct horse battery", fastParams)
	if h == h2 {
		t.Error("two hashes share a salt")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		if ok, err := web.VerifyPassword(h, tt.pw); ok != tt.want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", tt.pw, ok, err)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdA$aGFzaA"} {
		if ok, err := web.VerifyPassword(bad, "x"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
	if err := web.CheckPassword("short"); err == nil {
		t.Error("a 5-character password was accepted")
	}
}
