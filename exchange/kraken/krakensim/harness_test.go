package krakensim

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Test fixtures: fixed secrets (base64 of 64 bytes), clearly not real keys.
var (
	secretFull = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("cointally-test-secret-A!"), 3)[:64])
	secretRO   = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("cointally-test-secret-B?"), 3)[:64])
	secretMisc = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x5a, 0xa5, 0x3c}, 22)[:64])
)

var allPerms = permNames[:]

var readOnlyPerms = []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger"}

// simNow is the fake clock's start: just after the generated history.
var simNow = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for Server.Now and Server.Sleep.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: simNow} }

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

func (c *fakeClock) Sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept += d
}

// testScenario is a small scenario: account alice with a generated history
// and keys "full" (every permission), "ro" (the tracker's read-only set),
// plus account bob with an empty history.
func testScenario(entries int) *Scenario {
	return &Scenario{
		Seed:      7,
		RateLimit: &RateLimitSpec{Max: "1000000", DecayPerSec: "1000"},
		Accounts: []AccountSpec{
			{ID: "alice",
				History: &HistoryConfig{Entries: entries, From: "2020-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
				Keys: []KeySpec{
					{Key: "full", Secret: secretFull, Permissions: allPerms},
					{Key: "ro", Secret: secretRO, Permissions: readOnlyPerms},
				}},
			{ID: "bob", Keys: []KeySpec{{Key: "bob", Secret: secretMisc, Permissions: readOnlyPerms}}},
		},
	}
}

// scenarioCache shares generated servers' scenarios between tests: New is
// cheap for small histories, but not free.
func newTestServer(t testing.TB, sc *Scenario) (*Server, *fakeClock) {
	t.Helper()
	clk := newClock()
	s, err := New(sc, WithClock(clk.Now), WithSleep(clk.Sleep), WithLogf(t.Logf))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, clk
}

// client signs requests with its own implementation of Kraken's scheme.
type client struct {
	t      testing.TB
	h      http.Handler
	key    string
	secret string
	nonce  uint64
	remote string
	otp    string
}

func newClient(t testing.TB, h http.Handler, key, secret string) *client {
	return &client{t: t, h: h, key: key, secret: secret, nonce: 1_000_000, remote: "192.0.2.10:4321"}
}

func testSign(secret, path string, nonce string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(secret)
	if err != nil {
		panic(err)
	}
	h := sha256.Sum256(append([]byte(nonce), body...))
	m := hmac.New(sha512.New, key)
	m.Write([]byte(path))
	m.Write(h[:])
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (c *client) nextNonce() string {
	c.nonce++
	return strconv.FormatUint(c.nonce, 10)
}

// request builds a signed form request; tamper may alter the body after
// signing.
func (c *client) request(method string, params url.Values, tamper func([]byte) []byte) *http.Request {
	cp := url.Values{}
	for k, v := range params {
		cp[k] = append([]string(nil), v...)
	}
	params = cp
	nonce := c.nextNonce()
	if _, ok := params["nonce"]; !ok {
		params.Set("nonce", nonce)
	} else {
		nonce = params.Get("nonce")
	}
	if c.otp != "" {
		params.Set("otp", c.otp)
	}
	body := []byte(params.Encode())
	path := "/0/private/" + method
	sig := testSign(c.secret, path, nonce, body)
	if tamper != nil {
		body = tamper(append([]byte(nil), body...))
	}
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("API-Key", c.key)
	r.Header.Set("API-Sign", sig)
	r.RemoteAddr = c.remote
	return r
}

func (c *client) do(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	return w
}

// call performs a signed private call and returns the decoded envelope.
func (c *client) call(method string, params url.Values) envelopeT {
	c.t.Helper()
	w := c.do(c.request(method, params, nil))
	return decodeEnvelope(c.t, w.Code, w.Body.Bytes())
}

// result performs a call that must succeed and returns its raw result.
func (c *client) result(method string, params url.Values) json.RawMessage {
	c.t.Helper()
	env := c.call(method, params)
	if len(env.Error) > 0 {
		c.t.Fatalf("%s %v: error %v", method, params, env.Error)
	}
	return env.Result
}

// apiError performs a call that must fail and returns its one error.
func (c *client) apiError(method string, params url.Values) string {
	c.t.Helper()
	env := c.call(method, params)
	if len(env.Error) != 1 || env.Result != nil {
		c.t.Fatalf("%s %v: want one error and no result, got %+v", method, params, env)
	}
	return env.Error[0]
}

type envelopeT struct {
	Error  []string        `json:"error"`
	Result json.RawMessage `json:"result"`
}

func decodeEnvelope(t testing.TB, code int, body []byte) envelopeT {
	t.Helper()
	if code != http.StatusOK {
		t.Fatalf("HTTP %d: %s", code, body)
	}
	var env envelopeT
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("decoding %q: %v", truncate(body), err)
	}
	if env.Error == nil {
		t.Fatalf("envelope without error array: %s", truncate(body))
	}
	return env
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// public performs a GET public call.
func public(t testing.TB, h http.Handler, method string, q url.Values) envelopeT {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/0/public/"+method+"?"+q.Encode(), nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return decodeEnvelope(t, w.Code, w.Body.Bytes())
}

// objectKeys returns the keys of a JSON object in text order.
func objectKeys(t testing.TB, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", truncate(raw))
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func mustJSON(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decoding %s: %v", truncate(raw), err)
	}
}
