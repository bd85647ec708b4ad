package kraken

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally/money"
)

// ServerTime is the result of Time.
type ServerTime struct {
	Time    time.Time // from "unixtime"
	RFC1123 string
}

// Time returns Kraken's server time.
func (c *Client) Time(ctx context.Context) (*ServerTime, error) {
	var r struct {
		UnixTime int64  `json:"unixtime"`
		RFC1123  string `json:"rfc1123"`
	}
	if err := c.do(ctx, "GET", "/0/public/Time", nil, &r); err != nil {
		return nil, err
	}
	return &ServerTime{Time: time.Unix(r.UnixTime, 0).UTC(), RFC1123: r.RFC1123}, nil
}

// SystemStatus is the result of SystemStatus.
type SystemStatus struct {
	Status    string    `json:"status"` // "online", "maintenance", "cancel_only", "post_only"
	Timestamp time.Time `json:"timestamp"`
}

// SystemStatus returns the exchange's trading status.
func (c *Client) SystemStatus(ctx context.Context) (*SystemStatus, error) {
	var r SystemStatus
	if err := c.do(ctx, "GET", "/0/public/SystemStatus", nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// AssetInfo describes one asset (REFERENCE §12).
type AssetInfo struct {
	AClass          string        `json:"aclass"`
	Altname         string        `json:"altname"` // e.g. "XBT" for XXBT
	Decimals        int           `json:"decimals"`
	DisplayDecimals int           `json:"display_decimals"`
	CollateralValue *money.Amount `json:"collateral_value"` // nil if not sent
	MarginRate      *money.Amount `json:"margin_rate"`
	Status          string        `json:"status"`
}

// AssetsOptions are the parameters of Assets.
type AssetsOptions struct {
	Assets       []string // empty for all
	AClass       string   // "currency" (default) or "tokenized_asset"
	AssetVersion int      // 1 switches keys to display names ("BTC")
}

// Assets returns information about assets, keyed by asset ID.
func (c *Client) Assets(ctx context.Context, opts *AssetsOptions) (map[string]AssetInfo, error) {
	v := url.Values{}
	if opts != nil {
		if len(opts.Assets) > 0 {
			v.Set("asset", strings.Join(opts.Assets, ","))
		}
		setIf(v, "aclass", opts.AClass)
		if opts.AssetVersion != 0 {
			v.Set("assetVersion", strconv.Itoa(opts.AssetVersion))
		}
	}
	var r map[string]AssetInfo
	if err := c.do(ctx, "GET", "/0/public/Assets", v, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// FeeTier is one step of a fee schedule: from Volume (30-day USD volume)
// on, Percent is charged.
type FeeTier struct {
	Volume  money.Amount
	Percent money.Amount
}

// UnmarshalJSON reads [volume, percent].
func (f *FeeTier) UnmarshalJSON(b []byte) error {
	var a []money.Amount
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 2 {
		return fmt.Errorf("fee tier has %d values, want 2", len(a))
	}
	f.Volume, f.Percent = a[0], a[1]
	return nil
}

// AssetPair describes a tradable pair. Decimal fields Kraken does not send
// for a pair are zero.
type AssetPair struct {
	Altname            string       `json:"altname"` // e.g. "XBTUSD"
	WSName             string       `json:"wsname"`  // e.g. "XBT/USD"
	AClassBase         string       `json:"aclass_base"`
	Base               string       `json:"base"` // asset ID, e.g. "XXBT"
	AClassQuote        string       `json:"aclass_quote"`
	Quote              string       `json:"quote"`
	CostDecimals       int          `json:"cost_decimals"`
	PairDecimals       int          `json:"pair_decimals"`
	LotDecimals        int          `json:"lot_decimals"`
	LotMultiplier      int          `json:"lot_multiplier"`
	LeverageBuy        []int        `json:"leverage_buy"`
	LeverageSell       []int        `json:"leverage_sell"`
	Fees               []FeeTier    `json:"fees"`
	FeesMaker          []FeeTier    `json:"fees_maker"`
	FeeVolumeCurrency  string       `json:"fee_volume_currency"`
	MarginCall         int          `json:"margin_call"`
	MarginStop         int          `json:"margin_stop"`
	OrderMin           money.Amount `json:"ordermin"`
	CostMin            money.Amount `json:"costmin"`
	TickSize           money.Amount `json:"tick_size"`
	Status             string       `json:"status"`
	LongPositionLimit  int64        `json:"long_position_limit"`
	ShortPositionLimit int64        `json:"short_position_limit"`
}

// AssetPairsOptions are the parameters of AssetPairs.
type AssetPairsOptions struct {
	Pairs        []string // empty for all, e.g. "XBTUSD" or "BTC/USD"
	Info         string   // "info" (default), "leverage", "fees", "margin"
	CountryCode  string
	AssetVersion int
}

// AssetPairs returns the tradable pairs, keyed by pair ID.
func (c *Client) AssetPairs(ctx context.Context, opts *AssetPairsOptions) (map[string]AssetPair, error) {
	v := url.Values{}
	if opts != nil {
		if len(opts.Pairs) > 0 {
			v.Set("pair", strings.Join(opts.Pairs, ","))
		}
		setIf(v, "info", opts.Info)
		setIf(v, "country_code", opts.CountryCode)
		if opts.AssetVersion != 0 {
			v.Set("assetVersion", strconv.Itoa(opts.AssetVersion))
		}
	}
	var r map[string]AssetPair
	if err := c.do(ctx, "GET", "/0/public/AssetPairs", v, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// BookLevel is a ticker's best ask or bid.
type BookLevel struct {
	Price          money.Amount
	WholeLotVolume money.Amount
	LotVolume      money.Amount
}

// UnmarshalJSON reads [price, whole lot volume, lot volume].
func (l *BookLevel) UnmarshalJSON(b []byte) error {
	a, err := amounts(b, 3)
	if err != nil {
		return err
	}
	l.Price, l.WholeLotVolume, l.LotVolume = a[0], a[1], a[2]
	return nil
}

// LastTrade is a ticker's last trade.
type LastTrade struct {
	Price  money.Amount
	Volume money.Amount
}

// UnmarshalJSON reads [price, lot volume].
func (l *LastTrade) UnmarshalJSON(b []byte) error {
	a, err := amounts(b, 2)
	if err != nil {
		return err
	}
	l.Price, l.Volume = a[0], a[1]
	return nil
}

// Window holds a value for today (since 00:00 UTC) and the last 24 hours.
type Window struct {
	Today   money.Amount
	Last24h money.Amount
}

// UnmarshalJSON reads [today, last 24 hours].
func (w *Window) UnmarshalJSON(b []byte) error {
	a, err := amounts(b, 2)
	if err != nil {
		return err
	}
	w.Today, w.Last24h = a[0], a[1]
	return nil
}

func amounts(b []byte, n int) ([]money.Amount, error) {
	var a []money.Amount
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	if len(a) != n {
		return nil, fmt.Errorf("want %d values, got %d", n, len(a))
	}
	return a, nil
}

// Ticker is one pair's ticker.
type Ticker struct {
	Ask    BookLevel    `json:"a"`
	Bid    BookLevel    `json:"b"`
	Last   LastTrade    `json:"c"`
	Volume Window       `json:"v"`
	VWAP   Window       `json:"p"`
	Trades [2]int64     `json:"t"` // number of trades today, last 24 hours
	Low    Window       `json:"l"`
	High   Window       `json:"h"`
	Open   money.Amount `json:"o"`
}

// Ticker returns tickers keyed by pair ID; no pairs means all pairs.
func (c *Client) Ticker(ctx context.Context, pairs ...string) (map[string]Ticker, error) {
	v := url.Values{}
	if len(pairs) > 0 {
		v.Set("pair", strings.Join(pairs, ","))
	}
	var r map[string]Ticker
	if err := c.do(ctx, "GET", "/0/public/Ticker", v, &r); err != nil {
		return nil, err
	}
	return r, nil
}

// Candle is one OHLC interval.
type Candle struct {
	Time   Timestamp // start of the interval
	Open   money.Amount
	High   money.Amount
	Low    money.Amount
	Close  money.Amount
	VWAP   money.Amount
	Volume money.Amount
	Count  int64
}

// UnmarshalJSON reads [time, open, high, low, close, vwap, volume, count].
func (k *Candle) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) != 8 {
		return fmt.Errorf("candle has %d values, want 8", len(a))
	}
	if err := k.Time.UnmarshalJSON(a[0]); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	for i, p := range []*money.Amount{&k.Open, &k.High, &k.Low, &k.Close, &k.VWAP, &k.Volume} {
		if err := p.UnmarshalJSON(a[i+1]); err != nil {
			return fmt.Errorf("value %d: %w", i+1, err)
		}
	}
	return json.Unmarshal(a[7], &k.Count)
}

// OHLC is the result of OHLC: at most the 720 most recent candles, oldest
// first; the last one is still open.
type OHLC struct {
	Pair    string
	Candles []Candle
	Last    int64 // pass as Since to get the next committed candles
}

// OHLCOptions are the parameters of OHLC.
type OHLCOptions struct {
	Interval int   // minutes: 1 (default), 5, 15, 30, 60, 240, 1440, 10080, 21600
	Since    int64 // Unix seconds
}

// OHLC returns candles for pair.
func (c *Client) OHLC(ctx context.Context, pair string, opts *OHLCOptions) (*OHLC, error) {
	v := url.Values{"pair": {pair}}
	if opts != nil {
		if opts.Interval != 0 {
			v.Set("interval", strconv.Itoa(opts.Interval))
		}
		if opts.Since != 0 {
			v.Set("since", strconv.FormatInt(opts.Since, 10))
		}
	}
	var r pairSeries[Candle]
	if err := c.do(ctx, "GET", "/0/public/OHLC", v, &r); err != nil {
		return nil, err
	}
	last, err := strconv.ParseInt(r.last, 10, 64)
	if err != nil {
		return nil, &DecodeError{Endpoint: "OHLC", Field: "last", Err: fmt.Errorf("want an integer, got %q", r.last)}
	}
	return &OHLC{Pair: r.pair, Candles: r.items, Last: last}, nil
}

// PublicTrade is one trade of the public trade history.
type PublicTrade struct {
	Price     money.Amount
	Volume    money.Amount
	Time      Timestamp
	Side      string // "b" (buy) or "s" (sell)
	OrderType string // "m" (market) or "l" (limit)
	Misc      string
	TradeID   int64
}

// UnmarshalJSON reads [price, volume, time, side, type, misc, trade_id].
func (t *PublicTrade) UnmarshalJSON(b []byte) error {
	var a []json.RawMessage
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	if len(a) < 6 {
		return fmt.Errorf("trade has %d values, want 7", len(a))
	}
	if err := t.Price.UnmarshalJSON(a[0]); err != nil {
		return fmt.Errorf("price: %w", err)
	}
	if err := t.Volume.UnmarshalJSON(a[1]); err != nil {
		return fmt.Errorf("volume: %w", err)
	}
	if err := t.Time.UnmarshalJSON(a[2]); err != nil {
		return fmt.Errorf("time: %w", err)
	}
	for i, p := range []*string{&t.Side, &t.OrderType, &t.Misc} {
		if err := json.Unmarshal(a[3+i], p); err != nil {
			return fmt.Errorf("value %d: %w", 4+i, err)
		}
	}
	if len(a) > 6 {
		if err := json.Unmarshal(a[6], &t.TradeID); err != nil {
			return fmt.Errorf("trade_id: %w", err)
		}
	}
	return nil
}

// PublicTrades is the result of Trades.
type PublicTrades struct {
	Pair   string
	Trades []PublicTrade // oldest first
	Last   string        // nanosecond timestamp; pass as Since for the next batch
}

// TradesOptions are the parameters of Trades.
type TradesOptions struct {
	Since string // a previous result's Last (nanoseconds)
	Count int    // 1..1000 (default 1000)
}

// Trades returns recent public trades of pair.
func (c *Client) Trades(ctx context.Context, pair string, opts *TradesOptions) (*PublicTrades, error) {
	v := url.Values{"pair": {pair}}
	if opts != nil {
		setIf(v, "since", opts.Since)
		if opts.Count != 0 {
			v.Set("count", strconv.Itoa(opts.Count))
		}
	}
	var r pairSeries[PublicTrade]
	if err := c.do(ctx, "GET", "/0/public/Trades", v, &r); err != nil {
		return nil, err
	}
	return &PublicTrades{Pair: r.pair, Trades: r.items, Last: r.last}, nil
}

// pairSeries decodes {"<pair>": [...], "last": <number or string>}.
type pairSeries[T any] struct {
	pair  string
	items []T
	last  string
}

func (s *pairSeries[T]) decodeResult(endpoint string, raw []byte) error {
	members, err := keyedEntries(endpoint, raw)
	if err != nil {
		return err
	}
	m := map[string]json.RawMessage{}
	for _, kv := range members {
		m[kv.key] = kv.val
	}
	lastRaw, ok := m["last"]
	if !ok {
		return &DecodeError{Endpoint: endpoint, Field: "last", Err: errMissing}
	}
	delete(m, "last")
	s.last = strings.Trim(string(lastRaw), `"`)
	if s.last == "" || !allDigits(s.last) {
		return &DecodeError{Endpoint: endpoint, Field: "last", Err: errors.New("want an integer, got " + jsonKind(lastRaw))}
	}
	if len(m) != 1 {
		return &DecodeError{Endpoint: endpoint, Err: errors.New("want exactly one pair in the result, got " + strconv.Itoa(len(m)))}
	}
	for pair, items := range m {
		s.pair = pair
		var list []json.RawMessage
		if err := json.Unmarshal(items, &list); err != nil {
			return &DecodeError{Endpoint: endpoint, Entry: pair, Err: err}
		}
		s.items = make([]T, len(list))
		for i, it := range list {
			if err := json.Unmarshal(it, &s.items[i]); err != nil {
				return &DecodeError{Endpoint: endpoint, Entry: pair, Field: strconv.Itoa(i), Err: err}
			}
		}
	}
	return nil
}
