package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
)

// Gains is the capital gains report of one year under one method.
type Gains struct {
	Year     int
	Method   costbasis.Method
	Currency string
	// Period is the calendar year, or for the UK method the tax year from
	// 6 April Year.
	Period    costbasis.Period
	Totals    costbasis.Totals
	Disposals []cointally.Disposal
	// Sources[i] is how Disposals[i]'s proceeds were valued.
	Sources []string
	// Banner lists the unclassified groups before the period's end.
	Banner *Banner
	// Warnings are the engine's warnings in the period.
	Warnings []cointally.Warning
	Margin   MarginTotals
}

// MarginTotals sum margin results over a period.
type MarginTotals struct {
	Entries int
	PL      money.Amount // profits and losses
	Fees    money.Amount // margin and rollover fees (negative)
	Net     money.Amount
	Unknown int // lines without a value
}

// NewGains builds the report of year from a computed result of the book.
func NewGains(b *Book, res *costbasis.Result, year int) *Gains {
	p := res.Year(year)
	s := res.Summarize(p)
	g := &Gains{Year: year, Method: res.Method, Currency: b.Currency, Period: p, Totals: s.Totals, Disposals: s.Disposals,
		Banner: b.banner(time.Time{}, p.End)}
	ids := make([]string, 0, len(s.Disposals))
	for i := range s.Disposals {
		if e := s.Disposals[i].EventIDs; len(e) > 0 {
			ids = append(ids, e[0])
		}
	}
	src := b.Sources(ids)
	g.Sources = make([]string, len(s.Disposals))
	for i := range s.Disposals {
		if e := s.Disposals[i].EventIDs; len(e) > 0 {
			g.Sources[i] = src[e[0]]
		}
	}
	for _, w := range res.Warnings {
		if p.Contains(w.Time) {
			g.Warnings = append(g.Warnings, w)
		}
	}
	g.Margin = b.marginTotals(p)
	return g
}

func (b *Book) marginTotals(p costbasis.Period) MarginTotals {
	var m MarginTotals
	for _, l := range b.Margin {
		if !p.Contains(l.Time) {
			continue
		}
		m.Entries++
		if l.Kind == cointally.DetailMarginPL {
			m.PL = m.PL.Add(l.Value)
		} else {
			m.Fees = m.Fees.Add(l.Value)
		}
		if l.ValueUnknown {
			m.Unknown++
		}
	}
	m.Net = m.PL.Add(m.Fees)
	return m
}

// rule names the rules a disposal was matched by ("lot",
// "same-day+section-104").
func rule(d *cointally.Disposal) string {
	var rs []string
	for _, m := range d.Matches {
		if s := m.Rule.String(); !contains(rs, s) {
			rs = append(rs, s)
		}
	}
	return strings.Join(rs, "+")
}

func acquired(d *cointally.Disposal) string {
	if d.Various || d.Acquired.IsZero() {
		return "various"
	}
	return rfc3339(d.Acquired)
}

type disposalJSON struct {
	Asset        string   `json:"asset"`
	Quantity     string   `json:"quantity"`
	Acquired     string   `json:"acquired"`
	Disposed     string   `json:"disposed"`
	Proceeds     string   `json:"proceeds"`
	Cost         string   `json:"cost"`
	Gain         string   `json:"gain"`
	Term         string   `json:"term"`
	Rule         string   `json:"rule"`
	LedgerIDs    []string `json:"ledger_ids"`
	Kind         string   `json:"kind"`
	Fee          string   `json:"fee,omitempty"`
	PriceSource  string   `json:"price_source"`
	Shortfall    string   `json:"shortfall,omitempty"`
	ValueUnknown bool     `json:"value_unknown,omitempty"`
}

type warningJSON struct {
	Code      string   `json:"code"`
	Time      string   `json:"time"`
	Asset     string   `json:"asset"`
	Message   string   `json:"message"`
	LedgerIDs []string `json:"ledger_ids"`
}

type marginJSON struct {
	Entries int    `json:"entries"`
	PL      string `json:"pl"`
	Fees    string `json:"fees"`
	Net     string `json:"net"`
}

type gainsJSON struct {
	Unclassified  *bannerJSON    `json:"unclassified,omitempty"`
	Year          int            `json:"year"`
	Method        string         `json:"method"`
	Currency      string         `json:"currency"`
	Period        string         `json:"period"`
	From          string         `json:"from"`
	To            string         `json:"to"`
	Proceeds      string         `json:"proceeds"`
	Cost          string         `json:"cost"`
	Gain          string         `json:"gain"`
	Fees          string         `json:"fees"`
	ShortTermGain string         `json:"short_term_gain,omitempty"`
	LongTermGain  string         `json:"long_term_gain,omitempty"`
	Count         int            `json:"disposal_count"`
	ValueUnknown  int            `json:"value_unknown_count,omitempty"`
	Disposals     []disposalJSON `json:"disposals"`
	Margin        *marginJSON    `json:"margin,omitempty"`
	Warnings      []warningJSON  `json:"warnings,omitempty"`
}

func (g *Gains) json() *gainsJSON {
	j := &gainsJSON{Unclassified: g.Banner.json(), Year: g.Year, Method: g.Method.String(), Currency: g.Currency,
		Period: g.Period.Label, From: rfc3339(g.Period.Start), To: rfc3339(g.Period.End),
		Proceeds: g.Totals.Proceeds.String(), Cost: g.Totals.Cost.String(), Gain: g.Totals.Gain.String(),
		Fees: g.Totals.Fees.String(), Count: g.Totals.Disposals, ValueUnknown: g.Totals.ValueUnknown,
		Disposals: make([]disposalJSON, 0, len(g.Disposals))}
	if hasTerm(g.Method) {
		j.ShortTermGain, j.LongTermGain = g.Totals.ShortTermGain.String(), g.Totals.LongTermGain.String()
	}
	for i := range g.Disposals {
		d := &g.Disposals[i]
		dj := disposalJSON{Asset: d.Asset, Quantity: d.Quantity.String(), Acquired: acquired(d), Disposed: rfc3339(d.Disposed),
			Proceeds: d.Proceeds.String(), Cost: d.Cost.String(), Gain: d.Gain.String(), Term: d.Term.String(), Rule: rule(d),
			LedgerIDs: nonNil(d.LedgerIDs), Kind: string(d.Source), PriceSource: g.Sources[i], ValueUnknown: d.ValueUnknown}
		if !d.Fee.IsZero() {
			dj.Fee = d.Fee.String()
		}
		if !d.Shortfall.IsZero() {
			dj.Shortfall = d.Shortfall.String()
		}
		j.Disposals = append(j.Disposals, dj)
	}
	if g.Margin.Entries > 0 {
		j.Margin = &marginJSON{Entries: g.Margin.Entries, PL: g.Margin.PL.String(), Fees: g.Margin.Fees.String(), Net: g.Margin.Net.String()}
	}
	for _, w := range g.Warnings {
		j.Warnings = append(j.Warnings, warningJSON{Code: string(w.Code), Time: rfc3339(w.Time), Asset: w.Asset, Message: w.Message,
			LedgerIDs: nonNil(w.LedgerIDs)})
	}
	return j
}

func hasTerm(m costbasis.Method) bool {
	return m == costbasis.FIFO || m == costbasis.LIFO || m == costbasis.HIFO
}

// WriteJSON writes the report as one indented JSON object.
func (g *Gains) WriteJSON(w io.Writer) error { return writeJSON(w, g.json()) }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteText writes the report for people: the banner, the totals, and a
// table of disposals.
func (g *Gains) WriteText(w io.Writer) error {
	if err := g.Banner.WriteText(w, ""); err != nil {
		return err
	}
	if g.Banner != nil {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Capital gains %s (%s to %s), method %s, in %s\n", g.Period.Label,
		g.Period.Start.Format(time.DateOnly), g.Period.End.Add(-time.Nanosecond).Format(time.DateOnly), g.Method, g.Currency)
	fmt.Fprintf(w, "  disposals %d, proceeds %s, cost %s, gain %s\n", g.Totals.Disposals,
		display(g.Totals.Proceeds), display(g.Totals.Cost), display(g.Totals.Gain))
	if hasTerm(g.Method) {
		fmt.Fprintf(w, "  short-term gain %s, long-term gain %s\n", display(g.Totals.ShortTermGain), display(g.Totals.LongTermGain))
	}
	if g.Margin.Entries > 0 {
		fmt.Fprintf(w, "  margin: profit and loss %s, fees %s, net %s (%d entries)\n", display(g.Margin.PL), display(g.Margin.Fees),
			display(g.Margin.Net), g.Margin.Entries)
	}
	unknown := 0
	for i := range g.Disposals {
		if g.Disposals[i].ValueUnknown {
			unknown++
		}
	}
	if unknown > 0 {
		fmt.Fprintf(w, "  %d disposals involve a value that is not known (marked !): supply prices with cointally prices import\n", unknown)
	}
	if len(g.Disposals) > 0 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "DISPOSED\tASSET\tQUANTITY\tACQUIRED\tPROCEEDS\tCOST\tGAIN\tTERM\tRULE\tKIND\tLEDGER IDS\t")
		for i := range g.Disposals {
			d := &g.Disposals[i]
			acq := "various"
			if !d.Various && !d.Acquired.IsZero() {
				acq = d.Acquired.UTC().Format(time.DateOnly)
			}
			flag := ""
			if d.ValueUnknown {
				flag = " !"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s%s\t%s\t%s\t%s\t%s\t\n", d.Disposed.UTC().Format(time.DateOnly), d.Asset, d.Quantity,
				acq, display(d.Proceeds), display(d.Cost), display(d.Gain), flag, d.Term, rule(d), d.Source, strings.Join(d.LedgerIDs, " "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(g.Warnings) > 0 {
		fmt.Fprintf(w, "\n%d warnings:\n", len(g.Warnings))
		for _, wn := range g.Warnings {
			fmt.Fprintf(w, "  %s %s: %s [%s]\n", wn.Time.UTC().Format(time.DateOnly), wn.Code, wn.Message, strings.Join(wn.LedgerIDs, " "))
		}
	}
	return nil
}

// csvBanner writes the banner as comment lines at the top of a CSV, so no
// one imports an incomplete file without seeing it.
func csvBanner(w io.Writer, bn *Banner) error { return bn.WriteText(w, "# ") }

// Write8949 writes the disposals in the shape of US Form 8949: Part I
// (short term) rows, then Part II (long term) rows, amounts rounded to
// cents. It needs a method with holding periods (FIFO, LIFO, HIFO).
func (g *Gains) Write8949(w io.Writer) error {
	if !hasTerm(g.Method) {
		return cointally.Errorf(cointally.KindInvalid, "Form 8949 needs short and long term: use --method fifo, lifo or hifo, not %s", g.Method)
	}
	if err := csvBanner(w, g.Banner); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"Part", "(a) Description of property", "(b) Date acquired", "(c) Date sold or disposed of",
		"(d) Proceeds (sales price)", "(e) Cost or other basis", "(f) Code(s)", "(g) Amount of adjustment", "(h) Gain or (loss)",
		"Currency", "Ledger IDs"})
	for _, term := range []cointally.Term{cointally.TermShort, cointally.TermLong} {
		part := "I (short-term)"
		if term == cointally.TermLong {
			part = "II (long-term)"
		}
		for i := range g.Disposals {
			d := &g.Disposals[i]
			if d.Term != term {
				continue
			}
			acq := "VARIOUS"
			if !d.Various && !d.Acquired.IsZero() {
				acq = d.Acquired.UTC().Format("01/02/2006")
			}
			cw.Write([]string{part, d.Quantity.String() + " " + d.Asset, acq, d.Disposed.UTC().Format("01/02/2006"),
				display(d.Proceeds), display(d.Cost), "", "", display(d.Gain), g.Currency, strings.Join(d.LedgerIDs, " ")})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteAudit writes every match of every disposal of the report: what was
// disposed of (with its ledger IDs and price source) and which acquisition
// (with its ledger IDs) each part was matched with, at what cost.
func (g *Gains) WriteAudit(w io.Writer) error {
	if err := csvBanner(w, g.Banner); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"disposed", "asset", "disposal_quantity", "proceeds", "disposal_gain", "kind", "disposal_ledger_ids",
		"price_source", "match", "rule", "match_quantity", "acquired", "match_cost", "acquisition_event", "acquisition_ledger_ids",
		"value_unknown", "currency", "method"})
	for i := range g.Disposals {
		d := &g.Disposals[i]
		for k, m := range d.Matches {
			acq := ""
			if !m.Acquired.IsZero() {
				acq = rfc3339(m.Acquired)
			}
			unknown := ""
			if d.ValueUnknown {
				unknown = "yes"
			}
			cw.Write([]string{rfc3339(d.Disposed), d.Asset, d.Quantity.String(), d.Proceeds.String(), d.Gain.String(), string(d.Source),
				strings.Join(d.LedgerIDs, " "), g.Sources[i], fmt.Sprint(k + 1), m.Rule.String(), m.Quantity.String(), acq,
				m.Cost.String(), m.EventID, strings.Join(m.LedgerIDs, " "), unknown, g.Currency, g.Method.String()})
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteDisposalsCSV writes one row per disposal with exact amounts.
func (g *Gains) WriteDisposalsCSV(w io.Writer) error {
	if err := csvBanner(w, g.Banner); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"disposed", "asset", "quantity", "acquired", "proceeds", "cost", "gain", "fee", "term", "rule", "kind",
		"price_source", "value_unknown", "ledger_ids", "currency", "method"})
	for i := range g.Disposals {
		d := &g.Disposals[i]
		unknown := ""
		if d.ValueUnknown {
			unknown = "yes"
		}
		cw.Write([]string{rfc3339(d.Disposed), d.Asset, d.Quantity.String(), acquired(d), d.Proceeds.String(), d.Cost.String(),
			d.Gain.String(), d.Fee.String(), d.Term.String(), rule(d), string(d.Source), g.Sources[i], unknown,
			strings.Join(d.LedgerIDs, " "), g.Currency, g.Method.String()})
	}
	cw.Flush()
	return cw.Error()
}

// UKYear is one tax year of the UK capital gains summary.
type UKYear struct {
	Period    costbasis.Period
	Disposals int
	Proceeds  money.Amount // disposal proceeds, net of disposal fees
	Costs     money.Amount // allowable costs
	Gains     money.Amount // the sum of the gains
	Losses    money.Amount // the sum of the losses, as a positive amount
	Net       money.Amount // Gains − Losses
	Unknown   int          // disposals involving an unknown value
}

// UKSummary sums a UK-method result per tax year, for the years from first
// to last (tax years starting 6 April of each).
func UKSummary(res *costbasis.Result, first, last int) ([]UKYear, error) {
	if res.Method != costbasis.UK {
		return nil, cointally.Errorf(cointally.KindInvalid, "the UK summary needs the UK method, not %s", res.Method)
	}
	var out []UKYear
	for y := first; y <= last; y++ {
		p := res.Year(y)
		s := res.Summarize(p)
		u := UKYear{Period: p, Disposals: s.Totals.Disposals, Proceeds: s.Totals.Proceeds, Costs: s.Totals.Cost,
			Unknown: s.Totals.ValueUnknown}
		for i := range s.Disposals {
			if g := s.Disposals[i].Gain; g.IsPositive() {
				u.Gains = u.Gains.Add(g)
			} else {
				u.Losses = u.Losses.Sub(g)
			}
		}
		u.Net = u.Gains.Sub(u.Losses)
		out = append(out, u)
	}
	return out, nil
}

// WriteUKSummaryCSV writes the summary, amounts rounded to pence, under a
// banner for the unclassified groups before the last year's end.
func WriteUKSummaryCSV(w io.Writer, b *Book, years []UKYear) error {
	if len(years) > 0 {
		if err := csvBanner(w, b.banner(time.Time{}, years[len(years)-1].Period.End)); err != nil {
			return err
		}
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"tax_year", "from", "to", "disposals", "disposal_proceeds", "allowable_costs", "gains", "losses",
		"net_gain", "value_unknown_disposals", "currency"})
	for _, u := range years {
		cw.Write([]string{u.Period.Label, u.Period.Start.Format(time.DateOnly), u.Period.End.Add(-time.Nanosecond).Format(time.DateOnly),
			fmt.Sprint(u.Disposals), display(u.Proceeds), display(u.Costs), display(u.Gains), display(u.Losses), display(u.Net),
			fmt.Sprint(u.Unknown), b.Currency})
	}
	cw.Flush()
	return cw.Error()
}

// Comparison is one year's totals under every method.
type Comparison struct {
	Year     int
	Currency string
	Rows     []ComparisonRow
	Banner   *Banner
}

// ComparisonRow is one method's totals.
type ComparisonRow struct {
	Method costbasis.Method
	Period costbasis.Period
	Totals costbasis.Totals
}

// Compare computes the book under every method and sums year.
func Compare(b *Book, year int, opts func(costbasis.Method) costbasis.Options) (*Comparison, error) {
	c := &Comparison{Year: year, Currency: b.Currency}
	var end time.Time
	for _, m := range []costbasis.Method{costbasis.FIFO, costbasis.LIFO, costbasis.HIFO, costbasis.Average, costbasis.UK} {
		res, err := costbasis.Compute(b.Txns, m, opts(m))
		if err != nil {
			return nil, err
		}
		p := res.Year(year)
		c.Rows = append(c.Rows, ComparisonRow{Method: m, Period: p, Totals: res.Summarize(p).Totals})
		if p.End.After(end) {
			end = p.End
		}
	}
	c.Banner = b.banner(time.Time{}, end)
	return c, nil
}

type methodJSON struct {
	Method        string `json:"method"`
	Period        string `json:"period"`
	From          string `json:"from"`
	To            string `json:"to"`
	Disposals     int    `json:"disposal_count"`
	Proceeds      string `json:"proceeds"`
	Cost          string `json:"cost"`
	Gain          string `json:"gain"`
	ShortTermGain string `json:"short_term_gain,omitempty"`
	LongTermGain  string `json:"long_term_gain,omitempty"`
}

type comparisonJSON struct {
	Unclassified *bannerJSON  `json:"unclassified,omitempty"`
	Year         int          `json:"year"`
	Currency     string       `json:"currency"`
	Methods      []methodJSON `json:"methods"`
}

// WriteJSON writes the comparison as one JSON object.
func (c *Comparison) WriteJSON(w io.Writer) error {
	j := comparisonJSON{Unclassified: c.Banner.json(), Year: c.Year, Currency: c.Currency}
	for _, r := range c.Rows {
		m := methodJSON{Method: r.Method.String(), Period: r.Period.Label, From: rfc3339(r.Period.Start), To: rfc3339(r.Period.End),
			Disposals: r.Totals.Disposals, Proceeds: r.Totals.Proceeds.String(), Cost: r.Totals.Cost.String(), Gain: r.Totals.Gain.String()}
		if hasTerm(r.Method) {
			m.ShortTermGain, m.LongTermGain = r.Totals.ShortTermGain.String(), r.Totals.LongTermGain.String()
		}
		j.Methods = append(j.Methods, m)
	}
	return writeJSON(w, j)
}

// WriteText writes the comparison as a table, one column per method.
func (c *Comparison) WriteText(w io.Writer) error {
	if err := c.Banner.WriteText(w, ""); err != nil {
		return err
	}
	if c.Banner != nil {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Capital gains %d by method, in %s (uk: the tax year from 6 April %d)\n\n", c.Year, c.Currency, c.Year)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	row := func(name string, f func(r ComparisonRow) string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, r := range c.Rows {
			fmt.Fprintf(tw, "%s\t", f(r))
		}
		fmt.Fprintln(tw)
	}
	row("", func(r ComparisonRow) string { return r.Method.String() })
	row("disposals", func(r ComparisonRow) string { return fmt.Sprint(r.Totals.Disposals) })
	row("proceeds", func(r ComparisonRow) string { return display(r.Totals.Proceeds) })
	row("cost", func(r ComparisonRow) string { return display(r.Totals.Cost) })
	row("gain", func(r ComparisonRow) string { return display(r.Totals.Gain) })
	row("short-term", func(r ComparisonRow) string {
		if !hasTerm(r.Method) {
			return "n/a"
		}
		return display(r.Totals.ShortTermGain)
	})
	row("long-term", func(r ComparisonRow) string {
		if !hasTerm(r.Method) {
			return "n/a"
		}
		return display(r.Totals.LongTermGain)
	})
	return tw.Flush()
}
