package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/web"
)

// portfolioReports answers Portfolio with a fixed view and records the calls.
type portfolioReports struct {
	mu    sync.Mutex
	view  web.PortfolioView
	calls []string // "userID/currency"
}

func (f *portfolioReports) Portfolio(ctx context.Context, userID int64, currency string) (*web.PortfolioView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("%d/%s", userID, currency))
	v := f.view
	v.Currency = currency
	return &v, nil
}

func (f *portfolioReports) Tax(ctx context.Context, userID int64, q web.TaxQuery) (*web.TaxView, error) {
	return &web.TaxView{Ready: false, Status: "not in this test"}, nil
}

func (f *portfolioReports) TaxExport(ctx context.Context, userID int64, q web.TaxQuery, kind string, w io.Writer) error {
	return &cointally.Error{Kind: cointally.KindInvalid, Message: "not in this test"}
}

func (f *portfolioReports) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return ""
	}
	return f.calls[len(f.calls)-1]
}

// countingSyncer wraps the harness's syncer and counts reconciliations.
type countingSyncer struct {
	web.Syncer
	mu         sync.Mutex
	reconciles int
}

func (c *countingSyncer) Reconcile(ctx context.Context, id int64) (*web.ReconcileView, error) {
	c.mu.Lock()
	c.reconciles++
	c.mu.Unlock()
	return c.Syncer.Reconcile(ctx, id)
}

func (c *countingSyncer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reconciles
}

func readyPortfolio() web.PortfolioView {
	m := money.MustParse
	return web.PortfolioView{
		Ready: true, AsOf: time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC), Year: 2025,
		Total: m("12345.675"), Realised: m("-250.5"), Unrealised: m("4000"), Income: m("12.345"),
		Holdings: []web.HoldingView{
			{Asset: "BTC", Quantity: m("0.12345678"), Value: m("9259.26"), Cost: m("5000"), Unrealised: m("4259.26"), Percent: m("75.00"), HasValue: true},
			{Asset: "ETH", Quantity: m("1.5"), Value: m("3086.415"), Cost: m("3345.67"), Unrealised: m("-259.255"), Percent: m("25.00"), HasValue: true},
			{Asset: "ODD", Quantity: m("42"), HasValue: false},
		},
		History: []web.ValuePoint{
			{Day: time.Date(2025, 5, 30, 0, 0, 0, 0, time.UTC), Value: m("11000")},
			{Day: time.Date(2025, 5, 31, 0, 0, 0, 0, time.UTC), Value: m("12345.675")},
		},
		Warnings: []string{"3 entries are quarantined (€120.00 involved)."},
	}
}

// dashSetup is the harness with Reports and a counting syncer, and a user
// alice with one account.
func dashSetup(t *testing.T, view web.PortfolioView) (*env, *portfolioReports, *countingSyncer, *cointally.User, *cointally.Account) {
	t.Helper()
	rep := &portfolioReports{view: view}
	var cs *countingSyncer
	e := setup(t, func(c *web.Config) {
		cs = &countingSyncer{Syncer: c.Syncer}
		c.Syncer = cs
		c.Reports = rep
	})
	alice := e.addUser("alice", "alice-password-1", false)
	acct := &cointally.Account{UserID: alice.ID, Name: "alice-kraken", Exchange: "kraken", Status: cointally.StatusOK}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	return e, rep, cs, alice, acct
}

func finishRun(t *testing.T, e *env, accountID int64, outcome string, reconciled bool, summary string, errs ...string) {
	t.Helper()
	run := &cointally.SyncRun{AccountID: accountID}
	if err := e.store.StartRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	run.Outcome, run.Reconciled, run.Summary, run.Errors = outcome, reconciled, summary, errs
	if err := e.store.FinishRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
}

var inlineScriptRE = regexp.MustCompile(`<script(?:\s[^>]*)?>`)

func TestDashboardFigures(t *testing.T) {
	t.Parallel()
	e, rep, cs, alice, acct := dashSetup(t, readyPortfolio())
	finishRun(t, e, acct.ID, cointally.OutcomeOK, true, "complete: 3 chains match Kraken")
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	w := b.get("/")
	wantStatus(t, w, http.StatusOK, "dashboard")
	body := w.Body.String()
	for _, want := range []string{
		"€12,345.68", // total, half even from 12345.675
		"-€250.50",   // realised
		"€4,000.00",  // unrealised
		"€12.34",     // income, half even from 12.345
		"Realised gain 2025",
		`class="chart chart-line"`, `class="chart chart-donut"`,
		"<title>2025-05-31: €12,345.68</title>",
		"<title>BTC 0.12345678: €9,259.26 (75.00%)</title>",
		"0.12345678", "-€259.26", "no price",
		"3 entries are quarantined (€120.00 involved).",
		`<script src="/static/chart.js" defer></script>`,
		`title="complete: 3 chains match Kraken">yes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, tag := range inlineScriptRE.FindAllString(body, -1) {
		if !strings.Contains(tag, `src="/static/`) {
			t.Errorf("inline script on the dashboard: %s", tag)
		}
	}
	if got, want := rep.lastCall(), fmt.Sprintf("%d/EUR", alice.ID); got != want {
		t.Errorf("Portfolio called as %q, want %q", got, want)
	}
	if n := cs.count(); n != 0 {
		t.Errorf("the dashboard reconciled %d times; it must use the recorded verdict", n)
	}
	if w.Header().Get("Refresh") != "" {
		t.Error("a ready dashboard refreshes itself")
	}
}

func TestDashboardCurrencySetting(t *testing.T) {
	t.Parallel()
	e, rep, _, alice, _ := dashSetup(t, readyPortfolio())
	if err := e.store.PutSetting(t.Context(), alice.ID, cointally.SettingCurrency, "usd"); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	body := b.get("/").Body.String()
	if got, want := rep.lastCall(), fmt.Sprintf("%d/USD", alice.ID); got != want {
		t.Errorf("Portfolio called as %q, want %q", got, want)
	}
	if !strings.Contains(body, "$12,345.68") || strings.Contains(body, "€12,345.68") {
		t.Error("the total is not shown in dollars")
	}
}

func TestDashboardNotReady(t *testing.T) {
	t.Parallel()
	e, _, _, _, _ := dashSetup(t, web.PortfolioView{Ready: false, Status: "valuing 120,000 events"})
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	w := b.get("/")
	wantStatus(t, w, http.StatusOK, "dashboard")
	if !strings.Contains(w.Body.String(), "valuing 120,000 events") {
		t.Error("the status of the computation is not shown")
	}
	if w.Header().Get("Refresh") == "" {
		t.Error("a dashboard still computing does not refresh")
	}
	if strings.Contains(w.Body.String(), "chart-line") {
		t.Error("charts drawn before the figures are ready")
	}
}

func TestDashboardWarnings(t *testing.T) {
	t.Parallel()
	view := readyPortfolio()
	// Reports may say the same as the dashboard's own verdicts.
	view.Warnings = append(view.Warnings, "alice-kraken: the history does not reconcile (XXBT: 2 entries missing).")
	e, _, _, alice, acct := dashSetup(t, view)
	finishRun(t, e, acct.ID, cointally.OutcomeOK, false, "XXBT: 2 entries missing")
	bad := &cointally.Account{UserID: alice.ID, Name: "old-key", Exchange: "kraken", Status: cointally.StatusNeedsNewKey, StatusReason: "The key was revoked."}
	if err := e.store.CreateAccount(t.Context(), bad, nil); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	body := b.get("/").Body.String()
	if n := strings.Count(body, "alice-kraken: the history does not reconcile"); n != 1 {
		t.Errorf("the verdict is listed %d times, want once", n)
	}
	for _, want := range []string{
		"alice-kraken: the history does not reconcile (XXBT: 2 entries missing).",
		"old-key: Kraken no longer accepts this key",
		"3 entries are quarantined",
		"not checked yet", // old-key never finished a sync
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks warning %q", want)
		}
	}
}

func TestDashboardWithoutReports(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", false)
	if err := e.store.CreateAccount(t.Context(), &cointally.Account{UserID: alice.ID, Name: "k", Exchange: "kraken"}, nil); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	w := b.get("/")
	wantStatus(t, w, http.StatusOK, "dashboard without Reports")
	if !strings.Contains(w.Body.String(), `href="/accounts/`) {
		t.Error("the account list is missing")
	}
}
