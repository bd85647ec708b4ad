package kraken

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally/money"
)

// script answers successive requests with the given bodies (the last one
// repeats) and records the nonces of private requests.
type script struct {
	t      *testing.T
	mu     sync.Mutex
	bodies []string
	status []int
	calls  int
	nonces []uint64
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var nonce uint64
	if r.Method == http.MethodPost {
		form := verifySignature(s.t, r, readBody(s.t, r))
		nonce, _ = strconv.ParseUint(form.Get("nonce"), 10, 64)
	}
	s.mu.Lock()
	i := min(s.calls, len(s.bodies)-1)
	s.calls++
	if nonce != 0 {
		s.nonces = append(s.nonces, nonce)
	}
	status := http.StatusOK
	if i < len(s.status) && s.status[i] != 0 {
		status = s.status[i]
	}
	body := s.bodies[i]
	s.mu.Unlock()
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (s *script) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

const okBalance = `{"error":[],"result":{"ZUSD":"1.5"}}`

func errBody(e string) string { return `{"error":["` + e + `"]}` }

func TestRetryTransientThenSuccess(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EService:Unavailable"), "<html>520</html>", okBalance}, status: []int{200, 520}}
	c, clk := setup(t, s)
	bal, err := c.Balance(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !bal["ZUSD"].Equal(money.MustParse("1.5")) {
		t.Errorf("balance = %v", bal)
	}
	if s.Calls() != 3 {
		t.Errorf("%d requests, want 3", s.Calls())
	}
	// Jitter 0.5: d/2 + d/4 with d = 1 s, then 2 s.
	_, sleeps := clk.Slept()
	if want := []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}; !equalDurations(sleeps, want) {
		t.Errorf("sleeps = %v, want %v", sleeps, want)
	}
	if st := c.Stats(); st.Retries != 2 {
		t.Errorf("Stats.Retries = %d, want 2", st.Retries)
	}
	for i := 1; i < len(s.nonces); i++ {
		if s.nonces[i] <= s.nonces[i-1] {
			t.Errorf("retry %d reused or lowered the nonce: %v", i, s.nonces)
		}
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRetryTransientGivesUp(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EGeneral:Internal error")}}
	c, _ := setup(t, s, WithRetryPolicy(RetryPolicy{MaxAttempts: 3, Jitter: fixedJitter}))
	_, err := c.Balance(t.Context())
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %v, want ErrUnavailable after 3 attempts", err)
	}
	if s.Calls() != 3 {
		t.Errorf("%d requests, want 3", s.Calls())
	}
}

func TestNeverRetried(t *testing.T) {
	t.Parallel()
	for _, e := range []string{
		"EAPI:Invalid key", "EAPI:Invalid signature", "EGeneral:Permission denied",
		"EGeneral:Invalid arguments:type", "EGeneral:Temporary lockout", "EGeneral:Unknown method",
		"EQuery:Unknown asset", "EAuth:Account unconfirmed",
	} {
		t.Run(e, func(t *testing.T) {
			t.Parallel()
			s := &script{t: t, bodies: []string{errBody(e), okBalance}}
			c, clk := setup(t, s)
			_, err := c.Balance(t.Context())
			var ae *APIError
			if !errors.As(err, &ae) || ae.Errors[0] != e {
				t.Fatalf("err = %v, want the APIError %q", err, e)
			}
			if s.Calls() != 1 {
				t.Errorf("%d requests, want 1 (never retried)", s.Calls())
			}
			if slept, _ := clk.Slept(); slept != 0 {
				t.Errorf("slept %v", slept)
			}
		})
	}
}

func TestNonceRetriedOnce(t *testing.T) {
	t.Parallel()
	t.Run("then success", func(t *testing.T) {
		t.Parallel()
		s := &script{t: t, bodies: []string{errBody("EAPI:Invalid nonce"), okBalance}}
		c, _ := setup(t, s)
		if _, err := c.Balance(t.Context()); err != nil {
			t.Fatal(err)
		}
		if s.Calls() != 2 || len(s.nonces) != 2 || s.nonces[1] <= s.nonces[0] {
			t.Errorf("calls %d, nonces %v: want 2 calls with a fresh, larger nonce", s.Calls(), s.nonces)
		}
	})
	t.Run("twice", func(t *testing.T) {
		t.Parallel()
		s := &script{t: t, bodies: []string{errBody("EAPI:Invalid nonce")}}
		c, _ := setup(t, s)
		_, err := c.Balance(t.Context())
		if !errors.Is(err, ErrInvalidNonce) {
			t.Fatalf("err = %v", err)
		}
		if s.Calls() != 2 {
			t.Errorf("%d requests, want 2", s.Calls())
		}
		if msg := UserMessage(err); !strings.Contains(msg, "another program is using this API key") {
			t.Errorf("UserMessage = %q", msg)
		}
	})
}

func TestRateLimitBacksOffByModel(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EAPI:Rate limit exceeded"), `{"error":[],"result":{"ledger":{},"count":0}}`}}
	c, clk := setup(t, s, WithTier(Tier{"custom", 20, 1}))
	clk.Advance(time.Minute) // past the start-up grace window
	start := clk.Now()
	if _, err := c.Ledgers(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if s.Calls() != 2 || st.RateLimited != 1 || st.Downgrades != 1 {
		t.Errorf("calls %d, Stats %+v", s.Calls(), st)
	}
	// Counter set to 20, decay lowered to 0.8/s: a cost-2 call waits 2.5 s.
	if got, want := clk.Now().Sub(start), 2500*time.Millisecond; got != want {
		t.Errorf("waited %v, want %v", got, want)
	}
	if st.Tier.Decay != 0.8 {
		t.Errorf("decay after downgrade = %v, want 0.8", st.Tier.Decay)
	}
}

func TestRateLimitGivesUp(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EAPI:Rate limit exceeded")}}
	c, _ := setup(t, s, WithRetryPolicy(RetryPolicy{MaxRateLimitRetries: 2, Jitter: fixedJitter}))
	_, err := c.Balance(t.Context())
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("err = %v", err)
	}
	if s.Calls() != 3 {
		t.Errorf("%d requests, want 3", s.Calls())
	}
}

func TestPublicTooManyRequestsBacksOff(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EGeneral:Too many requests"), `{"error":[],"result":{"unixtime":1688669448,"rfc1123":"x"}}`}}
	c, clk := setup(t, s)
	if _, err := c.Time(t.Context()); err != nil {
		t.Fatal(err)
	}
	if slept, _ := clk.Slept(); slept != 750*time.Millisecond {
		t.Errorf("slept %v, want 750ms", slept)
	}
}

func TestThrottledWaitsUntilGivenTime(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	until := clk.Now().Add(30 * time.Second).Unix()
	s := &script{t: t, bodies: []string{errBody("EService: Throttled: " + strconv.FormatInt(until, 10)), okBalance}}
	c, _ := setup(t, s, WithClock(clk.Now), WithSleep(clk.Sleep))
	if _, err := c.Balance(t.Context()); err != nil {
		t.Fatal(err)
	}
	if clk.Now().Unix() < until {
		t.Errorf("retried at %v, before %v", clk.Now().Unix(), until)
	}
	// Too far away: give up at once.
	far := clk.Now().Add(time.Hour).Unix()
	s2 := &script{t: t, bodies: []string{errBody("EService: Throttled: " + strconv.FormatInt(far, 10))}}
	c2, _ := setup(t, s2, WithClock(clk.Now), WithSleep(clk.Sleep))
	_, err := c2.Balance(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Class != ClassThrottled || s2.Calls() != 1 {
		t.Errorf("err = %v after %d calls, want a Throttled error after 1", err, s2.Calls())
	}
}

func TestRetryStopsWhenContextCanceled(t *testing.T) {
	t.Parallel()
	s := &script{t: t, bodies: []string{errBody("EService:Unavailable")}}
	ctx, cancel := context.WithCancel(t.Context())
	sleep := func(ctx context.Context, d time.Duration) error {
		cancel() // the caller gives up during the back-off
		<-ctx.Done()
		return ctx.Err()
	}
	c, _ := setup(t, s, WithSleep(sleep))
	_, err := c.Balance(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if s.Calls() != 1 {
		t.Errorf("%d requests after cancel", s.Calls())
	}
}

func TestWriteCallsNotRepeatedAfterTransportFailure(t *testing.T) {
	t.Parallel()
	ok := `{"error":[],"result":{"descr":{"order":"buy 1 XBTUSD @ limit 1"}}}`
	for _, validate := range []bool{false, true} {
		t.Run("validate="+strconv.FormatBool(validate), func(t *testing.T) {
			t.Parallel()
			s := &script{t: t, bodies: []string{"<html>502</html>", ok}, status: []int{502}}
			c, _ := setup(t, s)
			_, err := c.AddOrder(t.Context(), OrderRequest{Pair: "XBTUSD", Type: "buy", OrderType: "limit",
				Volume: money.MustParse("1"), Price: "1", Validate: validate})
			want := 1
			if validate {
				want = 2
			}
			if s.Calls() != want {
				t.Errorf("%d requests, want %d", s.Calls(), want)
			}
			if (err == nil) != validate {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		jitter float64
		n      int
		want   time.Duration
	}{
		{0, 1, 500 * time.Millisecond},
		{1, 1, time.Second},
		{0.5, 3, 3 * time.Second},
		{1, 10, 30 * time.Second},  // capped
		{0, 100, 15 * time.Second}, // no overflow
	}
	for _, tt := range tests {
		p := RetryPolicy{Jitter: func() float64 { return tt.jitter }}
		if got := p.Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) with jitter %v = %v, want %v", tt.n, tt.jitter, got, tt.want)
		}
	}
}
