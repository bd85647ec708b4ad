package price

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// MarketData is an exchange's public market data, as Market reads it. The
// Kraken adapter implements it with the public AssetPairs, OHLC and Trades
// endpoints.
type MarketData interface {
	// Pairs returns the exchange's pairs, with base and quote as symbols
	// ("BTC", "EUR"). Pairs of suffixed or otherwise special assets are
	// left out.
	Pairs(ctx context.Context) ([]Pair, error)
	// Daily returns the pair's most recent daily candles, oldest first (at
	// most Market.Window of them); the last one may still be open.
	Daily(ctx context.Context, pair string) ([]Candle, error)
	// Trades returns the pair's public trades after since, oldest first:
	// one page (Kraken: up to 1,000 trades).
	Trades(ctx context.Context, pair string, since time.Time) ([]Trade, error)
	// Weekly returns the pair's most recent weekly candles, oldest first
	// (Kraken: 720 of them, about 14 years).
	Weekly(ctx context.Context, pair string) ([]Candle, error)
}

// Pair is a market: Name is the exchange's name for it.
type Pair struct {
	Name, Base, Quote string
}

// Candle is one daily candle.
type Candle struct {
	Start  time.Time
	Close  money.Amount
	VWAP   money.Amount
	Volume money.Amount
}

// Trade is one public trade.
type Trade struct {
	Time   time.Time
	Price  money.Amount
	Volume money.Amount
}

// Market is a Source of daily prices from an exchange's market data,
// cached in a store.
//
// A day within the candle window (the Window most recent days) is priced by
// its daily candle's VWAP (its close when it had no volume); the first
// request for such a day fetches all the pair's candles at once, kept for
// the run; each complete day is cached when first asked for. An older day is priced by the VWAP of the first page
// of public trades from the day's start, as far as they fall within the
// day, one request per pair and day. A day with no candle or trade is
// cached as missing. The still-open candle of today is used but not cached.
//
// Requests are spaced by at least Interval. With Data nil, Market answers
// from the cache only (offline). Fetched prices are written to the cache in
// batches: call Flush when done.
type Market struct {
	// Name prefixes the cache's source names: Name+"-ohlc" and
	// Name+"-trades".
	Name  string
	Data  MarketData
	Cache cointally.PriceStore // nil: remember only for this run
	// Now is the clock that places the candle window; nil means time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done; nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Interval is the least time between two requests (Kraken's public
	// endpoints allow about one per second).
	Interval time.Duration
	// Window is how many daily candles Data.Daily returns (Kraken: 720).
	Window int
	// OnFetch, if set, is called before each request, for progress.
	OnFetch func(what string)
	// Coarse is for charts of long histories, where one request per day
	// (public trades) would take hours: a day before the candle window
	// that the cache does not price is priced by its week's candle (one
	// request per pair for all weeks). Such prices are kept for the run
	// only, never cached, so no tax figure ever uses them; their source
	// is Name+"-weekly".
	Coarse bool

	mu      sync.Mutex
	pending []cointally.PricePoint // fetched, not yet cached
	loaded  bool
	pairs   map[[2]string]string // (base, quote) -> exchange pair name
	days    map[routeKey]dayPrice
	daily   map[string]bool // pairs whose candles were fetched in this run
	weekly  map[string][]Candle
	last    time.Time // time of the last request
	fetches int
}

type dayPrice struct {
	price   money.Amount
	source  string // "kraken-ohlc", "kraken-trades"
	missing bool
	stored  bool // in the cache (or queued for it)
	open    bool // today's candle, not final: never cached
}

// Fetches returns how many requests Market made.
func (m *Market) Fetches() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fetches
}

func (m *Market) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Market) ohlcSource() string   { return m.Name + "-ohlc" }
func (m *Market) tradesSource() string { return m.Name + "-trades" }

// Price implements Source.
func (m *Market) Price(ctx context.Context, base, quote string, t time.Time) (Quote, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.load(ctx); err != nil {
		return Quote{}, err
	}
	pair, ok := m.pairs[[2]string{base, quote}]
	if !ok {
		return Quote{}, noPrice(base, quote, t)
	}
	key := routeKey{base, quote, dayOf(t)}
	if p, ok := m.days[key]; ok {
		if err := m.keep(ctx, key, p); err != nil {
			return Quote{}, err
		}
		return m.quote(key, p, t)
	}
	if m.Data == nil {
		return Quote{}, noPrice(base, quote, t)
	}
	day := time.Unix(key.day*86400, 0).UTC()
	now := m.now()
	window := max(m.Window, 1)
	first := time.Unix((dayOf(now)-int64(window)+1)*86400, 0).UTC()
	var err error
	switch {
	case day.After(now):
		return Quote{}, noPrice(base, quote, t)
	case !day.Before(first) && !m.daily[pair]:
		err = m.fetchDaily(ctx, pair, base, quote, now)
	case day.Before(first) && m.Coarse:
		return m.weekPrice(ctx, pair, base, quote, t, day)
	case day.Before(first):
		err = m.fetchTrades(ctx, pair, base, quote, day)
	}
	if err != nil {
		return Quote{}, err
	}
	p, ok := m.days[key]
	if !ok {
		// Inside the window but no candle: not listed yet, or no trades.
		p = dayPrice{missing: true, source: m.ohlcSource()}
		m.days[key] = p
	}
	if err := m.keep(ctx, key, p); err != nil {
		return Quote{}, err
	}
	return m.quote(key, p, t)
}

// keep queues a fetched day's price for the cache the first time it is
// asked for. Only days that value something are cached: a candle fetch
// returns hundreds of days, most of which nothing needs.
func (m *Market) keep(ctx context.Context, key routeKey, p dayPrice) error {
	if p.stored || p.open {
		return nil
	}
	p.stored = true
	m.days[key] = p
	return m.store(ctx, []cointally.PricePoint{{Base: key.base, Quote: key.quote, Time: time.Unix(key.day*86400, 0).UTC(),
		Price: p.price, Source: p.source, Missing: p.missing}})
}

func (m *Market) quote(key routeKey, p dayPrice, t time.Time) (Quote, error) {
	if p.missing {
		return Quote{}, noPrice(key.base, key.quote, t)
	}
	day := time.Unix(key.day*86400, 0).UTC()
	return Quote{Base: key.base, Quote: key.quote, Price: p.price, At: day, Daily: true,
		Source: p.source + " " + key.base + "/" + key.quote + " " + day.Format(time.DateOnly)}, nil
}

// load reads the cache and the pair list once.
func (m *Market) load(ctx context.Context) error {
	if m.loaded {
		return nil
	}
	m.pairs = map[[2]string]string{}
	m.days = map[routeKey]dayPrice{}
	m.daily = map[string]bool{}
	if m.Cache != nil {
		ohlc, trades := m.ohlcSource(), m.tradesSource()
		err := m.Cache.Prices(ctx, cointally.PriceFilter{Sources: []string{ohlc, trades}}, func(p *cointally.PricePoint) error {
			key := routeKey{p.Base, p.Quote, dayOf(p.Time)}
			src := ohlc
			if p.Source == trades {
				src = trades
			}
			m.days[key] = dayPrice{price: p.Price, source: src, missing: p.Missing, stored: true}
			if m.Data == nil {
				m.pairs[[2]string{p.Base, p.Quote}] = p.Base + "/" + p.Quote
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("reading cached prices: %w", err)
		}
	}
	if m.Data != nil {
		if err := m.wait(ctx, "pairs"); err != nil {
			return err
		}
		ps, err := m.Data.Pairs(ctx)
		if err != nil {
			return fmt.Errorf("%s market data: pairs: %w", m.Name, err)
		}
		for _, p := range ps {
			m.pairs[[2]string{p.Base, p.Quote}] = p.Name
		}
	}
	m.loaded = true
	return nil
}

// wait spaces requests by Interval and counts them.
func (m *Market) wait(ctx context.Context, what string) error {
	if m.OnFetch != nil {
		m.OnFetch(what)
	}
	if !m.last.IsZero() && m.Interval > 0 {
		if d := m.last.Add(m.Interval).Sub(m.now()); d > 0 {
			sleep := m.Sleep
			if sleep == nil {
				sleep = sleepCtx
			}
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	m.last = m.now()
	m.fetches++
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchDaily fetches the pair's candles, keeps every day and caches the
// complete ones.
func (m *Market) fetchDaily(ctx context.Context, pair, base, quote string, now time.Time) error {
	if err := m.wait(ctx, pair+" daily candles"); err != nil {
		return err
	}
	cs, err := m.Data.Daily(ctx, pair)
	if err != nil {
		return fmt.Errorf("%s market data: %s daily candles: %w", m.Name, pair, err)
	}
	m.daily[pair] = true
	src := m.ohlcSource()
	for _, c := range cs {
		p := c.VWAP
		if !c.Volume.IsPositive() || !p.IsPositive() {
			p = c.Close
		}
		key := routeKey{base, quote, dayOf(c.Start)}
		if old, ok := m.days[key]; ok && old.stored {
			continue
		}
		m.days[key] = dayPrice{price: p, source: src, missing: !p.IsPositive(), open: c.Start.Add(24 * time.Hour).After(now)}
	}
	return nil
}

// weekPrice prices a day by the VWAP (or close) of the weekly candle that
// holds it, fetching the pair's weekly candles the first time.
func (m *Market) weekPrice(ctx context.Context, pair, base, quote string, t, day time.Time) (Quote, error) {
	cs, ok := m.weekly[pair]
	if !ok {
		if err := m.wait(ctx, pair+" weekly candles"); err != nil {
			return Quote{}, err
		}
		var err error
		if cs, err = m.Data.Weekly(ctx, pair); err != nil {
			return Quote{}, fmt.Errorf("%s market data: %s weekly candles: %w", m.Name, pair, err)
		}
		if m.weekly == nil {
			m.weekly = map[string][]Candle{}
		}
		m.weekly[pair] = cs
	}
	i := sort.Search(len(cs), func(i int) bool { return cs[i].Start.After(day) }) - 1
	if i < 0 || !day.Before(cs[i].Start.Add(7*24*time.Hour)) {
		return Quote{}, noPrice(base, quote, t)
	}
	p := cs[i].VWAP
	if !cs[i].Volume.IsPositive() || !p.IsPositive() {
		p = cs[i].Close
	}
	if !p.IsPositive() {
		return Quote{}, noPrice(base, quote, t)
	}
	return Quote{Base: base, Quote: quote, Price: p, At: day, Daily: true,
		Source: m.Name + "-weekly " + base + "/" + quote + " week of " + cs[i].Start.Format(time.DateOnly)}, nil
}

// fetchTrades prices one day from the first page of its public trades.
func (m *Market) fetchTrades(ctx context.Context, pair, base, quote string, day time.Time) error {
	if err := m.wait(ctx, pair+" trades "+day.Format(time.DateOnly)); err != nil {
		return err
	}
	ts, err := m.Data.Trades(ctx, pair, day)
	if err != nil {
		return fmt.Errorf("%s market data: %s trades of %s: %w", m.Name, pair, day.Format(time.DateOnly), err)
	}
	end := day.Add(24 * time.Hour)
	var sum, vol money.Amount
	for _, tr := range ts {
		if tr.Time.Before(day) || !tr.Time.Before(end) || !tr.Volume.IsPositive() {
			continue
		}
		sum = sum.Add(tr.Price.Mul(tr.Volume))
		vol = vol.Add(tr.Volume)
	}
	src := m.tradesSource()
	key := routeKey{base, quote, dayOf(day)}
	dp := dayPrice{source: src, missing: true}
	if vol.IsPositive() {
		p, err := DivSig(sum, vol)
		if err != nil {
			return err
		}
		dp = dayPrice{price: p, source: src}
	}
	m.days[key] = dp
	return nil
}

// flushEvery is how many fetched prices Market keeps before it writes them
// to the cache in one transaction.
const flushEvery = 1000

func (m *Market) store(ctx context.Context, points []cointally.PricePoint) error {
	if m.Cache == nil {
		return nil
	}
	m.pending = append(m.pending, points...)
	if len(m.pending) < flushEvery {
		return nil
	}
	return m.flush(ctx)
}

func (m *Market) flush(ctx context.Context) error {
	if m.Cache == nil || len(m.pending) == 0 {
		return nil
	}
	if _, err := m.Cache.PutPrices(ctx, m.pending); err != nil {
		return fmt.Errorf("caching prices: %w", err)
	}
	m.pending = m.pending[:0]
	return nil
}

// Flush writes the prices fetched since the last Flush to the cache. Call
// it when done (also after an error, to keep what was fetched).
func (m *Market) Flush(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.flush(ctx)
}
