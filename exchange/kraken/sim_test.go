package kraken_test

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
)

// These tests run the client against the emulator, an independent
// implementation of Kraken's API: a signing, nonce, paging or decoding bug
// cannot hide on both sides.

func simSecret(label string) string {
	sum := sha512.Sum512([]byte("kraken client sim test " + label))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func newSim(t *testing.T, rl *krakensim.RateLimitSpec, entries int) (*krakensim.Server, string) {
	t.Helper()
	sc := &krakensim.Scenario{
		Seed:      3,
		RateLimit: rl,
		Accounts: []krakensim.AccountSpec{{
			ID:      "alice",
			History: &krakensim.HistoryConfig{Entries: entries, From: "2021-01-01T00:00:00Z", To: "2025-01-01T00:00:00Z"},
			Keys: []krakensim.KeySpec{{Key: "sim-key", Secret: simSecret("sim-key"),
				Permissions: []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger"}}},
		}},
	}
	sim, err := krakensim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL
}

func TestAgainstSimFullLedgerAndBalances(t *testing.T) {
	t.Parallel()
	sim, url := newSim(t, &krakensim.RateLimitSpec{Max: "1000", DecayPerSec: "1000"}, 700)
	c, err := kraken.NewClient(kraken.WithBaseURL(url), kraken.WithCredentials("sim-key", simSecret("sim-key")), kraken.WithTier(kraken.Tier{Name: "custom", Max: 1000, Decay: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	p := c.LedgersPager(nil)
	ids := map[string]bool{}
	for page, err := range p.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			if ids[e.ID] {
				t.Fatalf("duplicate %s", e.ID)
			}
			ids[e.ID] = true
		}
	}
	acct := sim.Account("alice")
	acct.Mu.RLock()
	want := len(acct.Entries)
	for _, e := range acct.Entries {
		if !ids[e.ID] {
			t.Errorf("entry %s missing from the walk", e.ID)
		}
	}
	simBal := acct.Balances()
	acct.Mu.RUnlock()
	if len(ids) != want {
		t.Fatalf("walked %d entries, the account has %d", len(ids), want)
	}
	if n, ok := p.Count(); !ok || n != want {
		t.Errorf("count = %d (%v), want %d", n, ok, want)
	}
	bal, err := c.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for asset, v := range simBal {
		info, _ := krakensim.AssetByID(asset)
		if got := bal[asset]; !got.Equal(money.MustParse(krakensim.FormatFixed(v, info.Decimals))) {
			t.Errorf("balance %s = %s, want %s", asset, got, krakensim.FormatFixed(v, info.Decimals))
		}
	}
}

// The server's tier is tighter than the client assumes: Kraken refuses a
// call, the client backs off by its counter model, lowers the tier and
// completes every call.
func TestAgainstSimRateLimitRecovery(t *testing.T) {
	t.Parallel()
	sim, url := newSim(t, &krakensim.RateLimitSpec{Max: "6", DecayPerSec: "20", HeavyCost: "2"}, 120)
	c, err := kraken.NewClient(kraken.WithBaseURL(url), kraken.WithCredentials("sim-key", simSecret("sim-key")),
		kraken.WithTier(kraken.Tier{Name: "custom", Max: 40, Decay: 100}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	for i := range 12 {
		if _, err := c.Ledgers(ctx, &kraken.LedgersOptions{Offset: 50 * (i % 2)}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := c.Stats()
	if st.RateLimited == 0 || st.Downgrades == 0 {
		t.Errorf("stats = %+v: want at least one rate-limit error and a lowered tier", st)
	}
	if n := sim.Stats().Keys["sim-key"].Calls["Ledgers"]; n < 12 {
		t.Errorf("server saw %d Ledgers calls", n)
	}
	if n := sim.Stats().Keys["sim-key"].Errors["EAPI:Rate limit exceeded"]; int64(n) != st.RateLimited {
		t.Errorf("server counted %d rate-limit errors, client %d", n, st.RateLimited)
	}
}

// A client that follows the right tier is never refused.
func TestAgainstSimNoRateLimitAtRightTier(t *testing.T) {
	t.Parallel()
	sim, url := newSim(t, &krakensim.RateLimitSpec{Max: "6", DecayPerSec: "20", HeavyCost: "2"}, 120)
	c, err := kraken.NewClient(kraken.WithBaseURL(url), kraken.WithCredentials("sim-key", simSecret("sim-key")),
		kraken.WithTier(kraken.Tier{Name: "custom", Max: 6, Decay: 20}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := c.Ledgers(t.Context(), nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := sim.Stats().Keys["sim-key"].Errors["EAPI:Rate limit exceeded"]; n != 0 {
		t.Errorf("%d rate-limit errors at the right tier", n)
	}
}

func TestAgainstSimWrongSecret(t *testing.T) {
	t.Parallel()
	_, url := newSim(t, nil, 50)
	c, err := kraken.NewClient(kraken.WithBaseURL(url), kraken.WithCredentials("sim-key", simSecret("other")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Balance(t.Context())
	if !errors.Is(err, kraken.ErrInvalidSignature) {
		t.Fatalf("err = %v, want ErrInvalidSignature", err)
	}
}
