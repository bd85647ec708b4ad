package krakensim

import (
	"math"
	"math/bits"
	"slices"
	"time"
)

// The market: one deterministic synthetic USD price path per asset, and the
// public data derived from it.
//
// Each path is a log-linear interpolation between yearly-ish anchor prices
// (realistic levels: BTC from about 13 USD in 2013 to about 100k in 2025)
// plus value noise: ten octaves with periods from 15 s to 45 days whose
// amplitudes grow with the square root of the period, like a random walk.
// Any instant from 2013 to 2035 is evaluated in O(1) and a price never
// depends on evaluation order. Floats live only inside the path (and in the
// draw of public-tape volumes); every price leaves it rounded to an integer
// count of 10^-PairDecimals, and account amounts never touch a float.
//
// A pair's price is its base's USD price over its quote's, so cross rates
// agree (XETHXXBT ~ XETHZUSD / XXBTZUSD, up to rounding).
//
// The public trade tape gives every pair 1 to 4 trades in every minute from
// its listing on, each priced from the path at its own nanosecond. Candles of
// 1 to 60 minutes, the ticker and the Trades endpoint are all computed from
// that tape, so they agree exactly. Candles of 4 hours and longer take their
// open and close from the tape and their high, low and volume from 48 samples
// of the path: they stay self-consistent but may miss a tape extreme.

// Market evaluates the price paths. It holds no mutable state: all methods
// are safe for concurrent use.
type Market struct {
	seed  int64
	salts [numProfiles]uint64
}

// NewMarket returns the market for a seed. The same seed gives the same prices.
func NewMarket(seed int64) *Market {
	m := &Market{seed: seed}
	for i := range m.salts {
		m.salts[i] = splitmix64(uint64(seed)*0x9E3779B97F4A7C15 + uint64(i+1)*0xD1B54A32D192ED03)
	}
	return m
}

// Candle is one OHLC row. Prices are in 10^-PairDecimals, Volume in
// 10^-LotDecimals; Time is the candle's start in unix seconds.
type Candle struct {
	Time                         int64
	Open, High, Low, Close, VWAP int64
	Volume                       int64
	Count                        int
}

// PublicTrade is one row of the public Trades endpoint. Price is in
// 10^-PairDecimals, Volume in 10^-LotDecimals, TimeNs in unix nanoseconds.
type PublicTrade struct {
	Price, Volume int64
	TimeNs        int64
	Side          byte // 'b' or 's'
	OrderType     byte // 'm' (market) or 'l' (limit)
	Misc          string
	TradeID       int64
}

// BookTop is the best ask or bid of a Ticker. Volumes are in 10^-LotDecimals
// (Kraken prints the lot volume with three decimals).
type BookTop struct {
	Price, WholeLotVolume, LotVolume int64
}

// Ticker is a Ticker endpoint row. Prices in 10^-PairDecimals, volumes in
// 10^-LotDecimals; "today" starts at 00:00 UTC, "24h" is the last 24 hours.
type Ticker struct {
	Ask, Bid               BookTop
	Last, LastVolume       int64 // c
	VolumeToday, Volume24h int64 // v
	VWAPToday, VWAP24h     int64 // p
	TradesToday, Trades24h int   // t
	LowToday, Low24h       int64 // l
	HighToday, High24h     int64 // h
	Open                   int64 // o: today's opening price
}

// OHLCIntervals are the candle lengths, in minutes, the OHLC endpoint accepts.
var OHLCIntervals = []int{1, 5, 15, 30, 60, 240, 1440, 10080, 21600}

// MaxCandles is how many of the most recent candles OHLC returns at most.
const MaxCandles = 720

// Price returns the pair's price at t in 10^-PairDecimals (0 for an unknown
// pair). The pair may be named by ID, altname or wsname.
func (m *Market) Price(pairID string, t time.Time) int64 {
	i, ok := pairIndex[pairID]
	if !ok {
		return 0
	}
	return m.pairPrice(i, float64(t.UnixNano())/1e9)
}

// USDValue returns the value of amount (10^-Decimals units of assetID) at t
// in 10^-4 USD, rounded half away from zero. Suffixed variants are valued as
// their base; KFEE and unknown assets are worth 0.
func (m *Market) USDValue(assetID string, amount int64, t time.Time) int64 {
	i, ok := assetIndex[assetID]
	if !ok {
		return 0
	}
	return m.usdValue(i, amount, float64(t.UnixNano())/1e9)
}

func (m *Market) usdValue(assetIdx int, amount int64, tsec float64) int64 {
	return valueAt(assetIdx, amount, m.assetPico(assetIdx, tsec))
}

// assetPico is an asset's USD price in 10^-12 USD per whole unit (0 for
// assets without a price).
func (m *Market) assetPico(assetIdx int, tsec float64) int64 {
	switch prof := profileOf[assetIdx]; prof {
	case profNone:
		return 0
	case profUSD:
		return 1e12
	default:
		return m.usdPico(prof, tsec)
	}
}

// valueAt values amount (10^-Decimals of the asset) at pico (assetPico) in
// 10^-4 USD, rounded half away from zero.
func valueAt(assetIdx int, amount, pico int64) int64 {
	a := &assetTable[assetIdx]
	neg := amount < 0
	if neg {
		amount = -amount
	}
	v := mulDivRound(amount, pico, pow10[a.Decimals+8])
	if neg {
		return -v
	}
	return v
}

// OHLC returns the pair's candles of intervalMinutes (one of OHLCIntervals;
// anything else returns nil, 0) starting after since (unix seconds,
// exclusive: a candle starting at since is not returned), limited to the 720
// most recent candles whatever since says. The final row is the still-open
// candle, computed up to now. last is the start of the last committed candle,
// the value to pass as since to poll for newer ones.
func (m *Market) OHLC(pairID string, intervalMinutes int, since int64, now time.Time) (candles []Candle, last int64) {
	pi, ok := pairIndex[pairID]
	if !ok || !slices.Contains(OHLCIntervals, intervalMinutes) {
		return nil, 0
	}
	iv := int64(intervalMinutes) * 60
	nowNs := now.UnixNano()
	openStart := floorDiv(now.Unix(), iv) * iv
	last = openStart - iv
	first := openStart - (MaxCandles-1)*iv
	if s := (floorDiv(since, iv) + 1) * iv; s > first {
		first = s
	}
	listSec := pairListedStamp[pi].Unix()
	if l := floorDiv(listSec, iv) * iv; l > first {
		first = l
	}
	if first > openStart {
		return nil, last
	}
	candles = make([]Candle, 0, (openStart-first)/iv+1)
	for ts := first; ts <= openStart; ts += iv {
		end := (ts + iv) * 1e9
		if end > nowNs+1 {
			end = nowNs + 1
		}
		var c Candle
		if intervalMinutes <= 60 {
			c = m.tapeCandle(pi, ts*1e9, end)
		} else {
			c = m.sampledCandle(pi, ts*1e9, end)
		}
		c.Time = ts
		candles = append(candles, c)
	}
	return candles, last
}

// PublicTrades returns up to count (1..1000; other values mean 1000) tape
// trades of the pair later than sinceNs and not after now, oldest first, and
// the value to pass as the next since (the last trade's time; since itself
// when nothing was returned). since is in unix nanoseconds; a positive value
// below 1e12 is taken as seconds, as the spec example uses. since <= 0
// returns the most recent count trades. The tape starts at the pair's listing,
// so paging from any since walks forward through time without gaps.
func (m *Market) PublicTrades(pairID string, sinceNs int64, count int, now time.Time) (trades []PublicTrade, lastNs int64) {
	pi, ok := pairIndex[pairID]
	if !ok {
		return nil, sinceNs
	}
	if count <= 0 || count > 1000 {
		count = 1000
	}
	if sinceNs > 0 && sinceNs < 1e12 {
		sinceNs *= 1e9
	}
	nowNs := now.UnixNano()
	listMin := floorDiv(pairListedStamp[pi].Unix(), 60)
	nowMin := floorDiv(nowNs, 60e9)
	var buf [4]PublicTrade
	if sinceNs <= 0 {
		// The most recent count trades: walk back, then reverse.
		for mi := nowMin; mi >= listMin && len(trades) < count; mi-- {
			tr := m.tapeMinute(pi, mi, listMin, buf[:0])
			for j := len(tr) - 1; j >= 0 && len(trades) < count; j-- {
				if tr[j].TimeNs <= nowNs {
					trades = append(trades, tr[j])
				}
			}
		}
		slices.Reverse(trades)
		if len(trades) == 0 {
			return nil, 0
		}
		return trades, trades[len(trades)-1].TimeNs
	}
	lastNs = sinceNs
	start := max(floorDiv(sinceNs, 60e9), listMin)
	for mi := start; mi <= nowMin && len(trades) < count; mi++ {
		for _, t := range m.tapeMinute(pi, mi, listMin, buf[:0]) {
			if t.TimeNs > sinceNs && t.TimeNs <= nowNs && len(trades) < count {
				trades = append(trades, t)
				lastNs = t.TimeNs
			}
		}
	}
	return trades, lastNs
}

// Ticker returns the pair's ticker at now (zero before the pair's listing).
func (m *Market) Ticker(pairID string, now time.Time) Ticker {
	pi, ok := pairIndex[pairID]
	if !ok {
		return Ticker{}
	}
	nowNs := now.UnixNano()
	listMin := floorDiv(pairListedStamp[pi].Unix(), 60)
	nowMin := floorDiv(nowNs, 60e9)
	if nowMin < listMin {
		return Ticker{}
	}
	dayStart := floorDiv(now.Unix(), 86400) * 86400 * 1e9
	from := nowNs - 86400e9
	var day, all agg
	var tk Ticker
	var buf [4]PublicTrade
	var prevClose int64
	for mi := max(floorDiv(from, 60e9), listMin); mi <= nowMin; mi++ {
		for _, t := range m.tapeMinute(pi, mi, listMin, buf[:0]) {
			if t.TimeNs > nowNs {
				break
			}
			if t.TimeNs <= from {
				prevClose = t.Price
				continue
			}
			all.add(t.Price, t.Volume)
			if t.TimeNs >= dayStart {
				if day.count == 0 {
					tk.Open = t.Price
				}
				day.add(t.Price, t.Volume)
			} else {
				prevClose = t.Price
			}
			tk.Last, tk.LastVolume = t.Price, t.Volume
		}
	}
	if all.count == 0 {
		return Ticker{}
	}
	if day.count == 0 {
		tk.Open = prevClose
		day.low, day.high, day.vwapOr = tk.Last, tk.Last, tk.Last
	}
	tk.VolumeToday, tk.Volume24h = day.vol, all.vol
	tk.VWAPToday, tk.VWAP24h = day.vwap(), all.vwap()
	tk.TradesToday, tk.Trades24h = day.count, all.count
	tk.LowToday, tk.Low24h = day.low, all.low
	tk.HighToday, tk.High24h = day.high, all.high
	p := pairTable[pi]
	spread := max(1, tk.Last/20000) // about 0.5 bp each side
	h := splitmix64(m.salts[0] ^ uint64(nowMin) ^ uint64(pi)<<40)
	lot := pow10[p.LotDecimals]
	tk.Bid = BookTop{Price: tk.Last - spread*int64(h&1), WholeLotVolume: int64(1 + h>>8%5)}
	tk.Ask = BookTop{Price: tk.Bid.Price + spread, WholeLotVolume: int64(1 + h>>16%5)}
	tk.Bid.LotVolume = tk.Bid.WholeLotVolume * lot
	tk.Ask.LotVolume = tk.Ask.WholeLotVolume * lot
	return tk
}

// agg accumulates trades: count, volume, low/high and sum(price*volume) in
// 128 bits (XDG prices at 7 decimals times volumes at 8 overflow 64).
type agg struct {
	count          int
	vol, low, high int64
	pvHi, pvLo     uint64
	vwapOr         int64
}

func (a *agg) add(price, vol int64) {
	if a.count == 0 || price < a.low {
		a.low = price
	}
	if a.count == 0 || price > a.high {
		a.high = price
	}
	a.count++
	a.vol += vol
	hi, lo := bits.Mul64(uint64(price), uint64(vol))
	var c uint64
	a.pvLo, c = bits.Add64(a.pvLo, lo, 0)
	a.pvHi += hi + c
}

func (a *agg) vwap() int64 {
	if a.vol <= 0 {
		return a.vwapOr
	}
	q, r := bits.Div64(a.pvHi, a.pvLo, uint64(a.vol))
	if r >= uint64(a.vol)-r {
		q++
	}
	return min(max(int64(q), a.low), a.high)
}

// tapeCandle aggregates the tape trades in [startNs, endNs).
func (m *Market) tapeCandle(pi int, startNs, endNs int64) Candle {
	listMin := floorDiv(pairListedStamp[pi].Unix(), 60)
	var a agg
	var c Candle
	var buf [4]PublicTrade
	for mi := max(floorDiv(startNs, 60e9), listMin); mi*60e9 < endNs; mi++ {
		for _, t := range m.tapeMinute(pi, mi, listMin, buf[:0]) {
			if t.TimeNs < startNs || t.TimeNs >= endNs {
				continue
			}
			if a.count == 0 {
				c.Open = t.Price
			}
			c.Close = t.Price
			a.add(t.Price, t.Volume)
		}
	}
	if a.count == 0 {
		// No trade yet (a candle opened less than a trade ago): flat at the
		// previous trade's price, as Kraken shows quiet intervals.
		p := m.pairPrice(pi, float64(startNs)/1e9)
		return Candle{Open: p, High: p, Low: p, Close: p, VWAP: p}
	}
	c.High, c.Low, c.VWAP, c.Volume, c.Count = a.high, a.low, a.vwap(), a.vol, a.count
	return c
}

// sampledCandle builds a long candle: open and close from the tape trades at
// its two ends, high/low/VWAP over 48 samples of the path, volume and count
// scaled from the samples.
func (m *Market) sampledCandle(pi int, startNs, endNs int64) Candle {
	listMin := floorDiv(pairListedStamp[pi].Unix(), 60)
	var buf [4]PublicTrade
	first := m.tapeMinute(pi, floorDiv(startNs, 60e9), listMin, buf[:0])
	var c Candle
	if len(first) > 0 {
		c.Open = first[0].Price
	} else {
		c.Open = m.pairPrice(pi, float64(startNs)/1e9)
	}
	c.Close = c.Open
	lastMin := floorDiv(endNs-1, 60e9)
	for mi := lastMin; mi >= lastMin-1 && mi >= listMin; mi-- {
		tr := m.tapeMinute(pi, mi, listMin, buf[:0])
		found := false
		for j := len(tr) - 1; j >= 0; j-- {
			if tr[j].TimeNs < endNs && tr[j].TimeNs >= startNs {
				c.Close, found = tr[j].Price, true
				break
			}
		}
		if found {
			break
		}
	}
	const samples = 48
	var a agg
	a.add(c.Open, 0)
	a.add(c.Close, 0)
	span := endNs - startNs
	minutes := max(1, span/60e9)
	p := pairTable[pi]
	baseProf := pairProfiles[pi][0]
	var vol int64
	for i := int64(0); i < samples; i++ {
		ts := startNs + span*i/samples + span/(2*samples)
		tsec := float64(ts) / 1e9
		px := m.pairPrice(pi, tsec)
		// An average minute trades about 2.5 x 1,000 USD.
		usd := 1.0
		if baseProf >= 0 {
			usd = m.usd(baseProf, tsec)
		}
		v := int64(math.Round(2500 * float64(minutes) / samples / usd * float64(pow10[p.LotDecimals])))
		a.add(px, v)
		vol += v
	}
	c.High, c.Low, c.VWAP, c.Volume = a.high, a.low, a.vwap(), vol
	c.Count = int(minutes*5/2) + int(splitmix64(m.salts[1]^uint64(startNs))%uint64(minutes+1))
	if c.Volume == 0 {
		c.Count = 0
	}
	return c
}

// tapeMinute appends the tape trades of minute mi (unix minutes) to dst.
func (m *Market) tapeMinute(pi int, mi, listMin int64, dst []PublicTrade) []PublicTrade {
	if mi < listMin {
		return dst
	}
	p := pairTable[pi]
	h := splitmix64(m.salts[2] ^ uint64(mi)*0xA24BAED4963EE407 ^ uint64(pi)<<48)
	n := int64(1 + h&3)
	slot := int64(60e9) / n
	baseProf := pairProfiles[pi][0]
	for j := int64(0); j < n; j++ {
		hj := splitmix64(h + uint64(j) + 1)
		ns := mi*60e9 + j*slot + int64(hj%uint64(slot))
		tsec := float64(ns) / 1e9
		price := m.pairPrice(pi, tsec)
		// Notional between 10 and 10,000 USD, log-uniform.
		u := float64(hj>>11) / (1 << 53)
		notional := 10 * math.Pow(1000, u)
		usd := 1.0
		if baseProf >= 0 {
			usd = m.usd(baseProf, tsec)
		}
		vol := max(1, int64(math.Round(notional/usd*float64(pow10[p.LotDecimals]))))
		side, ot := byte('b'), byte('l')
		if hj&(1<<3) != 0 {
			side = 's'
		}
		if hj&(3<<4) == 0 {
			ot = 'm'
		}
		dst = append(dst, PublicTrade{Price: price, Volume: vol, TimeNs: ns, Side: side,
			OrderType: ot, TradeID: (mi-listMin)*4 + j + 1})
	}
	return dst
}

// pairPrice is the pair's price at tsec (unix seconds) in 10^-PairDecimals.
func (m *Market) pairPrice(pi int, tsec float64) int64 {
	p := pairTable[pi]
	b, q := pairProfiles[pi][0], pairProfiles[pi][1]
	num, den := 1.0, 1.0
	if b >= 0 {
		num = m.usd(b, tsec)
	}
	if q >= 0 {
		den = m.usd(q, tsec)
	}
	return int64(math.Round(num / den * float64(pow10[p.PairDecimals])))
}

// usdPico is a profile's USD price in 10^-12 USD.
func (m *Market) usdPico(prof int, tsec float64) int64 {
	return int64(math.Round(m.usd(prof, tsec) * 1e12))
}

// Noise octaves: periods 15 s * 4^k.
const octaves = 10

var (
	octavePeriod [octaves]float64
	octaveAmp    [octaves]float64 // per unit of daily volatility
)

func init() {
	for k := range octaves {
		octavePeriod[k] = 15 * math.Pow(4, float64(k))
		octaveAmp[k] = 0.9 * math.Sqrt(octavePeriod[k]/86400)
	}
}

// usd is profile prof's USD price at tsec.
func (m *Market) usd(prof int, tsec float64) float64 {
	pr := &profiles[prof]
	lp := pr.level(tsec)
	if pr.vol > 0 {
		salt := m.salts[prof]
		var n float64
		for k := range octaves {
			n += octaveAmp[k] * valueNoise(salt+uint64(k)*0x9E3779B97F4A7C15, tsec/octavePeriod[k])
		}
		lp += pr.vol * n
	}
	return math.Exp(lp)
}

// valueNoise is smooth noise in [-1, 1] with unit lattice spacing.
func valueNoise(salt uint64, u float64) float64 {
	fi := math.Floor(u)
	f := u - fi
	i := uint64(int64(fi))
	v0 := lattice(salt, i)
	v1 := lattice(salt, i+1)
	s := f * f * (3 - 2*f)
	return v0 + (v1-v0)*s
}

func lattice(salt, i uint64) float64 {
	return float64(splitmix64(salt^i*0xD6E8FEB86659FD93)>>11)/(1<<52) - 1
}

// profile is one asset's USD path: anchors (unix seconds, ln price) and a
// daily log volatility.
type profile struct {
	id      string
	t       []float64
	lnp     []float64
	vol     float64
	anchors []anchor
}

type anchor struct {
	y, m, d int
	price   float64
}

// level interpolates the anchors log-linearly (flat outside them).
func (p *profile) level(tsec float64) float64 {
	n := len(p.t)
	if tsec <= p.t[0] {
		return p.lnp[0]
	}
	if tsec >= p.t[n-1] {
		return p.lnp[n-1]
	}
	i, _ := slices.BinarySearch(p.t, tsec)
	// p.t[i-1] < tsec <= p.t[i]
	f := (tsec - p.t[i-1]) / (p.t[i] - p.t[i-1])
	return p.lnp[i-1] + (p.lnp[i]-p.lnp[i-1])*f
}

const numProfiles = 13

// profiles: the USD paths. ZUSD is 1 by definition and KFEE has none.
var profiles = [numProfiles]profile{
	{id: "XXBT", vol: 0.035, anchors: []anchor{
		{2013, 1, 1, 13.5}, {2013, 4, 10, 130}, {2013, 12, 4, 1000}, {2014, 6, 1, 620},
		{2015, 1, 14, 230}, {2016, 1, 1, 430}, {2016, 12, 31, 960}, {2017, 6, 10, 2800},
		{2017, 12, 17, 19000}, {2018, 2, 6, 7000}, {2018, 5, 5, 9700}, {2018, 12, 15, 3300},
		{2019, 6, 26, 12500}, {2019, 12, 18, 6800}, {2020, 3, 13, 5000}, {2020, 10, 1, 10800},
		{2020, 12, 31, 29000}, {2021, 4, 14, 63000}, {2021, 7, 20, 30000}, {2021, 11, 10, 67000},
		{2022, 6, 18, 19000}, {2022, 11, 21, 15800}, {2023, 4, 14, 30400}, {2023, 9, 11, 25200},
		{2023, 12, 31, 42300}, {2024, 3, 14, 72000}, {2024, 8, 5, 54000}, {2024, 12, 17, 106000},
		{2025, 4, 8, 77000}, {2025, 10, 6, 124000}, {2025, 12, 31, 88000}, {2027, 1, 1, 110000},
		{2035, 1, 1, 180000}}},
	{id: "XETH", vol: 0.045, anchors: []anchor{
		{2015, 8, 7, 2.8}, {2016, 6, 17, 20}, {2017, 6, 12, 390}, {2017, 11, 1, 290},
		{2018, 1, 13, 1400}, {2018, 12, 15, 85}, {2019, 6, 26, 330}, {2020, 3, 13, 110},
		{2020, 12, 31, 730}, {2021, 5, 12, 4100}, {2021, 7, 20, 1800}, {2021, 11, 10, 4800},
		{2022, 6, 18, 990}, {2022, 12, 31, 1200}, {2023, 12, 31, 2300}, {2024, 3, 12, 4000},
		{2024, 9, 6, 2250}, {2024, 12, 16, 4000}, {2025, 4, 9, 1450}, {2025, 8, 24, 4800},
		{2025, 12, 31, 2950}, {2035, 1, 1, 6000}}},
	{id: "XXDG", vol: 0.06, anchors: []anchor{
		{2014, 1, 15, 0.0015}, {2015, 6, 1, 0.00015}, {2017, 1, 1, 0.00022}, {2018, 1, 7, 0.017},
		{2018, 12, 31, 0.0023}, {2020, 6, 1, 0.0026}, {2021, 1, 28, 0.03}, {2021, 5, 8, 0.70},
		{2021, 12, 31, 0.17}, {2022, 6, 18, 0.055}, {2023, 6, 1, 0.07}, {2024, 3, 28, 0.21},
		{2024, 12, 8, 0.46}, {2025, 6, 22, 0.15}, {2025, 12, 31, 0.14}, {2035, 1, 1, 0.2}}},
	{id: "XLTC", vol: 0.045, anchors: []anchor{
		{2013, 1, 1, 3}, {2013, 11, 28, 45}, {2015, 1, 14, 1.5}, {2017, 1, 1, 4.3},
		{2017, 12, 19, 350}, {2018, 12, 15, 24}, {2019, 6, 22, 140}, {2020, 3, 13, 35},
		{2021, 5, 10, 380}, {2022, 6, 18, 45}, {2023, 7, 1, 110}, {2024, 12, 5, 135},
		{2025, 12, 31, 80}, {2035, 1, 1, 100}}},
	{id: "BCH", vol: 0.05, anchors: []anchor{
		{2017, 8, 1, 300}, {2017, 12, 20, 3500}, {2018, 12, 15, 80}, {2019, 6, 26, 480},
		{2020, 3, 13, 170}, {2021, 5, 12, 1500}, {2022, 6, 18, 100}, {2023, 6, 30, 290},
		{2024, 3, 28, 650}, {2025, 12, 31, 560}, {2035, 1, 1, 500}}},
	{id: "DOT", vol: 0.05, anchors: []anchor{
		{2020, 8, 19, 3}, {2020, 9, 1, 6}, {2021, 1, 1, 9}, {2021, 5, 15, 45}, {2021, 7, 20, 11},
		{2021, 11, 4, 54}, {2022, 6, 18, 6.5}, {2023, 6, 10, 4.5}, {2024, 3, 14, 11.5},
		{2024, 8, 5, 4.2}, {2024, 12, 4, 11}, {2025, 6, 22, 3.3}, {2025, 12, 31, 2.1},
		{2035, 1, 1, 4}}},
	{id: "SOL", vol: 0.055, anchors: []anchor{
		{2020, 4, 10, 0.9}, {2021, 1, 1, 1.5}, {2021, 6, 24, 34}, {2021, 11, 6, 255},
		{2022, 6, 18, 28}, {2022, 12, 29, 9.8}, {2023, 12, 31, 101}, {2024, 3, 18, 200},
		{2025, 1, 19, 265}, {2025, 4, 7, 105}, {2025, 9, 18, 245}, {2025, 12, 31, 125},
		{2035, 1, 1, 200}}},
	{id: "ADA", vol: 0.05, anchors: []anchor{
		{2017, 10, 1, 0.025}, {2018, 1, 4, 1.1}, {2018, 9, 27, 0.08}, {2018, 12, 15, 0.029},
		{2020, 3, 13, 0.025}, {2021, 9, 2, 2.95}, {2022, 6, 18, 0.45}, {2023, 6, 10, 0.26},
		{2024, 3, 14, 0.75}, {2024, 12, 3, 1.15}, {2025, 6, 22, 0.53}, {2025, 12, 31, 0.36},
		{2035, 1, 1, 0.5}}},
	{id: "USDC", vol: 0.0008, anchors: []anchor{{2013, 1, 1, 1}, {2023, 3, 11, 0.98}, {2023, 3, 14, 1}, {2035, 1, 1, 1}}},
	{id: "USDT", vol: 0.0008, anchors: []anchor{{2013, 1, 1, 1}, {2035, 1, 1, 1}}},
	{id: "UST", vol: 0.002, anchors: []anchor{
		{2013, 1, 1, 1}, {2022, 5, 7, 1}, {2022, 5, 9, 0.6}, {2022, 5, 12, 0.1}, {2022, 6, 15, 0.03},
		{2023, 6, 1, 0.02}, {2035, 1, 1, 0.015}}},
	{id: "ZEUR", vol: 0.005, anchors: []anchor{
		{2013, 1, 1, 1.32}, {2014, 5, 6, 1.39}, {2015, 3, 13, 1.05}, {2017, 1, 3, 1.04},
		{2018, 2, 16, 1.25}, {2020, 3, 20, 1.07}, {2021, 1, 6, 1.23}, {2022, 9, 27, 0.96},
		{2023, 7, 14, 1.12}, {2024, 10, 1, 1.11}, {2025, 1, 13, 1.02}, {2025, 9, 16, 1.18},
		{2025, 12, 31, 1.17}, {2035, 1, 1, 1.15}}},
	{id: "ZGBP", vol: 0.005, anchors: []anchor{
		{2013, 1, 1, 1.62}, {2014, 7, 15, 1.71}, {2016, 6, 23, 1.48}, {2016, 10, 7, 1.22},
		{2018, 4, 17, 1.43}, {2020, 3, 20, 1.15}, {2021, 6, 1, 1.42}, {2022, 9, 26, 1.07},
		{2024, 7, 17, 1.30}, {2025, 1, 13, 1.22}, {2025, 12, 31, 1.34}, {2035, 1, 1, 1.3}}},
}

// Profile indexes below zero: USD itself (price 1) and assets without a
// market price (KFEE).
const (
	profUSD  = -1
	profNone = -2
)

var (
	profileOf    []int    // assetTable index -> profile index, profUSD or profNone
	pairProfiles [][2]int // pairTable index -> base, quote profiles
	pow10        [20]int64
)

func init() {
	pow10[0] = 1
	for i := 1; i < len(pow10); i++ {
		pow10[i] = pow10[i-1] * 10
	}
	byID := map[string]int{}
	for i := range profiles {
		p := &profiles[i]
		byID[p.id] = i
		for _, a := range p.anchors {
			p.t = append(p.t, float64(date(a.y, time.Month(a.m), a.d).Unix()))
			p.lnp = append(p.lnp, math.Log(a.price))
		}
	}
	usdProfile := func(id string) int {
		if i, ok := byID[baseOf(id)]; ok {
			return i
		}
		if baseOf(id) == "ZUSD" {
			return profUSD
		}
		return profNone
	}
	profileOf = make([]int, len(assetTable))
	for i, a := range assetTable {
		profileOf[i] = usdProfile(a.ID)
	}
	pairProfiles = make([][2]int, len(pairTable))
	for i, p := range pairTable {
		pairProfiles[i] = [2]int{usdProfile(p.Base), usdProfile(p.Quote)}
	}
}

// floorDiv divides rounding toward negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// mulDivRound returns a*b/c rounded half up, for a, b >= 0 and c > 0, with a
// 128-bit intermediate. The result must fit in int64.
func mulDivRound(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	// Add c/2 for rounding.
	var carry uint64
	lo, carry = bits.Add64(lo, uint64(c)/2, 0)
	hi += carry
	if hi >= uint64(c) {
		panic("krakensim: mulDivRound overflow")
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

// mulDivFloor returns floor(a*b/c) for a, b >= 0 and c > 0.
func mulDivFloor(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		panic("krakensim: mulDivFloor overflow")
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
