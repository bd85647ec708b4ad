package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/vault"
)

// runDoctor checks the data directory, the database, the vault, Kraken's
// reachability and each account's key, and prints one sentence per check.
// It exits non-zero when any check finds a problem.
func runDoctor(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("doctor", e)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := cf.resolve(e)
	if err != nil {
		return err
	}
	problems := 0
	ok := func(format string, args ...any) { fmt.Fprintf(e.stdout, "ok       "+format+"\n", args...) }
	bad := func(format string, args ...any) {
		problems++
		fmt.Fprintf(e.stdout, "PROBLEM  "+format+"\n", args...)
	}

	if fi, err := os.Stat(cfg.dataDir); err != nil {
		bad("data directory %s: %v (it is created by the first command that stores something)", cfg.dataDir, err)
		return &exitError{code: 1, msg: "doctor found a problem"}
	} else if fi.Mode().Perm()&0o077 != 0 {
		bad("data directory %s is readable by other users (mode %o): run chmod 700 %s", cfg.dataDir, fi.Mode().Perm(), cfg.dataDir)
	} else {
		ok("data directory %s", cfg.dataDir)
	}
	a, err := openApp(ctx, cfg, e)
	if err != nil {
		bad("database: %v", err)
		return &exitError{code: 1, msg: "doctor found a problem"}
	}
	defer a.Close()
	ok("database %s", redactDB(cfg.dbURL))

	switch mode, err := vault.ModeOf(cfg.dataDir); {
	case errors.Is(err, vault.ErrNotFound):
		ok("key vault: not created yet (it is created when the first key is added)")
	case err != nil:
		bad("key vault: %v", err)
	default:
		if _, err := a.openVault(); err != nil {
			bad("key vault (%s mode): %v", mode, err)
		} else {
			ok("key vault (%s mode) opens", mode)
		}
	}

	pub, err := kraken.NewClient(kraken.WithBaseURL(orDefault(cfg.krakenURL, kraken.DefaultBaseURL)), kraken.WithClock(e.now))
	if err == nil {
		_, err = pub.Time(ctx)
	}
	if err != nil {
		bad("Kraken at %s: %s", orDefault(cfg.krakenURL, kraken.DefaultBaseURL), kraken.UserMessage(err))
	} else {
		ok("Kraken at %s answers", orDefault(cfg.krakenURL, kraken.DefaultBaseURL))
	}

	accts, err := a.store.Accounts(ctx, a.user.ID)
	if err != nil {
		return err
	}
	for _, acct := range accts {
		if acct.Status == cointally.StatusNoKey {
			ok("account %s: no API key (imported from files)", acct.Name)
			continue
		}
		client, err := a.clientFor(ctx, acct)
		if err != nil {
			bad("account %s: %v", acct.Name, err)
			continue
		}
		if _, err := client.Balance(ctx); err != nil {
			if keyRejected(err) {
				_ = a.markNeedsNewKey(ctx, acct, err)
			}
			bad("account %s (key %s): %s", acct.Name, acct.KeyHint, kraken.UserMessage(err))
			continue
		}
		ok("account %s (key %s) connects", acct.Name, acct.KeyHint)
		for _, w := range accountWarnings(acct, e.now()) {
			bad("account %s: %s", acct.Name, w)
		}
	}
	if problems > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("doctor found %d problem(s)", problems)}
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
