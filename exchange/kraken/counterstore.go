package kraken

import (
	"math"
	"sync"
	"time"
)

// CounterState is a snapshot of a key's call counter as the Limiter models
// it: the counter's value at a moment.
type CounterState struct {
	Counter float64
	At      time.Time
}

// CounterStore keeps the modelled call counter of API keys between
// processes. Kraken's counter lives on after a program exits: a new
// process that started from an empty counter would send calls Kraken
// refuses with EAPI:Rate limit exceeded. With a CounterStore, the client
// starts from the last saved state, decayed by the time since.
type CounterStore interface {
	// LoadCounter returns the saved state of the key (see KeyID); ok is
	// false when nothing is saved.
	LoadCounter(key string) (s CounterState, ok bool, err error)
	// SaveCounter saves the state of the key.
	SaveCounter(key string, s CounterState) error
}

// WithCounterStore makes the client restore its counter from store when it
// is created and save it as calls are made: at most once a second while
// the counter is below half its maximum, after every call above that.
// Failures to load or save are logged; they never fail a call.
func WithCounterStore(store CounterStore) Option {
	return func(s *settings) { s.counterStore = store }
}

// Restore raises the counter to s decayed to the present, if that is
// higher: a saved state never lowers what this process has charged.
func (l *Limiter) Restore(s CounterState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.decayLocked()
	if s.At.After(now) {
		s.At = now
	}
	v := s.Counter - now.Sub(s.At).Seconds()*l.tier.Decay
	if math.IsNaN(v) {
		return
	}
	l.counter = math.Min(math.Max(l.counter, v), l.tier.Max)
}

// Snapshot returns the counter as it is now.
func (l *Limiter) Snapshot() CounterState {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.decayLocked()
	return CounterState{Counter: l.counter, At: now}
}

// counterSaver saves a client's counter to its CounterStore.
type counterSaver struct {
	store CounterStore
	mu    sync.Mutex
	saved time.Time // when the counter was last saved
}

// restoreCounter loads the key's saved counter into the limiter.
func (c *Client) restoreCounter() {
	s, ok, err := c.counter.store.LoadCounter(KeyID(c.apiKey))
	if err != nil {
		c.logger.Warn("kraken: the saved call counter cannot be read; starting from an empty one", "error", err)
		return
	}
	if ok {
		c.limiter.Restore(s)
	}
}

// saveCounter saves the counter after a call, as WithCounterStore says.
func (c *Client) saveCounter() {
	if c.counter == nil {
		return
	}
	s := c.limiter.Snapshot()
	cs := c.counter
	cs.mu.Lock()
	due := s.At.Sub(cs.saved) >= time.Second || s.Counter >= c.limiter.Budget().Tier.Max/2
	if due {
		cs.saved = s.At
	}
	cs.mu.Unlock()
	if !due {
		return
	}
	if err := cs.store.SaveCounter(KeyID(c.apiKey), s); err != nil {
		c.logger.Warn("kraken: the call counter cannot be saved", "error", err)
	}
}
