package krakensim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpClient sends signed requests over a real (loopback) HTTP server.
type httpClient struct {
	t      *testing.T
	base   string
	key    string
	secret string
	nonce  uint64
	hc     *http.Client
}

type httpResult struct {
	code  int
	ctype string
	body  []byte
	err   error
}

func (c *httpClient) post(method string, params url.Values, nonce uint64) httpResult {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	ns := strconv.FormatUint(nonce, 10)
	q.Set("nonce", ns)
	body := []byte(q.Encode())
	path := "/0/private/" + method
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("API-Key", c.key)
	req.Header.Set("API-Sign", testSign(c.secret, path, ns, body))
	resp, err := c.hc.Do(req)
	if err != nil {
		return httpResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return httpResult{code: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: b, err: err}
}

func (c *httpClient) get(method string, q url.Values) httpResult {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/0/public/"+method+"?"+q.Encode(), nil)
	resp, err := c.hc.Do(req)
	if err != nil {
		return httpResult{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return httpResult{code: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: b, err: err}
}

func newHTTP(t *testing.T, s *Server, key, secret string) *httpClient {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	return &httpClient{t: t, base: ts.URL, key: key, secret: secret, nonce: 1000, hc: hc}
}

func apiErrors(b []byte) ([]string, bool) {
	var env struct {
		Error  []string        `json:"error"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, false
	}
	return env.Error, true
}

// TestFaultKinds: at rate 1.0 each kind produces its symptom, on private
// and public calls; nonces are consumed as documented.
func TestFaultKinds(t *testing.T) {
	s, clk := newTestServer(t, testScenario(60))
	c := newHTTP(t, s, "ro", secretRO)
	good := c.post("Balance", nil, 1)
	if good.err != nil || good.code != 200 {
		t.Fatalf("fault-free call: %+v", good)
	}
	nonce := uint64(10)
	tests := []struct {
		kind          FaultKind
		check         func(t *testing.T, r httpResult)
		nonceConsumed bool
	}{
		{FaultHTTP520, func(t *testing.T, r httpResult) {
			if r.err != nil || r.code != 520 || !strings.HasPrefix(r.ctype, "text/html") || !bytes.Contains(r.body, []byte("<html")) {
				t.Errorf("got %d %q %q %v", r.code, r.ctype, truncate(r.body), r.err)
			}
		}, false},
		{FaultHTTP502, func(t *testing.T, r httpResult) {
			if r.err != nil || r.code != 502 || !bytes.Contains(r.body, []byte("Bad gateway")) {
				t.Errorf("got %d %q %v", r.code, truncate(r.body), r.err)
			}
		}, false},
		{FaultDrop, func(t *testing.T, r httpResult) {
			if r.err == nil {
				t.Errorf("dropped connection gave a response: %d %s", r.code, truncate(r.body))
			}
		}, false},
		{FaultUnavailable, func(t *testing.T, r httpResult) {
			if errs, ok := apiErrors(r.body); r.code != 200 || !ok || len(errs) != 1 || errs[0] != "EService:Unavailable" {
				t.Errorf("got %d %s", r.code, r.body)
			}
		}, true},
		{FaultBusy, func(t *testing.T, r httpResult) {
			if errs, ok := apiErrors(r.body); r.code != 200 || !ok || len(errs) != 1 || errs[0] != "EService:Busy" {
				t.Errorf("got %d %s", r.code, r.body)
			}
		}, true},
		{FaultInternal, func(t *testing.T, r httpResult) {
			if errs, ok := apiErrors(r.body); r.code != 200 || !ok || len(errs) != 1 || errs[0] != "EGeneral:Internal error" {
				t.Errorf("got %d %s", r.code, r.body)
			}
		}, true},
		{FaultTruncated, func(t *testing.T, r httpResult) {
			if r.err != nil || r.code != 200 || json.Valid(r.body) || len(r.body) == 0 {
				t.Errorf("got %d valid=%v %q %v", r.code, json.Valid(r.body), truncate(r.body), r.err)
			}
		}, true},
		{FaultSlow, func(t *testing.T, r httpResult) {
			if errs, ok := apiErrors(r.body); r.code != 200 || !ok || len(errs) != 0 {
				t.Errorf("got %d %s", r.code, r.body)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			s.SetFaults(Faults{Rate: 1, Kinds: []FaultKind{tt.kind}, Seed: 3})
			clk.mu.Lock()
			clk.slept = 0
			clk.mu.Unlock()
			nonce++
			r := c.post("Balance", nil, nonce)
			tt.check(t, r)
			if tt.kind == FaultTruncated && !bytes.HasPrefix(good.body, r.body) {
				t.Errorf("truncated body is not a prefix of the real answer: %q", r.body)
			}
			pub := c.get("Time", nil)
			if tt.kind != FaultTruncated {
				tt.check(t, pub)
			}
			if tt.kind == FaultSlow {
				clk.mu.Lock()
				slept := clk.slept
				clk.mu.Unlock()
				if slept < 100*time.Millisecond || slept > 400*time.Millisecond {
					t.Errorf("slept %v for two slow calls, want 2 x 50..200ms", slept)
				}
			}
			// Retry the same nonce without faults.
			s.SetFaults(Faults{})
			retry := c.post("Balance", nil, nonce)
			errs, _ := apiErrors(retry.body)
			consumed := len(errs) == 1 && errs[0] == "EAPI:Invalid nonce"
			if consumed != tt.nonceConsumed {
				t.Errorf("nonce consumed = %v, want %v (retry: %s)", consumed, tt.nonceConsumed, retry.body)
			}
			if !consumed && !bytes.Equal(retry.body, good.body) {
				t.Errorf("retry after fault: %s", truncate(retry.body))
			}
		})
	}
	if st := s.Stats(); st.Faults[string(FaultHTTP520)] != 2 || st.Keys["ro"].Faults[string(FaultBusy)] != 1 {
		t.Errorf("fault stats: %v %v", st.Faults, st.Keys["ro"].Faults)
	}
}

// TestFaultRetryIdentical: at rate 0.1 (all kinds, slow ones without real
// sleeping), a client that retries until success reads exactly the data of a
// fault-free run.
func TestFaultRetryIdentical(t *testing.T) {
	fetchAll := func(s *Server) (pages [][]byte, attempts int) {
		c := newHTTP(t, s, "ro", secretRO)
		do := func(method string, q url.Values) []byte {
			for try := 0; try < 40; try++ {
				attempts++
				c.nonce++
				r := c.post(method, q, c.nonce)
				if r.err != nil || r.code != 200 || !json.Valid(r.body) {
					continue
				}
				if errs, _ := apiErrors(r.body); len(errs) > 0 {
					if strings.HasPrefix(errs[0], "EService:") || errs[0] == "EGeneral:Internal error" {
						continue
					}
					t.Fatalf("%s: %v", method, errs)
				}
				return r.body
			}
			t.Fatalf("%s %v: no success in 40 attempts", method, q)
			return nil
		}
		pages = append(pages, do("Balance", nil))
		for ofs := 0; ; ofs += 50 {
			b := do("Ledgers", vals("ofs", strconv.Itoa(ofs)))
			pages = append(pages, b)
			if bytes.Contains(b, []byte(`"ledger":{}`)) {
				break
			}
		}
		pages = append(pages, do("TradesHistory", nil))
		return pages, attempts
	}
	clean, _ := newTestServer(t, testScenario(300))
	want, n := fetchAll(clean)

	sc := testScenario(300)
	sc.Faults = &FaultSpec{Rate: "0.1"}
	faulty, _ := newTestServer(t, sc)
	got, attempts := fetchAll(faulty)
	if len(got) != len(want) {
		t.Fatalf("%d pages, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("page %d differs", i)
		}
	}
	injected := 0
	for _, v := range faulty.Stats().Faults {
		injected += v
	}
	if injected == 0 || attempts <= n {
		t.Errorf("no faults injected (%d attempts, %d clean)", attempts, n)
	}
	t.Logf("%d calls, %d attempts, %d faults injected", n, attempts, injected)
}
