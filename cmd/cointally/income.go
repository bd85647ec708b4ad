package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/report"
)

const incomeUsage = `Usage: cointally income --year YYYY [--period calendar|uk] [--currency CODE] [--json | --csv]

Income received in a calendar year, or with --period uk in the UK tax year
from 6 April YYYY to 5 April YYYY+1: staking and Earn rewards, airdrops and
forks, referral bonuses, each valued at its market value when received (the
cost of the lot it becomes), with its price source and ledger IDs, and
totals by kind.

Flags:
`

func runIncome(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("income", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, incomeUsage); fs.PrintDefaults() }
	year := fs.Int("year", 0, "the year: calendar, or for --period uk the tax year from 6 April of it")
	period := fs.String("period", "", "calendar or uk (6 April to 5 April; default: uk when the method setting is uk, else calendar)")
	asJSON := fs.Bool("json", false, "print JSON")
	asCSV := fs.Bool("csv", false, "print CSV, one row per receipt")
	rf := addReportFlags(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *year == 0 {
		fmt.Fprintln(e.stderr, "cointally income: --year is required (see cointally income -h)")
		return errUsage
	}
	if *asJSON && *asCSV {
		return errors.New("income: choose --json or --csv, not both")
	}
	switch *period {
	case "", "calendar", "uk":
	default:
		return fmt.Errorf("income: unknown --period %q: use calendar or uk", *period)
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	tuneGC()
	b, err := a.loadBooks(ctx, rf)
	if err != nil {
		return err
	}
	if *period == "" {
		*period = "calendar"
		if m, err := a.setting(ctx, cointally.SettingMethod); err == nil && m == "uk" {
			*period = "uk"
		}
	}
	var p costbasis.Period
	switch *period {
	case "calendar":
		p = costbasis.CalendarYear(*year, nil)
	case "uk":
		opts, err := costOptions(costbasis.UK)
		if err != nil {
			return err
		}
		p = costbasis.UKTaxYear(*year, opts.Location)
	}
	in := report.NewIncome(b.book, *year, p)
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	defer w.Flush()
	switch {
	case *asJSON:
		return in.WriteJSON(w)
	case *asCSV:
		warnBannerOf(e.stderr, in.Banner)
		return in.WriteCSV(w)
	}
	return in.WriteText(w)
}
