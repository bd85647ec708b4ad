package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cointally/cointally/exchange/kraken"
)

// accountSet changes an account's settings: its sync schedule and the
// rate-limit tier its key is paced for.
func accountSet(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("account set", e)
	interval := fs.String("sync-interval", "", "time between scheduled syncs, e.g. 30m or 6h (\"default\" for the server's default)")
	tier := fs.String("tier", "", "the key's rate-limit tier: starter, intermediate, pro or MAX:DECAY")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("account set: name one account: cointally account set NAME [--sync-interval D] [--tier T]")
	}
	if *interval == "" && *tier == "" {
		return errors.New("account set: nothing to change: give --sync-interval or --tier")
	}
	var every time.Duration
	if *interval != "" && *interval != "default" {
		if every, err = time.ParseDuration(*interval); err != nil || every < time.Minute {
			return fmt.Errorf("account set: --sync-interval %q: want a duration of at least 1m, such as 30m or 6h", *interval)
		}
	}
	if *tier != "" {
		if _, err := kraken.ParseTier(*tier); err != nil {
			return fmt.Errorf("account set: --tier: %w", err)
		}
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	acct, err := a.store.Account(ctx, a.user.ID, pos[0])
	if err != nil {
		return fmt.Errorf("account set: %w", err)
	}
	if *interval != "" {
		acct.SyncInterval = every
	}
	if *tier != "" {
		acct.Tier = *tier
	}
	if err := a.store.UpdateAccount(ctx, acct); err != nil {
		return fmt.Errorf("account set: %w", err)
	}
	when := "the default schedule"
	if acct.SyncInterval > 0 {
		when = "every " + acct.SyncInterval.String()
	}
	fmt.Fprintf(e.stdout, "Account %q syncs %s, paced for tier %s.\n", acct.Name, when, acct.Tier)
	return nil
}
