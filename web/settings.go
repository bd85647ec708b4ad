package web

import (
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

// VaultModer is implemented by a Reports that can tell how the key vault is
// protected ("keyfile" or "passphrase"; "" when unknown), without opening it.
type VaultModer interface {
	VaultMode() string
}

type settingsData struct {
	Currency, Method, Interval string // stored values ("" for the default)
	DefaultInterval            time.Duration
	Currencies, Methods        []string
	VaultMode                  string
	Notice, Error              string
	PasswordError              string
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	data := settingsData{}
	switch r.URL.Query().Get("done") {
	case "saved":
		data.Notice = "Settings saved."
	case "password":
		data.Notice = "Password changed. Every other session of yours has been logged out."
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
	if vm, ok := s.cfg.Reports.(VaultModer); ok {
		data.VaultMode = vm.VaultMode()
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
