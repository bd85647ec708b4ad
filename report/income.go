package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
)

// Income is the income report of one period.
type Income struct {
	Year     int
	Currency string
	Period   costbasis.Period
	Lines    []IncomeLine
	Total    money.Amount
	// ByKind sums the lines per kind, by kind.
	ByKind []KindTotal
	// Unknown counts lines without a known value.
	Unknown int
	// Banner lists the unclassified groups within the period.
	Banner *Banner
}

// KindTotal is the income of one kind.
type KindTotal struct {
	Kind  string
	Count int
	Value money.Amount
}

// NewIncome builds the income report of period p (usually
// costbasis.CalendarYear(year, loc)).
func NewIncome(b *Book, year int, p costbasis.Period) *Income {
	in := &Income{Year: year, Currency: b.Currency, Period: p, Banner: b.banner(p.Start, p.End)}
	byKind := map[string]*KindTotal{}
	for _, l := range b.Income {
		if !p.Contains(l.Time) {
			continue
		}
		in.Lines = append(in.Lines, l)
		in.Total = in.Total.Add(l.Value)
		k := byKind[l.Kind]
		if k == nil {
			k = &KindTotal{Kind: l.Kind}
			byKind[l.Kind] = k
		}
		k.Count++
		k.Value = k.Value.Add(l.Value)
		if l.ValueUnknown {
			in.Unknown++
		}
	}
	for _, k := range byKind {
		in.ByKind = append(in.ByKind, *k)
	}
	sort.Slice(in.ByKind, func(i, j int) bool { return in.ByKind[i].Kind < in.ByKind[j].Kind })
	return in
}

type incomeLineJSON struct {
	Time         string   `json:"time"`
	Kind         string   `json:"kind"`
	Asset        string   `json:"asset"`
	Quantity     string   `json:"quantity"`
	Value        string   `json:"value"`
	PriceSource  string   `json:"price_source"`
	ValueUnknown bool     `json:"value_unknown,omitempty"`
	EventID      string   `json:"event_id"`
	LedgerIDs    []string `json:"ledger_ids"`
}

type kindJSON struct {
	Kind  string `json:"kind"`
	Count int    `json:"count"`
	Value string `json:"value"`
}

type incomeJSON struct {
	Unclassified *bannerJSON      `json:"unclassified,omitempty"`
	Year         int              `json:"year"`
	Currency     string           `json:"currency"`
	From         string           `json:"from"`
	To           string           `json:"to"`
	Total        string           `json:"total"`
	Totals       []kindJSON       `json:"totals"`
	ValueUnknown int              `json:"value_unknown_count,omitempty"`
	Income       []incomeLineJSON `json:"income"`
}

// WriteJSON writes the report as one JSON object.
func (in *Income) WriteJSON(w io.Writer) error {
	j := incomeJSON{Unclassified: in.Banner.json(), Year: in.Year, Currency: in.Currency, From: rfc3339(in.Period.Start),
		To: rfc3339(in.Period.End), Total: in.Total.String(), Totals: []kindJSON{}, ValueUnknown: in.Unknown,
		Income: make([]incomeLineJSON, 0, len(in.Lines))}
	for _, k := range in.ByKind {
		j.Totals = append(j.Totals, kindJSON{Kind: k.Kind, Count: k.Count, Value: k.Value.String()})
	}
	for _, l := range in.Lines {
		j.Income = append(j.Income, incomeLineJSON{Time: rfc3339(l.Time), Kind: l.Kind, Asset: l.Asset, Quantity: l.Quantity.String(),
			Value: l.Value.String(), PriceSource: l.PriceSource, ValueUnknown: l.ValueUnknown, EventID: l.EventID, LedgerIDs: nonNil(l.LedgerIDs)})
	}
	return writeJSON(w, j)
}

// WriteText writes the report for people.
func (in *Income) WriteText(w io.Writer) error {
	if err := in.Banner.WriteText(w, ""); err != nil {
		return err
	}
	if in.Banner != nil {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Income %s (%s to %s), in %s: %s\n", in.Period.Label, in.Period.Start.Format(time.DateOnly),
		in.Period.End.Add(-time.Nanosecond).Format(time.DateOnly), in.Currency, display(in.Total))
	for _, k := range in.ByKind {
		fmt.Fprintf(w, "  %-15s %6d  %s\n", k.Kind, k.Count, display(k.Value))
	}
	if in.Unknown > 0 {
		fmt.Fprintf(w, "  %d receipts have no known value (marked !): supply prices with cointally prices import\n", in.Unknown)
	}
	if len(in.Lines) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "TIME\tKIND\tASSET\tQUANTITY\tVALUE\tPRICE SOURCE\tLEDGER IDS\t")
	for _, l := range in.Lines {
		flag := ""
		if l.ValueUnknown {
			flag = " !"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s%s\t%s\t%s\t\n", l.Time.UTC().Format("2006-01-02 15:04:05"), l.Kind, l.Asset, l.Quantity,
			display(l.Value), flag, l.PriceSource, strings.Join(l.LedgerIDs, " "))
	}
	return tw.Flush()
}

// WriteCSV writes one row per receipt with exact amounts.
func (in *Income) WriteCSV(w io.Writer) error {
	if err := csvBanner(w, in.Banner); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"time", "kind", "asset", "quantity", "value", "currency", "price_source", "value_unknown", "event_id", "ledger_ids"})
	for _, l := range in.Lines {
		unknown := ""
		if l.ValueUnknown {
			unknown = "yes"
		}
		cw.Write([]string{rfc3339(l.Time), l.Kind, l.Asset, l.Quantity.String(), l.Value.String(), in.Currency, l.PriceSource, unknown,
			l.EventID, strings.Join(l.LedgerIDs, " ")})
	}
	cw.Flush()
	return cw.Error()
}

// Holdings is what remains of each asset, with its cost and market value.
type Holdings struct {
	Currency string
	At       time.Time // when the market values are taken
	Method   costbasis.Method
	Rows     []HoldingRow
	Cost     money.Amount // total cost basis
	Value    money.Amount // total market value of the priced rows
	Gain     money.Amount // unrealised gain of the priced rows
	Banner   *Banner
}

// HoldingRow is one asset's holding.
type HoldingRow struct {
	Asset    string
	Quantity money.Amount
	Cost     money.Amount
	// CostUnknown is set when part of the cost comes from a Txn of unknown
	// value.
	CostUnknown bool
	// Value is the market value at Holdings.At; Priced is false when there
	// is no price (Value and Gain are then zero).
	Value       money.Amount
	Gain        money.Amount
	Priced      bool
	PriceSource string
	// HeldElsewhere is the part withdrawn to wallets cointally does not see;
	// InFutures the part in the Futures wallet.
	HeldElsewhere money.Amount
	InFutures     money.Amount
}

// PriceFunc values a quantity of an asset in the report currency at a
// moment; it returns an error matching price.ErrNoPrice when it cannot.
type PriceFunc func(asset string, qty money.Amount, at time.Time) (value money.Amount, source string, err error)

// NewHoldings builds the holdings report from a computed result, valuing
// each asset at at with value.
func NewHoldings(b *Book, res *costbasis.Result, at time.Time, value PriceFunc) (*Holdings, error) {
	h := &Holdings{Currency: b.Currency, At: at, Method: res.Method, Banner: b.banner(time.Time{}, time.Time{})}
	for _, hd := range res.Holdings {
		r := HoldingRow{Asset: hd.Asset, Quantity: hd.Quantity, Cost: hd.Cost, CostUnknown: hd.CostUnknown,
			HeldElsewhere: b.HeldElsewhere[hd.Asset], InFutures: b.InFutures[hd.Asset]}
		v, src, err := value(hd.Asset, hd.Quantity, at)
		switch {
		case err == nil:
			r.Value, r.Gain, r.Priced, r.PriceSource = v, v.Sub(hd.Cost), true, src
			h.Value = h.Value.Add(v)
			h.Gain = h.Gain.Add(r.Gain)
		case price.IsNoPrice(err):
			r.PriceSource = "none"
		default:
			return nil, err
		}
		h.Cost = h.Cost.Add(hd.Cost)
		h.Rows = append(h.Rows, r)
	}
	return h, nil
}

type holdingJSON struct {
	Asset          string `json:"asset"`
	Quantity       string `json:"quantity"`
	CostBasis      string `json:"cost_basis"`
	MarketValue    string `json:"market_value"`
	UnrealisedGain string `json:"unrealised_gain"`
	Priced         bool   `json:"priced"`
	PriceSource    string `json:"price_source"`
	CostUnknown    bool   `json:"cost_unknown,omitempty"`
	HeldElsewhere  string `json:"held_elsewhere,omitempty"`
	InFutures      string `json:"in_futures,omitempty"`
}

type holdingsJSON struct {
	Unclassified   *bannerJSON   `json:"unclassified,omitempty"`
	Currency       string        `json:"currency"`
	At             string        `json:"at"`
	Method         string        `json:"method"`
	CostBasis      string        `json:"cost_basis"`
	MarketValue    string        `json:"market_value"`
	UnrealisedGain string        `json:"unrealised_gain"`
	Holdings       []holdingJSON `json:"holdings"`
}

// WriteJSON writes the report as one JSON object.
func (h *Holdings) WriteJSON(w io.Writer) error {
	j := holdingsJSON{Unclassified: h.Banner.json(), Currency: h.Currency, At: rfc3339(h.At), Method: h.Method.String(),
		CostBasis: h.Cost.String(), MarketValue: h.Value.String(), UnrealisedGain: h.Gain.String(), Holdings: []holdingJSON{}}
	for _, r := range h.Rows {
		hj := holdingJSON{Asset: r.Asset, Quantity: r.Quantity.String(), CostBasis: r.Cost.String(), MarketValue: r.Value.String(),
			UnrealisedGain: r.Gain.String(), Priced: r.Priced, PriceSource: r.PriceSource, CostUnknown: r.CostUnknown}
		if r.HeldElsewhere.IsPositive() {
			hj.HeldElsewhere = r.HeldElsewhere.String()
		}
		if r.InFutures.IsPositive() {
			hj.InFutures = r.InFutures.String()
		}
		j.Holdings = append(j.Holdings, hj)
	}
	return writeJSON(w, j)
}

// WriteText writes the report for people.
func (h *Holdings) WriteText(w io.Writer) error {
	if err := h.Banner.WriteText(w, ""); err != nil {
		return err
	}
	if h.Banner != nil {
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Holdings at %s, cost basis by %s, in %s: cost %s, value %s, unrealised gain %s\n\n",
		h.At.UTC().Format(time.RFC3339), h.Method, h.Currency, display(h.Cost), display(h.Value), display(h.Gain))
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "ASSET\tQUANTITY\tCOST BASIS\tVALUE\tUNREALISED\tHELD ELSEWHERE\tIN FUTURES\tPRICE SOURCE\t")
	for _, r := range h.Rows {
		cost := display(r.Cost)
		if r.CostUnknown {
			cost += " !"
		}
		val, gain := display(r.Value), display(r.Gain)
		if !r.Priced {
			val, gain = "no price", "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Asset, r.Quantity, cost, val, gain, dash(r.HeldElsewhere), dash(r.InFutures), r.PriceSource)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n! part of the cost is unknown (deposits from outside, unpriced assets). Held elsewhere: withdrawn to wallets cointally does not see, still counted as yours.")
	return nil
}

func dash(a money.Amount) string {
	if a.IsZero() {
		return "-"
	}
	return a.String()
}
