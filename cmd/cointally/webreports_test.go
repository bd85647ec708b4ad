package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
	"github.com/cointally/cointally/web"
)

// openHarnessApp opens the harness's data directory as `cointally serve`
// does, with the harness clock.
func openHarnessApp(t *testing.T, h *reportHarness) *app {
	t.Helper()
	var stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &stderr,
		getenv: func(k string) string { return h.vars[k] }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: h.now}
	cfg, err := (&commonFlags{dataDir: new(string), db: new(string)}).resolve(e)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(t.Context(), cfg, e)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// ready polls f until its view is ready.
func ready[V any](t *testing.T, what string, f func() (V, bool, string, error)) V {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		v, ok, status, err := f()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return v
		}
		if status == "" {
			t.Errorf("%s: not ready and no status", what)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not ready after 90 s (%s)", what, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func mustAmount(t *testing.T, s string) money.Amount {
	t.Helper()
	a, err := money.Parse(s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return a
}

// TestWebReportsMatchCLI checks that the web's figures are the command
// line's for the same store, year, method and currency, that results are
// cached until the ledger changes, and that another user never gets them.
func TestWebReportsMatchCLI(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	h.synced()
	fast := []string{"--request-interval", "0"}
	cli := func(args ...string) string { return h.mustRun(append(args, fast...)...) }
	var gains struct {
		Proceeds, Cost, Gain, Fees string
		ShortTermGain              string `json:"short_term_gain"`
		LongTermGain               string `json:"long_term_gain"`
		Count                      int    `json:"disposal_count"`
		Disposals                  []json.RawMessage
	}
	if err := json.Unmarshal([]byte(cli("gains", "--year", "2024", "--method", "hifo", "--currency", "USD", "--json")), &gains); err != nil {
		t.Fatal(err)
	}
	var holdings struct {
		MarketValue    string `json:"market_value"`
		UnrealisedGain string `json:"unrealised_gain"`
		Holdings       []struct {
			Asset, Quantity string
			CostBasis       string `json:"cost_basis"`
			MarketValue     string `json:"market_value"`
			Priced          bool
		}
	}
	if err := json.Unmarshal([]byte(cli("holdings", "--method", "fifo", "--currency", "EUR", "--json")), &holdings); err != nil {
		t.Fatal(err)
	}
	disposalsCSV := cli("gains", "--year", "2024", "--method", "hifo", "--currency", "USD", "--csv", "disposals")
	income := cli("income", "--year", "2024", "--currency", "USD", "--csv")

	a := openHarnessApp(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	wr := newWebReports(ctx, a)
	wr.interval = 0
	uid := a.user.ID
	q := web.TaxQuery{Year: 2024, Method: "hifo", Currency: "USD"}
	tax := ready(t, "tax", func() (*web.TaxView, bool, string, error) {
		v, err := wr.Tax(t.Context(), uid, q)
		if err != nil {
			return nil, false, "", err
		}
		return v, v.Ready, v.Status, nil
	})
	if tax.Error != "" {
		t.Fatalf("tax: %s", tax.Error)
	}
	tot := tax.Gains.Totals
	for _, c := range []struct{ name, web, cli string }{
		{"proceeds", tot.Proceeds.String(), gains.Proceeds}, {"cost", tot.Cost.String(), gains.Cost},
		{"gain", tot.Gain.String(), gains.Gain}, {"fees", tot.Fees.String(), gains.Fees},
		{"short term", tot.ShortTermGain.String(), gains.ShortTermGain}, {"long term", tot.LongTermGain.String(), gains.LongTermGain},
	} {
		if c.web != c.cli {
			t.Errorf("tax %s: web %s, cli %s", c.name, c.web, c.cli)
		}
	}
	if tot.Disposals != gains.Count || len(tax.Gains.Disposals) != len(gains.Disposals) || gains.Count == 0 {
		t.Errorf("disposals: web %d, cli %d", tot.Disposals, gains.Count)
	}
	if tax.Compare == nil || len(tax.Compare.Rows) != 5 || len(tax.Years) == 0 || tax.Years[0] < tax.Years[len(tax.Years)-1] {
		t.Errorf("compare %+v, years %v", tax.Compare, tax.Years)
	}
	for kind, want := range map[string]string{"disposals": disposalsCSV, "income": income} {
		var buf bytes.Buffer
		if err := wr.TaxExport(t.Context(), uid, q, kind, &buf); err != nil {
			t.Fatalf("export %s: %v", kind, err)
		}
		if buf.String() != want {
			t.Errorf("export %s differs from the CLI's:\n%s\nwant\n%s", kind, buf.String(), want)
		}
	}
	if err := wr.TaxExport(t.Context(), uid, q, "secrets", &bytes.Buffer{}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("unknown export: %v", err)
	}

	port := ready(t, "portfolio", func() (*web.PortfolioView, bool, string, error) {
		v, err := wr.Portfolio(t.Context(), uid, "EUR")
		if err != nil {
			return nil, false, "", err
		}
		return v, v.Ready, v.Status, nil
	})
	if port.Error != "" {
		t.Fatalf("portfolio: %s", port.Error)
	}
	if port.Total.String() != holdings.MarketValue || port.Unrealised.String() != holdings.UnrealisedGain {
		t.Errorf("portfolio total %s, unrealised %s; cli %s, %s", port.Total, port.Unrealised, holdings.MarketValue, holdings.UnrealisedGain)
	}
	byAsset := map[string]web.HoldingView{}
	for _, hv := range port.Holdings {
		byAsset[hv.Asset] = hv
	}
	if len(byAsset) != len(holdings.Holdings) {
		t.Errorf("%d holdings, cli %d", len(byAsset), len(holdings.Holdings))
	}
	for _, c := range holdings.Holdings {
		hv := byAsset[c.Asset]
		if hv.Quantity.String() != c.Quantity || hv.Cost.String() != c.CostBasis || hv.Value.String() != c.MarketValue || hv.HasValue != c.Priced {
			t.Errorf("holding %s: web %+v, cli %+v", c.Asset, hv, c)
		}
	}
	for i := 1; i < len(port.Holdings); i++ {
		if port.Holdings[i].Value.Cmp(port.Holdings[i-1].Value) > 0 {
			t.Error("holdings are not ordered by value")
		}
	}
	// The history: one point a day up to the day the holdings are valued
	// on, ending at their total (to the cent: the rows are rounded one by
	// one, the history's total once).
	if len(port.History) < 300 {
		t.Fatalf("%d history points", len(port.History))
	}
	last := port.History[len(port.History)-1]
	if want := h.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1); !last.Day.Equal(want) {
		t.Errorf("the history ends on %s, want %s", last.Day, want)
	}
	if d := last.Value.Sub(port.Total).Abs(); d.Cmp(mustAmount(t, "0.01")) > 0 {
		t.Errorf("the history ends at %s, the holdings are worth %s", last.Value, port.Total)
	}
	for i := 1; i < len(port.History); i++ {
		if !port.History[i].Day.Equal(port.History[i-1].Day.AddDate(0, 0, 1)) {
			t.Fatalf("history days %s then %s", port.History[i-1].Day, port.History[i].Day)
		}
	}

	// Cached: the same view at once.
	again, err := wr.Tax(t.Context(), uid, q)
	if err != nil || again != tax {
		t.Errorf("a second request was not served from the cache: %v", err)
	}
	// Another user gets nothing of the first's.
	bob := &cointally.User{Name: "bob"}
	if err := a.store.CreateUser(t.Context(), bob); err != nil {
		t.Fatal(err)
	}
	bv, err := wr.Tax(t.Context(), bob.ID, q)
	if err != nil || !bv.Ready || bv.Gains != nil || !strings.Contains(bv.Error, "No exchange accounts") {
		t.Errorf("bob's tax view: %+v, %v", bv, err)
	}
	// A ledger change makes the next request compute afresh.
	accts, err := a.store.Accounts(t.Context(), uid)
	if err != nil {
		t.Fatal(err)
	}
	newest, err := a.store.NewestEntry(t.Context(), accts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	extra := cointally.Entry{ID: "LWEBTEST-1", RefID: "RWEBTEST-1", Time: newest.Time.Add(time.Hour), Type: "deposit", Asset: "ZEUR",
		Amount: mustAmount(t, "10"), Fee: mustAmount(t, "0"), Source: cointally.SourceCSV, Raw: []byte(`{}`)}
	if _, err := a.store.PutEntries(t.Context(), accts[0].ID, []cointally.Entry{extra}, nil); err != nil {
		t.Fatal(err)
	}
	if v, err := wr.Tax(t.Context(), uid, q); err != nil || v.Ready {
		t.Errorf("after a ledger change the cached view was served: ready %v, %v", v.Ready, err)
	}
	fresh := ready(t, "tax after the change", func() (*web.TaxView, bool, string, error) {
		v, err := wr.Tax(t.Context(), uid, q)
		if err != nil {
			return nil, false, "", err
		}
		return v, v.Ready, v.Status, nil
	})
	if fresh == tax || fresh.Error != "" {
		t.Errorf("after the change: %+v", fresh.Error)
	}
	wr.mu.Lock()
	n := len(wr.cache[uid])
	wr.mu.Unlock()
	if n != 1 {
		t.Errorf("%d cached results after the change, want only the fresh one", n)
	}
	for _, bad := range []web.TaxQuery{{Year: 1990}, {Method: "best"}, {Currency: "eu ro"}} {
		if _, err := wr.Tax(t.Context(), uid, bad); cointally.KindOf(err) != cointally.KindInvalid {
			t.Errorf("Tax(%+v): %v, want KindInvalid", bad, err)
		}
	}
}

func TestUserSyncInterval(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	a := openHarnessApp(t, h)
	def := 15 * time.Minute
	for _, tt := range []struct {
		stored string
		want   time.Duration
	}{{"", def}, {"2h", 2 * time.Hour}, {"1m", def}, {"soon", def}, {"168h", 168 * time.Hour}} {
		if err := a.store.PutSetting(t.Context(), a.user.ID, cointally.SettingSyncInterval, tt.stored); err != nil {
			t.Fatal(err)
		}
		if got := userSyncInterval(t.Context(), a.store, a.user.ID, def); got != tt.want {
			t.Errorf("stored %q: %v, want %v", tt.stored, got, tt.want)
		}
	}
}

// TestServeTaxAndTransactions drives the tax, transactions and settings
// pages of the web server as `cointally serve` wires it, over HTTP on
// loopback.
func TestServeTaxAndTransactions(t *testing.T) {
	t.Parallel()
	h := newReportHarness(t)
	h.synced()
	// The CLI first: it fetches the prices at full speed, and the web then
	// finds them in the cache (it fetches at Kraken's pace).
	var gains struct{ Gain string }
	if err := json.Unmarshal([]byte(h.mustRun("gains", "--year", "2024", "--method", "hifo", "--currency", "USD", "--json", "--request-interval", "0")), &gains); err != nil {
		t.Fatal(err)
	}
	a := openHarnessApp(t, h)
	hash, err := web.HashPassword("local-web-password", web.PasswordParams{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	a.user.PasswordHash = hash
	if err := a.store.UpdateUser(t.Context(), a.user); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ui, syncs, err := a.newWebServer(ctx, webOptions{syncInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui)
	t.Cleanup(func() { srv.Close(); cancel(); syncs.wait() })
	jar, _ := cookiejar.New(nil)
	// Redirects are not followed: the dashboard after the login would
	// start a portfolio in EUR, whose prices the CLI did not fetch.
	client := &http.Client{Jar: jar, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	var csrf string
	get := func(path string) (int, http.Header, string) {
		t.Helper()
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if m := csrfRE.FindSubmatch(b); m != nil {
			csrf = html.UnescapeString(string(m[1]))
		}
		return resp.StatusCode, resp.Header, string(b)
	}
	get("/login")
	resp, err := client.PostForm(srv.URL+"/login", url.Values{"username": {a.user.Name}, "password": {"local-web-password"}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _, _ := get("/settings"); code != 200 {
		t.Fatalf("settings: %d", code)
	}
	// The default method becomes hifo: the tax page uses it.
	resp, err = client.PostForm(srv.URL+"/settings", url.Values{"method": {"hifo"}, "currency": {"USD"}, "csrf_token": {csrf}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var body string
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, hdr, b := get("/tax?year=2024")
		if code != 200 {
			t.Fatalf("tax: %d\n%s", code, b)
		}
		if hdr.Get("Refresh") == "" {
			body = b
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tax page is still computing:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	g := mustAmount(t, gains.Gain)
	if !strings.Contains(body, "<option selected>hifo</option>") || !strings.Contains(body, g.StringFixed(2)) {
		t.Errorf("the tax page does not show hifo's gain %s:\n%s", g.StringFixed(2), body)
	}
	code, hdr, csvText := get("/tax/export?year=2024&kind=disposals")
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") || !strings.Contains(csvText, "proceeds") {
		t.Errorf("export: %d %v\n%s", code, hdr, csvText)
	}
	code, _, txPage := get("/transactions?type=trade")
	if code != 200 || !strings.Contains(txPage, `data-id="L`) || strings.Contains(txPage, "<td>deposit") {
		t.Errorf("transactions: %d\n%s", code, txPage)
	}
	var ledger []json.RawMessage
	if err := json.Unmarshal([]byte(h.mustRun("ledger", "--json")), &ledger); err != nil {
		t.Fatal(err)
	}
	code, _, all := get("/transactions.csv")
	if lines := strings.Count(all, "\n"); code != 200 || lines != len(ledger)+1 || len(ledger) == 0 {
		t.Errorf("transactions.csv: %d, %d lines for %d entries", code, lines, len(ledger))
	}
}

// BenchmarkValueHistory values a 1,000,000-Txn history of 10 assets over
// eight years through a price chain with a price for every other day (the
// rest carried), as the dashboard's value chart does.
func BenchmarkValueHistory(b *testing.B) {
	assets := []string{"BTC", "ETH", "DOT", "ADA", "SOL", "XRP", "LTC", "DOGE", "USDT", "USD"}
	start := time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	span := end.Sub(start)
	const n = 1_000_000
	txns := make([]cointally.Txn, n)
	one, half := money.MustParse("1.5"), money.MustParse("0.5")
	for i := range txns {
		txns[i] = cointally.Txn{Time: start.Add(span / n * time.Duration(i)), Kind: cointally.Acquire, Asset: assets[i%len(assets)], Quantity: one}
		if i%3 == 2 {
			txns[i].Kind, txns[i].Quantity = cointally.Dispose, half
		}
	}
	fixed := &price.Fixed{}
	for d, i := start, 0; !d.After(end); d, i = d.AddDate(0, 0, 1), i+1 {
		if i%2 == 0 {
			for k, a := range assets {
				fixed.Set(a, "EUR", d, money.FromInt(int64(100+k+i%50)))
			}
		}
	}
	for b.Loop() {
		hist, warns, err := valueHistory(context.Background(), txns, price.NewChain(fixed), "EUR", end)
		if err != nil || len(hist) != int(end.Sub(start).Hours()/24)+1 || len(warns) == 0 {
			b.Fatalf("%d points, %v, %v", len(hist), warns, err)
		}
	}
}

// TestWebReportsCache checks the cache and the jobs without the report
// pipeline: one computation per user and key, results kept per user (at
// most perUser, least recently used out), dropped on a ledger change,
// failures shown for a while, a panic contained.
func TestWebReportsCache(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := newWebReports(ctx, &app{log: slog.New(slog.DiscardHandler)})
	release := make(chan struct{})
	var mu sync.Mutex
	computed := map[string]int{}
	compute := func(name string, block bool) func(context.Context, *reportJob) *reportEntry {
		return func(ctx context.Context, j *reportJob) *reportEntry {
			j.setStatus("computing " + name)
			if block {
				<-release
			}
			mu.Lock()
			computed[name]++
			mu.Unlock()
			return &reportEntry{port: &web.PortfolioView{Ready: true, Status: name}}
		}
	}
	count := func(name string) int { mu.Lock(); defer mu.Unlock(); return computed[name] }
	waitFor := func(j *reportJob) {
		t.Helper()
		if j == nil {
			t.Fatal("no job")
		}
		select {
		case <-j.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the job did not finish")
		}
	}

	// Two requests for the same report share one computation.
	_, j1, err := w.get(1, "a", "v1", compute("a", true))
	if err != nil || j1 == nil {
		t.Fatalf("get: %v", err)
	}
	_, j2, _ := w.get(1, "a", "v1", compute("a", true))
	if j1 != j2 {
		t.Error("a second request started a second computation")
	}
	for j1.getStatus() != "computing a" { // it holds the computation slot
		time.Sleep(time.Millisecond)
	}
	// Queued behind it, up to maxJobsPerUser jobs for the user; then busy.
	_, jb, _ := w.get(1, "b", "v1", compute("b", false))
	_, jc, _ := w.get(1, "c", "v1", compute("c", false))
	if _, _, err := w.get(1, "d", "v1", compute("d", false)); cointally.KindOf(err) != cointally.KindUnavailable {
		t.Errorf("a fourth job for one user: %v, want KindUnavailable", err)
	}
	// Another user is not refused (and waits for the computation slot).
	_, jo, err := w.get(2, "a", "v1", compute("other", false))
	if err != nil || jo == nil {
		t.Errorf("another user's job: %v", err)
	}
	if s := jb.getStatus(); !strings.Contains(s, "waiting") {
		t.Errorf("a queued job says %q", s)
	}
	close(release)
	for _, j := range []*reportJob{j1, jb, jc, jo} {
		waitFor(j)
	}
	if count("a") != 1 || count("b") != 1 || count("c") != 1 || count("other") != 1 {
		t.Errorf("computations %v", computed)
	}
	// Served from the cache, per user (b, then a, become the most
	// recently used).
	if e, _, _ := w.get(1, "b", "v1", compute("b", false)); e == nil || e.port.Status != "b" {
		t.Errorf("cached b: %+v", e)
	}
	if e, j, _ := w.get(1, "a", "v1", compute("a", false)); e == nil || j != nil || e.port.Status != "a" {
		t.Errorf("cached: %+v %v", e, j)
	}
	if e, _, _ := w.get(2, "a", "v1", compute("x", false)); e == nil || e.port.Status != "other" {
		t.Errorf("user 2 got %+v", e)
	}
	// At most perUser results per user: the least recently used goes.
	for _, k := range []string{"d", "e"} {
		_, j, _ := w.get(1, k, "v1", compute(k, false))
		waitFor(j)
	}
	w.mu.Lock()
	var keys []string
	for _, e := range w.cache[1] {
		keys = append(keys, e.key)
	}
	w.mu.Unlock()
	if strings.Join(keys, ",") != "e,d,a,b" {
		t.Errorf("cached keys %v, want e,d,a,b (c least recently used)", keys)
	}
	// A ledger change drops the user's results and computes again.
	_, j, _ := w.get(1, "a", "v2", compute("a", false))
	waitFor(j)
	w.mu.Lock()
	n := len(w.cache[1])
	w.mu.Unlock()
	if n != 1 || count("a") != 2 {
		t.Errorf("after a ledger change: %d cached, a computed %d times", n, count("a"))
	}
	// A panic becomes a failed result, shown until it expires.
	_, j, _ = w.get(3, "p", "v1", func(context.Context, *reportJob) *reportEntry { panic("boom") })
	waitFor(j)
	e, _, _ := w.get(3, "p", "v1", compute("p", false))
	if e == nil || !strings.Contains(e.failed, "bug") {
		t.Fatalf("after a panic: %+v", e)
	}
	w.mu.Lock()
	e.expires = time.Now().Add(-time.Second)
	w.mu.Unlock()
	if e, j, _ := w.get(3, "p", "v1", compute("p", false)); e != nil || j == nil {
		t.Error("an expired failure was served")
	} else {
		waitFor(j)
	}
}

func TestValueHistory(t *testing.T) {
	t.Parallel()
	d := func(day int, h int) time.Time { return time.Date(2024, 3, day, h, 0, 0, 0, time.UTC) }
	m := money.MustParse
	txns := []cointally.Txn{
		{Time: d(1, 10), Kind: cointally.Acquire, Asset: "BTC", Quantity: m("2")},
		{Time: d(2, 23), Kind: cointally.Acquire, Asset: "DOT", Quantity: m("10")},
		{Time: d(3, 1), Kind: cointally.Dispose, Asset: "BTC", Quantity: m("0.5")},
		{Time: d(5, 12), Kind: cointally.Acquire, Asset: "EUR", Quantity: m("7.25")},
	}
	fixed := &price.Fixed{}
	fixed.Set("BTC", "EUR", d(1, 0), m("100"))
	fixed.Set("BTC", "EUR", d(3, 0), m("110"))
	// BTC has no price on the 2nd, 4th and 5th: carried. DOT only from the 4th.
	fixed.Set("DOT", "EUR", d(4, 0), m("5"))
	fixed.Set("DOT", "EUR", d(5, 0), m("6"))
	hist, warns, err := valueHistory(context.Background(), txns, price.NewChain(fixed), "EUR", d(5, 15))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"200", "200", "165", "215", "232.25"} // DOT left out on the 2nd and 3rd
	if len(hist) != len(want) {
		t.Fatalf("%d points, want %d: %+v", len(hist), len(want), hist)
	}
	for i, p := range hist {
		if !p.Day.Equal(d(1+i, 0)) || p.Value.Cmp(m(want[i])) != 0 {
			t.Errorf("point %d: %s %s, want %s %s", i, p.Day.Format(time.DateOnly), p.Value, d(1+i, 0).Format(time.DateOnly), want[i])
		}
	}
	wantWarns := []string{
		"The value chart carries the last known price of BTC over 3 days without one.",
		"The value chart leaves out DOT on 2 days before its first known price.",
	}
	if strings.Join(warns, "\n") != strings.Join(wantWarns, "\n") {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(warns, "\n"), strings.Join(wantWarns, "\n"))
	}
}
