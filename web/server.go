package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config is what a Server needs. Store, Sessions, Connector and Syncer are
// required; the rest have defaults.
type Config struct {
	Store     cointally.Store
	Sessions  cointally.SessionStore
	Connector Connector
	Syncer    Syncer
	Logger    *slog.Logger     // default: discard
	Now       func() time.Time // default: time.Now
	// SyncInterval is the scheduler's default time between syncs, to show
	// when the next one is due (0: not shown).
	SyncInterval time.Duration
	// TLS says the server itself serves HTTPS: cookies are always Secure.
	TLS bool
	// TrustProxy trusts X-Forwarded-For (the client address, for the login
	// throttle) and X-Forwarded-Proto (https makes cookies Secure) from a
	// reverse proxy. Set it only when every request comes through one.
	TrustProxy bool
	// PasswordParams are the Argon2id costs of new hashes (zero: defaults).
	PasswordParams PasswordParams
	// SessionTTL is a session's longest life (default 7 days), IdleTimeout
	// its longest time without a request (default 12 hours).
	SessionTTL, IdleTimeout time.Duration
	// LoginLimitUser and LoginLimitAddr are the failed logins allowed per
	// user name and per client address within LoginWindow before further
	// attempts are refused (defaults 5, 20 and 15 minutes).
	LoginLimitUser, LoginLimitAddr int
	LoginWindow                    time.Duration
	// Reports computes the tax page's and the dashboard's figures (nil:
	// those pages say reports are not available).
	Reports Reports
	// Vault, when set, lets admins change how the key vault is protected
	// on the settings page.
	Vault VaultAdmin
}

// Server is the web UI, an http.Handler.
type Server struct {
	cfg   Config
	log   *slog.Logger
	mux   *http.ServeMux
	pages map[string]*template.Template

	dummyOnce sync.Once
	dummyHash string // verified against when a user does not exist, to keep timing even

	charts chartCache
}

// New checks cfg and parses every template.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Sessions == nil || cfg.Connector == nil || cfg.Syncer == nil {
		return nil, errors.New("web: Config needs Store, Sessions, Connector and Syncer")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PasswordParams == (PasswordParams{}) {
		cfg.PasswordParams = DefaultPasswordParams
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.SessionTTL, 7*24*time.Hour)
	def(&cfg.IdleTimeout, 12*time.Hour)
	def(&cfg.LoginWindow, 15*time.Minute)
	if cfg.LoginLimitUser <= 0 {
		cfg.LoginLimitUser = 5
	}
	if cfg.LoginLimitAddr <= 0 {
		cfg.LoginLimitAddr = 20
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	s.routes()
	return s, nil
}

// Pages lists the page templates, for tests.
func (s *Server) Pages() []string {
	names := make([]string, 0, len(s.pages))
	for n := range s.pages {
		names = append(names, n)
	}
	return names
}

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(http.FileServerFS(static))))
	// Browsers ask for /favicon.ico by themselves, whatever the page says.
	m.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	})
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
	})

	// Pages open to everyone.
	m.HandleFunc("GET /login", s.loginForm)
	m.HandleFunc("POST /login", s.preSessionCSRF(s.login))
	m.HandleFunc("GET /setup", s.setupForm)
	m.HandleFunc("POST /setup", s.preSessionCSRF(s.setup))
	m.HandleFunc("GET /help", s.withUser(false, s.help))

	// Pages for logged-in users. Every POST checks the session's CSRF token.
	m.HandleFunc("POST /logout", s.withUser(true, s.logout))
	m.HandleFunc("GET /{$}", s.withUser(true, s.dashboard))
	m.HandleFunc("GET /accounts/new", s.withUser(true, s.accountNewForm))
	m.HandleFunc("POST /accounts/new", s.withUser(true, s.ownWrites(s.accountNew)))
	acc := newAccountPages(s) // account pages and actions (account.go, events.go)
	m.HandleFunc("GET /accounts/{id}", s.withUser(true, acc.page))
	m.HandleFunc("POST /accounts/{id}/sync", s.withUser(true, acc.sync))
	m.HandleFunc("GET /accounts/{id}/progress", s.withUser(true, acc.progress))
	m.HandleFunc("GET /accounts/{id}/events", s.withUser(true, acc.events))
	m.HandleFunc("POST /accounts/{id}/rotate", s.withUser(true, acc.rotate))
	m.HandleFunc("POST /accounts/{id}/remove", s.withUser(true, acc.remove))
	m.HandleFunc("GET /sharing", s.withUser(true, s.sharingPage))
	m.HandleFunc("POST /sharing/grant", s.withUser(true, s.ownWrites(s.sharingGrant)))
	m.HandleFunc("POST /sharing/revoke", s.withUser(true, s.ownWrites(s.sharingRevoke)))
	// Admin.
	m.HandleFunc("GET /users", s.withUser(true, s.adminOnly(s.usersPage)))
	m.HandleFunc("POST /users", s.withUser(true, s.ownWrites(s.adminOnly(s.userCreate))))
	// Transactions, tax and settings. A POST that acts on the user's own
	// data is wrapped in ownWrites (sharing.go): it refuses ?as=.
	m.HandleFunc("GET /transactions", s.withUser(true, s.transactionsPage))
	m.HandleFunc("GET /transactions.csv", s.withUser(true, s.transactionsCSV))
	m.HandleFunc("GET /tax", s.withUser(true, s.taxPage))
	m.HandleFunc("GET /tax/export", s.withUser(true, s.taxExport))
	m.HandleFunc("GET /settings", s.withUser(true, s.settingsPage))
	m.HandleFunc("POST /settings", s.withUser(true, s.ownWrites(s.settingsSave)))
	m.HandleFunc("POST /settings/password", s.withUser(true, s.ownWrites(s.passwordChange)))
	m.HandleFunc("POST /settings/vault", s.withUser(true, s.adminOnly(s.ownWrites(s.vaultPassphrase))))
	s.mux = m
}

// ServeHTTP sets the security headers and routes the request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secure(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// Browsers say where a request comes from; a form posted from
		// another site is refused before any handler sees it.
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
			http.Error(w, "cross-site requests are refused", http.StatusForbidden)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	}
	s.mux.ServeHTTP(w, r)
}

func cacheFor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// secure reports whether the browser reached us over TLS.
func (s *Server) secure(r *http.Request) bool {
	return s.cfg.TLS || r.TLS != nil || (s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https"))
}

// clientAddr is the client's IP: the peer, or with TrustProxy the last
// address the proxy appended to X-Forwarded-For.
func (s *Server) clientAddr(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Cookies.
const (
	sessionCookie = "cointally_session"
	csrfCookie    = "cointally_csrf" // the pre-login double-submit token
	csrfField     = "csrf_token"
)

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func equalTokens(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

type ctxKey int

const requestKey ctxKey = iota

// request is what the middleware learned about a request.
type request struct {
	user    *cointally.User    // nil when nobody is logged in
	session *cointally.Session // nil when nobody is logged in
	csrf    string             // the token forms must carry
}

func reqOf(r *http.Request) *request {
	if rq, ok := r.Context().Value(requestKey).(*request); ok {
		return rq
	}
	return &request{}
}

// currentSession returns the valid session of the request, or nil.
func (s *Server) currentSession(r *http.Request) (*cointally.Session, *cointally.User) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	ctx := r.Context()
	h := tokenHash(c.Value)
	sess, err := s.cfg.Sessions.Session(ctx, h)
	if err != nil {
		if !cointally.IsNotFound(err) {
			s.log.Error("web: reading a session", "error", err)
		}
		return nil, nil
	}
	now := s.cfg.Now()
	if now.After(sess.Expires) || now.Sub(sess.LastSeen) > s.cfg.IdleTimeout {
		_ = s.cfg.Sessions.DeleteSession(ctx, h)
		return nil, nil
	}
	u, err := s.cfg.Store.User(ctx, sess.UserID)
	if err != nil || u.PasswordHash == "" {
		_ = s.cfg.Sessions.DeleteSession(ctx, h)
		return nil, nil
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.cfg.Sessions.TouchSession(ctx, h, now); err != nil {
			s.log.Warn("web: touching a session", "error", err)
		}
	}
	return sess, u
}

// withUser loads the session. With required set, a request without one
// is sent to the login page (GET) or refused (POST); every POST must carry
// the session's CSRF token.
func (s *Server) withUser(required bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, u := s.currentSession(r)
		if sess == nil && required {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			} else {
				s.fail(w, r, &cointally.Error{Kind: cointally.KindUnauthorized, Message: "Your session has ended: log in again."})
			}
			return
		}
		rq := &request{user: u, session: sess}
		if sess != nil {
			rq.csrf = sess.CSRFToken
		}
		if r.Method == http.MethodPost {
			if sess == nil || !equalTokens(r.PostFormValue(csrfField), sess.CSRFToken) {
				s.fail(w, r, errCSRF)
				return
			}
		}
		h(w, r.WithContext(context.WithValue(r.Context(), requestKey, rq)))
	}
}

var errCSRF = &cointally.Error{Kind: cointally.KindUnauthorized, Message: "The form has expired or did not come from this site. Go back, reload the page and try again."}

// preSessionCSRF checks the double-submit token of forms shown before
// login: the form field must equal the cookie set with the form.
func (s *Server) preSessionCSRF(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(csrfCookie)
		if err != nil || !equalTokens(r.PostFormValue(csrfField), c.Value) {
			s.fail(w, r, errCSRF)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), requestKey, &request{csrf: c.Value})))
	}
}

// loginCSRF returns the pre-login CSRF token, setting its cookie if needed.
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 43 {
		return c.Value
	}
	t := randomToken()
	s.setCookie(w, r, csrfCookie, t, 0)
	return t
}

func (s *Server) adminOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if u := reqOf(r).user; u == nil || !u.Admin {
			s.fail(w, r, &cointally.Error{Kind: cointally.KindNotFound, Message: "There is no such page."})
			return
		}
		h(w, r)
	}
}

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[cointally.Kind]int{
	cointally.KindInvalid:      http.StatusBadRequest,
	cointally.KindNotFound:     http.StatusNotFound,
	cointally.KindConflict:     http.StatusConflict,
	cointally.KindUnauthorized: http.StatusForbidden,
	cointally.KindUnavailable:  http.StatusServiceUnavailable,
	cointally.KindOther:        http.StatusInternalServerError,
}

// userMessage is what the user reads about err: the message of a
// cointally.Error, a generic sentence for anything else (logged).
func (s *Server) userMessage(err error) string {
	var e *cointally.Error
	if errors.As(err, &e) && e.Message != "" && e.Kind != cointally.KindOther {
		return e.Message
	}
	if errors.As(err, &e) && e.Kind != cointally.KindOther {
		return e.Error()
	}
	return "Something went wrong on the server; the log has the details."
}

// fail answers with the error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := cointally.KindOf(err)
	status := statusOf[kind]
	if status == 0 || status == http.StatusInternalServerError {
		status = http.StatusInternalServerError
		s.log.Error("web: request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	s.render(w, r, status, "error", map[string]any{"Status": status, "Message": s.userMessage(err)})
}

// page is what every template gets.
type page struct {
	User  *cointally.User
	CSRF  string
	Nav   string // the active navigation item
	Title string
	Data  any
}

// render executes the page template into a buffer, then writes it, so a
// template error becomes a clean 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := s.pages[name]
	if t == nil {
		panic("web: no template " + name)
	}
	rq := reqOf(r)
	p := page{User: rq.user, CSRF: rq.csrf, Nav: name, Data: data}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("web: rendering", "page", name, "error", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// The account named by an {id} path value is found by accountFor
// (sharing.go), which also knows read-only grants.

func accountURL(a *cointally.Account) string { return fmt.Sprintf("/accounts/%d", a.ID) }
