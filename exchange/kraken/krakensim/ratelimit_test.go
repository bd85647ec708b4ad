package krakensim

import (
	"testing"
	"time"
)

func TestDecay(t *testing.T) {
	t0 := simNow
	tests := []struct {
		name string
		v    Points
		d    time.Duration
		rate Points
		want Points
	}{
		{"no time", 5 * Point, 0, 330_000, 5 * Point},
		{"one second", 5 * Point, time.Second, 330_000, 5*Point - 330_000},
		{"rounds decay up", 5 * Point, time.Nanosecond, 330_000, 5*Point - 1},
		{"floors at zero", 1 * Point, time.Hour, 330_000, 0},
		{"clock backwards", 2 * Point, -time.Second, Point, 2 * Point},
		{"centuries", 20 * Point, 200 * 365 * 24 * time.Hour, 1, 0},
		{"exact point after 1/0.33 s", Point, 3030303031 * time.Nanosecond, 330_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := decay(tt.v, t0, t0.Add(tt.d), tt.rate); got != tt.want {
				t.Errorf("decay = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParsePoints(t *testing.T) {
	for in, want := range map[string]Points{"15": 15 * Point, "0.33": 330_000, ".5": 500_000, "2": 2 * Point, "0.000001": 1} {
		if got, err := ParsePoints(in); err != nil || got != want {
			t.Errorf("ParsePoints(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1e3", "0.0000001", "x"} {
		if _, err := ParsePoints(in); err == nil {
			t.Errorf("ParsePoints(%q): no error", in)
		}
	}
}

// TestRateLimit runs the starter tier on a fake clock: a burst spends
// exactly the maximum, the next call is rejected (and adds nothing), and a
// client that waits exactly cost/decay seconds is accepted again.
func TestRateLimit(t *testing.T) {
	tests := []struct {
		name      string
		spec      RateLimitSpec
		method    string
		burst     int           // calls accepted from zero
		wait      time.Duration // then accepted again after this
		waitShort time.Duration // but not after this
	}{
		{"starter cost 1", RateLimitSpec{Tier: "starter"}, "Balance", 15, 3030303031, 3030299999},
		{"starter heavy cost 2", RateLimitSpec{Tier: "starter"}, "Ledgers", 7, 3030303031, 3030299999},
		{"intermediate", RateLimitSpec{Tier: "intermediate"}, "Balance", 20, 2 * time.Second, 2*time.Second - time.Millisecond},
		{"pro heavy", RateLimitSpec{Tier: "pro"}, "TradesHistory", 10, 2 * time.Second, 2*time.Second - time.Millisecond},
		{"custom heavy 4", RateLimitSpec{Max: "15", DecayPerSec: "0.33", HeavyCost: "4"}, "ClosedOrders", 3, 3030303031, 3030299999},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := testScenario(30)
			spec := tt.spec
			sc.RateLimit = &spec
			s, clk := newTestServer(t, sc)
			c := newClient(t, s, "full", secretFull)
			for i := 0; i < tt.burst; i++ {
				if env := c.call(tt.method, nil); len(env.Error) != 0 {
					t.Fatalf("call %d of burst: %v", i+1, env.Error)
				}
			}
			if got := c.apiError(tt.method, nil); got != "EAPI:Rate limit exceeded" {
				t.Fatalf("call after burst: %s", got)
			}
			// Free calls are never limited.
			if env := c.call("AddOrder", vals("pair", "XBTEUR", "type", "buy", "ordertype", "market", "volume", "0.01", "validate", "true")); len(env.Error) != 0 {
				t.Fatalf("AddOrder while limited: %v", env.Error)
			}
			clk.Advance(tt.waitShort)
			if got := c.apiError(tt.method, nil); got != "EAPI:Rate limit exceeded" {
				t.Fatalf("after %v: %s", tt.waitShort, got)
			}
			// The rejected calls added nothing: the full wait (from the
			// burst) is enough.
			clk.Advance(tt.wait - tt.waitShort)
			if env := c.call(tt.method, nil); len(env.Error) != 0 {
				t.Fatalf("after %v: %v", tt.wait, env.Error)
			}
			if got := c.apiError(tt.method, nil); got != "EAPI:Rate limit exceeded" {
				t.Fatalf("second call after the wait: %s", got)
			}
		})
	}
}

// TestRateLimitPerKey: counters are per key, and a key's own tier wins.
func TestRateLimitPerKey(t *testing.T) {
	sc := testScenario(30)
	sc.RateLimit = &RateLimitSpec{Tier: "starter"}
	sc.Accounts[1].Keys[0].Tier = "pro"
	s, _ := newTestServer(t, sc)
	ro := newClient(t, s, "ro", secretRO)
	bob := newClient(t, s, "bob", secretMisc)
	for i := 0; i < 15; i++ {
		ro.result("Balance", nil)
	}
	ro.apiError("Balance", nil)
	for i := 0; i < 20; i++ {
		bob.result("Balance", nil)
	}
	if got := bob.apiError("Balance", nil); got != "EAPI:Rate limit exceeded" {
		t.Fatal(got)
	}
	st := s.Stats()
	if st.Keys["bob"].Counter != "20.000000" || st.Keys["ro"].Errors["EAPI:Rate limit exceeded"] != 1 {
		t.Errorf("stats: %+v %+v", st.Keys["bob"], st.Keys["ro"])
	}
}
