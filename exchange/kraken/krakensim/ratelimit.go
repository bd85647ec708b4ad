package krakensim

import (
	"math/bits"
	"time"
)

// Points measure Kraken's REST call counter in millionths of a point, so
// that a decay of 0.33 per second is exact (330_000 Points per second).
type Points int64

// Point is one counter point.
const Point Points = 1_000_000

// RateLimit is Kraken's per-key decaying call counter: each private call
// adds its cost, the counter decays continuously by DecayPerSecond (by the
// server clock), and a call that would take it above Max is rejected with
// EAPI:Rate limit exceeded.
//
// Costs: Ledgers, TradesHistory and ClosedOrders cost HeavyCost (default 2
// points); AddOrder and CancelOrder cost nothing (Kraken counts them in the
// per-pair trading-engine limiter, which is not modelled); every other
// private call costs 1. Public calls are not counted.
//
// A rejected call does not add to the counter (Kraken says that calls made
// while limited prolong the restriction; the emulator leaves that out so
// that the counter never exceeds Max and a client that models the counter
// can predict every answer). Decay is rounded up to the next micro-point in
// the client's favour, so a client that waits exactly (counter+cost-Max) /
// decay seconds is never rejected, and a burst may spend exactly Max.
//
// The zero RateLimit means TierStarter.
type RateLimit struct {
	Max            Points
	DecayPerSecond Points
	HeavyCost      Points // 0 means 2 points
}

// Kraken's REST tiers (REFERENCE 10.1).
var (
	TierStarter      = RateLimit{Max: 15 * Point, DecayPerSecond: 330_000, HeavyCost: 2 * Point}
	TierIntermediate = RateLimit{Max: 20 * Point, DecayPerSecond: 500_000, HeavyCost: 2 * Point}
	TierPro          = RateLimit{Max: 20 * Point, DecayPerSecond: 1 * Point, HeavyCost: 2 * Point}
)

// Tiers maps the scenario tier names to their limits.
var Tiers = map[string]RateLimit{
	"starter":      TierStarter,
	"intermediate": TierIntermediate,
	"pro":          TierPro,
}

// effective resolves the zero value and defaults.
func (rl RateLimit) effective() RateLimit {
	if rl == (RateLimit{}) {
		return TierStarter
	}
	if rl.HeavyCost == 0 {
		rl.HeavyCost = 2 * Point
	}
	return rl
}

// cost classes of private methods.
type costClass uint8

const (
	costNormal costClass = iota // 1 point
	costHeavy                   // HeavyCost
	costFree                    // trading-engine calls: not counted here
)

func (rl RateLimit) cost(c costClass) Points {
	switch c {
	case costHeavy:
		return rl.HeavyCost
	case costFree:
		return 0
	}
	return Point
}

// counter is one key's call counter. The caller holds the key's mutex.
type counter struct {
	value Points
	at    time.Time
}

// current returns the counter decayed to now.
func (c *counter) current(now time.Time, rl RateLimit) Points {
	return decay(c.value, c.at, now, rl.DecayPerSecond)
}

// charge decays the counter to now and adds cost unless that would exceed
// rl.Max; it reports whether the call is allowed. A rejected call leaves the
// (decayed) counter unchanged.
func (c *counter) charge(now time.Time, rl RateLimit, cost Points) bool {
	v := c.current(now, rl)
	if now.After(c.at) || c.at.IsZero() {
		c.at = now
	}
	c.value = v
	if cost == 0 {
		return true
	}
	if v+cost > rl.Max {
		return false
	}
	c.value = v + cost
	return true
}

// decay returns v decayed at rate Points per second from from to to,
// rounding the decayed amount up. A clock that goes backwards decays
// nothing.
func decay(v Points, from, to time.Time, rate Points) Points {
	if v <= 0 || rate <= 0 || from.IsZero() || !to.After(from) {
		if v < 0 {
			return 0
		}
		return v
	}
	el := uint64(to.Sub(from)) // ns, saturated at ~292 years
	hi, lo := bits.Mul64(el, uint64(rate))
	const ns = uint64(time.Second)
	if hi >= ns {
		return 0
	}
	q, r := bits.Div64(hi, lo, ns)
	if r != 0 {
		q++
	}
	if q >= uint64(v) {
		return 0
	}
	return v - Points(q)
}

// String formats p as a decimal number of points ("14.670000").
func (p Points) String() string { return string(appendFixed(nil, int64(p), 6)) }
