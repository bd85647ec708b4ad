package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cointally/cointally"
)

// The settings page keeps the logged-in user's preferences (report
// currency, default cost-basis method, default sync interval) and changes
// their password. Settings are always the user's own: a viewer reading
// someone's data through a grant keeps their own settings.

// Currencies are the report currencies offered (Kraken quotes each of them).
var Currencies = []string{"EUR", "USD", "GBP", "CAD", "AUD", "CHF", "JPY"}

// VaultAdmin changes how the server's key vault (which seals every user's
// exchange keys) is protected. Only admins reach it.
type VaultAdmin interface {
	// VaultMode says how the vault is protected ("keyfile" or
	// "passphrase"; "" before it exists), without opening it.
	VaultMode() string
	// SetPassphrase protects the vault with next: a new passphrase for a
	// vault that has one (current must be it), or a passphrase instead of
	// the key file (current is ignored). The stored keys are re-wrapped,
	// never re-entered. KindUnauthorized if current is wrong; KindInvalid
	// if next is unfit (too short).
	SetPassphrase(ctx context.Context, current, next []byte) error
}

// MinPassphrase is the shortest vault passphrase accepted.
const MinPassphrase = 10

type settingsData struct {
	Currency, Method, Interval string // stored values ("" for the default)
	DefaultInterval            time.Duration
	Currencies, Methods        []string
	VaultMode                  string
	VaultAdmin                 bool // the vault's protection can be changed here
	Notice, Error              string
	PasswordError, VaultError  string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	data := settingsData{}
	switch r.URL.Query().Get("done") {
	case "saved":
		data.Notice = "Settings saved."
	case "password":
		data.Notice = "Password changed. Every other session of yours has been logged out."
	case "vault":
		data.Notice = "The key vault is now protected by the new passphrase. From now on, start the server with COINTALLY_PASSPHRASE set to it."
	}
	s.showSettings(w, r, http.StatusOK, data, nil)
}

// showSettings renders the page with the stored settings, or with form
// when the form is shown again after an error.
func (s *Server) showSettings(w http.ResponseWriter, r *http.Request, status int, data settingsData, form map[string]string) {
	u := reqOf(r).user
	set, err := s.cfg.Store.Settings(r.Context(), u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if form != nil {
		set = form
	}
	data.Currency, data.Method, data.Interval = set[cointally.SettingCurrency], set[cointally.SettingMethod], set[cointally.SettingSyncInterval]
	data.DefaultInterval = s.cfg.SyncInterval
	data.Currencies, data.Methods = Currencies, Methods
	if s.cfg.Vault != nil {
		data.VaultMode, data.VaultAdmin = s.cfg.Vault.VaultMode(), u.Admin
	}
	s.render(w, r, status, "settings", data)
}

// settingsSave stores the preferences; an empty field means the default.
func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) {
	u := reqOf(r).user
	form := map[string]string{
		cointally.SettingCurrency:     strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))),
		cointally.SettingMethod:       strings.ToLower(strings.TrimSpace(r.PostFormValue("method"))),
		cointally.SettingSyncInterval: strings.TrimSpace(r.PostFormValue("sync_interval")),
	}
	bad := func(msg string) {
		s.showSettings(w, r, http.StatusBadRequest, settingsData{Error: msg}, form)
	}
	if c := form[cointally.SettingCurrency]; c != "" && !contains(Currencies, c) {
		bad("Choose a report currency from the list: " + strings.Join(Currencies, ", ") + ".")
		return
	}
	if m := form[cointally.SettingMethod]; m != "" && !contains(Methods, m) {
		bad("Choose a method from the list: fifo, lifo, hifo, average or uk.")
		return
	}
	values := map[string]string{}
	for _, k := range []string{cointally.SettingCurrency, cointally.SettingMethod, cointally.SettingSyncInterval} {
		v, err := cointally.CheckSetting(k, form[k])
		if err != nil {
			if cointally.KindOf(err) != cointally.KindInvalid {
				s.fail(w, r, err)
				return
			}
			bad(capitalize(s.userMessage(err)) + ".")
			return
		}
		values[k] = v
	}
	for k, v := range values {
		if err := s.cfg.Store.PutSetting(r.Context(), u.ID, k, v); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/settings?done=saved", http.StatusSeeOther)
}

// vaultPassphrase protects the vault with a new passphrase (admins only).
// The passphrases typed are never shown again, not even after a mistake.
func (s *Server) vaultPassphrase(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Vault == nil {
		s.fail(w, r, errNoPage)
		return
	}
	bad := func(status int, msg string) {
		s.showSettings(w, r, status, settingsData{VaultError: msg}, nil)
	}
	next := []byte(r.PostFormValue("new_passphrase"))
	defer clear(next)
	switch {
	case len(next) < MinPassphrase:
		bad(http.StatusBadRequest, fmt.Sprintf("The new passphrase is too short: use at least %d characters.", MinPassphrase))
		return
	case string(next) != r.PostFormValue("new_passphrase2"):
		bad(http.StatusBadRequest, "The two new passphrases differ.")
		return
	}
	current := []byte(r.PostFormValue("current_passphrase"))
	defer clear(current)
	if err := s.cfg.Vault.SetPassphrase(r.Context(), current, next); err != nil {
		switch cointally.KindOf(err) {
		case cointally.KindUnauthorized:
			bad(http.StatusForbidden, "The current passphrase is wrong.")
		case cointally.KindInvalid:
			bad(http.StatusBadRequest, capitalize(s.userMessage(err))+".")
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.log.Info("web: the key vault's passphrase was changed", "by", reqOf(r).user.Name)
	http.Redirect(w, r, "/settings?done=vault", http.StatusSeeOther)
}

// passwordChange sets a new password for the logged-in user after checking
// the current one, ends every session of the user and starts a new one for
// this browser.
func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	u := reqOf(r).user
	bad := func(status int, msg string) {
		s.showSettings(w, r, status, settingsData{PasswordError: msg}, nil)
	}
	ok, err := VerifyPassword(u.PasswordHash, r.PostFormValue("current"))
	if err != nil || !ok {
		bad(http.StatusBadRequest, "The current password is wrong.")
		return
	}
	pw := r.PostFormValue("password")
	if err := CheckPassword(pw); err != nil {
		bad(http.StatusBadRequest, capitalize(err.Error())+".")
		return
	}
	if pw != r.PostFormValue("password2") {
		bad(http.StatusBadRequest, "The two new passwords differ.")
		return
	}
	hash, err := HashPassword(pw, s.cfg.PasswordParams)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u.PasswordHash = hash
	if err := s.cfg.Store.UpdateUser(r.Context(), u); err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.cfg.Sessions.DeleteUserSessions(r.Context(), u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.startSession(w, r, u); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings?done=password", http.StatusSeeOther)
}
