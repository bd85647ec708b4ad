package kraken

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestParseTier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Tier
		wantErr bool
	}{
		{"starter", TierStarter, false},
		{"Intermediate", TierIntermediate, false},
		{" pro ", TierPro, false},
		{"60:5", Tier{"custom", 60, 5}, false},
		{"20:0.5", Tier{"custom", 20, 0.5}, false},
		{"", Tier{}, true},
		{"gold", Tier{}, true},
		{"0:1", Tier{}, true},
		{"20:0", Tier{}, true},
		{"20:-1", Tier{}, true},
		{"x:1", Tier{}, true},
		{"NaN:1", Tier{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTier(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTier(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseTier(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestLimiterCosts(t *testing.T) {
	t.Parallel()
	l := NewLimiter(TierStarter, nil)
	for method, want := range map[string]int{
		"Ledgers": 2, "TradesHistory": 2, "ClosedOrders": 2,
		"QueryLedgers": 1, "QueryTrades": 1, "Balance": 1, "Earn/Allocations": 1,
		"AddOrder": 0, "CancelOrder": 0,
	} {
		if got := l.Cost(method); got != want {
			t.Errorf("Cost(%s) = %d, want %d", method, got, want)
		}
	}
	l.SetHeavyCost(4)
	l.SetCost("Balance", 3)
	if l.Cost("Ledgers") != 4 || l.Cost("Balance") != 3 || l.Cost("QueryLedgers") != 1 {
		t.Errorf("after overrides: Ledgers %d, Balance %d, QueryLedgers %d", l.Cost("Ledgers"), l.Cost("Balance"), l.Cost("QueryLedgers"))
	}
}

// krakenCounter is an independent model of Kraken's counter, as the
// server applies it: it refuses a call that would take it above max.
type krakenCounter struct {
	mu      sync.Mutex
	max     float64
	decay   float64
	counter float64
	at      time.Time
}

func (k *krakenCounter) call(now time.Time, cost float64) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.at.IsZero() {
		k.counter = math.Max(0, k.counter-now.Sub(k.at).Seconds()*k.decay)
	}
	k.at = now
	if k.counter+cost > k.max+1e-6 {
		return false
	}
	k.counter += cost
	return true
}

func TestLimiterNeverExceedsAndReachesCeiling(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tier   Tier
		method string
		cost   float64
		calls  int
	}{
		{Tier{"custom", 60, 5}, "Ledgers", 2, 200},
		{TierStarter, "Ledgers", 2, 60},
		{TierIntermediate, "QueryLedgers", 1, 100},
		{TierPro, "TradesHistory", 2, 100},
	}
	for _, tt := range tests {
		t.Run(tt.tier.String(), func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			start := clk.Now()
			l := NewLimiter(tt.tier, clk.Now)
			kraken := &krakenCounter{max: tt.tier.Max, decay: tt.tier.Decay}
			var times []time.Time
			for i := range tt.calls {
				if err := l.Wait(t.Context(), tt.method, clk.Sleep); err != nil {
					t.Fatal(err)
				}
				l.Done()
				if !kraken.call(clk.Now(), tt.cost) {
					t.Fatalf("call %d at %v would be refused by Kraken's counter", i, clk.Now().Sub(start))
				}
				times = append(times, clk.Now())
			}
			// In any span T at most (max + decay·T)/cost calls happen.
			for i := range times {
				for j := i; j < len(times); j++ {
					span := times[j].Sub(times[i]).Seconds()
					if n := float64(j - i + 1); n*tt.cost > tt.tier.Max+tt.tier.Decay*span+1e-6 {
						t.Fatalf("%v calls within %.3fs exceed the budget", n, span)
					}
				}
			}
			elapsed := clk.Now().Sub(start).Seconds()
			ideal := (float64(tt.calls)*tt.cost - tt.tier.Max) / tt.tier.Decay
			if elapsed < ideal-1e-6 || elapsed > ideal/0.95 {
				t.Errorf("elapsed %.3fs for %d calls; the model's ceiling allows %.3fs (≥95%% throughput needs ≤ %.3fs)",
					elapsed, tt.calls, ideal, ideal/0.95)
			}
			st := l.Stats()
			if st.Calls != int64(tt.calls) || st.Waited <= 0 || st.Waits == 0 {
				t.Errorf("Stats = %+v", st)
			}
		})
	}
}

func TestLimiterEstimate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(Tier{"custom", 60, 5}, clk.Now)
	if got := l.Estimate("Ledgers", 30); got != 0 {
		t.Errorf("Estimate(30 heavy) on an empty counter = %v, want 0", got)
	}
	if got, want := l.Estimate("Ledgers", 200), 68*time.Second; got != want {
		t.Errorf("Estimate(200 heavy) = %v, want %v", got, want)
	}
	for range 30 {
		_ = l.Wait(t.Context(), "Ledgers", clk.Sleep)
		l.Done()
	}
	if got, want := l.Estimate("QueryLedgers", 5), time.Second; got != want {
		t.Errorf("Estimate(5 light) on a full counter = %v, want %v", got, want)
	}
	clk.Advance(4 * time.Second) // counter 60 → 40
	if b := l.Budget(); math.Abs(b.Counter-40) > 1e-9 || math.Abs(b.Available()-20) > 1e-9 {
		t.Errorf("Budget = %+v, available %v; want counter 40, 20 available", b, b.Available())
	}
	if got := l.Estimate("AddOrder", 1000); got != 0 {
		t.Errorf("Estimate(AddOrder) = %v, want 0 (not charged)", got)
	}
}

func TestLimiterWaitRespectsContext(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(Tier{"custom", 2, 0.1}, clk.Now)
	if err := l.Wait(t.Context(), "Ledgers", clk.Sleep); err != nil {
		t.Fatal(err)
	}
	l.Done()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := l.Wait(ctx, "Ledgers", clk.Sleep); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a canceled context = %v, want context.Canceled", err)
	}
}

func TestLimiterRateLimitedLowersTier(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Tier
	}{
		{TierPro, TierIntermediate},
		{TierIntermediate, TierStarter},
		{TierStarter, Tier{"starter (lowered)", 15, 0.33 * 0.8}},
		{Tier{"custom", 60, 5}, Tier{"custom", 60, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.from.Name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			l := NewLimiter(tt.from, clk.Now)
			clk.Advance(time.Hour) // past the start-up grace window
			l.RateLimited()
			st := l.Stats()
			if st.Tier.Name != tt.to.Name || st.Tier.Max != tt.to.Max || math.Abs(st.Tier.Decay-tt.to.Decay) > 1e-12 {
				t.Errorf("tier after a rate-limit error = %+v, want %+v", st.Tier, tt.to)
			}
			if st.Counter != tt.from.Max || st.RateLimited != 1 || st.Downgrades != 1 {
				t.Errorf("Stats = %+v; want counter at max %v, 1 rate limit, 1 downgrade", st, tt.from.Max)
			}
		})
	}
}

// A refusal right after start-up is blamed on Kraken's unknown starting
// counter, not on the tier; a second one lowers the tier.
func TestLimiterStartupGrace(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(TierPro, clk.Now)
	clk.Advance(5 * time.Second)
	l.RateLimited()
	if st := l.Stats(); st.Tier != TierPro || st.Downgrades != 0 || st.RateLimited != 1 || st.Counter != 20 {
		t.Errorf("after an early refusal: %+v; want pro kept, counter 20", st)
	}
	clk.Advance(time.Second)
	l.RateLimited()
	if st := l.Stats(); st.Tier != TierIntermediate || st.Downgrades != 1 || st.RateLimited != 2 {
		t.Errorf("after a second refusal: %+v; want intermediate", st)
	}
}

// A server enforcing a slower tier than the client assumes: the client is
// refused, lowers its tier, backs off by the model and completes every call.
func TestClientAdaptsToSlowerServerTier(t *testing.T) {
	t.Parallel()
	var clk *fakeClock
	server := &krakenCounter{max: 20, decay: 0.5} // intermediate
	var refused int
	var mu sync.Mutex
	h := func(w http.ResponseWriter, r *http.Request) {
		verifySignature(t, r, readBody(t, r))
		if !server.call(clk.Now(), 2) {
			mu.Lock()
			refused++
			mu.Unlock()
			_, _ = w.Write([]byte(`{"error":["EAPI:Rate limit exceeded"]}`))
			return
		}
		_, _ = w.Write([]byte(`{"error":[],"result":{"ledger":{},"count":0}}`))
	}
	c, clock := setup(t, http.HandlerFunc(h), WithTier(TierPro))
	clk = clock
	start := clk.Now()
	const calls = 40
	for i := range calls {
		if _, err := c.Ledgers(t.Context(), nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := c.Stats()
	if refused == 0 || st.RateLimited != int64(refused) || st.Downgrades == 0 {
		t.Errorf("refused %d, Stats %+v: want the refusals recorded and the tier lowered", refused, st)
	}
	if st.Tier == TierPro {
		t.Errorf("tier still %v after refusals", st.Tier)
	}
	if refused > 3 {
		t.Errorf("refused %d times; the lowered model should stop refusals quickly", refused)
	}
	// The server's own ceiling: (40·2 − 20)/0.5 = 120 s.
	if elapsed := clk.Now().Sub(start); elapsed < 120*time.Second {
		t.Errorf("elapsed %v is faster than the server allows", elapsed)
	}
}

// Kraken charges a call when it arrives, after the client charged it: the
// counter must not decay while the call is in flight, or the client's model
// would fall below Kraken's by latency × decay.
func TestLimiterPausesDecayInFlight(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	l := NewLimiter(Tier{"custom", 4, 10}, clk.Now)
	for range 2 {
		if err := l.Wait(t.Context(), "Ledgers", clk.Sleep); err != nil {
			t.Fatal(err)
		}
		clk.Advance(50 * time.Millisecond) // in flight
		l.Done()
	}
	if b := l.Budget(); math.Abs(b.Counter-4) > 1e-9 {
		t.Fatalf("counter after two heavy calls = %v, want 4 (no decay while in flight)", b.Counter)
	}
	clk.Advance(100 * time.Millisecond)
	if b := l.Budget(); math.Abs(b.Counter-3) > 1e-9 {
		t.Fatalf("counter 100 ms after the response = %v, want 3", b.Counter)
	}
}
