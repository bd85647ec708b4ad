package price_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
)

var d = money.MustParse

func day(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }

func TestChainRoutes(t *testing.T) {
	t.Parallel()
	at := day(2024, 5, 1).Add(13 * time.Hour)
	market := &price.Fixed{Name: "m"}
	market.Set("BTC", "USD", at, d("60000"))
	market.Set("EUR", "USD", at, d("1.25"))
	market.Set("ETH", "BTC", at, d("0.05"))
	market.Set("SOL", "EUR", at, d("100"))
	user := price.NewUser([]cointally.PricePoint{
		{Base: "SOL", Quote: "EUR", Time: at.Add(-time.Hour), Price: d("120"), Source: cointally.PriceSourceUser},
		{Base: "SOL", Quote: "EUR", Time: day(2024, 4, 30), Price: d("90"), Source: cointally.PriceSourceUser},
	})
	chain := price.NewChain(user, market)
	tests := []struct {
		base, quote string
		want        string
		source      string
	}{
		{"BTC", "USD", "60000", "m BTC/USD 2024-05-01"},
		{"USD", "EUR", "0.8", "1/(m EUR/USD 2024-05-01)"},
		{"BTC", "EUR", "48000", "m BTC/USD 2024-05-01 × 1/(m EUR/USD 2024-05-01)"},
		{"ETH", "USD", "3000", "m ETH/BTC 2024-05-01 × m BTC/USD 2024-05-01"},
		{"SOL", "EUR", "120", "user SOL/EUR 2024-05-01T12:00:00Z"}, // the user's price overrides the market's
		{"EUR", "EUR", "1", "identity"},
	}
	for _, tt := range tests {
		t.Run(tt.base+"/"+tt.quote, func(t *testing.T) {
			for range 2 { // the second time by the remembered route
				q, err := chain.Price(t.Context(), tt.base, tt.quote, at)
				if err != nil {
					t.Fatal(err)
				}
				if !q.Price.Equal(d(tt.want)) || q.Source != tt.source {
					t.Errorf("price = %s from %q, want %s from %q", q.Price, q.Source, tt.want, tt.source)
				}
			}
		})
	}
	if _, err := chain.Price(t.Context(), "DOGE", "EUR", at); !price.IsNoPrice(err) || !cointally.IsNotFound(err) {
		t.Errorf("unknown pair: err = %v, want ErrNoPrice (not found)", err)
	}
	if _, err := chain.Price(t.Context(), "BTC", "USD", at.AddDate(0, 0, 1)); !price.IsNoPrice(err) {
		t.Errorf("another day: err = %v, want ErrNoPrice", err)
	}
}

func TestRoundSig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"123456.7890123456789", "123456.789012346"},
		{"0.000012345678901234567", "0.0000123456789012346"},
		{"1", "1"},
		{"-2.5", "-2.5"},
		{"0", "0"},
		{"1234567890123456789", "1234567890123456789"}, // integer digits are never rounded,
	} {
		if got := price.RoundSig(d(tt.in), 15); !got.Equal(d(tt.want)) {
			t.Errorf("RoundSig(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestUserSameDayNearest(t *testing.T) {
	t.Parallel()
	u := price.NewUser([]cointally.PricePoint{
		{Base: "X", Quote: "EUR", Time: day(2024, 1, 1).Add(6 * time.Hour), Price: d("1")},
		{Base: "X", Quote: "EUR", Time: day(2024, 1, 1).Add(18 * time.Hour), Price: d("2")},
		{Base: "X", Quote: "EUR", Time: day(2024, 1, 3), Price: d("3")},
	})
	for _, tt := range []struct {
		at   time.Time
		want string // "" for no price
	}{
		{day(2024, 1, 1), "1"},
		{day(2024, 1, 1).Add(12 * time.Hour), "1"}, // a tie: the earlier one
		{day(2024, 1, 1).Add(13 * time.Hour), "2"},
		{day(2024, 1, 2).Add(time.Hour), ""}, // no price on that day
		{day(2024, 1, 3).Add(23 * time.Hour), "3"},
	} {
		q, err := u.Price(t.Context(), "X", "EUR", tt.at)
		switch {
		case tt.want == "" && !price.IsNoPrice(err):
			t.Errorf("%s: %v, %v; want no price", tt.at, q.Price, err)
		case tt.want != "" && (err != nil || !q.Price.Equal(d(tt.want))):
			t.Errorf("%s: %v, %v; want %s", tt.at, q.Price, err, tt.want)
		}
	}
}

func TestParseCSV(t *testing.T) {
	t.Parallel()
	upper := func(s string) string {
		if s == "XBT" {
			return "BTC"
		}
		return s
	}
	good := "\ufeffTime, Base ,quote,price,comment\n2019-03-01T10:00:00Z,xbt,EUR,3400.5,from my notes\n\n2020-01-01T00:00:00+01:00,LUNA,USD,0.0001,\n"
	ps, err := price.ParseCSV(strings.NewReader(good), upper)
	if err != nil {
		t.Fatal(err)
	}
	want := []cointally.PricePoint{
		{Base: "BTC", Quote: "EUR", Time: time.Date(2019, 3, 1, 10, 0, 0, 0, time.UTC), Price: d("3400.5"), Source: "user"},
		{Base: "LUNA", Quote: "USD", Time: time.Date(2019, 12, 31, 23, 0, 0, 0, time.UTC), Price: d("0.0001"), Source: "user"},
	}
	if !slices.EqualFunc(ps, want, func(a, b cointally.PricePoint) bool {
		return a.Base == b.Base && a.Quote == b.Quote && a.Time.Equal(b.Time) && a.Price.Equal(b.Price) && a.Source == b.Source
	}) {
		t.Errorf("points = %+v, want %+v", ps, want)
	}
	for _, tt := range []struct {
		name, in, want string
	}{
		{"empty", "", "empty"},
		{"no price column", "time,base,quote\n", `lacks the column "price"`},
		{"spreadsheet date", "time,base,quote,price\n01/03/2019 10:00,BTC,EUR,1\n", "line 2: time \"01/03/2019 10:00\" is not RFC 3339"},
		{"decimal comma", "time,base,quote,price\n2019-03-01T10:00:00Z,BTC,EUR,\"3400,5\"\n", "comma"},
		{"zero", "time,base,quote,price\n2019-03-01T10:00:00Z,BTC,EUR,0\n", "not greater than zero"},
		{"same asset", "time,base,quote,price\n2019-03-01T10:00:00Z,EUR,EUR,1\n", "both EUR"},
	} {
		_, err := price.ParseCSV(strings.NewReader(tt.in), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

// memStore is a cointally.PriceStore in memory.
type memStore struct {
	mu     sync.Mutex
	points map[string]cointally.PricePoint
	puts   int
}

func (s *memStore) PutPrices(_ context.Context, ps []cointally.PricePoint) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.points == nil {
		s.points = map[string]cointally.PricePoint{}
	}
	s.puts++
	n := 0
	for _, p := range ps {
		k := p.Source + "|" + p.Base + "|" + p.Quote + "|" + p.Time.String()
		if _, ok := s.points[k]; !ok {
			n++
		}
		s.points[k] = p
	}
	return n, nil
}

func (s *memStore) Prices(_ context.Context, f cointally.PriceFilter, fn func(*cointally.PricePoint) error) error {
	s.mu.Lock()
	var ps []cointally.PricePoint
	for _, p := range s.points {
		if len(f.Sources) == 0 || slices.Contains(f.Sources, p.Source) {
			ps = append(ps, p)
		}
	}
	s.mu.Unlock()
	for i := range ps {
		if err := fn(&ps[i]); err != nil {
			return err
		}
	}
	return nil
}

func (s *memStore) DeletePrices(context.Context, string) (int, error) {
	return 0, errors.New("not implemented")
}

// fakeData is a MarketData with BTC/EUR trading at 1000 + day of month,
// candles for the last Window days and trades for every day.
type fakeData struct {
	now    time.Time
	window int
	calls  []string
	fail   error
}

func (f *fakeData) Pairs(context.Context) ([]price.Pair, error) {
	f.calls = append(f.calls, "pairs")
	return []price.Pair{{Name: "XXBTZEUR", Base: "BTC", Quote: "EUR"}}, f.fail
}

func (f *fakeData) Daily(_ context.Context, pair string) ([]price.Candle, error) {
	f.calls = append(f.calls, "daily "+pair)
	if f.fail != nil {
		return nil, f.fail
	}
	var cs []price.Candle
	today := f.now.Truncate(24 * time.Hour)
	for i := f.window - 1; i >= 0; i-- {
		s := today.AddDate(0, 0, -i)
		p := money.FromInt(int64(1000 + s.Day()))
		cs = append(cs, price.Candle{Start: s, Close: p.Add(d("0.5")), VWAP: p, Volume: d("10")})
	}
	return cs, nil
}

func (f *fakeData) Trades(_ context.Context, pair string, since time.Time) ([]price.Trade, error) {
	f.calls = append(f.calls, "trades "+pair+" "+since.Format(time.DateOnly))
	if since.Day() == 13 {
		return nil, nil // nothing traded that day
	}
	base := int64(2000 + since.Day())
	return []price.Trade{
		{Time: since.Add(time.Minute), Price: money.FromInt(base), Volume: d("1")},
		{Time: since.Add(2 * time.Minute), Price: money.FromInt(base + 3), Volume: d("2")},
		{Time: since.Add(25 * time.Hour), Price: d("99999"), Volume: d("5")}, // the next day: ignored
	}, nil
}

// Weekly candles start on Mondays (time.Truncate's weeks) and trade at 500
// + ISO week number, for 30 weeks up to now.
func (f *fakeData) Weekly(_ context.Context, pair string) ([]price.Candle, error) {
	f.calls = append(f.calls, "weekly "+pair)
	var cs []price.Candle
	start := f.now.Truncate(7 * 24 * time.Hour) // a Monday
	for i := 29; i >= 0; i-- {
		s := start.AddDate(0, 0, -7*i)
		_, w := s.ISOWeek()
		p := money.FromInt(int64(500 + w))
		if w == 10 {
			cs = append(cs, price.Candle{Start: s, Close: p}) // no volume: its close
			continue
		}
		cs = append(cs, price.Candle{Start: s, Close: p.Add(d("0.5")), VWAP: p, Volume: d("10")})
	}
	return cs, nil
}

// A coarse Market (for charts) prices days before the candle window from
// weekly candles, never trade by trade, prefers what the cache holds, and
// caches nothing it got from weekly candles.
func TestMarketCoarse(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 6, 10, 15, 0, 0, 0, time.UTC)
	data := &fakeData{now: now, window: 5}
	store := &memStore{}
	cached := day(2024, 3, 20)
	if _, err := store.PutPrices(t.Context(), []cointally.PricePoint{{Base: "BTC", Quote: "EUR", Time: cached,
		Price: d("777"), Source: "kraken-trades"}}); err != nil {
		t.Fatal(err)
	}
	m := &price.Market{Name: "kraken", Data: data, Cache: store, Window: 5, Coarse: true, Now: func() time.Time { return now }}
	tests := []struct {
		at           time.Time
		want, source string
	}{
		{day(2024, 6, 8), "1008", "kraken-ohlc BTC/EUR 2024-06-08"},                             // in the window: daily
		{day(2024, 5, 1).Add(5 * time.Hour), "518", "kraken-weekly BTC/EUR week of 2024-04-29"}, // ISO week 18
		{day(2024, 3, 7), "510", "kraken-weekly BTC/EUR week of 2024-03-04"},                    // week 10 has no volume: its close
		{cached, "777", "kraken-trades BTC/EUR 2024-03-20"},                                     // the cache wins
		{day(2023, 1, 5), "", ""}, // before the first weekly candle
	}
	for _, tt := range tests {
		q, err := m.Price(t.Context(), "BTC", "EUR", tt.at)
		if tt.want == "" {
			if !price.IsNoPrice(err) {
				t.Errorf("%s: %v, %v; want no price", tt.at, q, err)
			}
			continue
		}
		if err != nil || !q.Price.Equal(d(tt.want)) || q.Source != tt.source {
			t.Errorf("%s: %+v, %v; want %s from %s", tt.at, q, err, tt.want, tt.source)
		}
	}
	wantCalls := []string{"pairs", "daily XXBTZEUR", "weekly XXBTZEUR"}
	if !slices.Equal(data.calls, wantCalls) {
		t.Errorf("calls = %q, want %q (one weekly fetch, no trades)", data.calls, wantCalls)
	}
	if err := m.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, p := range store.points {
		if strings.Contains(p.Source, "weekly") {
			t.Errorf("a weekly price was cached: %+v", p)
		}
	}
}

func TestMarket(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 6, 10, 15, 0, 0, 0, time.UTC)
	data := &fakeData{now: now, window: 5}
	store := &memStore{}
	var slept []time.Duration
	clock := now
	m := &price.Market{Name: "kraken", Data: data, Cache: store, Window: 5, Interval: time.Second,
		Now: func() time.Time { return clock },
		Sleep: func(_ context.Context, d time.Duration) error {
			slept = append(slept, d)
			clock = clock.Add(d)
			return nil
		}}
	ctx := t.Context()
	tests := []struct {
		at     time.Time
		want   string
		source string
	}{
		{day(2024, 6, 8).Add(3 * time.Hour), "1008", "kraken-ohlc BTC/EUR 2024-06-08"},
		{day(2024, 6, 6), "1006", "kraken-ohlc BTC/EUR 2024-06-06"},                       // same fetch
		{now, "1010", "kraken-ohlc BTC/EUR 2024-06-10"},                                   // today's open candle
		{day(2024, 6, 1).Add(20 * time.Hour), "2003", "kraken-trades BTC/EUR 2024-06-01"}, // before the window: (2001+2×2004)/3
		{day(2024, 6, 13), "", ""},                                                        // the future
		{day(2024, 5, 13), "", ""},                                                        // no trades that day
	}
	for _, tt := range tests {
		q, err := m.Price(ctx, "BTC", "EUR", tt.at)
		if tt.want == "" {
			if !price.IsNoPrice(err) {
				t.Errorf("%s: %v, %v; want no price", tt.at, q, err)
			}
			continue
		}
		if err != nil || !q.Price.Equal(d(tt.want)) || q.Source != tt.source || !q.Daily {
			t.Errorf("%s: %+v, %v; want %s from %s", tt.at, q, err, tt.want, tt.source)
		}
	}
	wantCalls := []string{"pairs", "daily XXBTZEUR", "trades XXBTZEUR 2024-06-01", "trades XXBTZEUR 2024-05-13"}
	if !slices.Equal(data.calls, wantCalls) {
		t.Errorf("calls = %q, want %q", data.calls, wantCalls)
	}
	// Requests were spaced by a second: the clock did not move by itself.
	if len(slept) != 3 || slept[0] != time.Second {
		t.Errorf("slept %v, want three waits of 1s", slept)
	}
	// The cache holds the days asked for (not today's open candle): two
	// candle days, the trades day and the missing day, written at Flush in
	// one transaction.
	if n := len(store.points); n != 0 {
		t.Errorf("cached %d points before Flush", n)
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(store.points); n != 4 || store.puts != 1 {
		t.Errorf("cached %d points in %d writes, want 4 in 1", n, store.puts)
	}
	// A second Market on the same cache needs no request for cached days,
	// and offline it knows the pairs from the cache.
	data2 := &fakeData{now: now, window: 5}
	m2 := &price.Market{Name: "kraken", Data: data2, Cache: store, Window: 5, Now: func() time.Time { return now }}
	off := &price.Market{Name: "kraken", Cache: store, Window: 5, Now: func() time.Time { return now }}
	for _, at := range []time.Time{day(2024, 6, 8), day(2024, 6, 1), day(2024, 5, 13)} {
		q1, err1 := m2.Price(ctx, "BTC", "EUR", at)
		q2, err2 := off.Price(ctx, "BTC", "EUR", at)
		if q1.Price.String() != q2.Price.String() || (err1 == nil) != (err2 == nil) {
			t.Errorf("%s: online %v %v, offline %v %v", at, q1.Price, err1, q2.Price, err2)
		}
	}
	if !slices.Equal(data2.calls, []string{"pairs"}) {
		t.Errorf("calls with a warm cache = %q, want only pairs", data2.calls)
	}
	if _, err := off.Price(ctx, "BTC", "EUR", day(2024, 6, 2)); !price.IsNoPrice(err) {
		t.Errorf("offline, uncached day: %v, want no price", err)
	}
}

func TestMarketFailure(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	m := &price.Market{Name: "kraken", Data: &fakeData{fail: boom}, Window: 5}
	_, err := m.Price(t.Context(), "BTC", "EUR", day(2024, 1, 1))
	if !errors.Is(err, boom) || price.IsNoPrice(err) {
		t.Errorf("err = %v, want the data source's error, not ErrNoPrice", err)
	}
	// The chain passes such errors on rather than trying other routes.
	if _, err := price.NewChain(m).Price(t.Context(), "BTC", "EUR", day(2024, 1, 1)); !errors.Is(err, boom) {
		t.Errorf("chain err = %v", err)
	}
}
