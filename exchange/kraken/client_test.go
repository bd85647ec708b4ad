package kraken

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPublicRequestShape(t *testing.T) {
	t.Parallel()
	var got *http.Request
	h := func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		_, _ = w.Write([]byte(`{"error":[],"result":{"XXBTZUSD":{"a":["1","1","1"],"b":["1","1","1"],"c":["1","1"],"v":["1","1"],"p":["1","1"],"t":[1,1],"l":["1","1"],"h":["1","1"],"o":"1"}}}`))
	}
	c, _ := setup(t, http.HandlerFunc(h), WithUserAgent("cointally-test/1"))
	if _, err := c.Ticker(context.Background(), "XBTUSD", "ETHUSD"); err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodGet || got.URL.Path != "/0/public/Ticker" || got.URL.Query().Get("pair") != "XBTUSD,ETHUSD" {
		t.Errorf("request %s %s", got.Method, got.URL)
	}
	if got.Header.Get("API-Key") != "" || got.Header.Get("API-Sign") != "" {
		t.Error("public call carries credentials")
	}
	if ua := got.Header.Get("User-Agent"); ua != "cointally-test/1" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestPrivateRequestShape(t *testing.T) {
	t.Parallel()
	var (
		form url.Values
		hdr  http.Header
		path string
		body string
	)
	h := func(w http.ResponseWriter, r *http.Request) {
		b := readBody(t, r)
		form = verifySignature(t, r, b)
		hdr, path, body = r.Header.Clone(), r.URL.Path, string(b)
		_, _ = w.Write([]byte(`{"error":[],"result":{"ledger":{},"count":0}}`))
	}
	c, _ := setup(t, http.HandlerFunc(h), WithOTP("123 456"))
	opts := &LedgersOptions{Assets: []string{"XXBT", "ZEUR"}, Type: "deposit", Start: BoundTime(time.Unix(1688464484, 178700000)),
		End: BoundID("L4UESK-KG3EQ-UFO4T5"), Offset: 100, WithoutCount: true}
	if _, err := c.Ledgers(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if path != "/0/private/Ledgers" || !strings.HasPrefix(hdr.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("path %q content type %q", path, hdr.Get("Content-Type"))
	}
	if !strings.HasPrefix(body, "nonce=") || !strings.Contains(body, "&otp=123+456&") {
		t.Errorf("body %q: want nonce first and the otp", body)
	}
	want := map[string]string{"asset": "XXBT,ZEUR", "type": "deposit", "start": "1688464484.1787",
		"end": "L4UESK-KG3EQ-UFO4T5", "ofs": "100", "without_count": "true", "otp": "123 456"}
	for k, v := range want {
		if form.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, form.Get(k), v)
		}
	}
	if hdr.Get("User-Agent") != DefaultUserAgent {
		t.Errorf("User-Agent = %q", hdr.Get("User-Agent"))
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	t.Parallel()
	var path string
	mux := http.NewServeMux()
	mux.HandleFunc("/kraken/", func(w http.ResponseWriter, r *http.Request) {
		verifySignature(t, r, readBody(t, r)) // signs the full request path
		path = r.URL.Path
		_, _ = w.Write([]byte(`{"error":[],"result":{}}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c, err := NewClient(WithBaseURL(srv.URL+"/kraken/"), WithCredentials(testAPIKey, testPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if path != "/kraken/0/private/Balance" {
		t.Errorf("path = %q", path)
	}
}

// Concurrent private calls reach the server one at a time with increasing
// nonces, as Kraken requires.
func TestPrivateCallsSerialisedWithIncreasingNonces(t *testing.T) {
	t.Parallel()
	var (
		mu       sync.Mutex
		inFlight int
		maxIn    int
		nonces   []uint64
	)
	h := func(w http.ResponseWriter, r *http.Request) {
		form := verifySignature(t, r, readBody(t, r))
		n, _ := strconv.ParseUint(form.Get("nonce"), 10, 64)
		mu.Lock()
		inFlight++
		maxIn = max(maxIn, inFlight)
		nonces = append(nonces, n)
		mu.Unlock()
		for range 100 { // widen the window in which another request could overlap
			runtime.Gosched()
		}
		mu.Lock()
		inFlight--
		mu.Unlock()
		_, _ = w.Write([]byte(okBalance))
	}
	c, _ := setup(t, http.HandlerFunc(h), WithClock(time.Now))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10 {
				if _, err := c.Balance(context.Background()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if maxIn != 1 {
		t.Errorf("%d private requests in flight at once, want 1", maxIn)
	}
	if len(nonces) != 80 {
		t.Fatalf("%d requests", len(nonces))
	}
	for i := 1; i < len(nonces); i++ {
		if nonces[i] <= nonces[i-1] {
			t.Fatalf("nonce %d arrived after %d", nonces[i], nonces[i-1])
		}
	}
	if st := c.Stats(); st.Calls != 80 {
		t.Errorf("Stats.Calls = %d", st.Calls)
	}
}

func TestClientNonceStore(t *testing.T) {
	t.Parallel()
	store := &MemoryNonceStore{}
	c, _ := setup(t, serveJSON(t, []byte(okBalance)), WithNonceStore(store))
	if _, err := c.Balance(context.Background()); err != nil {
		t.Fatal(err)
	}
	if hw, _ := store.Load(KeyID(testAPIKey)); hw == 0 {
		t.Error("no high-water mark stored under KeyID(apiKey)")
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &script{t: t, bodies: []string{errBody("EService:Unavailable"), `{"error":["WDatabase:No change"],"result":{"ZUSD":"1"}}`}}
	c, _ := setup(t, s, WithLogger(logger), WithOTP("otp-secret-123"))
	if _, err := c.Balance(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"endpoint=Balance", "kraken: retrying", "EService:Unavailable", "WDatabase:No change"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range append(leakForms(t), "nonce=") {
		if strings.Contains(out, leak) {
			t.Errorf("log contains %q", leak)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// fixedNonces is a NonceSource handing out a fixed sequence.
type fixedNonces struct {
	mu   sync.Mutex
	next uint64
}

func (f *fixedNonces) Next() (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next++
	return f.next, nil
}

func TestSharedLimiterAndCustomNonceSource(t *testing.T) {
	t.Parallel()
	var nonces []string
	var mu sync.Mutex
	h := func(w http.ResponseWriter, r *http.Request) {
		form := verifySignature(t, r, readBody(t, r))
		mu.Lock()
		nonces = append(nonces, form.Get("nonce"))
		mu.Unlock()
		_, _ = w.Write([]byte(`{"error":[],"result":{"ledger":{},"count":0}}`))
	}
	clk := newFakeClock()
	shared := NewLimiter(Tier{"custom", 100, 1}, clk.Now)
	src := &fixedNonces{next: 41}
	c1, _ := setup(t, http.HandlerFunc(h), WithClock(clk.Now), WithSleep(clk.Sleep), WithLimiter(shared), WithHeavyCost(4), WithNonceSource(src))
	c2, _ := setup(t, http.HandlerFunc(h), WithClock(clk.Now), WithSleep(clk.Sleep), WithLimiter(shared), WithNonceSource(src))
	if c1.Limiter() != shared || c2.Limiter() != shared {
		t.Fatal("limiter not shared")
	}
	for _, c := range []*Client{c1, c2} {
		if _, err := c.Ledgers(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Both clients' calls are on one counter, at the configured heavy cost
	// (setup's WithTier applies to the shared limiter too: max 1000).
	if b := c2.Budget(); b.Counter != 8 || b.Available() != 992 {
		t.Errorf("shared budget = %+v", b)
	}
	if !slices.Equal(nonces, []string{"42", "43"}) {
		t.Errorf("nonces = %v, want the custom source's 42, 43", nonces)
	}
}

func TestRealSleepHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(canceled, 1h) = %v", err)
	}
	if err := Sleep(context.Background(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
}
