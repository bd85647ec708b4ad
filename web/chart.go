package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally/money"
)

// Charts are drawn on the server as inline SVG: they need no script to
// show, and the CSP forbids inline script anyway. Values are exact: every
// label is a money.Amount formatted as text, and an amount becomes a
// float64 only to place a pixel (see px). Every hoverable element carries a
// <title> (the browser's own tooltip, without JavaScript) and data-tip, which
// static/chart.js shows as a tooltip on hover or tap.

// Geometry of the value-over-time chart, in SVG user units (the SVG scales
// to the width of its box).
const (
	lineW, lineH           = 480, 250
	padLeft, padRight      = 80, 10
	padTop, padBottom      = 12, 28
	maxLinePoints          = 240 // days drawn at most; longer histories are sampled
	yTickTarget            = 4   // about this many steps between y ticks
	xTickCount             = 3
	donutSize              = 200
	donutR, donutThickness = 70, 36
	maxSlices              = 8 // the rest is one "Other" slice
)

// LineChart is a value-over-time chart, laid out.
type LineChart struct {
	Width, Height int
	Currency      string
	Empty         bool
	Area, Line    string // SVG path data
	X0, X1        float64
	Y0            float64 // the y of the zero line
	XTicks        []Tick
	YTicks        []Tick
	Points        []ChartPoint
}

// Tick is an axis tick: its position and exact label.
type Tick struct {
	Pos   float64
	Label string
	Value money.Amount // for y ticks
}

// ChartPoint is one day of the line chart with the band that catches the
// pointer over it.
type ChartPoint struct {
	X, Y  float64
	BandX float64 // left edge of the hover band
	BandW float64
	Day   time.Time
	Value money.Amount
	Label string // "2025-03-01: €12,345.67"
}

// newLineChart lays out points (oldest first) valued in currency.
func newLineChart(points []ValuePoint, currency string) LineChart {
	c := LineChart{Width: lineW, Height: lineH, Currency: currency,
		X0: padLeft, X1: lineW - padRight}
	if len(points) == 0 {
		c.Empty = true
		return c
	}
	points = samplePoints(points, maxLinePoints)
	lo, hi := money.Zero, money.Zero
	for _, p := range points {
		lo = money.Min(lo, p.Value)
		hi = money.Max(hi, p.Value)
	}
	ticks := niceTicks(lo, hi, yTickTarget)
	dlo, dhi := ticks[0], ticks[len(ticks)-1]
	yTop, yBottom := float64(padTop), float64(lineH-padBottom)
	yOf := func(v money.Amount) float64 {
		return yBottom - (yBottom-yTop)*ratio(v.Sub(dlo), dhi.Sub(dlo))
	}
	for _, t := range ticks {
		c.YTicks = append(c.YTicks, Tick{Pos: yOf(t), Label: moneyLabel(t, currency, 0), Value: t})
	}
	c.Y0 = yOf(money.Zero)

	first, last := points[0].Day, points[len(points)-1].Day
	span := last.Sub(first)
	xOf := func(d time.Time) float64 {
		if span <= 0 {
			return (c.X0 + c.X1) / 2
		}
		return c.X0 + (c.X1-c.X0)*float64(d.Sub(first))/float64(span)
	}
	var line, area strings.Builder
	for i, p := range points {
		x, y := xOf(p.Day), yOf(p.Value)
		cp := ChartPoint{X: x, Y: y, Day: p.Day, Value: p.Value,
			Label: p.Day.UTC().Format("2006-01-02") + ": " + moneyLabel(p.Value, currency, 2)}
		c.Points = append(c.Points, cp)
		cmd := "L"
		if i == 0 {
			cmd = "M"
			fmt.Fprintf(&area, "M%s,%s ", f1(x), f1(c.Y0))
		}
		fmt.Fprintf(&line, "%s%s,%s ", cmd, f1(x), f1(y))
		fmt.Fprintf(&area, "L%s,%s ", f1(x), f1(y))
	}
	if len(points) == 1 {
		// One day: a short flat line, so there is something to see.
		x, y := c.Points[0].X, c.Points[0].Y
		line.Reset()
		fmt.Fprintf(&line, "M%s,%s L%s,%s", f1(x-6), f1(y), f1(x+6), f1(y))
		area.Reset()
	} else {
		fmt.Fprintf(&area, "L%s,%s Z", f1(c.Points[len(c.Points)-1].X), f1(c.Y0))
	}
	c.Line = strings.TrimSpace(line.String())
	c.Area = strings.TrimSpace(area.String())
	// Hover bands: from halfway to the previous point to halfway to the next.
	for i := range c.Points {
		left, right := c.X0, c.X1
		if i > 0 {
			left = (c.Points[i-1].X + c.Points[i].X) / 2
		}
		if i < len(c.Points)-1 {
			right = (c.Points[i].X + c.Points[i+1].X) / 2
		}
		c.Points[i].BandX, c.Points[i].BandW = left, right-left
	}
	// Day ticks: evenly spaced over the points, first and last included.
	n := min(xTickCount, len(c.Points))
	seen := map[int]bool{}
	for k := range n {
		i := 0
		if n > 1 {
			i = k * (len(c.Points) - 1) / (n - 1)
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		c.XTicks = append(c.XTicks, Tick{Pos: c.Points[i].X, Label: c.Points[i].Day.UTC().Format("2 Jan 2006")})
	}
	return c
}

// samplePoints keeps at most n points, evenly spread, the first and last
// always kept.
func samplePoints(points []ValuePoint, n int) []ValuePoint {
	if len(points) <= n || n < 2 {
		return points
	}
	out := make([]ValuePoint, 0, n)
	for k := range n {
		out = append(out, points[k*(len(points)-1)/(n-1)])
	}
	return out
}

// niceTicks returns evenly spaced round values (steps of 1, 2 or 5 times a
// power of ten) from at or below lo to at or above hi, exactly. lo == hi
// gives the span from 0 to a round value above (or below) it.
func niceTicks(lo, hi money.Amount, target int) []money.Amount {
	if lo.Cmp(hi) > 0 {
		lo, hi = hi, lo
	}
	if lo.Equal(hi) {
		switch {
		case lo.IsZero():
			hi = money.FromInt(1)
		case lo.IsPositive():
			lo = money.Zero
		default:
			hi = money.Zero
		}
	}
	raw, _ := hi.Sub(lo).Div(money.FromInt(int64(target)), 30, money.Up)
	step := niceStep(raw)
	first := floorTo(lo, step)
	var out []money.Amount
	for v := first; ; v = v.Add(step) {
		out = append(out, v)
		if v.Cmp(hi) >= 0 || len(out) > 4*target+2 {
			break
		}
	}
	return out
}

// niceStep is the smallest of 1, 2, 5 × 10^k at or above x (x > 0).
func niceStep(x money.Amount) money.Amount {
	exp := magnitude(x)
	for _, m := range []int64{1, 2, 5, 10} {
		if s := money.New(m, exp); s.Cmp(x) >= 0 {
			return s
		}
	}
	return money.New(10, exp)
}

// magnitude is the k with 10^k <= x < 10^(k+1), for x > 0.
func magnitude(x money.Amount) int32 {
	s := x.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		if intPart := s[:i]; intPart != "0" {
			return int32(len(intPart) - 1)
		}
		frac := s[i+1:]
		zeros := len(frac) - len(strings.TrimLeft(frac, "0"))
		return int32(-(zeros + 1))
	}
	return int32(len(s) - 1)
}

// floorTo is the largest multiple of step at or below x.
func floorTo(x, step money.Amount) money.Amount {
	n, _ := x.Div(step, 0, money.Down)
	v := n.Mul(step)
	if v.Cmp(x) > 0 {
		v = v.Sub(step)
	}
	return v
}

// ratio is num/den as a float64 for placing pixels; 0 when den is zero.
func ratio(num, den money.Amount) float64 {
	if den.IsZero() {
		return 0
	}
	q, _ := num.Div(den, 6, money.HalfEven)
	return px(q)
}

// px converts an amount to float64: the one place amounts become floats,
// only ever to compute a pixel position.
func px(a money.Amount) float64 {
	f, err := strconv.ParseFloat(a.String(), 64)
	if err != nil {
		return 0
	}
	return f
}

// f1 formats a coordinate with one decimal.
func f1(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}

// moneyLabel formats a in currency with thousands separators, rounded half
// even to places decimals: "€1,234.50", "-$3.00", "12.00 CAD".
func moneyLabel(a money.Amount, currency string, places int32) string {
	num := groupDigits(a.Abs().StringFixed(places))
	sign := ""
	if a.Round(places, money.HalfEven).IsNegative() {
		sign = "-"
	}
	if sym, ok := currencySymbols[currency]; ok {
		return sign + sym + num
	}
	if currency == "" {
		return sign + num
	}
	return sign + num + " " + currency
}

// groupDigits puts a comma between thousands of the integer part of a
// plain decimal ("1234567.5" → "1,234,567.5").
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String() + frac
}

// SVG renders the chart.
func (c LineChart) SVG() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&b, `<svg class="chart chart-line" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		c.Width, c.Height, esc("Total value per day in "+c.Currency))
	if c.Empty {
		fmt.Fprintf(&b, `<text class="empty" x="%d" y="%d" text-anchor="middle">No history yet</text></svg>`, c.Width/2, c.Height/2)
		return template.HTML(b.String())
	}
	b.WriteString(`<g class="grid">`)
	for _, t := range c.YTicks {
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, f1(c.X0), f1(c.X1), f1(t.Pos), f1(t.Pos))
	}
	b.WriteString(`</g><g class="axis y">`)
	for _, t := range c.YTicks {
		fmt.Fprintf(&b, `<text x="%s" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, f1(c.X0-6), f1(t.Pos), esc(t.Label))
	}
	b.WriteString(`</g><g class="axis x">`)
	fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%s" y2="%s"/>`, f1(c.X0), f1(c.X1), f1(c.Y0), f1(c.Y0))
	for i, t := range c.XTicks {
		anchor := "middle"
		if len(c.XTicks) > 1 && i == 0 {
			anchor = "start"
		} else if len(c.XTicks) > 1 && i == len(c.XTicks)-1 {
			anchor = "end"
		}
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="%s">%s</text>`, f1(t.Pos), c.Height-8, anchor, esc(t.Label))
	}
	b.WriteString(`</g>`)
	if c.Area != "" {
		fmt.Fprintf(&b, `<path class="area" d="%s"/>`, c.Area)
	}
	fmt.Fprintf(&b, `<path class="line" d="%s"/>`, c.Line)
	if len(c.Points) == 1 {
		p := c.Points[0]
		fmt.Fprintf(&b, `<circle class="dot" cx="%s" cy="%s" r="4"/>`, f1(p.X), f1(p.Y))
	}
	fmt.Fprintf(&b, `<circle class="marker" r="5" cx="-10" cy="-10"/>`)
	b.WriteString(`<g class="hover">`)
	for _, p := range c.Points {
		fmt.Fprintf(&b, `<rect x="%s" y="%d" width="%s" height="%d" data-tip="%s" data-x="%s" data-y="%s"><title>%s</title></rect>`,
			f1(p.BandX), padTop, f1(p.BandW), c.Height-padTop-padBottom, esc(p.Label), f1(p.X), f1(p.Y), esc(p.Label))
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

// Donut is the allocation chart, laid out: one ring segment per asset.
type Donut struct {
	Size, R, Thickness int
	Empty              bool
	Slices             []Slice
}

// Slice is one asset of the allocation: its ring segment (as a dash of a
// circle whose length is 100) and its legend line.
type Slice struct {
	Asset    string
	Quantity string // exact, empty for "Other"
	Value    string // in the currency
	Percent  string // "12.34%"
	Class    string // colour class c0..c8
	Dash     float64
	Offset   float64
	Label    string // for tooltips
}

// newDonut lays out the holdings that have a value, largest first as
// Reports gives them; beyond maxSlices they are folded into "Other".
func newDonut(holdings []HoldingView, currency string) Donut {
	d := Donut{Size: donutSize, R: donutR, Thickness: donutThickness}
	var shown []HoldingView
	var other HoldingView
	nOther := 0
	for _, h := range holdings {
		if !h.HasValue || !h.Value.IsPositive() {
			continue
		}
		if len(shown) < maxSlices {
			shown = append(shown, h)
			continue
		}
		other.Value = other.Value.Add(h.Value)
		other.Percent = other.Percent.Add(h.Percent)
		nOther++
	}
	if nOther > 0 {
		other.Asset = fmt.Sprintf("Other (%d)", nOther)
		shown = append(shown, other)
	}
	if len(shown) == 0 {
		d.Empty = true
		return d
	}
	cum := 0.0
	for i, h := range shown {
		s := Slice{Asset: h.Asset, Value: moneyLabel(h.Value, currency, 2),
			Percent: h.Percent.StringFixed(2) + "%", Class: "c" + strconv.Itoa(i)}
		if !h.Quantity.IsZero() {
			s.Quantity = h.Quantity.String()
		}
		s.Dash = px(h.Percent)
		s.Offset = -cum
		cum += s.Dash
		s.Label = h.Asset + ": " + s.Value + " (" + s.Percent + ")"
		if s.Quantity != "" {
			s.Label = h.Asset + " " + s.Quantity + ": " + s.Value + " (" + s.Percent + ")"
		}
		d.Slices = append(d.Slices, s)
	}
	return d
}

// SVG renders the ring.
func (d Donut) SVG() template.HTML {
	var b strings.Builder
	esc := template.HTMLEscapeString
	c := d.Size / 2
	fmt.Fprintf(&b, `<svg class="chart chart-donut" viewBox="0 0 %d %d" role="img" aria-label="Allocation by asset">`, d.Size, d.Size)
	if d.Empty {
		fmt.Fprintf(&b, `<circle class="ring-empty" cx="%d" cy="%d" r="%d" stroke-width="%d"/><text class="empty" x="%d" y="%d" text-anchor="middle" dominant-baseline="middle">No values</text></svg>`,
			c, c, d.R, d.Thickness, c, c)
		return template.HTML(b.String())
	}
	fmt.Fprintf(&b, `<g transform="rotate(-90 %d %d)">`, c, c)
	for _, s := range d.Slices {
		fmt.Fprintf(&b, `<circle class="slice %s" cx="%d" cy="%d" r="%d" stroke-width="%d" pathLength="100" stroke-dasharray="%s %s" stroke-dashoffset="%s" data-tip="%s"><title>%s</title></circle>`,
			s.Class, c, c, d.R, d.Thickness, f2(s.Dash), f2(100-s.Dash), f2(s.Offset), esc(s.Label), esc(s.Label))
	}
	b.WriteString(`</g></svg>`)
	return template.HTML(b.String())
}

func f2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
