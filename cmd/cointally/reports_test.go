package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/report"
	"github.com/cointally/cointally/sqlstore"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/")

// reportEpoch is the reports' "now": two weeks after the test history
// ends, at noon (UTC), so the candle window and today's date are fixed.
// The candle window then starts on 2023-07-26: older days (from March
// 2023) are priced from public trades.
var reportEpoch = time.Date(2025, 7, 15, 12, 0, 0, 0, time.UTC)

// reportHarness is a harness whose emulator and commands share a clock that
// starts at reportEpoch and runs at real speed (so rate limits decay), which
// makes the market data, the candle window and so the reports stable.
type reportHarness struct {
	*harness
	now func() time.Time
}

func newReportHarness(t *testing.T) *reportHarness { return newReportHarnessFrom(t, "") }

// newReportHarnessFrom starts from a copy of the data directory template
// (when not empty), with an emulator of its own.
func newReportHarnessFrom(t *testing.T, template string) *reportHarness {
	t.Helper()
	start := time.Now()
	now := func() time.Time { return reportEpoch.Add(time.Since(start)) }
	yes := true
	sc := &krakensim.Scenario{
		Seed:          7,
		RateLimit:     &krakensim.RateLimitSpec{Max: "100", DecayPerSec: "100"},
		GetAPIKeyInfo: &yes,
		Accounts: []krakensim.AccountSpec{
			{ID: "alice", History: &krakensim.HistoryConfig{Entries: 300, From: "2023-03-01T00:00:00Z", To: "2025-06-30T00:00:00Z"}},
		},
	}
	for _, k := range testKeys {
		if k.account == "alice" {
			spec := k.spec
			spec.Secret = secretOf(spec.Key)
			sc.Accounts[0].Keys = append(sc.Accounts[0].Keys, spec)
		}
	}
	sim, err := krakensim.New(sc, krakensim.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	h := &harness{t: t, sim: sim, srv: srv, dataDir: t.TempDir()}
	if err := os.Chmod(h.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if template != "" {
		if err := os.CopyFS(h.dataDir, os.DirFS(template)); err != nil {
			t.Fatal(err)
		}
	}
	h.vars = map[string]string{"COINTALLY_KRAKEN_URL": srv.URL, "COINTALLY_DATA_DIR": h.dataDir, "HOME": t.TempDir()}
	return &reportHarness{harness: h, now: now}
}

// run runs one command with the harness clock.
func (h *reportHarness) run(args ...string) (string, string, int) {
	h.t.Helper()
	var stdout, stderr bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:          func(k string) string { return h.vars[k] },
		stdinIsTerminal: func() bool { return false },
		readPassword:    func() ([]byte, error) { return nil, errors.New("no terminal in tests") },
		now:             h.now,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	code := exitCode(run(ctx, args, e), &stderr)
	return stdout.String(), stderr.String(), code
}

func (h *reportHarness) mustRun(args ...string) string {
	h.t.Helper()
	out, errOut, code := h.run(args...)
	if code != 0 {
		h.t.Fatalf("cointally %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// synced connects alice and imports her history.
func (h *reportHarness) synced() {
	h.t.Helper()
	out, errOut, code := h.harness.run(keyInput("alice-read-only-key-0001"), "account", "add", "kraken", "--name", "alice", "--tier", "100:100")
	if code != 0 {
		h.t.Fatalf("account add: %d\n%s\n%s", code, out, errOut)
	}
	h.mustRun("sync")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/cointally -run Reports -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run go test ./cmd/cointally -run Reports -update and review the diff):\n%s", name, got)
	}
}

// TestReports runs every report on a store filled by a sync against the
// emulator, with prices fetched from its public market data, and compares
// them with golden files. The subtests start from copies of that store.
func TestReports(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	h.synced()
	fast := []string{"--request-interval", "0"}
	cmd := func(args ...string) []string { return append(args, fast...) }

	// The first report fetches market data: recent days from daily
	// candles, older ones from public trades.
	first := h.mustRun(cmd("gains", "--year", "2024", "--json")...)
	stats := h.sim.Stats()
	if stats.Public["OHLC"] == 0 || stats.Public["Trades"] == 0 {
		t.Errorf("public calls %v: want daily candles (recent days) and trades (older days)", stats.Public)
	}
	h.mustRun(cmd("income", "--year", "2024")...)
	h.mustRun(cmd("holdings")...)
	template := h.dataDir

	t.Run("outputs", func(t *testing.T) {
		t.Parallel()
		testReportOutputs(t, newReportHarnessFrom(t, template), first)
	})
	t.Run("quarantine", func(t *testing.T) {
		t.Parallel()
		testQuarantineBanner(t, newReportHarnessFrom(t, template))
	})
	t.Run("prices-import", func(t *testing.T) {
		t.Parallel()
		testPricesImport(t, newReportHarnessFrom(t, template))
	})
	t.Run("settings", func(t *testing.T) {
		t.Parallel()
		testReportSettings(t, newReportHarnessFrom(t, template))
	})
}

// testReportSettings: the stored currency and method are the reports'
// defaults, flags win over them, and income follows the UK tax year when
// asked or when the method setting is uk.
func testReportSettings(t *testing.T, h *reportHarness) {
	fast := "--request-interval=0"
	type head struct {
		Method   string `json:"method"`
		Currency string `json:"currency"`
		Gain     string `json:"gain"`
		From     string `json:"from"`
		To       string `json:"to"`
		Total    string `json:"total"`
	}
	parse := func(out string) head {
		t.Helper()
		var v head
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v in %.200s", err, out)
		}
		return v
	}
	defaults := parse(h.mustRun("gains", "--year", "2024", "--json", fast))
	usd := parse(h.mustRun("gains", "--year", "2024", "--json", "--currency", "USD", "--method", "hifo", fast))
	if defaults.Method != "fifo" || defaults.Currency != "EUR" || usd.Currency != "USD" || usd.Method != "hifo" {
		t.Fatalf("before settings: %+v and %+v", defaults, usd)
	}
	var shown map[string]string
	if err := json.Unmarshal([]byte(h.mustRun("settings", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown["currency"] != "EUR" || shown["method"] != "fifo" || shown["sync_interval"] != "15m0s" {
		t.Fatalf("default settings = %v", shown)
	}
	h.mustRun("settings", "set", "currency", "usd")
	h.mustRun("settings", "set", "method", "HIFO")
	got := parse(h.mustRun("gains", "--year", "2024", "--json", fast))
	if got != usd {
		t.Errorf("gains with currency and method settings = %+v, want as with the flags %+v", got, usd)
	}
	flags := parse(h.mustRun("gains", "--year", "2024", "--json", "--currency", "EUR", "--method", "fifo", fast))
	if flags != defaults {
		t.Errorf("flags over settings = %+v, want %+v", flags, defaults)
	}
	if _, errOut, code := h.run("settings", "set", "method", "acb"); code == 0 || !strings.Contains(errOut, "fifo, lifo, hifo, average or uk") {
		t.Errorf("a bad method: exit %d, %q", code, errOut)
	}
	if _, errOut, code := h.run("settings", "set", "colour", "blue"); code == 0 || !strings.Contains(errOut, "no setting") {
		t.Errorf("an unknown setting: exit %d, %q", code, errOut)
	}

	calendar := parse(h.mustRun("income", "--year", "2024", "--json", fast))
	uk := parse(h.mustRun("income", "--year", "2024", "--json", "--period", "uk", fast))
	if !strings.HasPrefix(calendar.From, "2024-01-01T00:00:00") || !strings.HasPrefix(calendar.To, "2025-01-01T00:00:00") {
		t.Errorf("calendar income from %s to %s", calendar.From, calendar.To)
	}
	// 6 April in London is 5 April 23:00 UTC (summer time).
	if !strings.HasPrefix(uk.From, "2024-04-05T23:00:00") || !strings.HasPrefix(uk.To, "2025-04-05T23:00:00") {
		t.Errorf("UK tax year income from %s to %s", uk.From, uk.To)
	}
	h.mustRun("settings", "set", "method", "uk")
	if byMethod := parse(h.mustRun("income", "--year", "2024", "--json", fast)); byMethod != uk {
		t.Errorf("income with the uk method setting = %+v, want the UK tax year %+v", byMethod, uk)
	}
	h.mustRun("settings", "unset", "method")
	if back := parse(h.mustRun("income", "--year", "2024", "--json", fast)); back.From != calendar.From || back.To != calendar.To {
		t.Errorf("after unsetting the method, income runs from %s to %s, want the calendar year", back.From, back.To)
	}
	if _, errOut, code := h.run("income", "--year", "2024", "--period", "fiscal"); code == 0 || !strings.Contains(errOut, "calendar or uk") {
		t.Errorf("a bad period: exit %d, %q", code, errOut)
	}
}

// testReportOutputs checks the reports' contracts and golden files; first
// is gains --year 2024 --json as the run that fetched the prices printed it.
func testReportOutputs(t *testing.T, h *reportHarness, first string) {
	fast := []string{"--request-interval", "0"}
	cmd := func(args ...string) []string { return append(args, fast...) }

	// gains --json: the contract's fields, the same with a warm cache.
	out := h.mustRun(cmd("gains", "--year", "2024", "--json")...)
	if out != first {
		t.Errorf("gains with a warm cache differ from the first run's")
	}
	var g struct {
		Year      int    `json:"year"`
		Method    string `json:"method"`
		Currency  string `json:"currency"`
		Proceeds  string `json:"proceeds"`
		Cost      string `json:"cost"`
		Gain      string `json:"gain"`
		Disposals []map[string]any
	}
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	if g.Year != 2024 || g.Method != "fifo" || g.Currency != "EUR" || len(g.Disposals) == 0 {
		t.Fatalf("gains --json = %+v", g)
	}
	proceeds, cost, gain := money.MustParse(g.Proceeds), money.MustParse(g.Cost), money.MustParse(g.Gain)
	if !proceeds.Sub(cost).Equal(gain) {
		t.Errorf("proceeds %s − cost %s ≠ gain %s", proceeds, cost, gain)
	}
	for _, d := range g.Disposals {
		for _, f := range []string{"asset", "quantity", "acquired", "disposed", "proceeds", "cost", "gain", "term", "rule", "ledger_ids"} {
			if _, ok := d[f]; !ok {
				t.Fatalf("disposal lacks %q: %v", f, d)
			}
		}
		if ids := d["ledger_ids"].([]any); len(ids) == 0 {
			t.Errorf("disposal without ledger IDs: %v", d)
		}
	}
	golden(t, "alice-gains-2024-fifo.json", out)
	// Everything this report needs is cached now: offline gives the same
	// report, and the online run asked for no market data but the pairs.
	if again := h.mustRun(cmd("gains", "--year", "2024", "--json", "--offline")...); again != out {
		t.Errorf("offline gains differ from the online ones")
	}
	if p := h.sim.Stats().Public; p["OHLC"] != 0 || p["Trades"] != 0 {
		t.Errorf("runs with a warm cache fetched market data: %v", p)
	}
	golden(t, "alice-gains-2024-fifo.txt", h.mustRun(cmd("gains", "--year", "2024")...))
	uk := h.mustRun(cmd("gains", "--year", "2024", "--method", "uk", "--json")...)
	if !strings.Contains(uk, `"from": "2024-04-05T23:00:00Z"`) || !strings.Contains(uk, `"period": "2024-25"`) {
		t.Errorf("uk gains do not cover the tax year from 6 April 2024 (London):\n%.400s", uk)
	}
	golden(t, "alice-gains-2024-uk.json", uk)
	golden(t, "alice-gains-2024-8949.csv", h.mustRun(cmd("gains", "--year", "2024", "--csv", "8949", "--currency", "USD")...))
	golden(t, "alice-gains-2024-audit.csv", h.mustRun(cmd("gains", "--year", "2024", "--csv", "audit")...))
	golden(t, "alice-gains-uk-summary.csv", h.mustRun(cmd("gains", "--csv", "uk")...))
	golden(t, "alice-gains-2024-compare.txt", h.mustRun(cmd("gains", "--year", "2024", "--compare")...))
	golden(t, "alice-income-2024.json", h.mustRun(cmd("income", "--year", "2024", "--json")...))
	golden(t, "alice-income-2024.csv", h.mustRun(cmd("income", "--year", "2024", "--csv")...))
	golden(t, "alice-holdings.json", h.mustRun(cmd("holdings", "--json")...))
}

// testQuarantineBanner puts an entry of an unknown type into a synced
// store: every report it can affect says so at the top, with its value.
func testQuarantineBanner(t *testing.T, h *reportHarness) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(h.dataDir, "cointally.db"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.EnsureLocalUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	acct, err := st.Account(ctx, u.ID, "alice")
	if err != nil {
		t.Fatal(err)
	}
	unknown := cointally.Entry{ID: "LQUAR1-TEST0-AAAAAA", RefID: "NFT123-TEST0-BBBBBB", Time: time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC),
		Type: "nfttrade", Aclass: "currency", Asset: "XETH", Amount: money.MustParse("-0.5"), Fee: money.MustParse("0"),
		Source: cointally.SourceCSV, Raw: []byte(`{}`), Unknown: true}
	if _, err := st.PutEntries(ctx, acct.ID, []cointally.Entry{unknown}, nil); err != nil {
		t.Fatal(err)
	}
	st.Close()
	// The first run fetches the price of the quarantined group's day; the
	// others find all they need in the cache.
	fast := "--offline"
	for _, tc := range []struct {
		args   []string
		banner bool
	}{
		{[]string{"gains", "--year", "2024", "--request-interval=0"}, true},
		{[]string{"gains", "--year", "2025", fast}, true},
		{[]string{"gains", "--year", "2023", fast}, false},
		{[]string{"income", "--year", "2024", fast}, true},
		{[]string{"income", "--year", "2025", fast}, false},
		{[]string{"holdings", fast}, true},
		{[]string{"gains", "--year", "2024", "--compare", fast}, true},
	} {
		out := h.mustRun(tc.args...)
		has := strings.HasPrefix(out, "WARNING: 1 unclassified ledger group worth about ") && strings.Contains(out, "NFT123-TEST0-BBBBBB")
		if has != tc.banner {
			t.Errorf("%v: banner %v, want %v:\n%.600s", tc.args, has, tc.banner, out)
		}
		if has && !strings.Contains(strings.SplitN(out, "\n", 2)[0], " EUR is not in this report") {
			t.Errorf("%v: the banner lacks the value: %q", tc.args, strings.SplitN(out, "\n", 2)[0])
		}
	}
	var g struct {
		Unclassified struct {
			Count  int    `json:"count"`
			Value  string `json:"value"`
			Groups []struct {
				RefID     string   `json:"refid"`
				LedgerIDs []string `json:"ledger_ids"`
			} `json:"groups"`
		} `json:"unclassified"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("gains", "--year", "2024", "--json", fast)), &g); err != nil {
		t.Fatal(err)
	}
	if g.Unclassified.Count != 1 || !money.MustParse(g.Unclassified.Value).IsPositive() || g.Unclassified.Groups[0].LedgerIDs[0] != "LQUAR1-TEST0-AAAAAA" {
		t.Errorf("gains --json unclassified = %+v", g.Unclassified)
	}
	out, errOut, code := h.run("gains", "--year", "2024", "--csv", "8949", fast)
	if code != 0 || !strings.HasPrefix(out, "# WARNING: 1 unclassified") || !strings.Contains(errOut, "unclassified") {
		t.Errorf("8949 CSV: exit %d, stdout %.200q, stderr %q", code, out, errOut)
	}
}

// testPricesImport: a user price overrides the market's for its day.
func testPricesImport(t *testing.T, h *reportHarness) {
	var in struct {
		Income []struct {
			Time        string `json:"time"`
			Asset       string `json:"asset"`
			Quantity    string `json:"quantity"`
			Value       string `json:"value"`
			PriceSource string `json:"price_source"`
		} `json:"income"`
	}
	if err := json.Unmarshal([]byte(h.mustRun("income", "--year", "2024", "--json", "--offline")), &in); err != nil {
		t.Fatal(err)
	}
	var pick int = -1
	for i, l := range in.Income {
		if l.Asset != "USD" && l.Asset != "EUR" {
			pick = i
			break
		}
	}
	if pick < 0 {
		t.Fatalf("no crypto income in 2024: %+v", in.Income)
	}
	l := in.Income[pick]
	if !strings.HasPrefix(l.PriceSource, "kraken-") {
		t.Errorf("income priced by %q, want Kraken market data", l.PriceSource)
	}
	file := filepath.Join(t.TempDir(), "prices.csv")
	csv := "time,base,quote,price\n" + l.Time + "," + l.Asset + ",EUR,12345.5\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.mustRun("prices", "import", file); !strings.Contains(out, "Imported 1 prices") {
		t.Errorf("prices import: %q", out)
	}
	if err := json.Unmarshal([]byte(h.mustRun("income", "--year", "2024", "--json", "--offline")), &in); err != nil {
		t.Fatal(err)
	}
	got := in.Income[pick]
	want := money.MustParse(l.Quantity).Mul(money.MustParse("12345.5")).Round(report.ValuePlaces, money.HalfEven)
	if !strings.HasPrefix(got.PriceSource, "user "+l.Asset+"/EUR") || !money.MustParse(got.Value).Equal(want) {
		t.Errorf("after import: %+v, want a user price and value %s", got, want)
	}
	// A malformed file is refused with the line that is wrong.
	if err := os.WriteFile(file, []byte("time,base,quote,price\n01/03/2024,BTC,EUR,1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := h.run("prices", "import", file); code == 0 || !strings.Contains(errOut, "line 2") {
		t.Errorf("bad file: exit %d, %q", code, errOut)
	}
}

func TestReportFlagErrors(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"gains"}, 2, "--year is required"},
		{[]string{"income", "--json"}, 2, "--year is required"},
		{[]string{"gains", "--year", "2024", "--csv", "xlsx"}, 1, "unknown --csv"},
		{[]string{"gains", "--year", "2024", "--json", "--csv", "8949"}, 1, "not both"},
		{[]string{"gains", "--year", "2024", "--method", "fifo", "--csv", "uk"}, 1, "--csv uk"},
		{[]string{"gains", "--year", "2024", "--method", "lifoo"}, 1, "unknown cost-basis method"},
		{[]string{"gains", "--year", "2024"}, 1, "no accounts yet"},
		{[]string{"prices"}, 2, "prices import FILE.csv"},
	} {
		_, errOut, code := h.run(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
