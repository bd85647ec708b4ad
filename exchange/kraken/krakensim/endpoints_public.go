package krakensim

import (
	"strconv"
	"strings"
	"time"
)

// publicMethods maps /0/public/<name> to its handler.
var publicMethods map[string]func(*call) ([]byte, error)

func init() {
	publicMethods = map[string]func(*call) ([]byte, error){
		"Time":         (*call).serverTime,
		"SystemStatus": (*call).systemStatus,
		"Assets":       (*call).assetsInfo,
		"AssetPairs":   (*call).assetPairs,
		"Ticker":       (*call).ticker,
		"OHLC":         (*call).ohlc,
		"Trades":       (*call).publicTrades,
		"Depth":        (*call).depth,
		"Spread":       (*call).spread,
	}
}

// lookupPair finds a pair by ID, altname or wsname, case-insensitively.
func (s *Server) lookupPair(name string) (PairInfo, bool) {
	name = strings.TrimSpace(name)
	if p, ok := PairByName(name); ok {
		return p, true
	}
	if p, ok := PairByName(strings.ToUpper(name)); ok {
		return p, true
	}
	for _, p := range Pairs() {
		if strings.EqualFold(p.ID, name) || strings.EqualFold(p.Altname, name) || strings.EqualFold(p.WSName, name) ||
			strings.EqualFold(displayPair(p), name) || strings.EqualFold(DisplayCode(p.Base)+DisplayCode(p.Quote), name) {
			return p, true
		}
	}
	return PairInfo{}, false
}

// requiredPair reads the pair parameter of OHLC, Trades, Spread and Depth.
func (c *call) requiredPair() (PairInfo, error) {
	n := c.p.str("pair", "")
	if n == "" {
		return PairInfo{}, invalidArg("pair")
	}
	p, ok := c.s.lookupPair(n)
	if !ok {
		return PairInfo{}, errUnknownPair
	}
	return p, nil
}

// pairsParam reads an optional comma list of pairs (nil: all).
func (c *call) pairsParam() ([]PairInfo, error) {
	names := c.p.list("pair")
	if len(names) == 0 {
		return Pairs(), nil
	}
	out := make([]PairInfo, 0, len(names))
	seen := map[string]bool{}
	for _, n := range names {
		p, ok := c.s.lookupPair(n)
		if !ok {
			return nil, errUnknownPair
		}
		if !seen[p.ID] {
			seen[p.ID] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func (c *call) assetVersion() (bool, error) {
	switch c.p.str("assetVersion", "0") {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, invalidArg("assetVersion")
}

func (c *call) serverTime() ([]byte, error) {
	now := c.now.UTC()
	out := []byte(`{"unixtime":`)
	out = strconv.AppendInt(out, now.Unix(), 10)
	out = append(out, `,"rfc1123":`...)
	out = appendString(out, now.Format("Mon, 02 Jan 06 15:04:05 -0700"))
	return append(out, '}'), nil
}

func (c *call) systemStatus() ([]byte, error) {
	st := c.s.SystemStatus
	if st == "" {
		st = "online"
	}
	out := []byte(`{"status":`)
	out = appendString(out, st)
	out = append(out, `,"timestamp":`...)
	out = appendString(out, c.now.UTC().Format(time.RFC3339))
	return append(out, '}'), nil
}

// collateral returns the collateral value of an asset in 10^-2, or -1 when
// the asset has none (suffixed variants, fee credits).
func collateral(a AssetInfo) int64 {
	switch {
	case a.Base != "" || a.ID == "KFEE":
		return -1
	case a.Fiat, a.ID == "XXBT", a.Subclass == SubclassStable:
		return 100
	case a.ID == "XETH":
		return 95
	}
	return 75
}

func (c *call) assetsInfo() ([]byte, error) {
	v1, err := c.assetVersion()
	if err != nil {
		return nil, err
	}
	var list []AssetInfo
	if names := c.p.list("asset"); len(names) > 0 {
		seen := map[string]bool{}
		for _, n := range names {
			a, ok := c.s.resolveAsset(n)
			if !ok {
				return nil, errUnknownAsset
			}
			if !seen[a.ID] {
				seen[a.ID] = true
				list = append(list, a)
			}
		}
	} else {
		list = Assets()
	}
	switch c.p.str("aclass", "currency") {
	case "currency":
	case "tokenized_asset":
		list = nil
	default:
		return nil, invalidArg("aclass")
	}
	out := []byte{'{'}
	for i, a := range list {
		key := a.ID
		if v1 {
			key = DisplayCode(a.ID)
		}
		out = appendKey(out, key, i == 0)
		out = append(out, `{"aclass":`...)
		out = appendString(out, a.Aclass)
		out = append(out, `,"altname":`...)
		out = appendString(out, a.Altname)
		out = append(out, `,"decimals":`...)
		out = strconv.AppendInt(out, int64(a.Decimals), 10)
		out = append(out, `,"display_decimals":`...)
		out = strconv.AppendInt(out, int64(a.DisplayDecimals), 10)
		if cv := collateral(a); cv >= 0 {
			out = append(out, `,"collateral_value":`...)
			out = appendTrimmed(out, cv, 2)
		}
		out = append(out, `,"status":`...)
		out = appendString(out, a.Status)
		out = append(out, '}')
	}
	return append(out, '}'), nil
}

func appendFeeTiers(b []byte, maker bool) []byte {
	b = append(b, '[')
	for i, t := range feeTiers {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		b = strconv.AppendInt(b, t.volume, 10)
		b = append(b, ',')
		fee := t.taker
		if maker {
			fee = t.maker
		}
		b = appendTrimmed(b, fee, 4)
		b = append(b, ']')
	}
	return append(b, ']')
}

// marginPair reports whether a pair offers leverage in the emulated world.
func marginPair(p PairInfo) bool {
	return (p.Base == "XXBT" || p.Base == "XETH") && (p.Quote == "ZUSD" || p.Quote == "ZEUR" || p.Quote == "XXBT")
}

func (c *call) assetPairs() ([]byte, error) {
	v1, err := c.assetVersion()
	if err != nil {
		return nil, err
	}
	pairs, err := c.pairsParam()
	if err != nil {
		return nil, err
	}
	info := c.p.str("info", "info")
	switch info {
	case "info", "leverage", "fees", "margin":
	default:
		return nil, invalidArg("info")
	}
	if cc := c.p.str("country_code", ""); cc != "" && len(cc) != 2 {
		return nil, invalidArg("country_code")
	}
	switch c.p.str("aclass_base", "currency") {
	case "currency":
	case "tokenized_asset":
		pairs = nil
	default:
		return nil, invalidArg("aclass_base")
	}
	name := func(id string) string {
		if v1 {
			return DisplayCode(id)
		}
		return id
	}
	out := []byte{'{'}
	for i, p := range pairs {
		key := p.ID
		if v1 {
			key = displayPair(p)
		}
		out = appendKey(out, key, i == 0)
		lev := `[]`
		longLimit, shortLimit := 0, 0
		if marginPair(p) {
			lev = `[2,3,4,5]`
			longLimit, shortLimit = 250, 200
		}
		out = append(out, '{')
		switch info {
		case "leverage":
			out = append(out, `"leverage_buy":`+lev+`,"leverage_sell":`+lev...)
		case "fees":
			out = append(out, `"fees":`...)
			out = appendFeeTiers(out, false)
			out = append(out, `,"fees_maker":`...)
			out = appendFeeTiers(out, true)
			out = append(out, `,"fee_volume_currency":`...)
			out = appendString(out, name("ZUSD"))
		case "margin":
			out = append(out, `"margin_call":80,"margin_stop":40`...)
		default:
			out = append(out, `"altname":`...)
			out = appendString(out, p.Altname)
			out = append(out, `,"wsname":`...)
			out = appendString(out, p.WSName)
			out = append(out, `,"aclass_base":"currency","base":`...)
			out = appendString(out, name(p.Base))
			out = append(out, `,"aclass_quote":"currency","quote":`...)
			out = appendString(out, name(p.Quote))
			out = append(out, `,"lot":"unit","cost_decimals":`...)
			out = strconv.AppendInt(out, int64(p.CostDecimals), 10)
			out = append(out, `,"pair_decimals":`...)
			out = strconv.AppendInt(out, int64(p.PairDecimals), 10)
			out = append(out, `,"lot_decimals":`...)
			out = strconv.AppendInt(out, int64(p.LotDecimals), 10)
			out = append(out, `,"lot_multiplier":1,"leverage_buy":`+lev+`,"leverage_sell":`+lev+`,"fees":`...)
			out = appendFeeTiers(out, false)
			out = append(out, `,"fees_maker":`...)
			out = appendFeeTiers(out, true)
			out = append(out, `,"fee_volume_currency":`...)
			out = appendString(out, name("ZUSD"))
			out = append(out, `,"margin_call":80,"margin_stop":40,"ordermin":`...)
			out = appendString(out, p.OrderMin)
			out = append(out, `,"costmin":`...)
			out = appendString(out, p.CostMin)
			out = append(out, `,"tick_size":`...)
			out = appendString(out, p.TickSize)
			out = append(out, `,"status":`...)
			out = appendString(out, p.Status)
			out = append(out, `,"long_position_limit":`...)
			out = strconv.AppendInt(out, int64(longLimit), 10)
			out = append(out, `,"short_position_limit":`...)
			out = strconv.AppendInt(out, int64(shortLimit), 10)
		}
		out = append(out, '}')
	}
	return append(out, '}'), nil
}

// ohlcIntervals are the intervals (minutes) OHLC accepts.
var ohlcIntervals = map[int64]bool{1: true, 5: true, 15: true, 30: true, 60: true, 240: true,
	1440: true, 10080: true, 21600: true}

func (c *call) ticker() ([]byte, error) {
	pairs, err := c.pairsParam()
	if err != nil {
		return nil, err
	}
	switch c.p.str("asset_class", "currency") {
	case "currency", "forex":
	case "tokenized_asset":
		pairs = nil
	default:
		return nil, invalidArg("asset_class")
	}
	out := []byte{'{'}
	for i, p := range pairs {
		t := c.s.market.Ticker(p.ID, c.now)
		pd, ld := p.PairDecimals, p.LotDecimals
		out = appendKey(out, p.ID, i == 0)
		top := func(b []byte, bt BookTop) []byte {
			b = append(b, '[')
			b = appendFixedString(b, bt.Price, pd)
			b = append(b, ',')
			b = appendString(b, strconv.FormatInt(bt.WholeLotVolume, 10))
			b = append(b, ',')
			lot := bt.LotVolume
			if ld > 3 {
				lot /= pow10[ld-3]
			}
			b = appendFixedString(b, lot, 3)
			return append(b, ']')
		}
		pairOf := func(b []byte, x, y int64, places int) []byte {
			b = append(b, '[')
			b = appendFixedString(b, x, places)
			b = append(b, ',')
			b = appendFixedString(b, y, places)
			return append(b, ']')
		}
		out = append(out, `{"a":`...)
		out = top(out, t.Ask)
		out = append(out, `,"b":`...)
		out = top(out, t.Bid)
		out = append(out, `,"c":`...)
		out = append(out, '[')
		out = appendFixedString(out, t.Last, pd)
		out = append(out, ',')
		out = appendFixedString(out, t.LastVolume, ld)
		out = append(out, `],"v":`...)
		out = pairOf(out, t.VolumeToday, t.Volume24h, ld)
		out = append(out, `,"p":`...)
		out = pairOf(out, t.VWAPToday, t.VWAP24h, pd)
		out = append(out, `,"t":[`...)
		out = strconv.AppendInt(out, int64(t.TradesToday), 10)
		out = append(out, ',')
		out = strconv.AppendInt(out, int64(t.Trades24h), 10)
		out = append(out, `],"l":`...)
		out = pairOf(out, t.LowToday, t.Low24h, pd)
		out = append(out, `,"h":`...)
		out = pairOf(out, t.HighToday, t.High24h, pd)
		out = append(out, `,"o":`...)
		out = appendFixedString(out, t.Open, pd)
		out = append(out, '}')
	}
	return append(out, '}'), nil
}

// ohlc serves at most the 720 most recent candles (Kraken's limit,
// whatever since says); the last row is the still-open candle.
func (c *call) ohlc() ([]byte, error) {
	p, err := c.requiredPair()
	if err != nil {
		return nil, err
	}
	iv, err := c.p.integer("interval", 1, 1, 21600)
	if err != nil || !ohlcIntervals[iv] {
		return nil, invalidArg("interval")
	}
	since, err := c.p.integer("since", 0, 0, 1<<40)
	if err != nil {
		return nil, err
	}
	candles, last := c.s.market.OHLC(p.ID, int(iv), since, c.now)
	pd, ld := p.PairDecimals, p.LotDecimals
	out := make([]byte, 0, 64+96*len(candles))
	out = append(out, '{')
	out = appendString(out, p.ID)
	out = append(out, ":["...)
	for i := range candles {
		k := &candles[i]
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '[')
		out = strconv.AppendInt(out, k.Time, 10)
		for _, v := range []int64{k.Open, k.High, k.Low, k.Close, k.VWAP} {
			out = append(out, ',')
			out = appendFixedString(out, v, pd)
		}
		out = append(out, ',')
		out = appendFixedString(out, k.Volume, ld)
		out = append(out, ',')
		out = strconv.AppendInt(out, int64(k.Count), 10)
		out = append(out, ']')
	}
	out = append(out, `],"last":`...)
	out = strconv.AppendInt(out, last, 10)
	return append(out, '}'), nil
}

// publicTrades serves the trade tape from since (nanoseconds; a value below
// 1e12 is read as seconds), oldest first; last is the nanosecond cursor.
func (c *call) publicTrades() ([]byte, error) {
	p, err := c.requiredPair()
	if err != nil {
		return nil, err
	}
	since, err := c.p.integer("since", 0, 0, 1<<62)
	if err != nil {
		return nil, err
	}
	count, err := c.p.integer("count", 1000, 1, 1000)
	if err != nil {
		return nil, err
	}
	trades, last := c.s.market.PublicTrades(p.ID, since, int(count), c.now)
	pd, ld := p.PairDecimals, p.LotDecimals
	out := make([]byte, 0, 64+80*len(trades))
	out = append(out, '{')
	out = appendString(out, p.ID)
	out = append(out, ":["...)
	for i := range trades {
		t := &trades[i]
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '[')
		out = appendFixedString(out, t.Price, pd)
		out = append(out, ',')
		out = appendFixedString(out, t.Volume, ld)
		out = append(out, ',')
		out = appendFixed(out, t.TimeNs/100, 7)
		out = append(out, `,"`...)
		out = append(out, t.Side)
		out = append(out, `","`...)
		out = append(out, t.OrderType)
		out = append(out, `",`...)
		out = appendString(out, t.Misc)
		out = append(out, ',')
		out = strconv.AppendInt(out, t.TradeID, 10)
		out = append(out, ']')
	}
	out = append(out, `],"last":`...)
	out = appendString(out, strconv.FormatInt(last, 10))
	return append(out, '}'), nil
}

// depth builds a synthetic book around the ticker's best bid and ask.
func (c *call) depth() ([]byte, error) {
	p, err := c.requiredPair()
	if err != nil {
		return nil, err
	}
	count, err := c.p.integer("count", 100, 1, 500)
	if err != nil {
		return nil, err
	}
	t := c.s.market.Ticker(p.ID, c.now)
	step := max(1, t.Last/10000)
	ts := c.now.Unix()
	side := func(b []byte, top BookTop, dir int64) []byte {
		b = append(b, '[')
		for i := int64(0); i < count && top.Price > 0; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = appendFixedString(b, top.Price+dir*i*step, p.PairDecimals)
			b = append(b, ',')
			b = appendFixedString(b, top.LotVolume*(1+i%3), p.LotDecimals)
			b = append(b, ',')
			b = strconv.AppendInt(b, ts-i%7, 10)
			b = append(b, ']')
		}
		return append(b, ']')
	}
	out := []byte{'{'}
	out = appendString(out, p.ID)
	out = append(out, `:{"asks":`...)
	out = side(out, t.Ask, 1)
	out = append(out, `,"bids":`...)
	out = side(out, t.Bid, -1)
	return append(out, "}}"...), nil
}

// spread lists the last few minutes' best bid and ask.
func (c *call) spread() ([]byte, error) {
	p, err := c.requiredPair()
	if err != nil {
		return nil, err
	}
	since, err := c.p.integer("since", 0, 0, 1<<40)
	if err != nil {
		return nil, err
	}
	now := c.now.Unix()
	out := []byte{'{'}
	out = appendString(out, p.ID)
	out = append(out, ":["...)
	n := 0
	for ts := now - 50*6; ts <= now; ts += 6 {
		if ts <= since {
			continue
		}
		px := c.s.market.Price(p.ID, time.Unix(ts, 0))
		if px <= 0 {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		half := max(1, px/20000)
		out = append(out, '[')
		out = strconv.AppendInt(out, ts, 10)
		out = append(out, ',')
		out = appendFixedString(out, px-half, p.PairDecimals)
		out = append(out, ',')
		out = appendFixedString(out, px+half, p.PairDecimals)
		out = append(out, ']')
	}
	out = append(out, `],"last":`...)
	out = strconv.AppendInt(out, now, 10)
	return append(out, '}'), nil
}
