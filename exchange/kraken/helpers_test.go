package kraken

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The official test vector's private key, used as the test client's key.
const (
	testPrivateKey = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
	testAPIKey     = "TESTAPIKEY0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"
)

// examplesDir is Kraken's published examples, beside the repository.
const examplesDir = "../../../shared/kraken/examples"

// example returns an example file's bytes. A missing file fails the test,
// as krakensim's shape test does, unless COINTALLY_NO_SHARED=1 says the
// shared folder is deliberately absent: decoders must not lose their
// fixtures silently.
func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, name))
	if err != nil {
		if os.Getenv("COINTALLY_NO_SHARED") == "1" {
			t.Skipf("example %s not available and COINTALLY_NO_SHARED=1", name)
		}
		t.Fatalf("example %s not available (shared/kraken/examples must sit beside the repository; set COINTALLY_NO_SHARED=1 to skip): %v", name, err)
	}
	return b
}

// fakeClock is a clock whose Sleep advances it instantly.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	slept  time.Duration
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
		c.slept += d
	}
	c.sleeps = append(c.sleeps, d)
	return nil
}

func (c *fakeClock) Slept() (time.Duration, []time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.slept, append([]time.Duration(nil), c.sleeps...)
}

// fixedJitter makes back-off deterministic: d/2 + 0.5·d/2.
func fixedJitter() float64 { return 0.5 }

// setup starts an httptest server on 127.0.0.1 with handler and returns a
// client with the test credentials, a fake clock and a generous tier, so
// that tests not about rate limiting never wait.
func setup(t testing.TB, handler http.Handler, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	clk := newFakeClock()
	base := []Option{
		WithBaseURL(srv.URL),
		WithHTTPClient(srv.Client()),
		WithCredentials(testAPIKey, testPrivateKey),
		WithClock(clk.Now),
		WithSleep(clk.Sleep),
		WithTier(Tier{Name: "custom", Max: 1000, Decay: 100}),
		WithRetryPolicy(RetryPolicy{Jitter: fixedJitter}),
	}
	c, err := NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, clk
}

// verifySignature checks a private request the way Kraken does, with its
// own implementation of the algorithm, and returns the form values.
func verifySignature(t testing.TB, r *http.Request, body []byte) url.Values {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("private call with method %s, want POST", r.Method)
	}
	if got := r.Header.Get("API-Key"); got != testAPIKey {
		t.Errorf("API-Key = %q, want %q", got, testAPIKey)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatalf("body is not a form: %v", err)
	}
	nonce := form.Get("nonce")
	if _, err := strconv.ParseUint(nonce, 10, 64); err != nil {
		t.Errorf("nonce %q is not an unsigned integer", nonce)
	}
	key, _ := base64.StdEncoding.DecodeString(testPrivateKey)
	inner := sha256.Sum256(append([]byte(nonce), body...))
	mac := hmac.New(sha512.New, key)
	mac.Write(append([]byte(r.URL.RequestURI()), inner[:]...))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := r.Header.Get("API-Sign"); got != want {
		t.Errorf("API-Sign = %q, want %q", got, want)
	}
	return form
}

// readBody reads a request body in a handler.
func readBody(t testing.TB, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading request body: %v", err)
	}
	return b
}

// serveJSON answers every request with body, after checking the signature
// of private requests.
func serveJSON(t testing.TB, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			verifySignature(t, r, readBody(t, r))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
}
