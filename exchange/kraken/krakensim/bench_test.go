package krakensim

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

var (
	benchOnce   sync.Once
	benchServer *Server
)

// benchSetup generates a 1,000,000-entry account once per test binary.
func benchSetup(b *testing.B) *Server {
	b.Helper()
	benchOnce.Do(func() {
		sc := &Scenario{Seed: 11, RateLimit: &RateLimitSpec{Max: "1000000000", DecayPerSec: "1000000"},
			Accounts: []AccountSpec{{ID: "big",
				History: &HistoryConfig{Entries: 1_000_000, From: "2015-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
				Keys:    []KeySpec{{Key: "bench", Secret: secretRO, Permissions: readOnlyPerms}}}}}
		s, err := New(sc, WithClock(newClock().Now))
		if err != nil {
			b.Fatal(err)
		}
		benchServer = s
	})
	if benchServer == nil {
		b.Fatal("setup failed")
	}
	return benchServer
}

// BenchmarkLedgersPage serves one signed Ledgers page of a 1,000,000-entry
// account through the handler (signature check, nonce, rate counter,
// paging, JSON), at the newest page, deep offsets and with filters.
func BenchmarkLedgersPage(b *testing.B) {
	s := benchSetup(b)
	a := s.Account("big")
	mid := a.Entries[len(a.Entries)/2]
	cases := []struct {
		name   string
		params url.Values
	}{
		{"ofs=0", nil},
		{"ofs=500000", vals("ofs", "500000")},
		{"ofs=999950", vals("ofs", "999950")},
		{"type=trade,ofs=100000", vals("type", "trade", "ofs", "100000")},
		{"asset=XBT,end=ID", vals("asset", "XBT", "end", mid.ID)},
		{"without_count", vals("without_count", "true")},
	}
	nonce := uint64(1)
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			// Warm the lazily built indexes; sign every request up front.
			reqs := make([][]byte, b.N+1)
			sigs := make([]string, b.N+1)
			for i := range reqs {
				nonce++
				q := url.Values{}
				for k, v := range tc.params {
					q[k] = v
				}
				q.Set("nonce", strconv.FormatUint(nonce, 10))
				reqs[i] = []byte(q.Encode())
				sigs[i] = testSign(secretRO, "/0/private/Ledgers", strconv.FormatUint(nonce, 10), reqs[i])
			}
			serve := func(i int) int {
				r := httptest.NewRequest(http.MethodPost, "/0/private/Ledgers", bytes.NewReader(reqs[i]))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				r.Header.Set("API-Key", "bench")
				r.Header.Set("API-Sign", sigs[i])
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != 200 || bytes.Contains(w.Body.Bytes()[:12], []byte(`"error":["`)) {
					b.Fatalf("%d %s", w.Code, truncate(w.Body.Bytes()))
				}
				return w.Body.Len()
			}
			size := serve(0)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 1; i <= b.N; i++ {
				serve(i)
			}
		})
	}
}
