package kraken

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is Kraken's REST API.
const DefaultBaseURL = "https://api.kraken.com"

// DefaultUserAgent is sent when no other User-Agent is configured; Kraken
// requires one.
const DefaultUserAgent = "cointally (+https://github.com/cointally/cointally)"

const (
	maxJSONBody   = 32 << 20  // largest JSON response read
	maxExportBody = 512 << 20 // largest export ZIP read
)

// Client talks to Kraken's Spot REST API. Create it with NewClient. It is
// safe for concurrent use; private calls are sent one at a time, because
// Kraken requires each key's nonces to arrive in increasing order.
type Client struct {
	baseURL   *url.URL
	hc        *http.Client
	apiKey    string
	secret    *Secret
	otp       *Secret
	userAgent string
	logger    *slog.Logger
	now       func() time.Time
	sleep     SleepFunc
	nonces    NonceSource
	limiter   *Limiter
	retry     RetryPolicy

	counter *counterSaver // nil without a CounterStore

	private chan struct{} // one token: held while a private request is in flight
}

// settings collects options before NewClient checks them.
type settings struct {
	baseURL      string
	hc           *http.Client
	apiKey       string
	privateKey   string
	otp          string
	hasCreds     bool
	userAgent    string
	logger       *slog.Logger
	now          func() time.Time
	sleep        SleepFunc
	nonces       NonceSource
	nonceStore   NonceStore
	limiter      *Limiter
	tier         *Tier
	heavyCost    *int
	retry        *RetryPolicy
	counterStore CounterStore
}

// Option configures a Client.
type Option func(*settings)

// WithBaseURL sets the API's address (default DefaultBaseURL), e.g. an
// emulator's "http://127.0.0.1:8080". Request paths ("/0/private/Ledgers")
// are appended to its path.
func WithBaseURL(u string) Option { return func(s *settings) { s.baseURL = u } }

// WithHTTPClient sets the HTTP client (default: one with a 60 s timeout).
func WithHTTPClient(hc *http.Client) Option { return func(s *settings) { s.hc = hc } }

// WithCredentials sets the API key and its private key (base64 of 64 bytes,
// as Kraken shows it). Without credentials only public calls work.
func WithCredentials(apiKey, privateKey string) Option {
	return func(s *settings) { s.apiKey, s.privateKey, s.hasCreds = apiKey, privateKey, true }
}

// WithOTP sets the one-time password sent with every private call, for keys
// that have a static 2FA password.
func WithOTP(otp string) Option { return func(s *settings) { s.otp = otp } }

// WithUserAgent sets the User-Agent header (default DefaultUserAgent).
func WithUserAgent(ua string) Option { return func(s *settings) { s.userAgent = ua } }

// WithLogger sets the logger for requests and retries (default: discard).
// Secrets are never logged.
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

// WithClock sets the clock used for nonces, the rate-limit model and
// back-off (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithSleep sets how the client waits (default Sleep). Tests pass a fake
// that advances a fake clock.
func WithSleep(sleep SleepFunc) Option { return func(s *settings) { s.sleep = sleep } }

// WithNonceSource replaces the default nonce generator (WithNonceStore is
// then ignored).
func WithNonceSource(src NonceSource) Option { return func(s *settings) { s.nonces = src } }

// WithNonceStore makes the default nonce generator persist its high-water
// mark in store under KeyID(apiKey), so nonces stay increasing across
// restarts even if the clock goes backwards.
func WithNonceStore(store NonceStore) Option { return func(s *settings) { s.nonceStore = store } }

// WithTier sets the key's verification tier for the rate-limit model
// (default TierStarter, the most conservative).
func WithTier(t Tier) Option { return func(s *settings) { s.tier = &t } }

// WithHeavyCost sets the counter cost of Ledgers, TradesHistory and
// ClosedOrders (default DefaultHeavyCost).
func WithHeavyCost(cost int) Option { return func(s *settings) { s.heavyCost = &cost } }

// WithLimiter makes the client use l, to share one counter model between
// clients of the same key. WithTier and WithHeavyCost then apply to l.
func WithLimiter(l *Limiter) Option { return func(s *settings) { s.limiter = l } }

// WithRetryPolicy sets how failed calls are retried (default DefaultRetryPolicy).
func WithRetryPolicy(p RetryPolicy) Option { return func(s *settings) { s.retry = &p } }

// NewClient returns a client configured by opts. It checks the credentials'
// format; the error then is (or joins) *CredentialError values naming the
// malformed field.
func NewClient(opts ...Option) (*Client, error) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	c := &Client{
		hc:        s.hc,
		userAgent: s.userAgent,
		logger:    s.logger,
		now:       s.now,
		sleep:     s.sleep,
		nonces:    s.nonces,
		limiter:   s.limiter,
		private:   make(chan struct{}, 1),
	}
	if s.baseURL == "" {
		s.baseURL = DefaultBaseURL
	}
	u, err := url.Parse(s.baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("kraken: base URL %q: want an http or https URL such as %s", s.baseURL, DefaultBaseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	c.baseURL = u
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 60 * time.Second}
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = Sleep
	}
	c.retry = DefaultRetryPolicy
	if s.retry != nil {
		c.retry = *s.retry
	}
	c.retry = c.retry.withDefaults()

	if s.hasCreds {
		var errs []error
		key, err := checkAPIKey(s.apiKey)
		if err != nil {
			errs = append(errs, err)
		}
		secret, err := ParsePrivateKey(s.privateKey)
		if err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		c.apiKey, c.secret = key, secret
	}
	if otp := strings.TrimSpace(s.otp); otp != "" {
		c.otp = NewSecret(otp)
	}
	if c.limiter == nil {
		c.limiter = NewLimiter(TierStarter, c.now)
	}
	if s.tier != nil {
		c.limiter.mu.Lock()
		c.limiter.tier = *s.tier
		c.limiter.mu.Unlock()
	}
	if s.heavyCost != nil {
		c.limiter.SetHeavyCost(*s.heavyCost)
	}
	if c.nonces == nil {
		g, err := NewNonceGenerator(c.now, s.nonceStore, KeyID(c.apiKey))
		if err != nil {
			return nil, err
		}
		c.nonces = g
	}
	if s.counterStore != nil {
		c.counter = &counterSaver{store: s.counterStore}
		c.restoreCounter()
	}
	return c, nil
}

// String describes the client without secrets. String, GoString, Format
// and LogValue have value receivers so that a Client value prints the same
// as a pointer, never its fields.
func (c Client) String() string {
	key := "none"
	if c.apiKey != "" {
		key = redactKey(c.apiKey)
	}
	return fmt.Sprintf("kraken.Client{base=%s key=%s private_key=%s}", c.baseURL, key, redacted)
}

// GoString implements fmt.GoStringer with the same redacted text.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb, so no formatting exposes fields.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue implements slog.LogValuer.
func (c Client) LogValue() slog.Value {
	key := "none"
	if c.apiKey != "" {
		key = redactKey(c.apiKey)
	}
	return slog.GroupValue(slog.String("base", fmt.Sprint(c.baseURL)), slog.String("key", key))
}

// Budget returns the modelled rate-limit counter now.
func (c *Client) Budget() Budget { return c.limiter.Budget() }

// Stats returns the rate-limit counter and totals of calls, waits and retries.
func (c *Client) Stats() Stats { return c.limiter.Stats() }

// EstimateWait returns how long n more calls of method (e.g. "Ledgers")
// will have to wait for the rate-limit counter, for progress ETAs.
func (c *Client) EstimateWait(method string, n int) time.Duration {
	return c.limiter.Estimate(method, n)
}

// Limiter returns the client's rate-limit model.
func (c *Client) Limiter() *Limiter { return c.limiter }

// resultDecoder is implemented by result types that decode themselves with
// errors naming entry and field.
type resultDecoder interface {
	decodeResult(endpoint string, raw []byte) error
}

// do performs one API call with retries: a public GET (params in the query)
// or a private POST (params, nonce and otp in a form body, signed). The
// result is decoded into out: a resultDecoder, *[]byte for binary bodies
// (RetrieveExport), or anything encoding/json accepts.
func (c *Client) do(ctx context.Context, method, path string, params url.Values, out any) error {
	endpoint, private := endpointOf(path)
	if private && c.secret == nil {
		return fmt.Errorf("kraken: %s: %w", endpoint, ErrNoCredentials)
	}
	r := retryState{policy: c.retry}
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, method, path, endpoint, private, params, out)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("kraken: %s: %w", endpoint, ctx.Err())
		}
		delay, retry := r.next(c, endpoint, private, idempotent(endpoint, params), err)
		if !retry {
			if attempt > 1 {
				return fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return err
		}
		c.limiter.addRetry()
		c.logger.LogAttrs(ctx, slog.LevelWarn, "kraken: retrying",
			slog.String("endpoint", endpoint), slog.Int("attempt", attempt),
			slog.Duration("delay", delay), slog.String("error", err.Error()))
		if delay > 0 {
			c.limiter.addWaited(delay)
			if err := c.sleep(ctx, delay); err != nil {
				return fmt.Errorf("kraken: %s: %w", endpoint, err)
			}
		}
	}
}

func endpointOf(path string) (endpoint string, private bool) {
	if e, ok := strings.CutPrefix(path, "/0/private/"); ok {
		return e, true
	}
	if e, ok := strings.CutPrefix(path, "/0/public/"); ok {
		return e, false
	}
	return path, false
}

// attempt sends one request and interprets its response.
func (c *Client) attempt(ctx context.Context, method, path, endpoint string, private bool, params url.Values, out any) error {
	u := *c.baseURL
	u.Path += path
	var body string
	if private {
		select {
		case c.private <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-c.private }()
		if err := c.limiter.Wait(ctx, endpoint, c.sleep); err != nil {
			return err
		}
		defer c.saveCounter()
		defer c.limiter.Done()
		nonce, err := c.nonces.Next()
		if err != nil {
			return fmt.Errorf("kraken: %s: %w", endpoint, err)
		}
		body = c.privateBody(nonce, params)
		req, err := c.newRequest(ctx, http.MethodPost, u.String(), body)
		if err != nil {
			return err
		}
		req.Header.Set("API-Key", c.apiKey)
		req.Header.Set("API-Sign", Sign(c.secret, u.EscapedPath(), nonce, []byte(body)))
		return c.send(req, endpoint, out)
	}
	if method == http.MethodGet {
		u.RawQuery = params.Encode()
	} else {
		body = params.Encode()
	}
	req, err := c.newRequest(ctx, method, u.String(), body)
	if err != nil {
		return err
	}
	return c.send(req, endpoint, out)
}

// privateBody is the form body: nonce first (as in Kraken's examples), then
// otp, then the parameters in sorted order.
func (c *Client) privateBody(nonce uint64, params url.Values) string {
	var b strings.Builder
	b.WriteString("nonce=")
	b.WriteString(strconv.FormatUint(nonce, 10))
	if c.otp != nil {
		b.WriteString("&otp=")
		b.WriteString(url.QueryEscape(c.otp.Reveal()))
	}
	if len(params) > 0 {
		b.WriteByte('&')
		b.WriteString(params.Encode())
	}
	return b.String()
}

func (c *Client) newRequest(ctx context.Context, method, target, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" || method == http.MethodPost {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, fmt.Errorf("kraken: %w", err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// send performs req and decodes the response into out.
func (c *Client) send(req *http.Request, endpoint string, out any) error {
	start := c.now()
	resp, err := c.hc.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return req.Context().Err()
		}
		return &TransportError{Endpoint: endpoint, Reason: "request failed", Err: stripURLError(err), temporary: true}
	}
	defer resp.Body.Close()
	limit := int64(maxJSONBody)
	if _, binary := out.(*[]byte); binary {
		limit = maxExportBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	c.logger.LogAttrs(req.Context(), slog.LevelDebug, "kraken: response",
		slog.String("endpoint", endpoint), slog.Int("status", resp.StatusCode),
		slog.Int("bytes", len(body)), slog.Duration("elapsed", c.now().Sub(start)))
	if err != nil {
		if req.Context().Err() != nil {
			return req.Context().Err()
		}
		return &TransportError{Endpoint: endpoint, HTTPStatus: resp.StatusCode, Reason: "reading the response failed",
			Err: err, Snippet: snippet(body), temporary: true}
	}
	if int64(len(body)) > limit {
		return &TransportError{Endpoint: endpoint, HTTPStatus: resp.StatusCode,
			Reason: fmt.Sprintf("response larger than %d bytes", limit)}
	}
	return c.interpret(endpoint, resp.StatusCode, body, out)
}

// stripURLError drops the *url.Error wrapper, whose text repeats the URL,
// keeping the cause.
func stripURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// statusTemporary reports whether an HTTP status means "try again later".
func statusTemporary(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status == http.StatusOK
}
