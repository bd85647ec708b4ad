package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/price"
)

// krakenMarket is Kraken's public market data as the price package reads
// it: AssetPairs, daily OHLC and public Trades, with asset IDs mapped to
// symbols.
type krakenMarket struct {
	c *kraken.Client
}

func (k *krakenMarket) Pairs(ctx context.Context) ([]price.Pair, error) {
	ps, err := k.c.AssetPairs(ctx, nil)
	if err != nil {
		return nil, userError(err)
	}
	out := make([]price.Pair, 0, len(ps))
	for id, p := range ps {
		base, bs := kraken.NormalizeAsset(p.Base)
		quote, qs := kraken.NormalizeAsset(p.Quote)
		if bs != "" || qs != "" || strings.HasSuffix(id, ".d") || base == quote {
			continue // staked forms and dark pools have no price of their own
		}
		out = append(out, price.Pair{Name: id, Base: base, Quote: quote})
	}
	return out, nil
}

func (k *krakenMarket) Daily(ctx context.Context, pair string) ([]price.Candle, error) {
	return k.candles(ctx, pair, 1440)
}

func (k *krakenMarket) Weekly(ctx context.Context, pair string) ([]price.Candle, error) {
	return k.candles(ctx, pair, 10080)
}

// candles returns the pair's candles of an interval in minutes.
func (k *krakenMarket) candles(ctx context.Context, pair string, interval int) ([]price.Candle, error) {
	r, err := k.c.OHLC(ctx, pair, &kraken.OHLCOptions{Interval: interval})
	if err != nil {
		return nil, userError(err)
	}
	out := make([]price.Candle, len(r.Candles))
	for i, c := range r.Candles {
		out[i] = price.Candle{Start: c.Time.Time(), Close: c.Close, VWAP: c.VWAP, Volume: c.Volume}
	}
	return out, nil
}

func (k *krakenMarket) Trades(ctx context.Context, pair string, since time.Time) ([]price.Trade, error) {
	r, err := k.c.Trades(ctx, pair, &kraken.TradesOptions{Since: strconv.FormatInt(since.UnixNano(), 10)})
	if err != nil {
		return nil, userError(err)
	}
	out := make([]price.Trade, len(r.Trades))
	for i, t := range r.Trades {
		out[i] = price.Trade{Time: t.Time.Time(), Price: t.Price, Volume: t.Volume}
	}
	return out, nil
}

// krakenCandleWindow is how many daily candles Kraken's OHLC returns.
const krakenCandleWindow = 720

// prices builds the price chain: the user's prices first (they override
// market data for their day), then Kraken's market data through the cache
// (the cache alone when offline).
func (a *app) prices(ctx context.Context, offline bool, interval time.Duration) (*price.Chain, *price.Market, error) {
	var user []cointally.PricePoint
	err := a.store.Prices(ctx, cointally.PriceFilter{Sources: []string{cointally.PriceSourceUser}}, func(p *cointally.PricePoint) error {
		user = append(user, *p)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("reading your prices: %w", err)
	}
	m := &price.Market{Name: "kraken", Cache: a.store, Now: a.env.now, Window: krakenCandleWindow, Interval: interval}
	if !offline {
		opts := []kraken.Option{kraken.WithLogger(a.log), kraken.WithClock(a.env.now), kraken.WithUserAgent("cointally/" + version)}
		if a.cfg.krakenURL != "" {
			opts = append(opts, kraken.WithBaseURL(a.cfg.krakenURL))
		}
		c, err := kraken.NewClient(opts...)
		if err != nil {
			return nil, nil, err
		}
		m.Data = &krakenMarket{c: c}
	}
	return price.NewChain(price.NewUser(user), m), m, nil
}

const pricesUsage = `Usage: cointally prices import FILE.csv

Imports your own prices. The file has a header time,base,quote,price and one
price per row: the time in RFC 3339 (2024-05-01T12:00:00Z), the assets as
symbols (BTC, EUR; Kraken codes such as XBT are accepted), and the price of one
base in quote as a plain number (3400.5). A price applies to its UTC day and
overrides Kraken's market data for that day; importing a price again for the
same moment replaces it.
`

func runPrices(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(e.stderr, pricesUsage)
		return errUsage
	}
	fs, cf := newFlagSet("prices import", e)
	files, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fmt.Fprint(e.stderr, pricesUsage)
		return errUsage
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("prices import: %w", err)
	}
	defer f.Close()
	points, err := price.ParseCSV(f, func(code string) string {
		base, _ := kraken.NormalizeAsset(kraken.APIAssetID(code))
		return base
	})
	if err != nil {
		return fmt.Errorf("prices import %s: %w", files[0], err)
	}
	if len(points) == 0 {
		return fmt.Errorf("prices import %s: the file has no prices", files[0])
	}
	a, err := cf.open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	added, err := a.store.PutPrices(ctx, points)
	if err != nil {
		return fmt.Errorf("prices import: %w", err)
	}
	fmt.Fprintf(e.stdout, "Imported %d prices from %s (%d new, %d replaced). They override Kraken's prices for their day.\n",
		len(points), files[0], added, len(points)-added)
	return nil
}
