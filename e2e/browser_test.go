package e2e

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
)

const (
	userName = "local" // the CLI's own user, so the CLI reads what the browser added
	password = "e2e-browser-password"
	apiKey   = "e2e-read-only-key-0001"
)

// scenario is one Kraken account with a read-only key that may export
// data. The export takes a few seconds, so the first import is slow enough
// to be watched.
func scenario() *krakensim.Scenario {
	yes := true
	readOnly := []string{"query-funds", "query-open-trades", "query-closed-trades", "query-ledger", "export-data"}
	return &krakensim.Scenario{
		Seed:          11,
		RateLimit:     &krakensim.RateLimitSpec{Max: "100", DecayPerSec: "100"},
		GetAPIKeyInfo: &yes,
		ExportDelay:   krakensim.Duration(2 * time.Second),
		Accounts: []krakensim.AccountSpec{{
			ID:      "e2e",
			History: &krakensim.HistoryConfig{Entries: 300, From: "2023-06-01T00:00:00Z", To: "2025-06-30T00:00:00Z"},
			Keys:    []krakensim.KeySpec{{Key: apiKey, Secret: secretOf(apiKey), Permissions: readOnly}},
		}},
	}
}

// ledgerEntry is one element of `cointally ledger --json`.
type ledgerEntry struct {
	ID      string `json:"id"`
	RefID   string `json:"refid"`
	Asset   string `json:"asset"`
	Amount  string `json:"amount"`
	Balance string `json:"balance"`
}

// TestBrowser walks the web UI in headless Chromium as a new user would:
// log in, add a Kraken key (test, audit, save), watch the first import on
// the account page, then read the dashboard, transactions and tax pages,
// checking the figures against the CLI's output for the same data, and
// again on a phone-sized screen. No page and no log may contain the
// private key, and no page may log a console error or a CSP violation.
func TestBrowser(t *testing.T) {
	chromiumPath(t) // skip (or fail under CI) before building anything
	start := time.Now()
	a := newApp(t, scenario())
	t.Logf("binary ready at %v", time.Since(start).Round(time.Millisecond))
	a.run(password+"\n", "user", "add", userName)
	base := a.serve()
	b := newBrowser(t, base)

	// The console listener works: a message written by a page arrives.
	b.open("/healthz")
	b.step("console probe", 5*time.Second, chromedp.Evaluate[chromedp.Void](`console.log("e2e console probe")`))
	waitConsole(t, b, "e2e console probe")

	// Log in through the real form.
	if st := b.open("/login"); st != http.StatusOK {
		t.Fatalf("GET /login: %d", st)
	}
	fields := eval[map[string]string](b, `(() => { const f = document.querySelector('form[action="/login"]');
		const v = n => { const e = f && f.querySelector('[name="' + n + '"]'); return e ? e.type + ":" + e.value.length : ""; };
		return {username: v("username"), password: v("password"), csrf: v("csrf_token")}; })()`)
	if fields["username"] != "text:0" || fields["password"] != "password:0" || !strings.HasPrefix(fields["csrf"], "hidden:") || fields["csrf"] == "hidden:0" {
		t.Fatalf("login form fields (type:length) = %v", fields)
	}
	b.screenshot("01-login")
	b.step("typing the login", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), userName),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password))
	if st := b.submit("logging in", `form[action="/login"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("login answered %d", st)
	}
	if p := eval[string](b, `location.pathname`); p != "/" {
		t.Fatalf("after login the browser is at %s, want /:\n%s", p, b.text("main"))
	}
	if !strings.Contains(b.text("main"), "No exchange accounts yet") {
		t.Errorf("the new user's dashboard does not say there are no accounts:\n%s", b.text("main"))
	}
	b.screenshot("02-dashboard-empty")

	// Add the key: test the connection first.
	b.open("/accounts/new")
	b.step("filling the key form", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "kraken-e2e"),
		chromedp.SendKeys(chromedp.CSS(`input[name=api_key]`), apiKey),
		chromedp.SendKeys(chromedp.CSS(`input[name=private_key]`), secretOf(apiKey)),
		chromedp.SetValue(chromedp.CSS(`select[name=tier]`), "pro"))
	if st := b.submit("testing the connection", `button[value=test]`); st != http.StatusOK {
		t.Fatalf("Test connection answered %d:\n%s", st, b.text("main"))
	}
	if v := b.text(".audit p strong"); !strings.Contains(v, "read-only") {
		t.Errorf("audit verdict = %q, want it to say the key is read-only", v)
	}
	rows := eval[[][]string](b, `Array.from(document.querySelectorAll(".audit tbody tr"), r => Array.from(r.cells, c => c.innerText.trim()))`)
	if len(rows) < 4 {
		t.Fatalf("the audit table has %d rows, want one per permission:\n%v", len(rows), rows)
	}
	sawLedger := false
	for _, r := range rows {
		if len(r) != 4 || r[3] == "" {
			t.Errorf("audit row without a verdict: %q", r)
		}
		if strings.Contains(r[0], "Query ledger entries") {
			sawLedger = true
		}
	}
	if !sawLedger {
		t.Errorf("the audit table has no row for Query ledger entries: %v", rows)
	}
	if v := eval[string](b, `document.querySelector("input[name=private_key]").value`); v != "" {
		t.Errorf("the private key field came back filled (%d characters): it must be write-only", len(v))
	}
	b.screenshot("03-add-exchange-audit")

	// Save: the private key is typed again, the first import starts and
	// the browser lands on the account page.
	b.step("typing the private key again", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS(`input[name=private_key]`), secretOf(apiKey)))
	if st := b.submit("saving the key", `button[value=save]`); st != http.StatusOK {
		t.Fatalf("Save answered %d:\n%s", st, b.text("main"))
	}
	accountPath := eval[string](b, `location.pathname`)
	if !regexp.MustCompile(`^/accounts/\d+$`).MatchString(accountPath) {
		t.Fatalf("after saving the browser is at %s, want the account page:\n%s", accountPath, b.text("main"))
	}
	b.waitFor("live progress of the first import", `document.getElementById("progress-text").innerText.startsWith("Syncing")`, 15*time.Second)
	progress := b.text("#progress-text")
	t.Logf("sync progress seen at %v", time.Since(start).Round(time.Millisecond))
	b.screenshot("04-account-syncing")
	b.waitFor("the first import to finish", `document.getElementById("progress").dataset.running === "false" && document.querySelector("td > .status-ok")`, 90*time.Second)
	b.capture()
	t.Logf("sync done at %v", time.Since(start).Round(time.Millisecond))
	b.screenshot("05-account-synced")
	t.Logf("progress while syncing: %q", progress)
	if b.text("td > .status-ok") != "ok" {
		t.Errorf("the sync history does not show the import as ok:\n%s", b.text("main"))
	}

	// The account page's completeness proof matches the CLI's ledger.
	var ledger []ledgerEntry
	a.runJSON(&ledger, "ledger", "--json")
	if len(ledger) < 100 {
		t.Fatalf("cointally ledger --json lists %d entries after the import, want the whole history", len(ledger))
	}
	proof := b.text("main")
	m := regexp.MustCompile(`(\d+) ledger entries`).FindStringSubmatch(proof)
	if m == nil || m[1] != strconv.Itoa(len(ledger)) {
		t.Errorf("the account page counts %v ledger entries, the CLI lists %d:\n%s", m, len(ledger), proof)
	}
	checkChains(t, b, ledger)

	// The dashboard, against the CLI's holdings for the same store. Running it first also fills
	// the price cache from the emulator's market data quickly (the server
	// spaces its market-data requests a second apart, as Kraken wants).
	var h holdingsJSON
	a.runJSON(&h, "holdings", "--json", "--request-interval", "5ms")
	b.open("/")
	checkDashboard(t, b, &h)
	b.screenshot("06-dashboard")

	t.Logf("dashboard done at %v", time.Since(start).Round(time.Millisecond))
	b.open("/transactions")
	checkTransactions(t, b, ledger)
	t.Logf("transactions done at %v", time.Since(start).Round(time.Millisecond))

	b.open("/tax")
	checkTax(t, a, b)
	t.Logf("tax done at %v", time.Since(start).Round(time.Millisecond))

	// Every page of the journey, on a phone: nothing wider than the screen.
	pages := []struct{ name, path string }{
		{"dashboard", "/"},
		{"account", accountPath},
		{"add-exchange", "/accounts/new"},
		{"transactions", "/transactions"},
		{"tax", "/tax?year=2024&method=fifo"},
		{"settings", "/settings"},
		{"sharing", "/sharing"},
		{"users", "/users"},
		{"help", "/help"},
	}
	b.step("phone viewport", 5*time.Second, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	for _, p := range pages {
		if st := b.open(p.path); st != http.StatusOK {
			t.Errorf("phone: GET %s: %d", p.path, st)
			continue
		}
		wide := eval[[]int](b, `[document.scrollingElement.scrollWidth, window.innerWidth]`)
		if wide[1] != 390 {
			t.Errorf("phone: %s: the viewport is %d px wide, want 390", p.path, wide[1])
		}
		if wide[0] > wide[1] {
			t.Errorf("phone: %s scrolls sideways: the page is %d px wide on a %d px screen", p.path, wide[0], wide[1])
		}
		b.screenshot("phone-" + p.name)
	}

	// No secret anywhere: not in a page, not in the server's log, not in
	// any command's output.
	secret := secretOf(apiKey)
	for i, html := range b.pages {
		if strings.Contains(html, secret) || strings.Contains(html, secret[:24]) {
			t.Errorf("page %d of the journey contains the private key", i)
		}
	}
	if len(b.pages) < 17 {
		t.Errorf("only %d pages were checked for the private key", len(b.pages))
	}
	if out := a.outputs.String(); strings.Contains(out, secret) || strings.Contains(out, secret[:24]) {
		t.Error("the server's log or a command's output contains the private key")
	}

	// No console errors, no exceptions, no CSP violations on any page.
	for _, p := range b.consoleProblems() {
		t.Errorf("console: %s", p)
	}
	// And the check can fail: an inline script is refused by the CSP and
	// the refusal reaches the console listener.
	before := len(b.consoleProblems())
	b.step("CSP probe", 5*time.Second, chromedp.Evaluate[chromedp.Void](
		`(() => { const s = document.createElement("script"); s.textContent = "window.e2eInline = 1"; document.body.appendChild(s); })()`))
	b.waitFor("the CSP to refuse the inline script", `window.e2eInline === undefined`, time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for len(b.consoleProblems()) == before {
		if time.Now().After(deadline) {
			t.Fatalf("an inline script was refused but no CSP violation reached the console listener (%d messages seen)", b.consoleCount())
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("screenshots in %s", b.shots)
}

// waitConsole waits until a console message with the text arrives.
func waitConsole(t *testing.T, b *browser, text string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		for _, m := range b.console {
			if strings.Contains(m.Text, text) {
				b.mu.Unlock()
				return
			}
		}
		b.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("the console message %q did not reach the listener", text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// lastBalances is each asset's entry count and last balance in the
// CLI's ledger (oldest first).
func lastBalances(ledger []ledgerEntry) (map[string]int, map[string]string) {
	counts, last := map[string]int{}, map[string]string{}
	for _, e := range ledger {
		counts[e.Asset]++
		if e.Balance != "" {
			last[e.Asset] = e.Balance
		}
	}
	return counts, last
}

// checkChains compares the completeness proof per asset with the ledger.
func checkChains(t *testing.T, b *browser, ledger []ledgerEntry) {
	t.Helper()
	counts, last := lastBalances(ledger)
	rows := eval[[][]string](b, `Array.from(document.querySelectorAll("table.num tbody tr"), r => Array.from(r.cells, c => c.innerText.trim()))`)
	if len(rows) != len(counts) {
		t.Errorf("the completeness proof has %d assets, the ledger %d: %v", len(rows), len(counts), rows)
	}
	for _, r := range rows {
		if len(r) != 6 {
			t.Errorf("chain row %q: want 6 cells", r)
			continue
		}
		asset := r[0]
		if strings.Contains(asset, " (") {
			continue // one of several wallets of an asset
		}
		if r[1] != strconv.Itoa(counts[asset]) {
			t.Errorf("%s: the page counts %s entries, the ledger %d", asset, r[1], counts[asset])
		}
		if !sameAmount(r[2], last[asset]) {
			t.Errorf("%s: the page's ledger balance is %s, the ledger's last balance %s", asset, r[2], last[asset])
		}
		if r[5] != "complete" {
			t.Errorf("%s: verdict %q, want complete", asset, r[5])
		}
	}
}

// holdingsJSON is the part of `cointally holdings --json` the dashboard
// shows.
type holdingsJSON struct {
	Currency       string `json:"currency"`
	MarketValue    string `json:"market_value"`
	UnrealisedGain string `json:"unrealised_gain"`
	Holdings       []struct {
		Asset       string `json:"asset"`
		Quantity    string `json:"quantity"`
		CostBasis   string `json:"cost_basis"`
		MarketValue string `json:"market_value"`
		Priced      bool   `json:"priced"`
	} `json:"holdings"`
}

// checkDashboard waits for the dashboard's figures (the page reloads
// itself while they are computed) and compares them with the CLI's
// holdings report in the same currency: total value, unrealised gain, and
// each asset's quantity, value and cost. It checks both charts are drawn
// and that hovering shows a value.
func checkDashboard(t *testing.T, b *browser, h *holdingsJSON) {
	t.Helper()
	b.waitFor("the dashboard's figures", `document.querySelector(".figures")`, 60*time.Second)
	b.capture()
	m := regexp.MustCompile(`In ([A-Z]{3}), as of`).FindStringSubmatch(b.text("main"))
	if m == nil || m[1] != h.Currency {
		t.Fatalf("the dashboard's currency is %v, the CLI's %s:\n%s", m, h.Currency, b.text("main"))
	}
	figures := map[string]string{}
	for _, f := range eval[[][]string](b, `Array.from(document.querySelectorAll(".figures .figure"), f => [f.querySelector(".label").innerText.trim(), f.querySelector(".value").innerText.trim()])`) {
		figures[f[0]] = f[1]
	}
	if got, want := figures["Total value"], h.MarketValue; !sameMoney(got, want) {
		t.Errorf("total value: the dashboard shows %q, cointally holdings %s %s", got, want, h.Currency)
	}
	if got, want := figures["Unrealised gain"], h.UnrealisedGain; !sameMoney(got, want) {
		t.Errorf("unrealised gain: the dashboard shows %q, cointally holdings %s %s", got, want, h.Currency)
	}
	rows := eval[[][]string](b, `Array.from(document.querySelectorAll("table.num tbody tr"), r => Array.from(r.cells, c => c.innerText.trim()))`)
	byAsset := map[string][]string{}
	for _, r := range rows {
		if len(r) == 6 {
			byAsset[r[0]] = r
		}
	}
	if len(byAsset) != len(h.Holdings) || len(h.Holdings) == 0 {
		t.Errorf("the dashboard lists %d holdings, cointally holdings %d:\n%v", len(byAsset), len(h.Holdings), rows)
	}
	for _, x := range h.Holdings {
		r, ok := byAsset[x.Asset]
		if !ok {
			t.Errorf("the dashboard has no row for %s", x.Asset)
			continue
		}
		if !sameAmount(r[1], x.Quantity) {
			t.Errorf("%s: quantity %s on the dashboard, %s in cointally holdings", x.Asset, r[1], x.Quantity)
		}
		if x.Priced && !sameMoney(r[2], x.MarketValue) {
			t.Errorf("%s: value %s on the dashboard, %s in cointally holdings", x.Asset, r[2], x.MarketValue)
		}
		if !sameMoney(r[4], x.CostBasis) {
			t.Errorf("%s: cost %s on the dashboard, %s in cointally holdings", x.Asset, r[4], x.CostBasis)
		}
	}
	// Real charts, with values on hover.
	for _, c := range []string{".chart-value", ".chart-alloc"} {
		n := eval[int](b, `document.querySelectorAll("`+c+` svg path, `+c+` svg circle, `+c+` svg polyline, `+c+` svg rect").length`)
		if n == 0 {
			t.Errorf("%s: the chart draws nothing", c)
			continue
		}
		box := eval[[]float64](b, `(() => { const s = document.querySelector("`+c+` svg"); s.scrollIntoView(); const r = s.getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()`)
		if box[2] < 50 || box[3] < 50 {
			t.Errorf("%s: the chart is %vx%v px", c, box[2], box[3])
			continue
		}
		hoverTip(t, b, c, box)
	}
}

// hoverTip moves the mouse over a chart until its tooltip shows a number.
func hoverTip(t *testing.T, b *browser, chart string, box []float64) {
	t.Helper()
	// Points across the chart's middle; the allocation donut has its ring
	// away from the centre.
	for _, fx := range []float64{0.5, 0.8, 0.2, 0.65, 0.35, 0.9, 0.1} {
		for _, fy := range []float64{0.5, 0.2, 0.8} {
			x, y := box[0]+box[2]*fx, box[1]+box[3]*fy
			b.step("hovering "+chart, 5*time.Second, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
			tip := eval[string](b, `(() => { const e = document.querySelector("`+chart+` .tip"); return e && !e.hidden ? e.innerText : ""; })()`)
			if regexp.MustCompile(`\d`).MatchString(tip) {
				return
			}
		}
	}
	t.Errorf("%s: hovering the chart shows no value", chart)
}

// sameMoney compares a displayed money figure ("€1,234.56", "-$3.10",
// "12.00 CHF") with an exact amount rounded to cents.
func sameMoney(shown, exact string) bool {
	w, err := money.Parse(exact)
	if err != nil {
		return false
	}
	num := regexp.MustCompile(`[^0-9.\-]`).ReplaceAllString(shown, "")
	g, err := money.Parse(num)
	return err == nil && g.Cmp(w.Round(2, money.HalfEven)) == 0
}

// sameAmount compares two decimal texts exactly (ignoring thousands
// separators and trailing zeros).
func sameAmount(got, want string) bool {
	g, err1 := money.Parse(strings.ReplaceAll(got, ",", ""))
	w, err2 := money.Parse(want)
	if err1 != nil || err2 != nil {
		return false
	}
	return g.Cmp(w) == 0
}

// pageRows returns the transactions table's rows as [ledger ID, asset,
// amount].
func pageRows(b *browser) [][]string {
	b.t.Helper()
	return eval[[][]string](b, `Array.from(document.querySelectorAll("table.tx tbody tr"), r => [r.dataset.id, r.cells[3].innerText.trim(), r.cells[4].innerText.trim()])`)
}

// checkTransactions compares the transactions pages with the CLI's ledger:
// the first page holds the newest entries; an asset filter, followed
// through every "Older" page, lists exactly that asset's entries; a search
// for a ledger ID finds it; the CSV download of the filtered view has one
// line per entry.
func checkTransactions(t *testing.T, b *browser, ledger []ledgerEntry) {
	t.Helper()
	rows := pageRows(b)
	if len(rows) < 20 || len(rows) > 100 {
		t.Fatalf("the first transactions page has %d rows, want one page of the %d entries", len(rows), len(ledger))
	}
	newest := map[string]bool{}
	for _, e := range ledger[len(ledger)-len(rows):] {
		newest[e.ID] = true
	}
	for _, r := range rows {
		if !newest[r[0]] {
			t.Errorf("the first page shows %s, which is not among the %d newest entries of the CLI's ledger", r[0], len(rows))
		}
	}
	b.screenshot("07-transactions")

	// Filter by the asset with the most entries; walk every page.
	counts, _ := lastBalances(ledger)
	asset := ""
	for a, n := range counts {
		if n > counts[asset] || n == counts[asset] && a < asset {
			asset = a
		}
	}
	b.step("filtering by asset", 10*time.Second, chromedp.SendKeys(chromedp.CSS(`form.filters input[name=asset]`), asset))
	b.submit("applying the filter", `form.filters button[type=submit]`)
	want := map[string]string{}
	for _, e := range ledger {
		if e.Asset == asset {
			want[e.ID] = e.Amount
		}
	}
	seen := map[string]bool{}
	for page := 1; ; page++ {
		for _, r := range pageRows(b) {
			amount, ok := want[r[0]]
			switch {
			case !ok:
				t.Errorf("filter %s, page %d: %s (%s) is not an entry of %s", asset, page, r[0], r[1], asset)
			case seen[r[0]]:
				t.Errorf("filter %s, page %d: %s shown twice", asset, page, r[0])
			case r[1] != asset || !sameAmount(r[2], amount):
				t.Errorf("filter %s: %s shows %s %s, the ledger %s %s", asset, r[0], r[2], r[1], amount, asset)
			}
			seen[r[0]] = true
		}
		if eval[int](b, `document.querySelectorAll('a[rel="next"]').length`) == 0 {
			break
		}
		if page == 1 {
			b.screenshot("08-transactions-filtered")
		}
		if page > 20 {
			t.Fatalf("filter %s: more than 20 pages for %d entries", asset, len(want))
		}
		b.submit("the next page", `a[rel="next"]`)
	}
	if len(seen) != len(want) {
		t.Errorf("filter %s: the pages show %d entries, the CLI's ledger has %d", asset, len(seen), len(want))
	}
	t.Logf("transactions: first page %d rows; filter %s: %d entries over the pages, as in the CLI's ledger", len(rows), asset, len(seen))

	// The CSV download of the filtered view.
	csv := eval[string](b, `fetch(document.querySelector("a[download][href*='transactions.csv']").href, {credentials: "same-origin"}).then(r => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	if len(lines) != len(want)+1 {
		t.Errorf("the CSV download of filter %s has %d lines, want a header and %d entries:\n%.500s", asset, len(lines), len(want), csv)
	}
	for id := range want {
		if !strings.Contains(csv, id) {
			t.Errorf("the CSV download lacks %s", id)
			break
		}
	}

	// Search for one ledger ID (the oldest entry).
	b.open("/transactions")
	target := ledger[0]
	b.step("searching", 10*time.Second, chromedp.SendKeys(chromedp.CSS(`form.filters input[name=q]`), target.ID))
	b.submit("searching", `form.filters button[type=submit]`)
	found := false
	for _, r := range pageRows(b) {
		if r[0] == target.ID {
			found = true
		}
	}
	if !found {
		t.Errorf("searching for %s does not show it:\n%s", target.ID, b.text("main"))
	}
	b.screenshot("09-transactions-search")
}

// gainsJSON is the part of `cointally gains --json` the tax page shows.
type gainsJSON struct {
	Currency string `json:"currency"`
	Proceeds string `json:"proceeds"`
	Cost     string `json:"cost"`
	Gain     string `json:"gain"`
	Count    int    `json:"disposal_count"`
}

// checkTax selects a year and method on the tax page, waits for the
// figures, and compares the gains totals (and every method of the
// comparison) and the income total with the CLI's reports; every download
// answers a CSV.
func checkTax(t *testing.T, a *app, b *browser) {
	t.Helper()
	b.step("choosing year and method", 10*time.Second,
		chromedp.SetValue(chromedp.CSS(`form.selectors [name=year]`), "2024"),
		chromedp.SetValue(chromedp.CSS(`form.selectors select[name=method]`), "fifo"))
	b.submit("showing the year", `form.selectors button[type=submit]`)
	b.waitFor("the tax figures", `!document.getElementById("tax-status") && document.querySelector("h1")`, 60*time.Second)
	b.capture()
	if e := b.text(".error"); e != "" {
		t.Fatalf("the tax page says: %s", e)
	}
	cur := eval[string](b, `document.querySelector("form.selectors select[name=currency]").value`)
	totals := map[string]string{}
	for _, kv := range eval[[][]string](b, `Array.from(document.querySelectorAll(".totals div"), d => [d.querySelector("span").innerText.trim(), d.querySelector("strong").innerText.trim()])`) {
		if _, dup := totals[kv[0]]; !dup {
			totals[kv[0]] = kv[1] // the gains' totals come first
		}
	}
	var g gainsJSON
	a.runJSON(&g, "gains", "--json", "--year", "2024", "--method", "fifo", "--currency", cur, "--offline")
	if totals["Disposals"] != strconv.Itoa(g.Count) {
		t.Errorf("2024 fifo: the tax page counts %q disposals, cointally gains %d", totals["Disposals"], g.Count)
	}
	for _, f := range []struct{ label, want string }{{"Proceeds", g.Proceeds}, {"Cost", g.Cost}, {"Gain", g.Gain}} {
		if !sameMoney(totals[f.label], f.want) {
			t.Errorf("2024 fifo %s: the tax page shows %q, cointally gains %s %s", f.label, totals[f.label], f.want, g.Currency)
		}
	}
	t.Logf("tax 2024 fifo in %s: %d disposals, gain %s (the CLI's figures)", cur, g.Count, g.Gain)
	if g.Count == 0 {
		t.Errorf("the 2024 history has no disposals: the comparison proves little")
	}
	// The comparison of methods, against the CLI for each.
	cmpRows := eval[[][]string](b, `Array.from(document.querySelectorAll("#compare tbody tr"), r => Array.from(r.cells, c => c.innerText.trim()))`)
	if len(cmpRows) < 4 {
		t.Errorf("the method comparison has %d rows: %v", len(cmpRows), cmpRows)
	}
	for _, r := range cmpRows {
		if len(r) != 5 || r[0] == "uk" || r[0] == "average" {
			continue // uk has another period; average is checked by the engine's tests
		}
		var mg gainsJSON
		a.runJSON(&mg, "gains", "--json", "--year", "2024", "--method", r[0], "--currency", cur, "--offline")
		if r[1] != strconv.Itoa(mg.Count) || !sameMoney(r[4], mg.Gain) {
			t.Errorf("comparison %s: %s disposals, gain %s on the page; cointally gains: %d, %s", r[0], r[1], r[4], mg.Count, mg.Gain)
		}
	}
	var inc struct {
		Total string `json:"total"`
	}
	a.runJSON(&inc, "income", "--json", "--year", "2024", "--currency", cur, "--offline")
	if !sameMoney(totals["Total"], inc.Total) {
		t.Errorf("2024 income: the tax page shows %q, cointally income %s", totals["Total"], inc.Total)
	}
	b.screenshot("10-tax")

	// Every download is a CSV.
	links := eval[[]string](b, `Array.from(document.querySelectorAll(".downloads a[download]"), a => a.href)`)
	if len(links) < 3 {
		t.Errorf("the tax page offers %d downloads: %v", len(links), links)
	}
	for _, l := range links {
		got := eval[string](b, `fetch(`+strconv.Quote(l)+`, {credentials: "same-origin"}).then(async r => r.status + " " + r.headers.get("Content-Type") + "\n" + (await r.text()))`, chromedp.EvalAwaitPromise)
		head, body, _ := strings.Cut(got, "\n")
		if !strings.HasPrefix(head, "200 text/csv") || !strings.Contains(body, ",") {
			t.Errorf("download %s: %s\n%.300s", l, head, body)
		}
	}
}
