package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
	"github.com/cointally/cointally/report"
	"github.com/cointally/cointally/web"
)

// webReports implements web.Reports with the CLI's pipeline (loadBooks,
// costbasis, the report package), so the web and the command line give the
// same figures.
//
// A report of a large history takes seconds, so each is computed in a
// background goroutine and the request answers at once with Ready false.
// Computations run one at a time (a 1,000,000-entry book needs most of a
// gigabyte), and two requests for the same report share one. Only the
// small results are kept (the views, never a Book), at most perUser per
// user, least recently used first out, keyed by the query, the user's
// settings and the ledger version of each of the user's accounts: a
// ledger change makes the next request compute afresh and drops the
// user's stale results.
type webReports struct {
	a   *app
	ctx context.Context // the server's lifetime: computations stop with it
	// offline values with cached and imported prices only; interval spaces
	// requests for market data when not offline.
	offline  bool
	interval time.Duration
	perUser  int
	// jobTimeout bounds one computation.
	jobTimeout time.Duration

	sem chan struct{} // one computation at a time

	mu       sync.Mutex
	cache    map[int64][]*reportEntry // per user, most recently used first
	jobs     map[string]*reportJob    // queued or running, by user and key
	userJobs map[int64]int            // jobs per user
}

// reportEntry is a cached result.
type reportEntry struct {
	key      string
	versions string // the ledger versions it was computed from
	expires  time.Time
	port     *web.PortfolioView
	tax      *taxResult
	failed   string // set when the computation panicked
}

// reportJob is a computation under way.
type reportJob struct {
	done   chan struct{}
	mu     sync.Mutex
	status string
}

func (j *reportJob) setStatus(s string) {
	j.mu.Lock()
	j.status = s
	j.mu.Unlock()
}

func (j *reportJob) getStatus() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.status
}

// taxResult is a TaxView and what its exports need beyond it.
type taxResult struct {
	view    *web.TaxView
	uk      []report.UKYear // with the uk method
	banners *report.Book    // Currency and Quarantine only, for the UK CSV's banner
}

// errorTTL is how long a failed computation's message is shown before the
// next request tries again.
const errorTTL = time.Minute

func newWebReports(ctx context.Context, a *app) *webReports {
	return &webReports{a: a, ctx: ctx, interval: time.Second, perUser: 4, jobTimeout: 30 * time.Minute,
		sem: make(chan struct{}, 1), cache: map[int64][]*reportEntry{}, jobs: map[string]*reportJob{}, userJobs: map[int64]int{}}
}

// settings are the parts of a user's settings that reports depend on.
type userPrefs struct {
	currency string
	method   costbasis.Method
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3,5}$`)

func (w *webReports) prefs(ctx context.Context, userID int64, currency string) (userPrefs, error) {
	set, err := w.a.store.Settings(ctx, userID)
	if err != nil {
		return userPrefs{}, fmt.Errorf("reading the settings: %w", err)
	}
	p := userPrefs{currency: "EUR", method: costbasis.FIFO}
	if c := set[cointally.SettingCurrency]; c != "" {
		p.currency = c
	}
	if currency != "" {
		p.currency = strings.ToUpper(strings.TrimSpace(currency))
	}
	if !currencyRE.MatchString(p.currency) {
		return userPrefs{}, cointally.Errorf(cointally.KindInvalid, "%q is not a currency code: use 3 to 5 capital letters, such as EUR", p.currency)
	}
	if m := set[cointally.SettingMethod]; m != "" {
		if p.method, err = costbasis.ParseMethod(m); err != nil {
			p.method = costbasis.FIFO // a bad stored setting falls back to the default
		}
	}
	return p, nil
}

// versions returns the user's accounts and a key naming the ledger version
// of each.
func (w *webReports) versions(ctx context.Context, userID int64) ([]*cointally.Account, string, error) {
	accts, err := w.a.store.Accounts(ctx, userID)
	if err != nil {
		return nil, "", fmt.Errorf("reading the accounts: %w", err)
	}
	var b strings.Builder
	for _, acct := range accts {
		v, err := w.a.store.LedgerVersion(ctx, acct.ID)
		if err != nil {
			return nil, "", fmt.Errorf("reading the ledger version of %s: %w", acct.Name, err)
		}
		fmt.Fprintf(&b, "%d:%d;", acct.ID, v)
	}
	return accts, b.String(), nil
}

// lookup returns the cached entry for key, dropping the user's entries
// computed from other ledger versions and expired ones. Called with mu held.
func (w *webReports) lookup(userID int64, key, versions string) *reportEntry {
	now := time.Now()
	list := w.cache[userID][:0:0]
	var hit *reportEntry
	for _, e := range w.cache[userID] {
		if e.versions != versions || (!e.expires.IsZero() && now.After(e.expires)) {
			continue
		}
		if e.key == key {
			hit = e
			continue
		}
		list = append(list, e)
	}
	if hit != nil {
		list = append([]*reportEntry{hit}, list...)
	}
	if len(list) == 0 {
		delete(w.cache, userID)
	} else {
		w.cache[userID] = list
	}
	return hit
}

// store caches e as the user's most recent entry. Called with mu held.
func (w *webReports) store(userID int64, e *reportEntry) {
	list := []*reportEntry{e}
	for _, old := range w.cache[userID] {
		if old.key != e.key && len(list) < w.perUser {
			list = append(list, old)
		}
	}
	w.cache[userID] = list
}

// maxJobsPerUser bounds the computations queued for one user (years and
// methods clicked through quickly): beyond it a request is refused until
// they finish.
const maxJobsPerUser = 3

var errBusy = &cointally.Error{Kind: cointally.KindUnavailable,
	Message: "Several of your reports are being computed already: wait for them to finish, then reload the page."}

// get returns the cached entry for key or starts computing it and returns
// the job. There is at most one job per user and key: a request while it
// runs shares it, even when the ledger changed since it started (its
// result is then stale and the next request computes again), so a sync
// that commits a page every second does not pile up computations.
func (w *webReports) get(userID int64, key, versions string, compute func(ctx context.Context, j *reportJob) *reportEntry) (*reportEntry, *reportJob, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.lookup(userID, key, versions); e != nil {
		return e, nil, nil
	}
	jobKey := fmt.Sprintf("%d|%s", userID, key)
	if j := w.jobs[jobKey]; j != nil {
		return nil, j, nil
	}
	if w.userJobs[userID] >= maxJobsPerUser {
		return nil, nil, errBusy
	}
	j := &reportJob{done: make(chan struct{}), status: "waiting for another report to finish"}
	w.jobs[jobKey] = j
	w.userJobs[userID]++
	go func() {
		defer close(j.done)
		var e *reportEntry
		select {
		case w.sem <- struct{}{}:
			ctx, cancel := context.WithTimeout(w.ctx, w.jobTimeout)
			e = w.run(ctx, j, compute)
			cancel()
			<-w.sem
		case <-w.ctx.Done():
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.jobs, jobKey)
		if w.userJobs[userID]--; w.userJobs[userID] <= 0 {
			delete(w.userJobs, userID)
		}
		if e != nil && w.ctx.Err() == nil {
			e.key, e.versions = key, versions
			w.store(userID, e)
		}
	}()
	return nil, j, nil
}

// run calls compute, turning a panic into a failed result: a bug in a
// report must not take the server down.
func (w *webReports) run(ctx context.Context, j *reportJob, compute func(ctx context.Context, j *reportJob) *reportEntry) (e *reportEntry) {
	defer func() {
		if p := recover(); p != nil {
			w.a.log.Error("web: a report panicked", "panic", p, "stack", string(debug.Stack()))
			e = &reportEntry{expires: time.Now().Add(errorTTL), failed: "The report could not be computed because of a bug; the server log has the details."}
		}
	}()
	return compute(ctx, j)
}

// wait waits for j or ctx, then looks the result up again.
func (w *webReports) wait(ctx context.Context, j *reportJob) error {
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return &cointally.Error{Kind: cointally.KindUnavailable, Message: "The report is still being computed: try again in a moment.", Err: ctx.Err()}
	}
}

// forUser is the app acting for the user: loadBooks and the events cache
// read the user's accounts.
func (w *webReports) forUser(ctx context.Context, userID int64) (*app, error) {
	u, err := w.a.store.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	// Not a copy of the whole app: its vault is opened lazily by other
	// requests, and reports never need it.
	return &app{cfg: w.a.cfg, env: w.a.env, store: w.a.store, log: w.a.log, user: u}, nil
}

func (w *webReports) flags(currency string) *reportFlags {
	rf := addReportFlags(flag.NewFlagSet("web", flag.ContinueOnError))
	*rf.currency = currency
	*rf.offline = w.offline
	*rf.interval = w.interval
	return rf
}

// load reads and values the user's books, telling j what it does.
func (w *webReports) load(ctx context.Context, j *reportJob, userID int64, currency string) (*app, *books, error) {
	ua, err := w.forUser(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	accts, err := ua.store.Accounts(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	n := 0
	for _, acct := range accts {
		if k, err := ua.store.EntryCount(ctx, acct.ID); err == nil {
			n += k
		}
	}
	j.setStatus(fmt.Sprintf("reading and valuing %s ledger entries in %s", groupThousands(n), currency))
	b, err := ua.loadBooks(ctx, w.flags(currency))
	return ua, b, err
}

// failed is the entry for a computation that failed: the message, for a
// while.
func (w *webReports) failed(err error) string {
	if w.ctx.Err() == nil {
		w.a.log.Warn("web: a report failed", "error", err)
	}
	var ce *cointally.Error
	if errors.As(err, &ce) && ce.Message != "" && ce.Kind != cointally.KindOther {
		return ce.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The report took too long to compute."
	}
	return "The report could not be computed: " + userError(err).Error()
}

func noAccounts() string {
	return "No exchange accounts yet: add one and let its first import finish."
}

// Portfolio implements web.Reports.
func (w *webReports) Portfolio(ctx context.Context, userID int64, currency string) (*web.PortfolioView, error) {
	p, err := w.prefs(ctx, userID, currency)
	if err != nil {
		return nil, err
	}
	accts, versions, err := w.versions(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := w.a.env.now().UTC()
	if len(accts) == 0 {
		return &web.PortfolioView{Ready: true, Currency: p.currency, Year: now.Year(), AsOf: now, Error: noAccounts()}, nil
	}
	day := now.Truncate(24 * time.Hour)
	key := fmt.Sprintf("portfolio|%s|%s|%s", p.currency, p.method, day.Format(time.DateOnly))
	e, j, err := w.get(userID, key, versions, func(ctx context.Context, j *reportJob) *reportEntry {
		v, err := w.portfolio(ctx, j, userID, p, accts)
		if err != nil {
			return &reportEntry{expires: time.Now().Add(errorTTL), port: &web.PortfolioView{Ready: true, Currency: p.currency,
				Year: now.Year(), AsOf: now, Error: w.failed(err)}}
		}
		return &reportEntry{port: v}
	})
	switch {
	case err != nil:
		return nil, err
	case e != nil && e.failed != "":
		return &web.PortfolioView{Ready: true, Currency: p.currency, Year: now.Year(), AsOf: now, Error: e.failed}, nil
	case e != nil:
		return e.port, nil
	}
	return &web.PortfolioView{Currency: p.currency, Year: now.Year(), Status: j.getStatus()}, nil
}

func (w *webReports) portfolio(ctx context.Context, j *reportJob, userID int64, p userPrefs, accts []*cointally.Account) (*web.PortfolioView, error) {
	_, b, err := w.load(ctx, j, userID, p.currency)
	if err != nil {
		return nil, err
	}
	now := w.a.env.now().UTC()
	j.setStatus(fmt.Sprintf("computing gains by %s over %s events", p.method, groupThousands(b.book.Events)))
	res, err := compute(b.book, p.method)
	if err != nil {
		return nil, err
	}
	// As `cointally holdings`: the last complete UTC day's price.
	at := now.Truncate(24*time.Hour).AddDate(0, 0, -1)
	h, err := report.NewHoldings(b.book, res, at, chainValue(ctx, b))
	if ferr := b.market.Flush(context.WithoutCancel(ctx)); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	v := &web.PortfolioView{Ready: true, Currency: b.currency, AsOf: now, Total: h.Value, Year: now.Year(), Unrealised: h.Gain}
	for _, r := range h.Rows {
		hv := web.HoldingView{Asset: r.Asset, Quantity: r.Quantity, Cost: r.Cost, Value: r.Value, Unrealised: r.Gain,
			HasValue: r.Priced, Source: r.PriceSource}
		if r.Priced && h.Value.IsPositive() {
			hv.Percent, _ = r.Value.Mul(money.FromInt(100)).Div(h.Value, 2, money.HalfEven)
		}
		if !r.Priced {
			v.Warnings = append(v.Warnings, fmt.Sprintf("%s has no price in %s: its %s units are not in the total.", r.Asset, b.currency, r.Quantity))
		}
		v.Holdings = append(v.Holdings, hv)
	}
	sort.SliceStable(v.Holdings, func(i, k int) bool { return v.Holdings[i].Value.Cmp(v.Holdings[k].Value) > 0 })
	g := report.NewGains(b.book, res, now.Year())
	v.Realised = g.Totals.Gain
	v.Income = report.NewIncome(b.book, now.Year(), costbasis.CalendarYear(now.Year(), nil)).Total
	if h.Banner != nil {
		v.Warnings = append([]string{h.Banner.Headline() + " see the tax page."}, v.Warnings...)
	}
	// The history prices days before the daily candles by their week's
	// candle (one request per pair) instead of one request per day, which
	// would take hours at Kraken's pace; those prices serve the chart only.
	b.market.Coarse = true
	j.setStatus("valuing the history day by day")
	hist, warns, err := valueHistory(ctx, b.book.Txns, b.chain, b.currency, at)
	if err != nil {
		return nil, err
	}
	v.History = hist
	v.Warnings = append(v.Warnings, warns...)
	for _, acct := range accts {
		runs, err := w.a.store.Runs(ctx, acct.ID, 1)
		if err != nil {
			return nil, err
		}
		// Whether it reconciles the dashboard tells from the account's
		// latest run, fresher than this view.
		if len(runs) == 0 {
			v.Warnings = append(v.Warnings, acct.Name+": not synced yet.")
		}
	}
	return v, nil
}

// chainValue values holdings as `cointally holdings` does.
func chainValue(ctx context.Context, b *books) report.PriceFunc {
	return func(asset string, qty money.Amount, t time.Time) (money.Amount, string, error) {
		q, err := b.chain.Price(ctx, asset, b.currency, t)
		if err != nil {
			return money.Amount{}, "", err
		}
		return qty.Mul(q.Price).Round(report.ValuePlaces, money.HalfEven), q.Source, nil
	}
}

// valueHistory returns the value of the holdings at the end of each UTC day
// from the first Txn's day to last, in one pass over txns (in time order)
// and one price lookup per day and asset held. A day without a price
// carries the asset's last known one; the warnings say which assets that
// concerns.
func valueHistory(ctx context.Context, txns []cointally.Txn, prices price.Source, currency string, last time.Time) ([]web.ValuePoint, []string, error) {
	if len(txns) == 0 {
		return nil, nil, nil
	}
	first := txns[0].Time.UTC().Truncate(24 * time.Hour)
	last = last.UTC().Truncate(24 * time.Hour)
	if last.Before(first) {
		last = first
	}
	type held struct {
		qty     money.Amount
		price   money.Amount
		priced  bool // a price was found on some day so far
		carried int  // days valued at a carried price
		none    int  // days with units but no price ever
	}
	assets := map[string]*held{}
	var order []string
	out := make([]web.ValuePoint, 0, int(last.Sub(first)/(24*time.Hour))+1)
	i := 0
	for day := first; !day.After(last); day = day.AddDate(0, 0, 1) {
		end := day.AddDate(0, 0, 1)
		for ; i < len(txns) && txns[i].Time.Before(end); i++ {
			t := &txns[i]
			h := assets[t.Asset]
			if h == nil {
				h = &held{}
				assets[t.Asset] = h
				order = append(order, t.Asset)
			}
			if t.Kind == cointally.Acquire {
				h.qty = h.qty.Add(t.Quantity)
			} else {
				h.qty = h.qty.Sub(t.Quantity)
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		var total money.Amount
		for _, a := range order {
			h := assets[a]
			if !h.qty.IsPositive() {
				continue
			}
			q, err := prices.Price(ctx, a, currency, day)
			switch {
			case err == nil:
				h.price, h.priced = q.Price, true
			case !price.IsNoPrice(err):
				return nil, nil, err
			case h.priced:
				h.carried++
			default:
				h.none++
				continue
			}
			total = total.Add(h.qty.Mul(h.price))
		}
		out = append(out, web.ValuePoint{Day: day, Value: total.Round(report.ValuePlaces, money.HalfEven)})
	}
	slices.Sort(order)
	var warns []string
	for _, a := range order {
		h := assets[a]
		if h.carried > 0 {
			warns = append(warns, fmt.Sprintf("The value chart carries the last known price of %s over %d days without one.", a, h.carried))
		}
		if h.none > 0 {
			warns = append(warns, fmt.Sprintf("The value chart leaves out %s on %d days before its first known price.", a, h.none))
		}
	}
	return out, warns, nil
}

// Tax implements web.Reports.
func (w *webReports) Tax(ctx context.Context, userID int64, q web.TaxQuery) (*web.TaxView, error) {
	r, j, err := w.tax(ctx, userID, q)
	if err != nil {
		return nil, err
	}
	if r != nil {
		return r.view, nil
	}
	return &web.TaxView{Query: q, Status: j.getStatus()}, nil
}

// normalize checks q and fills in the user's defaults.
func (w *webReports) normalize(ctx context.Context, userID int64, q web.TaxQuery) (web.TaxQuery, userPrefs, error) {
	p, err := w.prefs(ctx, userID, q.Currency)
	if err != nil {
		return q, p, err
	}
	q.Currency = p.currency
	m := p.method
	if q.Method != "" {
		if m, err = costbasis.ParseMethod(q.Method); err != nil {
			return q, p, err
		}
	}
	q.Method = m.String()
	if now := w.a.env.now().Year(); q.Year == 0 {
		q.Year = now
	} else if q.Year < 2009 || q.Year > now+1 {
		return q, p, cointally.Errorf(cointally.KindInvalid, "%d is not a year with crypto activity: choose one from 2009 to %d", q.Year, now+1)
	}
	return q, p, nil
}

func (w *webReports) tax(ctx context.Context, userID int64, q web.TaxQuery) (*taxResult, *reportJob, error) {
	q, _, err := w.normalize(ctx, userID, q)
	if err != nil {
		return nil, nil, err
	}
	accts, versions, err := w.versions(ctx, userID)
	if err != nil {
		return nil, nil, err
	}
	if len(accts) == 0 {
		return &taxResult{view: &web.TaxView{Ready: true, Query: q, Error: noAccounts()}}, nil, nil
	}
	key := fmt.Sprintf("tax|%d|%s|%s", q.Year, q.Method, q.Currency)
	e, j, err := w.get(userID, key, versions, func(ctx context.Context, j *reportJob) *reportEntry {
		r, err := w.computeTax(ctx, j, userID, q)
		if err != nil {
			return &reportEntry{expires: time.Now().Add(errorTTL), tax: &taxResult{view: &web.TaxView{Ready: true, Query: q, Error: w.failed(err)}}}
		}
		return &reportEntry{tax: r}
	})
	switch {
	case err != nil:
		return nil, nil, err
	case e != nil && e.failed != "":
		return &taxResult{view: &web.TaxView{Ready: true, Query: q, Error: e.failed}}, nil, nil
	case e != nil:
		return e.tax, nil, nil
	}
	return nil, j, nil
}

func (w *webReports) computeTax(ctx context.Context, j *reportJob, userID int64, q web.TaxQuery) (*taxResult, error) {
	_, b, err := w.load(ctx, j, userID, q.Currency)
	if err != nil {
		return nil, err
	}
	m, err := costbasis.ParseMethod(q.Method)
	if err != nil {
		return nil, err
	}
	j.setStatus(fmt.Sprintf("computing gains by %s over %s events", m, groupThousands(b.book.Events)))
	res, err := compute(b.book, m)
	if err != nil {
		return nil, err
	}
	// Income over the same period as the gains: the UK tax year for uk, as
	// `cointally income --period uk`.
	period := costbasis.CalendarYear(q.Year, nil)
	if m == costbasis.UK {
		period = res.Year(q.Year)
	}
	v := &web.TaxView{Ready: true, Query: q, Gains: report.NewGains(b.book, res, q.Year),
		Income: report.NewIncome(b.book, q.Year, period)}
	r := &taxResult{view: v, banners: &report.Book{Currency: b.book.Currency, Quarantine: b.book.Quarantine}}
	if m == costbasis.UK {
		if r.uk, err = report.UKSummary(res, q.Year, q.Year); err != nil {
			return nil, err
		}
	}
	res = nil
	j.setStatus("comparing the methods")
	if v.Compare, err = report.Compare(b.book, q.Year, func(m costbasis.Method) costbasis.Options {
		o, _ := costOptions(m)
		return o
	}); err != nil {
		return nil, err
	}
	years := map[int]bool{}
	for i := range b.book.Txns {
		years[b.book.Txns[i].Time.UTC().Year()] = true
	}
	for _, l := range b.book.Margin {
		years[l.Time.UTC().Year()] = true
	}
	for y := range years {
		v.Years = append(v.Years, y)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(v.Years)))
	return r, nil
}

// TaxExport implements web.Reports. It waits for the computation when the
// report is not ready yet.
func (w *webReports) TaxExport(ctx context.Context, userID int64, q web.TaxQuery, kind string, out io.Writer) error {
	switch kind {
	case "disposals", "8949", "audit", "income":
	case "uk":
		q.Method = costbasis.UK.String() // the UK summary sums UK share pooling
	default:
		return cointally.Errorf(cointally.KindInvalid, "unknown export %q: use disposals, 8949, uk, audit or income", kind)
	}
	var r *taxResult
	for r == nil {
		var j *reportJob
		var err error
		if r, j, err = w.tax(ctx, userID, q); err != nil {
			return err
		}
		if r == nil {
			if err := w.wait(ctx, j); err != nil {
				return err
			}
		}
	}
	v := r.view
	if v.Error != "" {
		return &cointally.Error{Kind: cointally.KindUnavailable, Message: v.Error}
	}
	switch kind {
	case "disposals":
		return v.Gains.WriteDisposalsCSV(out)
	case "8949":
		return v.Gains.Write8949(out)
	case "audit":
		return v.Gains.WriteAudit(out)
	case "income":
		return v.Income.WriteCSV(out)
	}
	return report.WriteUKSummaryCSV(out, r.banners, r.uk)
}

// groupThousands writes n with thousands separators: 1,234,567.
func groupThousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + groupThousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// userSyncInterval is the time between scheduled syncs of the user's
// accounts: the user's SettingSyncInterval when set and valid, else def
// (the server's --sync-interval). An account's own SyncInterval wins over
// both; the scheduler applies that.
func userSyncInterval(ctx context.Context, st cointally.SettingStore, userID int64, def time.Duration) time.Duration {
	set, err := st.Settings(ctx, userID)
	if err != nil {
		return def
	}
	v, err := cointally.CheckSetting(cointally.SettingSyncInterval, set[cointally.SettingSyncInterval])
	if err != nil || v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def
	}
	return d
}
