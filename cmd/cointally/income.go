package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/report"
)

const incomeUsage = `Usage: cointally income --year YYYY [--currency CODE] [--json | --csv]

Income received in a calendar year: staking and Earn rewards, airdrops and
forks, referral bonuses, each valued at its market value when received (the
cost of the lot it becomes), with its price source and ledger IDs, and
totals by kind.

Flags:
`

func runIncome(ctx context.Context, args []string, e *env) error {
	fs, cf := newFlagSet("income", e)
	fs.Usage = func() { fmt.Fprint(e.stderr, incomeUsage); fs.PrintDefaults() }
	year := fs.Int("year", 0, "the calendar year")
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
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := a.loadBooks(ctx, rf)
	if err != nil {
		return err
	}
	in := report.NewIncome(b.book, *year, costbasis.CalendarYear(*year, nil))
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
