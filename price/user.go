package price

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// User is a Source of the user's own prices. A price applies to its UTC day:
// a moment of that day gets the price nearest to it in time (the earlier
// one on a tie). Put it first in a Chain so that it overrides market data.
type User struct {
	prices map[[2]string][]cointally.PricePoint // by pair, in time order
}

// NewUser returns a source of the given points (Missing ones are ignored).
func NewUser(points []cointally.PricePoint) *User {
	u := &User{prices: map[[2]string][]cointally.PricePoint{}}
	for _, p := range points {
		if p.Missing || !p.Price.IsPositive() {
			continue
		}
		k := [2]string{p.Base, p.Quote}
		u.prices[k] = append(u.prices[k], p)
	}
	for _, ps := range u.prices {
		slices.SortStableFunc(ps, func(a, b cointally.PricePoint) int { return a.Time.Compare(b.Time) })
	}
	return u
}

// Len returns the number of prices held.
func (u *User) Len() int {
	n := 0
	for _, ps := range u.prices {
		n += len(ps)
	}
	return n
}

// Price implements Source.
func (u *User) Price(_ context.Context, base, quote string, t time.Time) (Quote, error) {
	ps := u.prices[[2]string{base, quote}]
	if len(ps) == 0 {
		return Quote{}, noPrice(base, quote, t)
	}
	day := dayOf(t)
	i, _ := slices.BinarySearchFunc(ps, t, func(p cointally.PricePoint, t time.Time) int { return p.Time.Compare(t) })
	best := -1
	var bestGap time.Duration
	for _, j := range []int{i - 1, i} {
		if j < 0 || j >= len(ps) || dayOf(ps[j].Time) != day {
			continue
		}
		gap := ps[j].Time.Sub(t).Abs()
		if best < 0 || gap < bestGap {
			best, bestGap = j, gap
		}
	}
	if best < 0 {
		return Quote{}, noPrice(base, quote, t)
	}
	p := ps[best]
	return Quote{Base: base, Quote: quote, Price: p.Price, At: p.Time,
		Source: "user " + base + "/" + quote + " " + p.Time.UTC().Format(time.RFC3339)}, nil
}

// CSVError is a line of a price file that cannot be read.
type CSVError struct {
	Line int
	Err  error
}

func (e *CSVError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *CSVError) Unwrap() error { return e.Err }

// ParseCSV reads a user price file: a header "time,base,quote,price" (any
// case, any column order, other columns ignored) and one price per row,
// the time in RFC 3339 ("2024-05-01T12:00:00Z"), the price a plain decimal
// number greater than zero. symbol maps a written asset code to its symbol
// ("XBT" to "BTC"); nil keeps the code, upper-cased. Points have Source
// cointally.PriceSourceUser. Every bad row is reported (as a *CSVError
// joined in the error), and no point is returned then.
func ParseCSV(r io.Reader, symbol func(string) string) ([]cointally.PricePoint, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the price file is empty: want a header time,base,quote,price")
		}
		return nil, fmt.Errorf("reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, need := range []string{"time", "base", "quote", "price"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("the header %q lacks the column %q: want time,base,quote,price", strings.Join(header, ","), need)
		}
	}
	if symbol == nil {
		symbol = func(s string) string { return s }
	}
	var (
		out  []cointally.PricePoint
		errs []error
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			errs = append(errs, &CSVError{Line: line, Err: err})
			if len(errs) >= 20 {
				break
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		p, err := parseRow(rec, col, symbol)
		if err != nil {
			errs = append(errs, &CSVError{Line: line, Err: err})
			if len(errs) >= 20 {
				break
			}
			continue
		}
		out = append(out, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func parseRow(rec []string, col map[string]int, symbol func(string) string) (cointally.PricePoint, error) {
	get := func(name string) string {
		if i := col[name]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var p cointally.PricePoint
	ts := get("time")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return p, fmt.Errorf("time %q is not RFC 3339 (like 2024-05-01T12:00:00Z); a spreadsheet may have rewritten it", ts)
	}
	base, quote := strings.ToUpper(get("base")), strings.ToUpper(get("quote"))
	if base == "" || quote == "" {
		return p, errors.New("base and quote must not be empty")
	}
	base, quote = symbol(base), symbol(quote)
	if base == quote {
		return p, fmt.Errorf("base and quote are both %s", base)
	}
	ps := get("price")
	amt, err := money.Parse(ps)
	if err != nil {
		return p, fmt.Errorf("price %q: %w", ps, err)
	}
	if !amt.IsPositive() {
		return p, fmt.Errorf("price %s is not greater than zero", ps)
	}
	return cointally.PricePoint{Base: base, Quote: quote, Time: t.UTC(), Price: amt, Source: cointally.PriceSourceUser}, nil
}
