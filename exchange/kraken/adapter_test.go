package kraken_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// Test keys: fixed secrets (base64 of 64 bytes), clearly not real keys.
var (
	secretA = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("adapter-test-secret-A..."), 3)[:64])
	secretB = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("adapter-test-secret-B???"), 3)[:64])
	secretC = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("adapter-test-secret-C!!!"), 3)[:64])
)

var (
	readOnly   = []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger"}
	withExport = append(slices.Clone(readOnly), "export-data")
)

// simEnv is a krakensim server on loopback with account "alice" and keys
// "exp" (read-only plus export), "ro" (read-only) and "led" (ledger only).
type simEnv struct {
	sim *krakensim.Server
	url string
}

func newSimEnv(t *testing.T, entries int) *simEnv {
	t.Helper()
	sc := &krakensim.Scenario{
		Seed:      11,
		RateLimit: &krakensim.RateLimitSpec{Max: "1000", DecayPerSec: "1000"},
		Accounts: []krakensim.AccountSpec{{
			ID:      "alice",
			History: &krakensim.HistoryConfig{Entries: entries, From: "2020-01-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys: []krakensim.KeySpec{
				{Key: "exp", Secret: secretA, Permissions: withExport},
				{Key: "ro", Secret: secretB, Permissions: readOnly},
				{Key: "led", Secret: secretC, Permissions: []string{"query-ledger"}},
			},
		}},
	}
	sim, err := krakensim.New(sc)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return &simEnv{sim: sim, url: ts.URL}
}

func (env *simEnv) client(t *testing.T, key, secret string) *kraken.Client {
	t.Helper()
	c, err := kraken.NewClient(kraken.WithBaseURL(env.url), kraken.WithCredentials(key, secret),
		kraken.WithTier(kraken.Tier{Name: "custom", Max: 1000, Decay: 1000}),
		kraken.WithRetryPolicy(kraken.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apiLedger walks the whole ledger through the client.
func apiLedger(t *testing.T, c *kraken.Client) []kraken.LedgerEntry {
	t.Helper()
	var all []kraken.LedgerEntry
	for page, err := range c.LedgersPager(nil).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page...)
	}
	return all
}

func TestExchangeLedgerPage(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 300)
	x := kraken.NewExchange(env.client(t, "ro", secretB), kraken.ExchangeConfig{})
	ctx := t.Context()
	p, err := x.LedgerPage(ctx, cointally.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasCount || p.Count < 250 || len(p.Entries) != 50 {
		t.Fatalf("first page: %d entries, count %d (%v)", len(p.Entries), p.Count, p.HasCount)
	}
	for i, e := range p.Entries {
		if e.Time.Location() != time.UTC || e.Source != cointally.SourceAPI || !e.HasBalance || e.ID == "" {
			t.Fatalf("entry %d: %+v", i, e)
		}
		if i > 0 && e.Time.After(p.Entries[i-1].Time) {
			t.Fatalf("entries not newest first at %d", i)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e.Raw, &m); err != nil || string(m["asset"]) != `"`+e.Asset+`"` {
			t.Fatalf("entry %s raw %s: %v", e.ID, e.Raw, err)
		}
		if !strings.Contains(string(e.Raw), `"amount":"`+e.Amount.String()) &&
			!strings.Contains(string(e.Raw), `"amount":"`) {
			t.Fatalf("raw amount missing: %s", e.Raw)
		}
	}
	// A window ending at the 10th entry, without count: the next page of
	// the same walk.
	q := cointally.PageQuery{End: cointally.BoundTime(p.Entries[9].Time), WithoutCount: true, Offset: 5}
	p2, err := x.LedgerPage(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if p2.HasCount {
		t.Error("WithoutCount page has a count")
	}
	if len(p2.Entries) == 0 || p2.Entries[0].ID != p.Entries[14].ID {
		t.Errorf("offset page starts with %v, want %s", p2.Entries[0].ID, p.Entries[14].ID)
	}
	// Trades carry their ledger links; orders their close times.
	tp, err := x.TradePage(ctx, cointally.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tp.Trades) == 0 || len(tp.Trades[0].LedgerIDs) == 0 || tp.Trades[0].Raw == nil {
		t.Fatalf("trades: %+v", tp.Trades[:min(1, len(tp.Trades))])
	}
	op, err := x.ClosedOrderPage(ctx, cointally.PageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range op.Orders {
		if o.Closed.IsZero() || i > 0 && o.Closed.After(op.Orders[i-1].Closed) {
			t.Fatalf("order %d %s closed %v", i, o.ID, o.Closed)
		}
	}
	bal, err := x.Balances(ctx)
	if err != nil || len(bal) == 0 {
		t.Fatalf("balances: %v %v", bal, err)
	}
	for _, kind := range []string{"deposit", "withdrawal"} {
		if _, err := x.Funding(ctx, cointally.FundingQuery{Kind: kind}); err != nil {
			t.Errorf("funding %s: %v", kind, err)
		}
	}
	if _, err := x.Funding(ctx, cointally.FundingQuery{Kind: "bogus"}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("funding bogus: %v", err)
	}
}

func TestExchangeErrors(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 50)
	tests := []struct {
		name       string
		key        string
		secret     string
		call       func(x *kraken.Exchange) error
		kind       cointally.Kind
		permission bool
		message    string
	}{
		{"invalid key", "nokey", secretA, ledgerCall, cointally.KindUnauthorized, false, "does not recognise this API key"},
		{"wrong private key", "ro", secretA, ledgerCall, cointally.KindUnauthorized, false, "private key does not belong"},
		{"permission denied", "led", secretC, func(x *kraken.Exchange) error {
			_, err := x.Balances(context.Background())
			return err
		}, cointally.KindUnauthorized, true, "Query Funds"},
		{"export without permission", "ro", secretB, func(x *kraken.Exchange) error {
			_, err := x.RequestLedgerExport(context.Background(), time.Time{}, time.Now(), "t")
			return err
		}, cointally.KindUnauthorized, true, "Export Data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := kraken.NewExchange(env.client(t, tt.key, tt.secret), kraken.ExchangeConfig{})
			err := tt.call(x)
			if cointally.KindOf(err) != tt.kind {
				t.Fatalf("kind %v, want %v: %v", cointally.KindOf(err), tt.kind, err)
			}
			if errors.Is(err, cointally.ErrPermissionDenied) != tt.permission {
				t.Errorf("ErrPermissionDenied = %v, want %v", !tt.permission, tt.permission)
			}
			var ce *cointally.Error
			if !errors.As(err, &ce) || !strings.Contains(ce.Message, tt.message) {
				t.Errorf("message %q lacks %q", ce.Message, tt.message)
			}
		})
	}
	t.Run("unavailable", func(t *testing.T) {
		env := newSimEnv(t, 10)
		env.sim.SetFaults(krakensim.Faults{Rate: 1, Kinds: []krakensim.FaultKind{krakensim.FaultUnavailable, krakensim.FaultHTTP520}})
		c, err := kraken.NewClient(kraken.WithBaseURL(env.url), kraken.WithCredentials("ro", secretB),
			kraken.WithRetryPolicy(kraken.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		err = ledgerCall(kraken.NewExchange(c, kraken.ExchangeConfig{}))
		if cointally.KindOf(err) != cointally.KindUnavailable {
			t.Fatalf("kind %v: %v", cointally.KindOf(err), err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		x := kraken.NewExchange(env.client(t, "ro", secretB), kraken.ExchangeConfig{})
		_, err := x.LedgerPage(ctx, cointally.PageQuery{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}

func ledgerCall(x *kraken.Exchange) error {
	_, err := x.LedgerPage(context.Background(), cointally.PageQuery{})
	return err
}

func TestExchangeCapabilities(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 10)
	c := env.client(t, "exp", secretA)
	unknown := kraken.NewExchange(c, kraken.ExchangeConfig{})
	if unknown.Permissions() != nil || !unknown.Can(cointally.CapLedger) || unknown.Can(cointally.CapExport) {
		t.Errorf("unknown permissions: %v ledger %v export %v", unknown.Permissions(),
			unknown.Can(cointally.CapLedger), unknown.Can(cointally.CapExport))
	}
	if err := unknown.LoadPermissions(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !unknown.Can(cointally.CapExport) || !slices.Contains(unknown.Permissions(), "export-data") {
		t.Errorf("after LoadPermissions: %v", unknown.Permissions())
	}
	ledgerOnly := kraken.NewExchange(c, kraken.ExchangeConfig{Permissions: []string{"query-ledger"}})
	for _, tt := range []struct {
		c    cointally.Capability
		want bool
	}{
		{cointally.CapLedger, true}, {cointally.CapWithdrawals, true}, {cointally.CapTrades, false},
		{cointally.CapOpenOrders, false}, {cointally.CapBalances, false}, {cointally.CapDeposits, false},
		{cointally.CapExport, false},
	} {
		if got := ledgerOnly.Can(tt.c); got != tt.want {
			t.Errorf("Can(%s) = %v, want %v", tt.c, got, tt.want)
		}
	}
	if d := ledgerOnly.EstimateCalls(cointally.CallLedgerPage, 1); d != 0 {
		t.Errorf("one call on an empty counter waits %v", d)
	}
}

func TestExchangeExport(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 400)
	c := env.client(t, "exp", secretA)
	x := kraken.NewExchange(c, kraken.ExchangeConfig{Permissions: withExport})
	ctx := t.Context()
	to := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	id, err := x.RequestLedgerExport(ctx, time.Time{}, to, "cointally test export")
	if err != nil {
		t.Fatal(err)
	}
	again, err := x.RequestLedgerExport(ctx, time.Time{}, to, "cointally test export")
	if err != nil || again != id {
		t.Fatalf("second request: %q %v, want the same report %q", again, err, id)
	}
	if n := env.sim.Stats().Keys["exp"].Calls["AddExport"]; n != 1 {
		t.Errorf("AddExport called %d times, want 1", n)
	}
	ready, err := x.ExportReady(ctx, id)
	if err != nil || !ready {
		t.Fatalf("ready %v %v", ready, err)
	}
	var got []cointally.Entry
	batches := 0
	err = x.RetrieveLedgerExport(ctx, id, 100, func(b []cointally.Entry) error {
		batches++
		if len(b) > 100 {
			t.Errorf("batch of %d", len(b))
		}
		got = append(got, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	api := apiLedger(t, c)
	if len(got) != len(api) || batches < len(api)/100 {
		t.Fatalf("export has %d entries in %d batches, API %d", len(got), batches, len(api))
	}
	compareWithAPI(t, got, api, cointally.SourceExport)
	// The download waits in TempDir and leaves nothing there; without a
	// usable TempDir it is read from memory.
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		x := kraken.NewExchange(c, kraken.ExchangeConfig{Permissions: withExport, TempDir: dir})
		n := 0
		if err := x.RetrieveLedgerExport(ctx, id, 0, func(b []cointally.Entry) error { n += len(b); return nil }); err != nil || n != len(api) {
			t.Fatalf("retrieve with TempDir %s: %d entries, %v", dir, n, err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("left in TempDir: %v", left)
		}
	}
	if err := x.RemoveExport(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := x.ExportReady(ctx, id); !cointally.IsNotFound(err) {
		t.Errorf("ready after remove: %v, want NotFound", err)
	}
	if err := x.RemoveExport(ctx, id); !cointally.IsNotFound(err) {
		t.Errorf("second remove: %v, want NotFound", err)
	}
	if err := x.RetrieveLedgerExport(ctx, id, 0, func([]cointally.Entry) error { return nil }); !cointally.IsNotFound(err) {
		t.Errorf("retrieve after remove: %v, want NotFound", err)
	}
}

// compareWithAPI checks that entries read from a CSV or export equal the
// API's entries with the same IDs: asset, amount, fee, balance, refid,
// type, subtype, and time to the second (the CSV's precision).
func compareWithAPI(t *testing.T, got []cointally.Entry, api []kraken.LedgerEntry, source string) {
	t.Helper()
	byID := map[string]*kraken.LedgerEntry{}
	for i := range api {
		byID[api[i].ID] = &api[i]
	}
	seen := map[string]bool{}
	for _, e := range got {
		a := byID[e.ID]
		if a == nil {
			t.Errorf("entry %s is not in the API's ledger", e.ID)
			continue
		}
		if seen[e.ID] {
			t.Errorf("entry %s read twice", e.ID)
		}
		seen[e.ID] = true
		want := kraken.EntryOf(a)
		switch {
		case e.Asset != want.Asset, !e.Amount.Equal(want.Amount), !e.Fee.Equal(want.Fee),
			!e.HasBalance, !e.Balance.Equal(want.Balance), e.RefID != want.RefID, e.Type != want.Type,
			e.Subtype != want.Subtype, !e.Time.Equal(want.Time.Truncate(time.Second)), e.Source != source,
			e.Unknown != want.Unknown:
			t.Errorf("entry %s differs:\n csv %+v\n api %+v", e.ID, short(e), short(want))
		}
	}
}

func short(e cointally.Entry) string {
	return strings.Join([]string{e.ID, e.RefID, e.Time.Format(time.RFC3339Nano), e.Type, e.Subtype, e.Asset,
		e.Wallet, e.Amount.String(), e.Fee.String(), e.Balance.String(), e.Source}, " ")
}
