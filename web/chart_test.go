package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally/money"
)

func amounts(ss ...string) []money.Amount {
	out := make([]money.Amount, len(ss))
	for i, s := range ss {
		out[i] = money.MustParse(s)
	}
	return out
}

func amountsText(as []money.Amount) string {
	ss := make([]string, len(as))
	for i, a := range as {
		ss[i] = a.String()
	}
	return strings.Join(ss, " ")
}

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		lo, hi string
		want   []money.Amount
	}{
		{"zero to hundred", "0", "100", amounts("0", "50", "100")},
		{"cents", "0", "12345.67", amounts("0", "5000", "10000", "15000")},
		{"negative low", "-250", "1000", amounts("-500", "0", "500", "1000")},
		{"all negative", "-730", "0", amounts("-800", "-600", "-400", "-200", "0")},
		{"all zero", "0", "0", amounts("0", "0.5", "1")},
		{"one positive value", "42", "42", amounts("0", "20", "40", "60")},
		{"one negative value", "-42", "-42", amounts("-60", "-40", "-20", "0")},
		{"tiny", "0", "0.00012", amounts("0", "0.00005", "0.0001", "0.00015")},
		{"swapped", "100", "0", amounts("0", "50", "100")},
		{"exact decimal step", "0", "0.3", amounts("0", "0.1", "0.2", "0.3")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := niceTicks(money.MustParse(tt.lo), money.MustParse(tt.hi), 4)
			if amountsText(got) != amountsText(tt.want) {
				t.Errorf("niceTicks(%s, %s) = %s, want %s", tt.lo, tt.hi, amountsText(got), amountsText(tt.want))
			}
		})
	}
}

func TestMoneyLabel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		amount, currency string
		places           int32
		want             string
	}{
		{"1234567.895", "EUR", 2, "€1,234,567.90"}, // half even, exact: a float would give .89
		{"0.125", "EUR", 2, "€0.12"},
		{"0.135", "USD", 2, "$0.14"},
		{"-1234.5", "GBP", 2, "-£1,234.50"},
		{"-0.001", "EUR", 2, "€0.00"}, // rounds to zero: no minus sign
		{"999999999999999999.99", "EUR", 2, "€999,999,999,999,999,999.99"},
		{"100", "CAD", 0, "100 CAD"},
		{"12000", "", 0, "12,000"},
		{"0.1", "EUR", 2, "€0.10"},
	} {
		if got := moneyLabel(money.MustParse(tt.amount), tt.currency, tt.places); got != tt.want {
			t.Errorf("moneyLabel(%s, %s, %d) = %q, want %q", tt.amount, tt.currency, tt.places, got, tt.want)
		}
	}
}

func day(n int) time.Time { return time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func series(vals ...string) []ValuePoint {
	out := make([]ValuePoint, len(vals))
	for i, v := range vals {
		out[i] = ValuePoint{Day: day(i), Value: money.MustParse(v)}
	}
	return out
}

func TestLineChartEmpty(t *testing.T) {
	t.Parallel()
	c := newLineChart(nil, "EUR")
	if !c.Empty || len(c.Points) != 0 {
		t.Fatalf("empty series: %+v", c)
	}
	svg := string(c.SVG())
	if !strings.Contains(svg, "No history yet") || !strings.HasSuffix(svg, "</svg>") {
		t.Errorf("empty chart SVG: %s", svg)
	}
}

func TestLineChartOnePoint(t *testing.T) {
	t.Parallel()
	c := newLineChart(series("1500"), "EUR")
	if c.Empty || len(c.Points) != 1 {
		t.Fatalf("points %d, empty %v", len(c.Points), c.Empty)
	}
	p := c.Points[0]
	if mid := (c.X0 + c.X1) / 2; p.X != mid {
		t.Errorf("one point at x %v, want the middle %v", p.X, mid)
	}
	if c.Area != "" {
		t.Errorf("one point has an area: %q", c.Area)
	}
	if p.BandX != c.X0 || p.BandX+p.BandW != c.X1 {
		t.Errorf("one point's hover band %v+%v does not span the plot %v..%v", p.BandX, p.BandW, c.X0, c.X1)
	}
	if len(c.XTicks) != 1 || c.XTicks[0].Label != "1 Jan 2025" {
		t.Errorf("x ticks %+v", c.XTicks)
	}
	if p.Label != "2025-01-01: €1,500.00" {
		t.Errorf("label %q", p.Label)
	}
	if !strings.Contains(string(c.SVG()), `class="dot"`) {
		t.Error("one point is not drawn as a dot")
	}
}

func TestLineChartGeometry(t *testing.T) {
	t.Parallel()
	c := newLineChart(series("0", "100", "250.5", "200", "1000"), "EUR")
	bottom, top := float64(lineH-padBottom), float64(padTop)
	if got := amountsText(tickValues(c.YTicks)); got != "0 500 1000" {
		t.Fatalf("y ticks %s", got)
	}
	if c.Points[0].X != c.X0 || c.Points[4].X != c.X1 {
		t.Errorf("first/last x %v, %v; want %v, %v", c.Points[0].X, c.Points[4].X, c.X0, c.X1)
	}
	if c.Points[0].Y != bottom || c.Y0 != bottom {
		t.Errorf("zero at y %v, zero line %v; want the bottom %v", c.Points[0].Y, c.Y0, bottom)
	}
	if c.Points[4].Y != top {
		t.Errorf("1000 (the top tick) at y %v, want the top %v", c.Points[4].Y, top)
	}
	// 250.5 of 1000: a quarter of the height and a bit.
	if want := bottom - (bottom-top)*0.2505; abs(c.Points[2].Y-want) > 1e-9 {
		t.Errorf("250.5 at y %v, want %v", c.Points[2].Y, want)
	}
	for i := 1; i < len(c.Points); i++ {
		if c.Points[i].X <= c.Points[i-1].X {
			t.Errorf("x not increasing at %d", i)
		}
		if got, want := c.Points[i].BandX, c.Points[i-1].BandX+c.Points[i-1].BandW; abs(got-want) > 1e-9 {
			t.Errorf("hover bands leave a gap at %d: %v vs %v", i, got, want)
		}
	}
	if c.Points[2].Label != "2025-01-03: €250.50" {
		t.Errorf("label %q", c.Points[2].Label)
	}
	if len(c.XTicks) != xTickCount || c.XTicks[0].Label != "1 Jan 2025" || c.XTicks[len(c.XTicks)-1].Label != "5 Jan 2025" {
		t.Errorf("x ticks %+v", c.XTicks)
	}
	labels := []string{}
	for _, tk := range c.YTicks {
		labels = append(labels, tk.Label)
	}
	if strings.Join(labels, "|") != "€0|€500|€1,000" {
		t.Errorf("y labels %v", labels)
	}
	if !strings.HasPrefix(c.Area, "M80.0,222.0 L80.0,222.0") || !strings.HasSuffix(c.Area, "L470.0,222.0 Z") {
		t.Errorf("area path %q", c.Area)
	}
}

func TestLineChartNegative(t *testing.T) {
	t.Parallel()
	c := newLineChart(series("-300", "200"), "USD")
	if got := amountsText(tickValues(c.YTicks)); got != "-400 -200 0 200" {
		t.Fatalf("y ticks %s", got)
	}
	bottom, top := float64(lineH-padBottom), float64(padTop)
	if want := bottom - (bottom-top)*(400.0/600); abs(c.Y0-want) > 0.01 {
		t.Errorf("zero line at %v, want %v", c.Y0, want)
	}
	if !(c.Points[0].Y > c.Y0 && c.Points[1].Y < c.Y0) {
		t.Errorf("negative value above or positive below the zero line: %v, %v, zero %v", c.Points[0].Y, c.Points[1].Y, c.Y0)
	}
	if c.YTicks[0].Label != "-$400" || c.Points[0].Label != "2025-01-01: -$300.00" {
		t.Errorf("labels %q, %q", c.YTicks[0].Label, c.Points[0].Label)
	}
}

func TestLineChartSamplesLongHistories(t *testing.T) {
	t.Parallel()
	var pts []ValuePoint
	for i := range 2000 {
		pts = append(pts, ValuePoint{Day: day(i), Value: money.FromInt(int64(i))})
	}
	c := newLineChart(pts, "EUR")
	if len(c.Points) != maxLinePoints {
		t.Fatalf("%d points drawn, want %d", len(c.Points), maxLinePoints)
	}
	if !c.Points[0].Day.Equal(day(0)) || !c.Points[len(c.Points)-1].Day.Equal(day(1999)) {
		t.Errorf("first/last day %v, %v", c.Points[0].Day, c.Points[len(c.Points)-1].Day)
	}
}

var titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)

func TestLineChartSVG(t *testing.T) {
	t.Parallel()
	svg := string(newLineChart(series("10.005", "1234567.895"), "EUR").SVG())
	titles := titleRE.FindAllStringSubmatch(svg, -1)
	if len(titles) != 2 || titles[0][1] != "2025-01-01: €10.00" || titles[1][1] != "2025-01-02: €1,234,567.90" {
		t.Errorf("titles %v", titles)
	}
	for _, want := range []string{`data-tip="2025-01-02: €1,234,567.90"`, `class="line"`, `class="area"`, `class="marker"`, "1 Jan 2025", "2 Jan 2025"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %s", want)
		}
	}
	for _, bad := range []string{"<script", "style=", " on"} {
		if strings.Contains(svg, bad) {
			t.Errorf("SVG contains %q, which the CSP refuses", bad)
		}
	}
}

func holding(asset, qty, value, pct string) HoldingView {
	return HoldingView{Asset: asset, Quantity: money.MustParse(qty), Value: money.MustParse(value), Percent: money.MustParse(pct), HasValue: true}
}

func TestDonut(t *testing.T) {
	t.Parallel()
	d := newDonut([]HoldingView{
		holding("BTC", "0.5", "30000.005", "75.00"),
		holding("ETH", "4", "9000", "22.50"),
		{Asset: "XYZ", Quantity: money.MustParse("7"), HasValue: false},
		holding("DOT", "100", "1000", "2.50"),
	}, "EUR")
	if d.Empty || len(d.Slices) != 3 {
		t.Fatalf("slices %+v", d.Slices)
	}
	want := []struct {
		asset, label string
		dash, offset float64
	}{
		{"BTC", "BTC 0.5: €30,000.00 (75.00%)", 75, 0},
		{"ETH", "ETH 4: €9,000.00 (22.50%)", 22.5, -75},
		{"DOT", "DOT 100: €1,000.00 (2.50%)", 2.5, -97.5},
	}
	for i, w := range want {
		s := d.Slices[i]
		if s.Asset != w.asset || s.Label != w.label || s.Dash != w.dash || s.Offset != w.offset {
			t.Errorf("slice %d = %+v, want %+v", i, s, w)
		}
	}
	svg := string(d.SVG())
	if n := strings.Count(svg, "<title>"); n != 3 {
		t.Errorf("%d titles, want 3", n)
	}
	if !strings.Contains(svg, `stroke-dasharray="22.50 77.50" stroke-dashoffset="-75.00"`) {
		t.Errorf("ETH slice geometry missing: %s", svg)
	}
}

func TestDonutFoldsSmallHoldings(t *testing.T) {
	t.Parallel()
	var hs []HoldingView
	for i := range maxSlices + 3 {
		hs = append(hs, holding(string(rune('A'+i)), "1", "10", "9.09"))
	}
	d := newDonut(hs, "EUR")
	if len(d.Slices) != maxSlices+1 {
		t.Fatalf("%d slices", len(d.Slices))
	}
	other := d.Slices[maxSlices]
	if other.Asset != "Other (3)" || other.Percent != "27.27%" || other.Value != "€30.00" || other.Quantity != "" {
		t.Errorf("other slice %+v", other)
	}
}

func TestDonutEdges(t *testing.T) {
	t.Parallel()
	if d := newDonut(nil, "EUR"); !d.Empty || !strings.Contains(string(d.SVG()), "No values") {
		t.Errorf("no holdings: %+v", d)
	}
	if d := newDonut([]HoldingView{{Asset: "BTC", Quantity: money.MustParse("1")}}, "EUR"); !d.Empty {
		t.Errorf("holdings without a price make a slice: %+v", d)
	}
	d := newDonut([]HoldingView{holding("BTC", "1", "5", "100.00")}, "EUR")
	if len(d.Slices) != 1 || d.Slices[0].Dash != 100 || !strings.Contains(string(d.SVG()), `stroke-dasharray="100.00 0.00"`) {
		t.Errorf("one asset is not the full ring: %+v", d.Slices)
	}
}

func tickValues(ts []Tick) []money.Amount {
	out := make([]money.Amount, len(ts))
	for i, t := range ts {
		out[i] = t.Value
	}
	return out
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// A portfolio's charts are drawn once and reused while Reports gives the
// same view; a new view is drawn anew, and the cache stays bounded.
func TestChartCache(t *testing.T) {
	var c chartCache
	p1 := &PortfolioView{Currency: "EUR", History: []ValuePoint{{Day: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Value: money.MustParse("10")}}}
	p2 := &PortfolioView{Currency: "EUR"}
	a, b := c.get(p1), c.get(p1)
	if a != b || a.valueSVG == "" || !strings.Contains(string(a.valueSVG), "<svg") {
		t.Fatalf("the same view was drawn twice (%p, %p) or not at all", a, b)
	}
	if c.get(p2) == a {
		t.Fatal("another view got the first one's charts")
	}
	for range 2 * maxCachedCharts {
		c.get(&PortfolioView{Currency: "EUR"})
	}
	if n := len(c.m); n > maxCachedCharts {
		t.Fatalf("%d charts cached, want at most %d", n, maxCachedCharts)
	}
}
