package kraken

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Tier is a Kraken verification tier's private-call budget: a per-key
// counter that each call raises by its cost, that decays continuously by
// Decay points per second, and that must never exceed Max.
type Tier struct {
	Name  string  // "starter", "intermediate", "pro" or "custom"
	Max   float64 // counter maximum
	Decay float64 // points per second
}

// The documented tiers (REFERENCE §10.1). Starter is the conservative default.
var (
	TierStarter      = Tier{Name: "starter", Max: 15, Decay: 0.33}
	TierIntermediate = Tier{Name: "intermediate", Max: 20, Decay: 0.5}
	TierPro          = Tier{Name: "pro", Max: 20, Decay: 1}
)

// minDecay bounds how far repeated rate-limit errors lower the assumed decay.
const minDecay = 0.05

// ParseTier reads "starter", "intermediate", "pro" or a custom "MAX:DECAY"
// such as "60:5" (maximum 60, decaying 5 points per second).
func ParseTier(s string) (Tier, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "starter":
		return TierStarter, nil
	case "intermediate":
		return TierIntermediate, nil
	case "pro":
		return TierPro, nil
	}
	maxText, decayText, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Tier{}, fmt.Errorf("kraken: tier %q: want starter, intermediate, pro or MAX:DECAY such as 60:5", s)
	}
	maxv, err1 := strconv.ParseFloat(maxText, 64)
	decay, err2 := strconv.ParseFloat(decayText, 64)
	switch {
	case err1 != nil || math.IsNaN(maxv) || math.IsInf(maxv, 0) || maxv < 1:
		return Tier{}, fmt.Errorf("kraken: tier %q: the maximum must be a number of at least 1", s)
	case err2 != nil || math.IsNaN(decay) || math.IsInf(decay, 0) || decay <= 0:
		return Tier{}, fmt.Errorf("kraken: tier %q: the decay must be a positive number of points per second", s)
	}
	return Tier{Name: "custom", Max: maxv, Decay: decay}, nil
}

// String returns the tier's name and numbers, e.g. "starter (max 15, decay 0.33/s)".
func (t Tier) String() string {
	return fmt.Sprintf("%s (max %g, decay %g/s)", t.Name, t.Max, t.Decay)
}

// lower returns the tier assumed after Kraken reported a rate-limit error
// although the model said the call fitted: the next lower named tier, or
// the same maximum with the decay reduced by a fifth.
func (t Tier) lower() Tier {
	switch t {
	case TierPro:
		return TierIntermediate
	case TierIntermediate:
		return TierStarter
	}
	l := Tier{Name: t.Name, Max: t.Max, Decay: math.Max(t.Decay*0.8, minDecay)}
	if l.Name != "custom" {
		l.Name += " (lowered)"
	}
	return l
}

// DefaultHeavyCost is the counter cost of Ledgers, TradesHistory and
// ClosedOrders. Kraken's docs say 2 in most versions and 4 in one 2026 copy;
// WithHeavyCost changes it.
const DefaultHeavyCost = 2

// heavyMethods cost DefaultHeavyCost (or the configured heavy cost).
var heavyMethods = map[string]bool{"Ledgers": true, "TradesHistory": true, "ClosedOrders": true}

// freeMethods are charged to the trading engine's limiter, not this counter.
var freeMethods = map[string]bool{
	"AddOrder": true, "AddOrderBatch": true, "EditOrder": true, "AmendOrder": true,
	"CancelOrder": true, "CancelOrderBatch": true, "CancelAll": true, "CancelAllOrdersAfter": true,
}

// SleepFunc waits for d or until ctx is done, whichever comes first, and
// returns ctx.Err() in the latter case.
type SleepFunc func(ctx context.Context, d time.Duration) error

// Sleep is the real SleepFunc.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Budget is the state of the modelled counter at one moment.
type Budget struct {
	Tier    Tier
	Counter float64 // current value, after decay
}

// Available returns how many points may be spent now without waiting.
func (b Budget) Available() float64 { return math.Max(b.Tier.Max-b.Counter, 0) }

// Stats reports what the client's rate limiting and retrying did so far.
type Stats struct {
	Budget
	Calls       int64         // private requests charged to the counter (retries included)
	Waits       int64         // how many of them had to wait for the counter
	Waited      time.Duration // total time spent waiting for the counter or backing off
	RateLimited int64         // rate-limit errors received despite the model
	Downgrades  int64         // times the assumed tier was lowered after such an error
	Retries     int64         // requests repeated after an error (any class)
}

// Limiter mirrors Kraken's per-key private-call counter so the client waits
// before sending instead of being refused. It is safe for concurrent use.
// All clients using one API key should share one Limiter.
type Limiter struct {
	mu      sync.Mutex
	now     func() time.Time
	tier    Tier
	heavy   int
	costs   map[string]int
	counter float64
	at      time.Time
	created time.Time
	synced  bool // a refusal has aligned the counter with Kraken's
	// inflight counts charged calls whose response has not arrived. Kraken
	// charges a call when it arrives, which is later than when the client
	// charged it; crediting decay for the time in flight would put the
	// client's counter below Kraken's by latency × decay and earn a refusal
	// at the edge of the budget. So decay pauses while a call is in flight.
	inflight int
	stats    Stats
}

// NewLimiter returns a limiter for tier with an empty counter. now is the
// clock (time.Now if nil).
func NewLimiter(tier Tier, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, tier: tier, heavy: DefaultHeavyCost, costs: map[string]int{}, created: now()}
}

// SetCost overrides the cost of one method (by Kraken method name, e.g.
// "Ledgers" or "Earn/Allocations").
func (l *Limiter) SetCost(method string, cost int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.costs[method] = max(cost, 0)
}

// SetHeavyCost sets the cost of Ledgers, TradesHistory and ClosedOrders.
func (l *Limiter) SetHeavyCost(cost int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.heavy = max(cost, 0)
}

// Cost returns what one call of method adds to the counter.
func (l *Limiter) Cost(method string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.costLocked(method)
}

func (l *Limiter) costLocked(method string) int {
	if c, ok := l.costs[method]; ok {
		return c
	}
	switch {
	case heavyMethods[method]:
		return l.heavy
	case freeMethods[method]:
		return 0
	}
	return 1
}

// decayLocked brings the counter to the present.
func (l *Limiter) decayLocked() time.Time {
	now := l.now()
	if !l.at.IsZero() && l.inflight == 0 {
		if dt := now.Sub(l.at).Seconds(); dt > 0 {
			l.counter = math.Max(l.counter-dt*l.tier.Decay, 0)
		}
	}
	if now.After(l.at) || l.at.IsZero() {
		l.at = now
	}
	return now
}

// epsilon absorbs float rounding in "fits under the maximum".
const epsilon = 1e-9

// Wait blocks, using sleep, until a call of method fits under the maximum,
// then charges its cost. It returns early with ctx's error.
func (l *Limiter) Wait(ctx context.Context, method string, sleep SleepFunc) error {
	waited := false
	for {
		l.mu.Lock()
		l.decayLocked()
		cost := math.Min(float64(l.costLocked(method)), l.tier.Max)
		over := l.counter + cost - l.tier.Max
		if over <= epsilon {
			l.counter += cost
			l.inflight++
			l.stats.Calls++
			if waited {
				l.stats.Waits++
			}
			l.mu.Unlock()
			return nil
		}
		d := secondsToDuration(over / l.tier.Decay)
		l.stats.Waited += d
		l.mu.Unlock()
		waited = true
		if err := sleep(ctx, d); err != nil {
			return err
		}
	}
}

// Done records that the response to a call charged by Wait has arrived
// (or the call failed): decay resumes from now. Every successful Wait must
// be followed by one Done.
func (l *Limiter) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decayLocked()
	if l.inflight > 0 {
		l.inflight--
	}
}

// RateLimited records that Kraken refused a call for exceeding the counter
// although the model allowed it: the counter is set to its maximum (Kraken's
// counter is at least there) and the assumed tier is lowered.
//
// The counter starts at 0, but Kraken's may not have been (a previous run
// or another program may have used the key). The first refusal before a
// full counter could have decayed since the Limiter was created (Max/Decay
// seconds) is therefore blamed on that: it only sets the counter, and the
// tier is lowered from the next refusal on.
func (l *Limiter) RateLimited() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.decayLocked()
	l.counter = l.tier.Max
	l.stats.RateLimited++
	early := now.Sub(l.created) < secondsToDuration(l.tier.Max/l.tier.Decay)
	if early && !l.synced {
		l.synced = true
		return
	}
	l.synced = true
	l.stats.Downgrades++
	l.tier = l.tier.lower()
}

// Budget returns the counter as it is now.
func (l *Limiter) Budget() Budget {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decayLocked()
	return Budget{Tier: l.tier, Counter: l.counter}
}

// Stats returns the counter and totals so far.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decayLocked()
	s := l.stats
	s.Budget = Budget{Tier: l.tier, Counter: l.counter}
	return s
}

// Estimate returns how long n more calls of method will take under the
// model if nothing else uses the key: the wait before the last one can be
// sent (request latency not included). Progress displays use it for ETAs.
func (l *Limiter) Estimate(method string, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.decayLocked()
	cost := math.Min(float64(l.costLocked(method)), l.tier.Max)
	over := l.counter + float64(n)*cost - l.tier.Max
	if over <= epsilon {
		return 0
	}
	return secondsToDuration(over / l.tier.Decay)
}

func (l *Limiter) addWaited(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Waited += d
}

func (l *Limiter) addRetry() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stats.Retries++
}

// secondsToDuration rounds up to the next nanosecond, so that after sleeping
// the returned duration the call fits.
func secondsToDuration(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}
