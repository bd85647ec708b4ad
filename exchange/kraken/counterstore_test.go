package kraken_test

import (
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// memCounters is a CounterStore in memory, standing for the database.
type memCounters struct {
	mu    sync.Mutex
	m     map[string]kraken.CounterState
	saves int
}

func (s *memCounters) LoadCounter(key string) (kraken.CounterState, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[key]
	return st, ok, nil
}

func (s *memCounters) SaveCounter(key string, st kraken.CounterState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]kraken.CounterState{}
	}
	s.m[key] = st
	s.saves++
	return nil
}

func TestLimiterRestore(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tier := kraken.Tier{Name: "custom", Max: 20, Decay: 0.5}
	tests := []struct {
		name    string
		charged float64 // what this process charged before restoring
		saved   kraken.CounterState
		want    float64
	}{
		{"decayed by the time since", 0, kraken.CounterState{Counter: 15, At: t0.Add(-10 * time.Second)}, 10},
		{"fully decayed", 0, kraken.CounterState{Counter: 15, At: t0.Add(-time.Hour)}, 0},
		{"never lowers", 12, kraken.CounterState{Counter: 15, At: t0.Add(-10 * time.Second)}, 12},
		{"capped at the maximum", 0, kraken.CounterState{Counter: 50, At: t0}, 20},
		{"a time in the future counts as now", 0, kraken.CounterState{Counter: 8, At: t0.Add(time.Hour)}, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := kraken.NewLimiter(tier, func() time.Time { return t0 })
			for range int(tt.charged) {
				if err := l.Wait(t.Context(), "Balance", nil); err != nil {
					t.Fatal(err)
				}
				l.Done()
			}
			l.Restore(tt.saved)
			if got := l.Snapshot(); got.Counter != tt.want || !got.At.Equal(t0) {
				t.Errorf("after Restore(%+v): %+v, want counter %v at %v", tt.saved, got, tt.want, t0)
			}
		})
	}
}

// A second process (a new client) that finds the first one's counter
// waits instead of being refused; without the saved counter, Kraken
// refuses its first call.
func TestAgainstSimCounterCarriesAcrossClients(t *testing.T) {
	t.Parallel()
	tier := kraken.Tier{Name: "custom", Max: 4, Decay: 2}
	for _, saved := range []bool{true, false} {
		name := map[bool]string{true: "with a counter store", false: "without"}[saved]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sim, url := newSim(t, &krakensim.RateLimitSpec{Max: "4", DecayPerSec: "2", HeavyCost: "2"}, 120)
			store := &memCounters{}
			newClient := func() *kraken.Client {
				opts := []kraken.Option{kraken.WithBaseURL(url), kraken.WithCredentials("sim-key", simSecret("sim-key")), kraken.WithTier(tier)}
				if saved {
					opts = append(opts, kraken.WithCounterStore(store))
				}
				c, err := kraken.NewClient(opts...)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
			first := newClient()
			for range 2 { // two Ledgers calls fill the counter
				if _, err := first.Ledgers(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
			}
			second := newClient()
			if _, err := second.Ledgers(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
			refused := sim.Stats().Keys["sim-key"].Errors["EAPI:Rate limit exceeded"]
			if saved {
				if refused != 0 || second.Stats().Waits != 1 || store.saves == 0 {
					t.Errorf("%d refusals, %d waits, %d saves: want none, the second client waiting once, and saves", refused, second.Stats().Waits, store.saves)
				}
			} else if refused == 0 {
				t.Errorf("no refusal without the saved counter: the test no longer shows what the store prevents")
			}
		})
	}
}
