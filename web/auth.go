package web

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/cointally/cointally"
)

// loginData is the login and setup forms' data. The password is never
// part of it.
type loginData struct {
	Username string
	Error    string
	NoUsers  bool // nobody can log in yet: point at setup
	Loopback bool
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if sess, _ := s.currentSession(r); sess != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	csrf := s.loginCSRF(w, r)
	r = r.WithContext(context.WithValue(r.Context(), requestKey, &request{csrf: csrf}))
	open, err := s.setupOpen(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginData{NoUsers: open, Loopback: s.fromLoopback(r)})
}

var errLogin = "The user name or password is wrong."

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := strings.TrimSpace(r.PostFormValue("username"))
	pw := r.PostFormValue("password")
	data := loginData{Username: name}
	userKey, addrKey := "user:"+strings.ToLower(name), "addr:"+s.clientAddr(r)
	now := s.cfg.Now()
	since := now.Add(-s.cfg.LoginWindow)
	nu, err := s.cfg.Sessions.LoginFailures(ctx, userKey, since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	na, err := s.cfg.Sessions.LoginFailures(ctx, addrKey, since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if nu >= s.cfg.LoginLimitUser || na >= s.cfg.LoginLimitAddr {
		data.Error = fmt.Sprintf("Too many failed logins. Wait %d minutes and try again.", int(s.cfg.LoginWindow.Minutes()))
		s.render(w, r, http.StatusTooManyRequests, "login", data)
		return
	}
	u, err := s.cfg.Store.UserByName(ctx, name)
	if err != nil && !cointally.IsNotFound(err) {
		s.fail(w, r, err)
		return
	}
	ok := false
	if u != nil && u.PasswordHash != "" {
		ok, err = VerifyPassword(u.PasswordHash, pw)
		if err != nil {
			s.log.Error("web: a stored password hash is unreadable", "user", u.Name, "error", err)
		}
	} else {
		// Spend the same time as for a real user, so timing does not tell
		// which names exist.
		_, _ = VerifyPassword(s.dummy(), pw)
	}
	if !ok {
		for _, k := range []string{userKey, addrKey} {
			if err := s.cfg.Sessions.AddLoginFailure(ctx, k, now); err != nil {
				s.log.Error("web: recording a failed login", "error", err)
			}
		}
		s.log.Warn("web: failed login", "user", name, "addr", s.clientAddr(r))
		data.Error = errLogin
		s.render(w, r, http.StatusUnauthorized, "login", data)
		return
	}
	_ = s.cfg.Sessions.ClearLoginFailures(ctx, userKey)
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) dummy() string {
	s.dummyOnce.Do(func() {
		s.dummyHash, _ = HashPassword("cointally dummy password", s.cfg.PasswordParams)
	})
	return s.dummyHash
}

// startSession stores a new session for u and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *cointally.User) error {
	token := randomToken()
	now := s.cfg.Now()
	sess := &cointally.Session{TokenHash: tokenHash(token), UserID: u.ID, CSRFToken: randomToken(),
		Created: now, LastSeen: now, Expires: now.Add(s.cfg.SessionTTL),
		Address: s.clientAddr(r), UserAgent: truncate(r.UserAgent(), 200)}
	if err := s.cfg.Sessions.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	s.setCookie(w, r, sessionCookie, token, int(s.cfg.SessionTTL.Seconds()))
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.Sessions.DeleteSession(r.Context(), tokenHash(c.Value)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setupOpen reports whether nobody can log in yet.
func (s *Server) setupOpen(ctx context.Context) (bool, error) {
	users, err := s.cfg.Store.Users(ctx)
	if err != nil {
		return false, err
	}
	for _, u := range users {
		if u.PasswordHash != "" {
			return false, nil
		}
	}
	return true, nil
}

// fromLoopback reports whether the request came from this machine directly:
// a loopback peer and no sign of a proxy (a proxy on the same machine
// connects from loopback on behalf of anyone).
func (s *Server) fromLoopback(r *http.Request) bool {
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var errSetupClosed = &cointally.Error{Kind: cointally.KindNotFound,
	Message: "Setup is done: log in, or ask an admin for an account."}

var errSetupRemote = &cointally.Error{Kind: cointally.KindUnauthorized,
	Message: "The setup page works only from the machine cointally runs on (http://127.0.0.1), not through a proxy. Or create the first user with: cointally user add NAME --admin"}

// setupCheck says why setup is refused, nil if it is allowed.
func (s *Server) setupCheck(r *http.Request) error {
	open, err := s.setupOpen(r.Context())
	switch {
	case err != nil:
		return err
	case !open:
		return errSetupClosed
	case !s.fromLoopback(r):
		return errSetupRemote
	}
	return nil
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) {
	if err := s.setupCheck(r); err != nil {
		s.fail(w, r, err)
		return
	}
	csrf := s.loginCSRF(w, r)
	r = r.WithContext(context.WithValue(r.Context(), requestKey, &request{csrf: csrf}))
	s.render(w, r, http.StatusOK, "setup", loginData{Username: cointally.LocalUserName})
}

// setup makes the first admin. Naming the built-in local user gives it a
// password, so the accounts connected on the command line show up.
func (s *Server) setup(w http.ResponseWriter, r *http.Request) {
	if err := s.setupCheck(r); err != nil {
		s.fail(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("username"))
	pw := r.PostFormValue("password")
	data := loginData{Username: name}
	u, err := s.setPassword(r.Context(), name, pw, r.PostFormValue("password2"), true)
	if err != nil {
		if cointally.KindOf(err) == cointally.KindOther {
			s.fail(w, r, err)
			return
		}
		data.Error = s.userMessage(err)
		s.render(w, r, http.StatusBadRequest, "setup", data)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// setPassword creates the user with the password, or sets it on an
// existing user who has none (the built-in local user).
func (s *Server) setPassword(ctx context.Context, name, pw, confirm string, admin bool) (*cointally.User, error) {
	if err := CheckUserName(name); err != nil {
		return nil, err
	}
	if err := CheckPassword(pw); err != nil {
		return nil, &cointally.Error{Kind: cointally.KindInvalid, Message: capitalize(err.Error()) + "."}
	}
	if pw != confirm {
		return nil, &cointally.Error{Kind: cointally.KindInvalid, Message: "The two passwords differ."}
	}
	hash, err := HashPassword(pw, s.cfg.PasswordParams)
	if err != nil {
		return nil, err
	}
	return SetUserPassword(ctx, s.cfg.Store, name, hash, admin)
}

// CheckUserName says what is wrong with a user name, nil if nothing.
func CheckUserName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n/\\<>\"'") {
		return &cointally.Error{Kind: cointally.KindInvalid, Message: "Choose a user name of 1 to 64 characters without spaces, quotes or slashes."}
	}
	return nil
}

// SetUserPassword creates the user with the hash, or gives it to an
// existing user who has no password yet. KindConflict if the user exists
// with a password.
func SetUserPassword(ctx context.Context, st cointally.UserStore, name, hash string, admin bool) (*cointally.User, error) {
	u, err := st.UserByName(ctx, name)
	switch {
	case cointally.IsNotFound(err):
		u = &cointally.User{Name: name, Admin: admin, PasswordHash: hash}
		return u, st.CreateUser(ctx, u)
	case err != nil:
		return nil, err
	case u.PasswordHash != "":
		return nil, &cointally.Error{Kind: cointally.KindConflict, Message: fmt.Sprintf("The user %s exists already.", name)}
	}
	u.PasswordHash, u.Admin = hash, u.Admin || admin
	return u, st.UpdateUser(ctx, u)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
