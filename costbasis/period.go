package costbasis

import (
	"fmt"
	"time"

	"github.com/cointally/cointally"
)

// Period is a half-open time range [Start, End) with a label for people.
type Period struct {
	Start, End time.Time
	Label      string
}

// Contains reports whether t falls in p.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// CalendarYear is 1 January year to 31 December year in loc (nil means UTC).
func CalendarYear(year int, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	return Period{
		Start: time.Date(year, time.January, 1, 0, 0, 0, 0, loc),
		End:   time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc),
		Label: fmt.Sprint(year),
	}
}

// UKTaxYear is the UK tax year that starts in year: 6 April year to 5 April
// year+1 in loc (nil means UTC; pass Europe/London). UKTaxYear(2024, ...)
// is the 2024-25 tax year.
func UKTaxYear(year int, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	return Period{
		Start: time.Date(year, time.April, 6, 0, 0, 0, 0, loc),
		End:   time.Date(year+1, time.April, 6, 0, 0, 0, 0, loc),
		Label: fmt.Sprintf("%d-%02d", year, (year+1)%100),
	}
}

// Year is the reporting year that `--year year` means for r's method: the
// UK tax year starting 6 April year for UK, otherwise the calendar year, in
// r.Location.
func (r *Result) Year(year int) Period {
	if r.Method == UK {
		return UKTaxYear(year, r.Location)
	}
	return CalendarYear(year, r.Location)
}

// Summary is the part of a Result that falls in a Period.
type Summary struct {
	Period    Period
	Disposals []cointally.Disposal // disposed of in the period, in order
	Income    []cointally.Income   // received in the period, in order
	Totals    Totals
}

// Summarize returns the disposals and income of r that fall in p, with their
// totals. The slices share r's storage.
func (r *Result) Summarize(p Period) Summary {
	s := Summary{Period: p}
	s.Disposals = inPeriod(r.Disposals, p, func(d *cointally.Disposal) time.Time { return d.Disposed })
	s.Income = inPeriod(r.Income, p, func(in *cointally.Income) time.Time { return in.Time })
	for i := range s.Disposals {
		s.Totals.addDisposal(&s.Disposals[i])
	}
	for i := range s.Income {
		s.Totals.addIncome(&s.Income[i])
	}
	s.Totals.finish(r.Method)
	return s
}

// inPeriod returns the run of xs (sorted by at) that falls in p.
func inPeriod[T any](xs []T, p Period, at func(*T) time.Time) []T {
	lo := 0
	for lo < len(xs) && at(&xs[lo]).Before(p.Start) {
		lo++
	}
	hi := lo
	for hi < len(xs) && at(&xs[hi]).Before(p.End) {
		hi++
	}
	return xs[lo:hi:hi]
}
