package main

import (
	"context"
	"errors"
	"sync"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/vault"
	"github.com/cointally/cointally/web"
)

// webVault implements web.VaultAdmin: the settings page's change of the
// vault's passphrase, as `cointally vault passphrase` does it.
type webVault struct {
	a  *app
	mu sync.Mutex // one change at a time
}

var _ web.VaultAdmin = (*webVault)(nil)

func (v *webVault) VaultMode() string {
	m, err := vault.ModeOf(v.a.cfg.dataDir)
	if err != nil {
		return ""
	}
	return string(m)
}

func (v *webVault) SetPassphrase(ctx context.Context, current, next []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(next) < web.MinPassphrase {
		return cointally.Errorf(cointally.KindInvalid, "the passphrase is too short: use at least %d characters", web.MinPassphrase)
	}
	mode, err := vault.ModeOf(v.a.cfg.dataDir)
	if err != nil && !errors.Is(err, vault.ErrNotFound) {
		return err
	}
	if mode == vault.ModePassphrase {
		// The server holds the vault open already: checking the current
		// passphrase proves the admin knows it, not just their session.
		check, err := vault.OpenPassphrase(v.a.cfg.dataDir, current, nil)
		if err != nil {
			if errors.Is(err, vault.ErrWrongPassphrase) {
				return &cointally.Error{Kind: cointally.KindUnauthorized, Message: "the current passphrase is wrong"}
			}
			return err
		}
		_ = check.Close() // wipes its copy of the key
	}
	vt, err := v.a.openVault()
	if err != nil {
		return err
	}
	if vt.Mode() == vault.ModePassphrase {
		err = vt.ChangePassphrase(next)
	} else {
		err = vt.UsePassphrase(next, nil)
	}
	if err != nil {
		return err
	}
	v.a.cfg.passphrase = append([]byte(nil), next...)
	return nil
}
