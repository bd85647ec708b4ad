package web_test

import (
	"context"
	"html"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/web"
)

func TestSettingsSave(t *testing.T) {
	t.Parallel()
	e, _ := taxEnv(t, true)
	alice := e.addUser("alice", "alice-password-1", false)
	e.addUser("bob", "bob-password-12", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	body := b.get("/settings").Body.String()
	for _, want := range []string{"default (EUR)", "default (fifo)", "15m0s (the server", "cointally vault passphrase", "protected by a <strong>passphrase</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/users"`) && strings.Contains(body, "Manage users") {
		t.Error("a user who is not an admin sees the link to users")
	}
	stored := func() map[string]string {
		s, err := e.store.Settings(t.Context(), alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   string
		want       map[string]string // stored after the request
	}{
		{"all set", url.Values{"currency": {"gbp"}, "method": {"UK"}, "sync_interval": {"2h"}}, http.StatusSeeOther, "",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"unknown currency", url.Values{"currency": {"XYZ"}, "method": {"fifo"}}, http.StatusBadRequest, "Choose a report currency",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"bad method", url.Values{"method": {"best"}}, http.StatusBadRequest, "Choose a method",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"interval too short", url.Values{"sync_interval": {"1m"}}, http.StatusBadRequest, "between 5m0s and 168h0m0s",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"interval too long", url.Values{"sync_interval": {"169h"}}, http.StatusBadRequest, "between 5m0s and 168h0m0s",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"interval not a duration", url.Values{"sync_interval": {"daily"}}, http.StatusBadRequest, "not a duration",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"no CSRF token", url.Values{"currency": {"USD"}, "csrf_token": {"forged"}}, http.StatusForbidden, "expired",
			map[string]string{"currency": "GBP", "method": "uk", "sync_interval": "2h0m0s"}},
		{"back to defaults", url.Values{"currency": {""}, "method": {""}, "sync_interval": {""}}, http.StatusSeeOther, "", map[string]string{}},
	}
	for _, tt := range tests {
		b.get("/settings")
		resp := b.post("/settings", tt.form)
		wantStatus(t, resp, tt.wantStatus, tt.name)
		if !strings.Contains(html.UnescapeString(resp.Body.String()), tt.wantText) {
			t.Errorf("%s: the answer does not say %q:\n%s", tt.name, tt.wantText, resp.Body)
		}
		if got := stored(); !maps.Equal(got, tt.want) {
			t.Errorf("%s: stored %v, want %v", tt.name, got, tt.want)
		}
	}
	// Alice's settings are hers: bob still has the defaults.
	b.get("/settings")
	b.post("/settings", url.Values{"currency": {"CHF"}})
	other := e.browser()
	other.mustLogin("bob", "bob-password-12")
	if body := other.get("/settings").Body.String(); strings.Contains(body, "<option selected>CHF</option>") {
		t.Error("bob sees alice's currency")
	}
	if body := b.get("/settings?done=saved").Body.String(); !strings.Contains(body, "<option selected>CHF</option>") || !strings.Contains(body, "Settings saved") {
		t.Error("alice's saved currency is not selected")
	}
}

func TestSettingsAdminLink(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("root", "root-password-1", true)
	b := e.browser()
	b.mustLogin("root", "root-password-1")
	body := b.get("/settings").Body.String()
	if !strings.Contains(body, "Manage users") {
		t.Error("an admin sees no link to users")
	}
	if !strings.Contains(body, "The vault is created when the first key is stored") {
		t.Error("without Reports the vault's mode should be unknown")
	}
}

func TestPasswordChange(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", false)
	b, other := e.browser(), e.browser()
	b.mustLogin("alice", "alice-password-1")
	other.mustLogin("alice", "alice-password-1")
	for _, tt := range []struct {
		name string
		form url.Values
		want string
	}{
		{"wrong current", url.Values{"current": {"not-the-password"}, "password": {"new-password-22"}, "password2": {"new-password-22"}}, "current password is wrong"},
		{"too short", url.Values{"current": {"alice-password-1"}, "password": {"short"}, "password2": {"short"}}, "at least 10 characters"},
		{"differ", url.Values{"current": {"alice-password-1"}, "password": {"new-password-22"}, "password2": {"new-password-23"}}, "differ"},
	} {
		b.get("/settings")
		resp := b.post("/settings/password", tt.form)
		wantStatus(t, resp, http.StatusBadRequest, tt.name)
		if !strings.Contains(resp.Body.String(), tt.want) {
			t.Errorf("%s: the page does not say %q", tt.name, tt.want)
		}
		if strings.Contains(resp.Body.String(), "new-password-2") {
			t.Errorf("%s: a password was echoed", tt.name)
		}
	}
	b.get("/settings")
	wantStatus(t, b.post("/settings/password", url.Values{"current": {"alice-password-1"}, "password": {"new-password-22"}, "password2": {"new-password-22"}, "csrf_token": {"forged"}}),
		http.StatusForbidden, "password change without the CSRF token")
	b.get("/settings")
	resp := b.post("/settings/password", url.Values{"current": {"alice-password-1"}, "password": {"new-password-22"}, "password2": {"new-password-22"}})
	wantStatus(t, resp, http.StatusSeeOther, "password change")
	// This browser stays logged in (a new session), the other one is out.
	if resp := b.get(resp.Header().Get("Location")); resp.Code != http.StatusOK || !strings.Contains(resp.Body.String(), "Password changed") {
		t.Errorf("after the change: %d\n%s", resp.Code, resp.Body)
	}
	wantStatus(t, other.get("/settings"), http.StatusSeeOther, "the other session after the change")
	u, err := e.store.User(t.Context(), alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u.PasswordHash == alice.PasswordHash || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Errorf("stored hash %q", u.PasswordHash)
	}
	wantStatus(t, e.browser().login("alice", "alice-password-1"), http.StatusUnauthorized, "the old password")
	wantStatus(t, e.browser().login("alice", "new-password-22"), http.StatusSeeOther, "the new password")
}

// fakeVault is a VaultAdmin whose passphrase the test knows.
type fakeVault struct {
	mu      sync.Mutex
	mode    string
	current string
	changes int
}

func (f *fakeVault) VaultMode() string { f.mu.Lock(); defer f.mu.Unlock(); return f.mode }

func (f *fakeVault) SetPassphrase(_ context.Context, current, next []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.mode == "passphrase" && string(current) != f.current {
		return &cointally.Error{Kind: cointally.KindUnauthorized, Message: "wrong"}
	}
	f.mode, f.current = "passphrase", string(next)
	f.changes++
	return nil
}

// An admin protects the vault with a passphrase and changes it on the
// settings page; a user who is not an admin cannot; the passphrases typed
// never come back in a page.
func TestVaultPassphraseChange(t *testing.T) {
	t.Parallel()
	fv := &fakeVault{mode: "keyfile"}
	e := setup(t, func(c *web.Config) { c.Vault = fv })
	e.addUser("root", "root-password-1", true)
	e.addUser("alice", "alice-password-1", false)

	alice := e.browser()
	alice.mustLogin("alice", "alice-password-1")
	if body := alice.get("/settings").Body.String(); strings.Contains(body, `action="/settings/vault"`) {
		t.Error("a user who is not an admin sees the vault form")
	}
	alice.get("/settings")
	if w := alice.post("/settings/vault", url.Values{"new_passphrase": {"alice-vault-pass"}, "new_passphrase2": {"alice-vault-pass"}}); w.Code != http.StatusForbidden && w.Code != http.StatusNotFound {
		t.Errorf("a user who is not an admin changing the vault: %d", w.Code)
	}

	root := e.browser()
	root.mustLogin("root", "root-password-1")
	body := root.get("/settings").Body.String()
	if !strings.Contains(body, "Protect the vault with a passphrase") || strings.Contains(body, "current_passphrase") {
		t.Fatalf("a key-file vault's form: want a new passphrase only")
	}
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   string
		wantPass   string // the vault's passphrase after the request
	}{
		{"too short", url.Values{"new_passphrase": {"short-1"}, "new_passphrase2": {"short-1"}}, http.StatusBadRequest, "too short", ""},
		{"differ", url.Values{"new_passphrase": {"first-passphrase"}, "new_passphrase2": {"other-passphrase"}}, http.StatusBadRequest, "differ", ""},
		{"forged CSRF", url.Values{"new_passphrase": {"first-passphrase"}, "new_passphrase2": {"first-passphrase"}, "csrf_token": {"forged"}}, http.StatusForbidden, "", ""},
		{"protect", url.Values{"new_passphrase": {"first-passphrase"}, "new_passphrase2": {"first-passphrase"}}, http.StatusSeeOther, "", "first-passphrase"},
		{"wrong current", url.Values{"current_passphrase": {"not-the-passphrase"}, "new_passphrase": {"second-passphrase"}, "new_passphrase2": {"second-passphrase"}}, http.StatusForbidden, "current passphrase is wrong", "first-passphrase"},
		{"change", url.Values{"current_passphrase": {"first-passphrase"}, "new_passphrase": {"second-passphrase"}, "new_passphrase2": {"second-passphrase"}}, http.StatusSeeOther, "", "second-passphrase"},
	}
	for _, tt := range tests {
		root.get("/settings")
		w := root.post("/settings/vault", tt.form)
		if w.Code != tt.wantStatus || !strings.Contains(w.Body.String(), tt.wantText) {
			t.Errorf("%s: %d, want %d with %q", tt.name, w.Code, tt.wantStatus, tt.wantText)
		}
		for _, field := range []string{"current_passphrase", "new_passphrase", "new_passphrase2"} {
			if v := tt.form.Get(field); v != "" && strings.Contains(w.Body.String(), v) {
				t.Errorf("%s: the page shows the %s typed", tt.name, field)
			}
		}
		if fv.VaultMode() == "passphrase" && fv.current != tt.wantPass || fv.VaultMode() == "keyfile" && tt.wantPass != "" {
			t.Errorf("%s: the vault's passphrase is %q, want %q", tt.name, fv.current, tt.wantPass)
		}
	}
	if fv.changes != 2 {
		t.Errorf("%d changes, want 2", fv.changes)
	}
	if body := root.get("/settings?done=vault").Body.String(); !strings.Contains(body, "COINTALLY_PASSPHRASE") || !strings.Contains(body, "current_passphrase") {
		t.Error("after the change the page does not say how to start the server, or asks no current passphrase")
	}
}
