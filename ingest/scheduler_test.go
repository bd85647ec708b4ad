package ingest_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/ingest"
)

// TestScheduler runs the scheduler for an hour of fake time: accounts sync
// on their intervals, a failing one backs off, one needing a new key is
// skipped, and Run stops cleanly when canceled.
func TestScheduler(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		accts := []*cointally.Account{
			{ID: 1, Name: "default", Status: cointally.StatusOK},
			{ID: 2, Name: "five", Status: cointally.StatusOK, SyncInterval: 5 * time.Minute},
			{ID: 3, Name: "rejected", Status: cointally.StatusNeedsNewKey},
			{ID: 4, Name: "recent", Status: cointally.StatusOK, LastSync: start.Add(-time.Minute)},
			{ID: 5, Name: "failing", Status: cointally.StatusError},
			{ID: 6, Name: "busy", Status: cointally.StatusOK, SyncInterval: time.Hour},
			{ID: 7, Name: "nokey", Status: cointally.StatusNoKey},
		}
		var mu sync.Mutex
		got := map[string][]time.Duration{}
		busy := 0
		sc := &ingest.Scheduler{
			Accounts: func(context.Context) ([]*cointally.Account, error) { return accts, nil },
			Sync: func(ctx context.Context, a *cointally.Account) error {
				mu.Lock()
				defer mu.Unlock()
				got[a.Name] = append(got[a.Name], time.Since(start).Round(time.Second))
				switch a.Name {
				case "failing":
					return cointally.Errorf(cointally.KindUnavailable, "Kraken is down")
				case "busy":
					if busy++; busy <= 2 {
						return cointally.Errorf(cointally.KindConflict, "locked")
					}
				}
				return nil
			},
			Jitter: -1,
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- sc.Run(ctx) }()
		time.Sleep(61 * time.Minute)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run: %v", err)
		}
		m := func(ms ...int) []time.Duration {
			out := make([]time.Duration, len(ms))
			for i, x := range ms {
				out[i] = time.Duration(x) * time.Minute
			}
			return out
		}
		want := map[string][]time.Duration{
			"default": m(0, 15, 30, 45, 60),
			"five":    m(0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60),
			"recent":  m(14, 29, 44, 59),
			"failing": m(0, 1, 3, 7, 15, 31),
			"busy":    m(0, 1, 2),
		}
		for name, w := range want {
			if !slices.Equal(got[name], w) {
				t.Errorf("%s synced at %v, want %v", name, got[name], w)
			}
		}
		for _, name := range []string{"rejected", "nokey"} {
			if len(got[name]) > 0 {
				t.Errorf("%s synced at %v", name, got[name])
			}
		}
	})
}

// TestSchedulerStopsDuringSync cancels Run while a sync runs: the sync sees
// the cancellation and Run returns after it.
func TestSchedulerStopsDuringSync(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		stopped := false
		sc := &ingest.Scheduler{
			Accounts: func(context.Context) ([]*cointally.Account, error) {
				return []*cointally.Account{{ID: 1, Name: "slow", Status: cointally.StatusOK}}, nil
			},
			Sync: func(ctx context.Context, a *cointally.Account) error {
				close(started)
				<-ctx.Done()
				time.Sleep(time.Second) // records the interrupted run
				stopped = true
				return ctx.Err()
			},
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- sc.Run(ctx) }()
		<-started
		cancel()
		if err := <-done; err != nil || !stopped {
			t.Fatalf("Run returned %v before the sync stopped (%v)", err, stopped)
		}
	})
}
