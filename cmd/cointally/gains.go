package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"
	_ "time/tzdata" // Europe/London for the UK rules, on systems without zoneinfo

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/price"
	"github.com/cointally/cointally/report"
)

// reportFlags are the flags every report takes.
type reportFlags struct {
	currency      *string
	account       *string
	offline       *bool
	interval      *time.Duration
	withdrawalFee *string
	feeCredits    *string
	depositCost   *string
}

func addReportFlags(fs *flag.FlagSet) *reportFlags {
	return &reportFlags{
		currency:      fs.String("currency", "", "report currency: EUR, USD, GBP, ... (default: the currency setting, else EUR)"),
		account:       fs.String("account", "", "only this account (default: all of yours)"),
		offline:       fs.Bool("offline", false, "use only cached and imported prices; fetch nothing from Kraken"),
		interval:      fs.Duration("request-interval", time.Second, "least time between two requests for Kraken market data (Kraken allows about one per second)"),
		withdrawalFee: fs.String("withdrawal-fee", string(report.FeeDisposal), "a crypto withdrawal fee is a disposal at market value (disposal) or for nothing (loss)"),
		feeCredits:    fs.String("fee-credits", string(report.FeeCreditsZero), "a fee paid in Kraken fee credits (KFEE) is worth nothing (zero) or 0.01 USD per credit (face)"),
		depositCost:   fs.String("deposit-cost", string(report.DepositAtMarket), "the cost of crypto deposited from outside: its market value (market) or nothing (zero); flagged either way"),
	}
}

// books is the valued history of the user's accounts.
type books struct {
	book     *report.Book
	class    *kraken.Classification
	market   *price.Market
	chain    *price.Chain
	currency string
}

// loadBooks reads the ledgers of the selected accounts, classifies them,
// and values the events in the report currency.
func (a *app) loadBooks(ctx context.Context, rf *reportFlags) (*books, error) {
	cur := strings.ToUpper(strings.TrimSpace(*rf.currency))
	if cur == "" {
		var err error
		if cur, err = a.setting(ctx, cointally.SettingCurrency); err != nil {
			return nil, err
		}
	}
	if _, err := cointally.CheckSetting(cointally.SettingCurrency, cur); err != nil {
		return nil, fmt.Errorf("--currency: %w", userError(err))
	}
	var names []string
	if *rf.account != "" {
		names = []string{*rf.account}
	}
	accts, err := a.selectAccounts(ctx, names)
	if err != nil {
		return nil, err
	}
	if len(accts) == 0 {
		return nil, errors.New("no accounts yet; connect one with: cointally account add kraken --name NAME")
	}
	class, err := a.classify(ctx, accts, len(names) == 0)
	if err != nil {
		return nil, err
	}
	chain, market, err := a.prices(ctx, *rf.offline, *rf.interval)
	if err != nil {
		return nil, err
	}
	book, err := report.Value(ctx, class.Events, chain, report.Options{Currency: cur,
		WithdrawalFee: report.WithdrawalFee(*rf.withdrawalFee), FeeCredits: report.FeeCredits(*rf.feeCredits),
		DepositCost: report.DepositCost(*rf.depositCost)})
	// Keep what was fetched, even when valuation failed half way.
	if ferr := market.Flush(context.WithoutCancel(ctx)); err == nil {
		err = ferr
	}
	if err != nil {
		return nil, err
	}
	class.Events = nil // valued; free them for the engine
	if n := market.Fetches(); n > 0 {
		fmt.Fprintf(a.env.stderr, "cointally: made %d requests for Kraken market data; the prices are cached for next time.\n", n)
	}
	return &books{book: book, class: class, market: market, chain: chain, currency: cur}, nil
}

// tuneGC sets the collector for a report command (not for the server, which
// lives on after the report): it builds large structures
// (events, lots, disposals) that live until it ends, so collecting at
// every doubling of the heap is mostly wasted work. The heap may grow to
// three times what is live, with a soft limit of 800 MiB (the collector
// works harder near it). GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(800 << 20)
	}
}

// classify returns the events of the accounts' ledgers: from the events
// cache when it holds them, else by reading and classifying the ledgers
// (and then caching the result).
func (a *app) classify(ctx context.Context, accts []*cointally.Account, all bool) (*kraken.Classification, error) {
	key, err := a.eventCacheKey(ctx, accts)
	if err != nil {
		return nil, err
	}
	path := a.eventCachePath(accts, all)
	c, ok, err := readEventCache(path, key)
	if err != nil {
		a.log.Warn("the events cache cannot be read; reading the ledger", "path", path, "error", err)
	}
	if ok {
		return c, nil
	}
	return a.classifyLedgers(ctx, accts, all, path, key)
}

// classifyLedgers reads and classifies the accounts' ledgers and writes the
// result to the events cache at path under key.
func (a *app) classifyLedgers(ctx context.Context, accts []*cointally.Account, all bool, path, key string) (*kraken.Classification, error) {
	var err error
	c := kraken.NewClassifier(kraken.NormalizeAsset)
	n := 0
	for _, acct := range accts {
		if k, err := a.store.EntryCount(ctx, acct.ID); err == nil {
			n += k
		}
	}
	c.Grow(n)
	add := func(e *cointally.Entry) error { c.Add(e); return nil }
	if all {
		err = a.store.UserEntries(ctx, a.user.ID, add)
	} else {
		err = a.store.Entries(ctx, accts[0].ID, add)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the ledger: %w", err)
	}
	class := c.Finish()
	if err := writeEventCache(path, key, class); err != nil {
		a.log.Warn("the events cache cannot be written", "path", path, "error", err)
	}
	return class, nil
}

// costOptions returns the engine's options for a method: UK days are
// counted in London, the others in UTC.
func costOptions(m costbasis.Method) (costbasis.Options, error) {
	if m != costbasis.UK {
		return costbasis.Options{}, nil
	}
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return costbasis.Options{}, fmt.Errorf("loading the Europe/London time zone: %w", err)
	}
	return costbasis.Options{Location: loc}, nil
}

func compute(b *report.Book, m costbasis.Method) (*costbasis.Result, error) {
	opts, err := costOptions(m)
	if err != nil {
		return nil, err
	}
	return costbasis.Compute(b.Txns, m, opts)
}

const gainsUsage = `Usage: cointally gains --year YYYY [--method fifo|lifo|hifo|average|uk] [--currency CODE]
                      [--json | --csv disposals|8949|uk|audit] [--compare]

Capital gains of a year: for uk, --year 2024 is the tax year 6 April 2024 to
5 April 2025; otherwise the calendar year. Output: text (default), --json, or
--csv with one of
  disposals  one row per disposal, exact amounts
  8949       US Form 8949 rows, Part I (short term) then Part II (long term),
             rounded to cents (fifo, lifo or hifo; use --currency USD)
  uk         UK capital gains summary per tax year (disposals, proceeds,
             allowable costs, gains, losses); all years unless --year
  audit      every lot match of every disposal, with ledger IDs
--compare shows the year's totals under every method side by side.

Unclassified ledger groups that could change a report are listed at its top
(in CSV as # lines, and on stderr).

Flags:
`

func runGains(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("gains", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, gainsUsage); fs.PrintDefaults() }
	year := fs.Int("year", 0, "the year (for uk: the tax year starting 6 April of it)")
	method := fs.String("method", "", "cost-basis method: fifo, lifo, hifo, average or uk (default: the method setting, else fifo)")
	asJSON := fs.Bool("json", false, "print JSON")
	csvKind := fs.String("csv", "", "print CSV: disposals, 8949, uk or audit")
	compare := fs.Bool("compare", false, "compare the year's totals under every method")
	rf := addReportFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	m := costbasis.FIFO
	if *method != "" {
		var err error
		if m, err = costbasis.ParseMethod(*method); err != nil {
			return err
		}
	}
	switch *csvKind {
	case "", "disposals", "8949", "audit":
	case "uk":
		if *method == "" {
			m = costbasis.UK
		} else if m != costbasis.UK {
			return errors.New("gains: --csv uk sums UK share pooling: leave out --method or use --method uk")
		}
	default:
		return fmt.Errorf("gains: unknown --csv %q: use disposals, 8949, uk or audit", *csvKind)
	}
	if *asJSON && *csvKind != "" {
		return errors.New("gains: choose --json or --csv, not both")
	}
	if *compare && *csvKind != "" {
		return errors.New("gains: --compare prints text or --json, not CSV")
	}
	if *year == 0 && *csvKind != "uk" {
		fmt.Fprintln(e.stderr, "cointally gains: --year is required (see cointally gains -h)")
		return errUsage
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	if *method == "" && *csvKind != "uk" {
		name, err := a.setting(ctx, cointally.SettingMethod)
		if err != nil {
			return err
		}
		if m, err = costbasis.ParseMethod(name); err != nil {
			return err
		}
	}
	tuneGC()
	b, err := a.loadBooks(ctx, rf)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	defer w.Flush()
	if *compare {
		cmp, err := report.Compare(b.book, *year, func(m costbasis.Method) costbasis.Options {
			o, _ := costOptions(m)
			return o
		})
		if err != nil {
			return err
		}
		if *asJSON {
			return cmp.WriteJSON(w)
		}
		return cmp.WriteText(w)
	}
	res, err := compute(b.book, m)
	if err != nil {
		return err
	}
	if *csvKind == "uk" {
		first, last := *year, *year
		if *year == 0 {
			first, last = taxYearSpan(b.book, res)
		}
		years, err := report.UKSummary(res, first, last)
		if err != nil {
			return err
		}
		warnBanner(e.stderr, b.book, years[len(years)-1].Period.End)
		return report.WriteUKSummaryCSV(w, b.book, years)
	}
	g := report.NewGains(b.book, res, *year)
	switch *csvKind {
	case "disposals":
		warnBannerOf(e.stderr, g.Banner)
		return g.WriteDisposalsCSV(w)
	case "8949":
		warnBannerOf(e.stderr, g.Banner)
		return g.Write8949(w)
	case "audit":
		warnBannerOf(e.stderr, g.Banner)
		return g.WriteAudit(w)
	}
	if *asJSON {
		return g.WriteJSON(w)
	}
	return g.WriteText(w)
}

// taxYearSpan returns the UK tax years from the first Txn to the last.
func taxYearSpan(b *report.Book, res *costbasis.Result) (first, last int) {
	if len(b.Txns) == 0 {
		y := time.Now().Year()
		return y, y
	}
	taxYear := func(t time.Time) int {
		t = t.In(res.Location)
		if t.Month() < time.April || t.Month() == time.April && t.Day() < 6 {
			return t.Year() - 1
		}
		return t.Year()
	}
	first, last = taxYear(b.Txns[0].Time), taxYear(b.Txns[0].Time)
	for i := range b.Txns {
		y := taxYear(b.Txns[i].Time)
		first, last = min(first, y), max(last, y)
	}
	return first, last
}

// warnBanner repeats a CSV report's banner on stderr, where a person sees it.
func warnBanner(w io.Writer, b *report.Book, end time.Time) {
	var groups []report.QuarantineLine
	for _, q := range b.Quarantine {
		if q.Time.Before(end) {
			groups = append(groups, q)
		}
	}
	if len(groups) == 0 {
		return
	}
	fmt.Fprintf(w, "cointally: %d unclassified ledger groups are not in this report; see the # lines at its top.\n", len(groups))
}

func warnBannerOf(w io.Writer, bn *report.Banner) {
	if bn != nil {
		fmt.Fprintf(w, "cointally: %s (listed in the # lines at the top of the CSV)\n", bn.Headline())
	}
}
