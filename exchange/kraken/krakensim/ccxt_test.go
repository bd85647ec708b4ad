package krakensim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The ccxt release the conformance check pins.
const ccxtVersion = "4.5.84"

// ccxtDir installs ccxt from npm into the user cache (once) and returns
// the directory holding node_modules/ccxt.
func ccxtDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("COINTALLY_SKIP_CCXT") == "1" {
		t.Skip("COINTALLY_SKIP_CCXT=1")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the ccxt conformance test needs %s on PATH (install Node.js and npm, "+
				"or set COINTALLY_SKIP_CCXT=1 to skip it): %v", tool, err)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "cointally-test", "ccxt-"+ccxtVersion)
	pkg := filepath.Join(dir, "node_modules", "ccxt", "package.json")
	if b, err := os.ReadFile(pkg); err == nil && strings.Contains(string(b), `"version": "`+ccxtVersion+`"`) {
		return dir
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--prefix", dir, "ccxt@"+ccxtVersion)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install ccxt@%s: %v\n%s", ccxtVersion, err, out)
	}
	return dir
}

// TestCCXT runs ccxt's kraken class against the emulator over loopback
// HTTP and compares what it read with the account's truth.
func TestCCXT(t *testing.T) {
	dir := ccxtDir(t)
	s, _ := newTestServer(t, testScenario(600))
	ts := httptest.NewServer(s)
	defer ts.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/ccxt_check.js", dir, ts.URL, "ro", secretRO)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("ccxt check timed out; stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("ccxt check: %v\nstderr:\n%s", err, stderr.String())
	}
	var res struct {
		Balance map[string]struct {
			Balance   string `json:"balance"`
			HoldTrade string `json:"hold_trade"`
		} `json:"balance"`
		Ledger []struct {
			ID   string         `json:"id"`
			Info map[string]any `json:"info"`
		} `json:"ledger"`
		Trades []struct {
			ID   string         `json:"id"`
			Info map[string]any `json:"info"`
		} `json:"trades"`
		LedgerPages int             `json:"ledgerPages"`
		TradePages  int             `json:"tradePages"`
		OHLCV       [][]json.Number `json:"ohlcv"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ccxt output: %v\n%s", err, truncate(out))
	}
	a := s.Account("alice")

	// Balance: exact strings.
	for asset, v := range a.Balances() {
		if got := res.Balance[asset].Balance; got != FormatFixed(v, s.assetDecimals(asset)) {
			t.Errorf("fetchBalance %s = %q, want %s", asset, got, FormatFixed(v, s.assetDecimals(asset)))
		}
	}

	// Ledger: every entry once, with the exact strings.
	if len(res.Ledger) != len(a.Entries) || res.LedgerPages != (len(a.Entries)+49)/50 {
		t.Errorf("fetchLedger: %d entries in %d pages, want %d", len(res.Ledger), res.LedgerPages, len(a.Entries))
	}
	seen := map[string]bool{}
	sums := map[string]int64{}
	for _, e := range res.Ledger {
		i, ok := a.EntryIndex[e.ID]
		if !ok || seen[e.ID] {
			t.Fatalf("fetchLedger: unknown or repeated entry %s", e.ID)
		}
		seen[e.ID] = true
		want := a.Entries[i]
		dec := s.assetDecimals(want.Asset)
		if e.Info["amount"] != FormatFixed(want.Amount, dec) || e.Info["fee"] != FormatFixed(want.Fee, dec) ||
			e.Info["balance"] != FormatFixed(want.Balance, dec) || e.Info["asset"] != want.Asset || e.Info["refid"] != want.RefID {
			t.Errorf("entry %s: info %v, want %+v", e.ID, e.Info, want)
		}
		amt, ok1 := parseSigned(e.Info["amount"].(string), dec)
		fee, ok2 := parseSigned(e.Info["fee"].(string), dec) // a failed withdrawal refunds its fee
		if !ok1 || !ok2 {
			t.Fatalf("entry %s: amounts %v", e.ID, e.Info)
		}
		sums[want.Asset] += amt - fee
	}
	for asset, v := range a.Balances() {
		if sums[asset] != v {
			t.Errorf("sum of %s amounts - fees = %d, balance %d", asset, sums[asset], v)
		}
	}

	// Trades: every fill once, with the exact strings.
	if len(res.Trades) != len(a.Trades) {
		t.Errorf("fetchMyTrades: %d trades, want %d", len(res.Trades), len(a.Trades))
	}
	seen = map[string]bool{}
	for _, tr := range res.Trades {
		i, ok := a.TradeIndex[tr.ID]
		if !ok || seen[tr.ID] {
			t.Fatalf("fetchMyTrades: unknown or repeated trade %s", tr.ID)
		}
		seen[tr.ID] = true
		want := a.Trades[i]
		_, pd, ld, qd := s.pairDecimals(want.Pair)
		if tr.Info["price"] != FormatFixed(want.Price, pd) || tr.Info["vol"] != FormatFixed(want.Vol, ld) ||
			tr.Info["cost"] != FormatFixed(want.Cost, qd) || tr.Info["pair"] != want.Pair {
			t.Errorf("trade %s: info %v", tr.ID, tr.Info)
		}
	}

	if len(res.OHLCV) == 0 || len(res.OHLCV) > 720 || len(res.OHLCV[0]) != 6 {
		t.Errorf("fetchOHLCV: %d rows", len(res.OHLCV))
	}
	st := s.Stats().Keys["ro"]
	if st.Calls["Ledgers"] != res.LedgerPages+1 || st.Calls["BalanceEx"] != 1 {
		t.Errorf("server saw calls %v", st.Calls)
	}
}

// parseSigned parses a possibly negative decimal into 10^-places units.
func parseSigned(s string, places int) (int64, bool) {
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		v, ok := parseAmount(rest, places)
		return -v, ok
	}
	return parseAmount(s, places)
}
