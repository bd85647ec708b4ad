package krakensim

import (
	"slices"
	"testing"
	"time"
)

var testNow = time.Date(2024, 5, 1, 12, 34, 56, 789_000_000, time.UTC)

func TestPriceLevels(t *testing.T) {
	t.Parallel()
	m := testMarket()
	tests := []struct {
		pair   string
		at     time.Time
		lo, hi float64 // in quote units
	}{
		{"XXBTZUSD", date(2018, 6, 1), 3000, 20000},
		{"XXBTZUSD", date(2021, 11, 10), 35000, 110000},
		{"XXBTZEUR", date(2024, 12, 20), 50000, 150000},
		{"XETHZUSD", date(2021, 11, 10), 2000, 8000},
		{"XETHZEUR", date(2019, 6, 1), 100, 600},
		{"XDGEUR", date(2021, 5, 8), 0.1, 2},
		{"XDGEUR", date(2019, 1, 1), 0.0005, 0.01},
		{"USDTZUSD", date(2022, 1, 1), 0.97, 1.03},
		{"USDCEUR", date(2022, 9, 27), 0.9, 1.2},
		{"ZEURZUSD", date(2020, 1, 1), 1, 1.3},
		{"DOTEUR", date(2021, 11, 4), 20, 100},
		{"SOLEUR", date(2024, 3, 18), 80, 400},
		{"ADAEUR", date(2021, 9, 2), 1, 5},
	}
	for _, tc := range tests {
		p, _ := PairByName(tc.pair)
		got := float64(m.Price(tc.pair, tc.at)) / float64(pow10[p.PairDecimals])
		if got < tc.lo || got > tc.hi {
			t.Errorf("%s at %s = %v, want %v..%v", tc.pair, tc.at.Format(time.DateOnly), got, tc.lo, tc.hi)
		}
	}
	if m.Price("NOPE", testNow) != 0 {
		t.Error("unknown pair has a price")
	}
}

func TestMarketDeterministic(t *testing.T) {
	t.Parallel()
	a, b, c := NewMarket(1), NewMarket(1), NewMarket(2)
	for i := range 100 {
		at := date(2019, 1, 1).Add(time.Duration(i) * 37 * time.Hour)
		if a.Price("XXBTZEUR", at) != b.Price("XXBTZEUR", at) {
			t.Fatal("same seed, different prices")
		}
	}
	if a.Price("XXBTZEUR", testNow) == c.Price("XXBTZEUR", testNow) {
		t.Error("different seeds, same price")
	}
}

func TestCrossRates(t *testing.T) {
	t.Parallel()
	m := testMarket()
	for i := range 500 {
		at := date(2016, 1, 1).Add(time.Duration(i) * 163 * time.Hour)
		eth := float64(m.Price("XETHZUSD", at)) / 1e2
		btc := float64(m.Price("XXBTZUSD", at)) / 1e1
		cross := float64(m.Price("XETHXXBT", at)) / 1e5
		// Each price is rounded: allow its rounding plus a little.
		tol := 0.5e-5 + cross*(0.5e-2/eth+0.5e-1/btc) + 1e-9
		if d := cross - eth/btc; d > tol || d < -tol {
			t.Errorf("%s: ETH/XBT %v, ETH/USD / XBT/USD %v", at, cross, eth/btc)
		}
	}
}

func TestUSDValue(t *testing.T) {
	t.Parallel()
	m := testMarket()
	if got := m.USDValue("ZUSD", 12_3456, testNow); got != 12_3456 {
		t.Errorf("12.3456 USD = %d", got)
	}
	if got := m.USDValue("USD.M", 1_0000, testNow); got != 1_0000 {
		t.Errorf("1 USD.M = %d", got)
	}
	if got := m.USDValue("KFEE", 100_00, testNow); got != 0 {
		t.Errorf("KFEE is worth %d", got)
	}
	if a, b := m.USDValue("XXBT", 1e10, testNow), m.USDValue("XBT.M", 1e10, testNow); a != b || a <= 0 {
		t.Errorf("1 XXBT = %d, 1 XBT.M = %d", a, b)
	}
	if a, b := m.USDValue("XETH", 3e9, testNow), m.USDValue("XETH", -3e9, testNow); a != -b {
		t.Errorf("value not symmetric: %d, %d", a, b)
	}
	btc := m.USDValue("XXBT", 1e10, testNow)
	if want := m.Price("XXBTZUSD", testNow) * 1000; btc < want-1000 || btc > want+1000 {
		t.Errorf("1 BTC = %d, pair says %d", btc, want)
	}
}

func TestOHLC(t *testing.T) {
	t.Parallel()
	m := testMarket()
	for _, iv := range OHLCIntervals {
		t.Run(time.Duration(iv*int(time.Minute)).String(), func(t *testing.T) {
			t.Parallel()
			step := int64(iv) * 60
			open := testNow.Unix() / step * step
			since := open - 40*step // keep the slow intervals cheap
			if iv == 1 || iv == 1440 {
				since = 0
			}
			cs, last := m.OHLC("XXBTZEUR", iv, since, testNow)
			if last != open-step {
				t.Errorf("last = %d, want %d", last, open-step)
			}
			if len(cs) == 0 || len(cs) > MaxCandles {
				t.Fatalf("%d candles", len(cs))
			}
			if since == 0 && len(cs) != MaxCandles && iv < 10080 {
				t.Errorf("%d candles, want the %d most recent", len(cs), MaxCandles)
			}
			if cs[len(cs)-1].Time != open {
				t.Errorf("final row at %d, want the open candle at %d", cs[len(cs)-1].Time, open)
			}
			for i, c := range cs {
				if i > 0 && c.Time != cs[i-1].Time+step {
					t.Fatalf("candle %d at %d after %d", i, c.Time, cs[i-1].Time)
				}
				if c.Time <= since {
					t.Fatalf("candle at %d not after since %d", c.Time, since)
				}
				if c.Low > min(c.Open, c.Close) || c.High < max(c.Open, c.Close) || c.VWAP < c.Low || c.VWAP > c.High || c.Low <= 0 {
					t.Fatalf("candle %+v inconsistent", c)
				}
				if c.Volume < 0 || c.Count < 0 || (c.Count == 0) != (c.Volume == 0) {
					t.Fatalf("candle %+v: volume/count", c)
				}
			}
			// Polling with since = last returns the last committed candle's
			// successor: the open one.
			more, last2 := m.OHLC("XXBTZEUR", iv, last, testNow)
			if len(more) != 1 || more[0].Time != open || last2 != last {
				t.Errorf("since=last: %d candles, last %d", len(more), last2)
			}
		})
	}
	if cs, _ := m.OHLC("XXBTZEUR", 7, 0, testNow); cs != nil {
		t.Error("interval 7 accepted")
	}
}

func TestOHLCMatchesTape(t *testing.T) {
	t.Parallel()
	m := testMarket()
	cs, _ := m.OHLC("XETHZEUR", 1, testNow.Unix()-3600, testNow)
	trades, _ := m.PublicTrades("XETHZEUR", (testNow.Unix()-3600)*1e9, 1000, testNow)
	byMin := map[int64][]PublicTrade{}
	for _, tr := range trades {
		byMin[tr.TimeNs/60e9*60] = append(byMin[tr.TimeNs/60e9*60], tr)
	}
	for _, c := range cs {
		tr := byMin[c.Time]
		if len(tr) != c.Count {
			t.Fatalf("minute %d: %d tape trades, candle count %d", c.Time, len(tr), c.Count)
		}
		var vol int64
		lo, hi := tr[0].Price, tr[0].Price
		for _, x := range tr {
			vol += x.Volume
			lo, hi = min(lo, x.Price), max(hi, x.Price)
		}
		if c.Open != tr[0].Price || c.Close != tr[len(tr)-1].Price || c.Low != lo || c.High != hi || c.Volume != vol {
			t.Errorf("candle %+v does not aggregate its trades %+v", c, tr)
		}
	}
}

func TestPublicTradesPaging(t *testing.T) {
	t.Parallel()
	m := testMarket()
	start := testNow.Add(-6*time.Hour).UnixNano() + 123
	walk := func(count int) []PublicTrade {
		var all []PublicTrade
		since := start
		for {
			page, last := m.PublicTrades("XXBTZEUR", since, count, testNow)
			if len(page) == 0 {
				if last != since {
					t.Fatalf("empty page moved last from %d to %d", since, last)
				}
				return all
			}
			if len(page) > count {
				t.Fatalf("%d trades, asked for %d", len(page), count)
			}
			if last != page[len(page)-1].TimeNs {
				t.Fatalf("last %d, final trade at %d", last, page[len(page)-1].TimeNs)
			}
			all = append(all, page...)
			since = last
		}
	}
	big, small := walk(1000), walk(97)
	if len(big) < 6*60 || !slices.Equal(big, small) {
		t.Fatalf("paging by 1000 gave %d trades, by 97 gave %d", len(big), len(small))
	}
	for i, tr := range big {
		if tr.TimeNs <= start || tr.TimeNs > testNow.UnixNano() {
			t.Fatalf("trade at %d outside (since, now]", tr.TimeNs)
		}
		if i > 0 && (tr.TimeNs <= big[i-1].TimeNs || tr.TradeID <= big[i-1].TradeID) {
			t.Fatalf("trade %d not after its predecessor", i)
		}
		if want := m.Price("XXBTZEUR", time.Unix(0, tr.TimeNs)); tr.Price != want {
			t.Fatalf("trade price %d, path %d", tr.Price, want)
		}
		if tr.Volume <= 0 || (tr.Side != 'b' && tr.Side != 's') || (tr.OrderType != 'm' && tr.OrderType != 'l') {
			t.Fatalf("trade %+v", tr)
		}
	}
	// Every minute has at least one trade: no gaps.
	for i := 1; i < len(big); i++ {
		if big[i].TimeNs-big[i-1].TimeNs >= 2*60e9 {
			t.Fatalf("gap between %d and %d", big[i-1].TimeNs, big[i].TimeNs)
		}
	}
	// since in seconds.
	sec, _ := m.PublicTrades("XXBTZEUR", testNow.Unix()-600, 5, testNow)
	ns, _ := m.PublicTrades("XXBTZEUR", (testNow.Unix()-600)*1e9, 5, testNow)
	if !slices.Equal(sec, ns) || len(sec) != 5 {
		t.Errorf("since in seconds %v, in ns %v", sec, ns)
	}
	// No since: the most recent trades.
	recent, last := m.PublicTrades("XXBTZEUR", 0, 10, testNow)
	if len(recent) != 10 || last != recent[9].TimeNs || !slices.Equal(recent, big[len(big)-10:]) {
		t.Errorf("most recent 10: %v, last %d", recent, last)
	}
	// Before the listing the tape is empty, then starts at the listing.
	early, _ := m.PublicTrades("SOLEUR", date(2015, 1, 1).UnixNano(), 3, testNow)
	if len(early) != 3 || early[0].TimeNs < date(2021, 6, 24).UnixNano() {
		t.Errorf("SOLEUR from 2015: %v", early)
	}
}

func TestTicker(t *testing.T) {
	t.Parallel()
	m := testMarket()
	for _, pair := range []string{"XXBTZEUR", "XDGEUR", "USDTZUSD"} {
		tk := m.Ticker(pair, testNow)
		trades, _ := m.PublicTrades(pair, testNow.Add(-24*time.Hour).UnixNano(), 1000, testNow)
		if tk.Trades24h < tk.TradesToday || tk.TradesToday == 0 || tk.Trades24h < len(trades) {
			t.Errorf("%s: trade counts %d / %d", pair, tk.TradesToday, tk.Trades24h)
		}
		if tk.Low24h > tk.LowToday || tk.High24h < tk.HighToday || tk.Last < tk.LowToday || tk.Last > tk.HighToday {
			t.Errorf("%s: low/high %+v", pair, tk)
		}
		if tk.VWAP24h < tk.Low24h || tk.VWAP24h > tk.High24h || tk.Volume24h < tk.VolumeToday {
			t.Errorf("%s: vwap/volume %+v", pair, tk)
		}
		if tk.Ask.Price <= tk.Bid.Price || tk.Bid.Price > tk.Last || tk.Ask.Price < tk.Last || tk.Open <= 0 {
			t.Errorf("%s: book %+v", pair, tk)
		}
		recent, _ := m.PublicTrades(pair, 0, 1, testNow)
		if tk.Last != recent[0].Price || tk.LastVolume != recent[0].Volume {
			t.Errorf("%s: last %d, tape %d", pair, tk.Last, recent[0].Price)
		}
	}
	if tk := m.Ticker("SOLEUR", date(2020, 1, 1)); tk != (Ticker{}) {
		t.Errorf("ticker before listing: %+v", tk)
	}
}
