package main

import (
	"testing"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/vault"
)

// The settings page's vault change on a real vault: a key-file vault gets
// a passphrase, then a new one, the stored key opens under each (a later
// command audits it), and a wrong current passphrase changes nothing.
func TestWebVaultSetPassphrase(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	h.synced() // a key sealed in a key-file vault
	a := openHarnessApp(t, h)
	v := &webVault{a: a}
	if m := v.VaultMode(); m != string(vault.ModeKeyFile) {
		t.Fatalf("mode %q, want keyfile", m)
	}
	ctx := t.Context()
	if err := v.SetPassphrase(ctx, nil, []byte("short")); cointally.KindOf(err) != cointally.KindInvalid {
		t.Fatalf("a short passphrase: %v", err)
	}
	if err := v.SetPassphrase(ctx, nil, []byte("first-vault-passphrase")); err != nil {
		t.Fatal(err)
	}
	if m := v.VaultMode(); m != string(vault.ModePassphrase) {
		t.Fatalf("mode %q after protecting it, want passphrase", m)
	}
	audit := func(pass string) int {
		t.Helper()
		h.vars["COINTALLY_PASSPHRASE"] = pass
		_, _, code := h.run("account", "audit", "alice")
		return code
	}
	if code := audit("first-vault-passphrase"); code != 0 {
		t.Fatalf("audit with the new passphrase: exit %d", code)
	}
	if err := v.SetPassphrase(ctx, []byte("not-the-passphrase"), []byte("second-vault-passphrase")); cointally.KindOf(err) != cointally.KindUnauthorized {
		t.Fatalf("a wrong current passphrase: %v", err)
	}
	if code := audit("first-vault-passphrase"); code != 0 {
		t.Fatalf("a refused change changed the passphrase: exit %d", code)
	}
	if err := v.SetPassphrase(ctx, []byte("first-vault-passphrase"), []byte("second-vault-passphrase")); err != nil {
		t.Fatal(err)
	}
	if code := audit("second-vault-passphrase"); code != 0 {
		t.Fatalf("audit with the changed passphrase: exit %d", code)
	}
	if code := audit("first-vault-passphrase"); code == 0 {
		t.Fatal("the old passphrase still opens the vault")
	}
}
