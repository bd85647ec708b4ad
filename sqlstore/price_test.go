package sqlstore

import (
	"fmt"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

func TestPrices(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2024, 5, d, 0, 0, 0, 0, time.UTC) }
	pt := func(src, base, quote string, d int, p string) cointally.PricePoint {
		return cointally.PricePoint{Base: base, Quote: quote, Time: day(d), Price: money.MustParse(p), Source: src}
	}
	points := []cointally.PricePoint{
		pt("kraken-ohlc", "BTC", "EUR", 2, "60000.5"),
		pt("kraken-ohlc", "BTC", "EUR", 1, "59000"),
		pt("user", "BTC", "EUR", 1, "58000"),
		pt("kraken-trades", "ETH", "EUR", 1, "3000.123456789012345"),
		{Base: "DOT", Quote: "EUR", Time: day(1), Source: "kraken-ohlc", Missing: true},
	}
	added, err := db.PutPrices(ctx, points)
	if err != nil || added != 5 {
		t.Fatalf("PutPrices = %d, %v; want 5 new", added, err)
	}
	// The same key again replaces the price; a new one is added.
	added, err = db.PutPrices(ctx, []cointally.PricePoint{pt("kraken-ohlc", "BTC", "EUR", 2, "61000"), pt("kraken-ohlc", "BTC", "EUR", 3, "62000")})
	if err != nil || added != 1 {
		t.Fatalf("second PutPrices = %d, %v; want 1 new", added, err)
	}
	list := func(f cointally.PriceFilter) []string {
		var out []string
		err := db.Prices(ctx, f, func(p *cointally.PricePoint) error {
			s := fmt.Sprintf("%s %s/%s %s %s", p.Source, p.Base, p.Quote, p.Time.Format(time.DateOnly), p.Price)
			if p.Missing {
				s += " missing"
			}
			out = append(out, s)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		name string
		f    cointally.PriceFilter
		want []string
	}{
		{"all, ordered by pair, time, source", cointally.PriceFilter{}, []string{
			"kraken-ohlc BTC/EUR 2024-05-01 59000", "user BTC/EUR 2024-05-01 58000", "kraken-ohlc BTC/EUR 2024-05-02 61000",
			"kraken-ohlc BTC/EUR 2024-05-03 62000", "kraken-ohlc DOT/EUR 2024-05-01 0 missing", "kraken-trades ETH/EUR 2024-05-01 3000.123456789012345"}},
		{"by sources", cointally.PriceFilter{Sources: []string{"user", "kraken-trades"}}, []string{
			"user BTC/EUR 2024-05-01 58000", "kraken-trades ETH/EUR 2024-05-01 3000.123456789012345"}},
		{"by pair and time range", cointally.PriceFilter{Base: "BTC", Quote: "EUR", From: day(2), To: day(3)}, []string{
			"kraken-ohlc BTC/EUR 2024-05-02 61000"}},
		{"no match", cointally.PriceFilter{Base: "SOL"}, nil},
	}
	for _, tt := range tests {
		got := list(tt.f)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
	if n, err := db.DeletePrices(ctx, "user"); err != nil || n != 1 {
		t.Errorf("DeletePrices(user) = %d, %v", n, err)
	}
	if n, err := db.DeletePrices(ctx, ""); err != nil || n != 5 {
		t.Errorf("DeletePrices() = %d, %v", n, err)
	}
}

func TestPutPricesInvalid(t *testing.T) {
	t.Parallel()
	db := openTemp(t)
	good := cointally.PricePoint{Base: "BTC", Quote: "EUR", Time: time.Unix(1, 0), Price: money.MustParse("1"), Source: "user"}
	for _, tt := range []struct {
		name string
		edit func(*cointally.PricePoint)
	}{
		{"no base", func(p *cointally.PricePoint) { p.Base = "" }},
		{"no source", func(p *cointally.PricePoint) { p.Source = "" }},
		{"no time", func(p *cointally.PricePoint) { p.Time = time.Time{} }},
		{"negative", func(p *cointally.PricePoint) { p.Price = money.MustParse("-1") }},
		{"zero without missing", func(p *cointally.PricePoint) { p.Price = money.Zero }},
		{"control character", func(p *cointally.PricePoint) { p.Base = "BT\nC" }},
	} {
		p := good
		tt.edit(&p)
		_, err := db.PutPrices(t.Context(), []cointally.PricePoint{good, p})
		if cointally.KindOf(err) != cointally.KindInvalid {
			t.Errorf("%s: err = %v, want KindInvalid", tt.name, err)
		}
	}
	// Nothing of a refused batch is stored.
	n := 0
	if err := db.Prices(t.Context(), cointally.PriceFilter{}, func(*cointally.PricePoint) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("after refused batches: %d points, %v", n, err)
	}
}
