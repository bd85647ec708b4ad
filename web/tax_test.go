package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/report"
	"github.com/cointally/cointally/web"
)

// fakeReports answers with figures that name the user they were computed
// for (proceeds of userID × 1000), and records every call.
type fakeReports struct {
	mu    sync.Mutex
	ready bool
	calls []string // "tax user year method currency", "export user kind"
}

func (f *fakeReports) record(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
}

func (f *fakeReports) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeReports) Portfolio(ctx context.Context, userID int64, currency string) (*web.PortfolioView, error) {
	return &web.PortfolioView{Ready: true, Currency: "EUR"}, nil
}

func fill(q web.TaxQuery) web.TaxQuery {
	if q.Year == 0 {
		q.Year = 2024
	}
	if q.Method == "" {
		q.Method = "fifo"
	}
	if q.Currency == "" {
		q.Currency = "EUR"
	}
	return q
}

func (f *fakeReports) Tax(ctx context.Context, userID int64, q web.TaxQuery) (*web.TaxView, error) {
	q = fill(q)
	f.record(fmt.Sprintf("tax %d %d %s %s", userID, q.Year, q.Method, q.Currency))
	f.mu.Lock()
	ready := f.ready
	f.mu.Unlock()
	if !ready {
		return &web.TaxView{Query: q, Status: "reading 1,234 ledger entries"}, nil
	}
	m, _ := costbasis.ParseMethod(q.Method)
	proceeds := money.FromInt(userID * 1000)
	var ds []cointally.Disposal
	for i := range 205 {
		ds = append(ds, cointally.Disposal{Asset: "BTC", Quantity: money.MustParse("0.1"), Proceeds: money.FromInt(int64(i)),
			Cost: money.FromInt(1), Gain: money.FromInt(int64(i - 1)), Disposed: time.Date(q.Year, 3, 1, 0, 0, 0, 0, time.UTC)})
	}
	period := costbasis.CalendarYear(q.Year, nil)
	g := &report.Gains{Year: q.Year, Method: m, Currency: q.Currency, Period: period, Disposals: ds,
		Totals: costbasis.Totals{Disposals: 205, Proceeds: proceeds, Cost: money.MustParse("12.5"), Gain: proceeds.Sub(money.MustParse("12.5")), ValueUnknown: 2},
		Banner: &report.Banner{Currency: q.Currency, Value: money.MustParse("99.5"),
			Groups: []report.QuarantineLine{{Time: period.Start, RefID: "QREF-1", Note: "unknown pair", LedgerIDs: []string{"LQ-1"}}}}}
	in := &report.Income{Year: q.Year, Currency: q.Currency, Period: period, Total: money.MustParse("3.25"),
		Lines:  []report.IncomeLine{{Time: period.Start, Kind: "staking-reward", Asset: "DOT", Quantity: money.MustParse("1"), Value: money.MustParse("3.25")}},
		ByKind: []report.KindTotal{{Kind: "staking-reward", Count: 1, Value: money.MustParse("3.25")}}}
	cmp := &report.Comparison{Year: q.Year, Currency: q.Currency}
	for _, mm := range []costbasis.Method{costbasis.FIFO, costbasis.LIFO, costbasis.HIFO, costbasis.Average, costbasis.UK} {
		cmp.Rows = append(cmp.Rows, report.ComparisonRow{Method: mm, Period: period, Totals: costbasis.Totals{Gain: money.FromInt(int64(mm) * 7)}})
	}
	return &web.TaxView{Ready: true, Query: q, Gains: g, Income: in, Compare: cmp, Years: []int{2025, 2024, 2023}}, nil
}

func (f *fakeReports) TaxExport(ctx context.Context, userID int64, q web.TaxQuery, kind string, w io.Writer) error {
	q = fill(q)
	f.record(fmt.Sprintf("export %d %s", userID, kind))
	_, err := fmt.Fprintf(w, "kind,user,year,method,currency\n%s,%d,%d,%s,%s\n", kind, userID, q.Year, q.Method, q.Currency)
	return err
}

func taxEnv(t *testing.T, ready bool) (*env, *fakeReports) {
	f := &fakeReports{ready: ready}
	e := setup(t, func(c *web.Config) { c.Reports, c.Vault = f, &fakeVault{mode: "passphrase"} })
	return e, f
}

func TestTaxPage(t *testing.T) {
	t.Parallel()
	e, f := taxEnv(t, true)
	alice := e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	resp := b.get("/tax?year=2023&method=hifo&currency=usd")
	wantStatus(t, resp, http.StatusOK, "tax")
	body := html.UnescapeString(resp.Body.String())
	if got := f.called(); got[len(got)-1] != fmt.Sprintf("tax %d 2023 hifo USD", alice.ID) {
		t.Errorf("Reports.Tax called as %v", got)
	}
	for _, want := range []string{
		"This year's figures are uncertain", "1 unclassified ledger group worth about 99.50 USD", "QREF-1", // the banner
		"2 disposals or receipts involve a value cointally could not price",
		fmt.Sprintf("%d.00", alice.ID*1000), // proceeds
		"and 5 more disposals",              // capped at 200
		"staking-reward", "3.25",            // income
		`id="compare"`, "average", // comparison
		"/tax/export?currency=USD&kind=8949&method=hifo&year=2023", // downloads keep the query
		`<option selected>2023</option>`, `<option selected>hifo</option>`, `<option selected>USD</option>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the tax page lacks %q", want)
		}
	}
	if strings.Index(body, "uncertain") > strings.Index(body, `id="disposals"`) {
		t.Error("the banner is not above the figures")
	}
	if n := strings.Count(body, "<td>BTC</td>"); n != 200 {
		t.Errorf("%d disposals listed, want the first 200", n)
	}
	// Average cost has no holding periods: no Form 8949, no term columns.
	avg := b.get("/tax?year=2023&method=average").Body.String()
	if strings.Contains(avg, "kind=8949") || strings.Contains(avg, "Short term") || !strings.Contains(avg, "kind=disposals") {
		t.Error("the average-cost page offers Form 8949 or term figures")
	}
}

func TestTaxComputing(t *testing.T) {
	t.Parallel()
	e, _ := taxEnv(t, false)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	resp := b.get("/tax")
	wantStatus(t, resp, http.StatusOK, "tax while computing")
	if resp.Header().Get("Refresh") == "" {
		t.Error("the computing page does not refresh itself")
	}
	if body := resp.Body.String(); !strings.Contains(body, "reading 1,234 ledger entries") || strings.Contains(body, `id="disposals"`) {
		t.Errorf("computing page:\n%s", body)
	}
}

func TestTaxWithoutReports(t *testing.T) {
	t.Parallel()
	e := setup(t)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	resp := b.get("/tax")
	wantStatus(t, resp, http.StatusOK, "tax")
	if !strings.Contains(resp.Body.String(), "Reports are not available") {
		t.Error("no word on missing reports")
	}
	wantStatus(t, b.get("/tax/export?kind=income"), http.StatusServiceUnavailable, "export without reports")
}

func TestTaxExport(t *testing.T) {
	t.Parallel()
	e, f := taxEnv(t, true)
	alice := e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	for _, kind := range []string{"disposals", "8949", "uk", "audit", "income"} {
		resp := b.get("/tax/export?year=2024&method=lifo&currency=GBP&kind=" + kind)
		wantStatus(t, resp, http.StatusOK, kind)
		if cd := resp.Header().Get("Content-Disposition"); cd != `attachment; filename="cointally-`+kind+`-2024.csv"` {
			t.Errorf("%s: Content-Disposition %q", kind, cd)
		}
		if want := fmt.Sprintf("%s,%d,2024,lifo,GBP\n", kind, alice.ID); !strings.HasSuffix(resp.Body.String(), want) {
			t.Errorf("%s: body %q, want %q", kind, resp.Body, want)
		}
	}
	if n := len(f.called()); n != 5 {
		t.Errorf("%d calls, want 5", n)
	}
}

func TestTaxBadQuery(t *testing.T) {
	t.Parallel()
	e, f := taxEnv(t, true)
	e.addUser("alice", "alice-password-1", false)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	for _, tt := range []struct{ path, want string }{
		{"/tax?year=abc", "not a year"},
		{"/tax?year=1999", "not a year"},
		{"/tax?method=magic", "not one of fifo"},
		{"/tax?currency=XYZ", "not one of EUR"},
		{"/tax/export?kind=passwords", "Choose an export"},
		{"/tax/export?kind=income&year=20x4", "not a year"},
		{"/tax/export?kind=income&currency=e", "not one of EUR"},
	} {
		resp := b.get(tt.path)
		wantStatus(t, resp, http.StatusBadRequest, tt.path)
		if !strings.Contains(resp.Body.String(), tt.want) {
			t.Errorf("%s: the page does not say %q", tt.path, tt.want)
		}
	}
	if got := f.called(); len(got) != 0 {
		t.Errorf("bad queries reached Reports: %v", got)
	}
}

func TestTaxIsolation(t *testing.T) {
	t.Parallel()
	e, f := taxEnv(t, true)
	alice := e.addUser("alice", "alice-password-1", false)
	bob := e.addUser("bob", "bob-password-12", false)
	b := e.browser()
	b.mustLogin("bob", "bob-password-12")
	body := b.get("/tax").Body.String()
	if !strings.Contains(body, fmt.Sprintf("%d.00", bob.ID*1000)) {
		t.Error("bob does not see his own figures")
	}
	for _, path := range []string{fmt.Sprintf("/tax?as=%d", alice.ID), fmt.Sprintf("/tax/export?kind=audit&as=%d", alice.ID)} {
		wantStatus(t, b.get(path), http.StatusNotFound, path+" without a grant")
	}
	for _, c := range f.called() {
		if strings.HasPrefix(c, fmt.Sprintf("tax %d ", alice.ID)) || strings.HasPrefix(c, fmt.Sprintf("export %d ", alice.ID)) {
			t.Errorf("bob's requests read alice's reports: %s", c)
		}
	}
	// With alice's grant bob reads them, read-only.
	if err := e.store.PutGrant(t.Context(), alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	resp := b.get(fmt.Sprintf("/tax?as=%d", alice.ID))
	wantStatus(t, resp, http.StatusOK, "tax through a grant")
	if body := resp.Body.String(); !strings.Contains(body, "read-only") || !strings.Contains(body, fmt.Sprintf("%d.00", alice.ID*1000)) ||
		!strings.Contains(body, fmt.Sprintf("as=%d", alice.ID)) {
		t.Errorf("granted tax page:\n%s", body)
	}
	wantStatus(t, b.get(fmt.Sprintf("/tax/export?kind=audit&as=%d", alice.ID)), http.StatusOK, "export through a grant")
}
