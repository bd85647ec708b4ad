package kraken

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"time"
)

// RetryPolicy says how often and how long the client waits before repeating
// a failed call. Each repetition is signed again with a fresh nonce.
//
//   - Transient failures (EService:Unavailable/Busy/Timeout, internal
//     errors, HTTP 5xx, HTML error pages, truncated JSON, connection
//     errors) are retried with jittered exponential back-off, up to
//     MaxAttempts attempts in all.
//   - EAPI:Invalid nonce is retried once; if it happens again another
//     program is using the key and the error is returned.
//   - Rate-limit errors set the counter model to its maximum, lower the
//     assumed tier and retry after the counter has decayed, up to
//     MaxRateLimitRetries times. "EService: Throttled: <ts>" waits until <ts>
//     if that is at most MaxThrottleWait away.
//   - Invalid key or signature, permission denied, invalid arguments,
//     unknown method and lockout are never retried: repeating them only
//     leads to a lockout.
//
// Write calls that may have been executed (AddOrder without validate,
// AddExport) are not repeated after a transport failure.
type RetryPolicy struct {
	MaxAttempts         int           // attempts for transient failures, the first included (default 4; 1 disables)
	BaseDelay           time.Duration // back-off before the first retry (default 1 s)
	MaxDelay            time.Duration // largest back-off (default 30 s)
	MaxRateLimitRetries int           // retries after rate-limit errors (default 5)
	MaxThrottleWait     time.Duration // longest wait for a Throttled time (default 5 min)

	// Jitter returns a number in [0, 1); the back-off for retry n is
	// d/2 + Jitter()·d/2 with d = min(MaxDelay, BaseDelay·2^(n-1)).
	// Default: math/rand/v2. Tests inject a fixed source.
	Jitter func() float64
}

// DefaultRetryPolicy is used when no policy is configured.
var DefaultRetryPolicy = RetryPolicy{
	MaxAttempts:         4,
	BaseDelay:           time.Second,
	MaxDelay:            30 * time.Second,
	MaxRateLimitRetries: 5,
	MaxThrottleWait:     5 * time.Minute,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.MaxRateLimitRetries < 0 {
		p.MaxRateLimitRetries = 0
	} else if p.MaxRateLimitRetries == 0 {
		p.MaxRateLimitRetries = d.MaxRateLimitRetries
	}
	if p.MaxThrottleWait <= 0 {
		p.MaxThrottleWait = d.MaxThrottleWait
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// Backoff returns the wait before retry n (1 for the first retry).
func (p RetryPolicy) Backoff(n int) time.Duration {
	p = p.withDefaults()
	d := p.MaxDelay
	if n >= 1 && n < 40 {
		d = min(p.BaseDelay<<(n-1), p.MaxDelay)
	}
	j := min(max(p.Jitter(), 0), 1)
	return d/2 + time.Duration(j*float64(d/2))
}

// retryState counts the retries of one call.
type retryState struct {
	policy       RetryPolicy
	transient    int
	rateLimit    int
	nonceRetried bool
}

// next decides whether err is retried and after what delay.
func (r *retryState) next(c *Client, endpoint string, private, idempotent bool, err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.Class {
		case ClassNonce:
			if r.nonceRetried {
				return 0, false
			}
			r.nonceRetried = true
			return 0, true
		case ClassRateLimit:
			if r.rateLimit >= r.policy.MaxRateLimitRetries {
				return 0, false
			}
			r.rateLimit++
			if private {
				// The limiter makes the next attempt wait until the
				// counter has decayed enough.
				c.limiter.RateLimited()
				return 0, true
			}
			return r.policy.Backoff(r.rateLimit), true
		case ClassThrottled:
			if r.rateLimit >= r.policy.MaxRateLimitRetries {
				return 0, false
			}
			r.rateLimit++
			if apiErr.RetryAt.IsZero() {
				return r.policy.Backoff(r.rateLimit), true
			}
			d := apiErr.RetryAt.Sub(c.now())
			if d > r.policy.MaxThrottleWait {
				return 0, false
			}
			return max(d, 0), true
		case ClassTransient:
			return r.transientDelay()
		}
		return 0, false
	}
	var tErr *TransportError
	if errors.As(err, &tErr) && tErr.temporary && idempotent {
		return r.transientDelay()
	}
	return 0, false
}

func (r *retryState) transientDelay() (time.Duration, bool) {
	if r.transient+1 >= r.policy.MaxAttempts {
		return 0, false
	}
	r.transient++
	return r.policy.Backoff(r.transient), true
}

// idempotent reports whether a call may be repeated after a transport
// failure, when it is unknown whether Kraken executed it.
func idempotent(endpoint string, params url.Values) bool {
	switch endpoint {
	case "AddOrder":
		return params.Get("validate") == "true"
	case "AddExport", "CancelOrder":
		return false
	}
	return true
}
