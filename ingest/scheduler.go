package ingest

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/cointally/cointally"
)

// DefaultInterval is how often the Scheduler syncs an account whose
// SyncInterval is zero.
const DefaultInterval = 15 * time.Minute

// Scheduler syncs every account on a schedule, one account at a time. Set
// Syncer (or both Accounts and Sync); the other fields have defaults.
type Scheduler struct {
	// Syncer syncs the accounts (with no progress callback), and its Store
	// lists them, unless Sync and Accounts are set.
	Syncer *Syncer
	// Accounts lists the accounts to consider (default Syncer.Store's
	// AllAccounts). It is called again every Rescan, so new accounts,
	// changed intervals and fixed keys are seen.
	Accounts func(ctx context.Context) ([]*cointally.Account, error)
	// Sync syncs one account (default Syncer.Sync without progress).
	Sync func(ctx context.Context, a *cointally.Account) error

	// Interval is the default time between syncs of an account (default
	// DefaultInterval); an account's SyncInterval overrides it.
	Interval time.Duration
	// Jitter spreads each wait by up to ± this fraction, so accounts do not
	// all sync at once (default 0.1; negative disables).
	Jitter float64
	// RetryMin is the wait after a first failure; it doubles with each
	// consecutive failure up to RetryMax (defaults 1 minute and 6 hours),
	// and never exceeds the account's interval times 8.
	RetryMin, RetryMax time.Duration
	// Rescan is the longest time between looks at the account list
	// (default 1 minute).
	Rescan time.Duration
	// OnSync, if set, is called after each sync with its error (nil on
	// success).
	OnSync func(a *cointally.Account, err error)
	// Logger receives one line per sync (default: the Syncer's, else
	// discard).
	Logger *slog.Logger
	// Now is the clock (default time.Now); waits use timers, so tests run
	// the scheduler under testing/synctest.
	Now func() time.Time
	// Rand returns a number in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
}

// accountSchedule is the scheduler's memory of one account.
type accountSchedule struct {
	next     time.Time
	failures int
}

func (sc *Scheduler) now() time.Time {
	if sc.Now != nil {
		return sc.Now()
	}
	return time.Now()
}

func (sc *Scheduler) logger() *slog.Logger {
	switch {
	case sc.Logger != nil:
		return sc.Logger
	case sc.Syncer != nil:
		return sc.Syncer.logger()
	}
	return slog.New(slog.DiscardHandler)
}

// jitter spreads d by up to ± Jitter.
func (sc *Scheduler) jitter(d time.Duration) time.Duration {
	j := sc.Jitter
	if j == 0 {
		j = 0.1
	}
	if j < 0 {
		return d
	}
	r := rand.Float64
	if sc.Rand != nil {
		r = sc.Rand
	}
	return time.Duration(float64(d) * (1 + j*(2*r()-1)))
}

func (sc *Scheduler) interval(a *cointally.Account) time.Duration {
	if a.SyncInterval > 0 {
		return a.SyncInterval
	}
	return orDefault(sc.Interval, DefaultInterval)
}

// retryWait is the wait after n consecutive failures.
func (sc *Scheduler) retryWait(a *cointally.Account, n int) time.Duration {
	d := orDefault(sc.RetryMin, time.Minute)
	limit := min(orDefault(sc.RetryMax, 6*time.Hour), 8*sc.interval(a))
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// skip reports why an account is not synced, "" if it is.
func skip(a *cointally.Account) string {
	switch a.Status {
	case cointally.StatusNeedsNewKey:
		return "it needs a new API key"
	case cointally.StatusNoKey:
		return "it has no API key"
	}
	return ""
}

// Run syncs the accounts until ctx is canceled, then returns nil once the
// sync under way (if any) has stopped. An account is first synced at
// LastSync plus its interval (at once if never synced or overdue), then
// every interval after each success and after a growing wait after each
// failure. Accounts that need a new key or have none are skipped until
// their status changes. A sync refused because another one holds the
// account is tried again after RetryMin, without counting as a failure.
func (sc *Scheduler) Run(ctx context.Context) error {
	list := sc.Accounts
	if list == nil {
		list = func(ctx context.Context) ([]*cointally.Account, error) { return sc.Syncer.Store.AllAccounts(ctx) }
	}
	syncFn := sc.Sync
	if syncFn == nil {
		syncFn = func(ctx context.Context, a *cointally.Account) error {
			_, err := sc.Syncer.Sync(ctx, a, nil)
			return err
		}
	}
	rescan := orDefault(sc.Rescan, time.Minute)
	log := sc.logger()
	plan := map[int64]*accountSchedule{}
	for {
		if ctx.Err() != nil {
			return nil
		}
		wake := sc.now().Add(rescan)
		accts, err := list(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			log.Error("ingest: scheduler: listing accounts failed", "error", err)
		}
		seen := map[int64]bool{}
		for _, a := range accts {
			seen[a.ID] = true
			if why := skip(a); why != "" {
				delete(plan, a.ID)
				continue
			}
			p := plan[a.ID]
			if p == nil {
				p = &accountSchedule{next: sc.now()}
				if !a.LastSync.IsZero() {
					if due := a.LastSync.Add(sc.jitter(sc.interval(a))); due.After(p.next) {
						p.next = due
					}
				}
				plan[a.ID] = p
			}
			if sc.now().Before(p.next) {
				if p.next.Before(wake) {
					wake = p.next
				}
				continue
			}
			if ctx.Err() != nil {
				return nil
			}
			err := syncFn(ctx, a)
			if ctx.Err() != nil {
				return nil
			}
			now := sc.now()
			switch {
			case err == nil:
				p.failures = 0
				p.next = now.Add(sc.jitter(sc.interval(a)))
				log.Info("ingest: scheduled sync done", "account", a.Name)
			case cointally.KindOf(err) == cointally.KindConflict:
				p.next = now.Add(orDefault(sc.RetryMin, time.Minute))
				log.Info("ingest: scheduled sync skipped: the account is being synced", "account", a.Name)
			default:
				p.failures++
				p.next = now.Add(sc.jitter(sc.retryWait(a, p.failures)))
				log.Warn("ingest: scheduled sync failed", "account", a.Name, "failures", p.failures,
					"retry_at", p.next, "error", err)
			}
			if sc.OnSync != nil {
				sc.OnSync(a, err)
			}
			if p.next.Before(wake) {
				wake = p.next
			}
		}
		for id := range plan {
			if !seen[id] && err == nil {
				delete(plan, id)
			}
		}
		d := wake.Sub(sc.now())
		if d <= 0 {
			continue
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}
