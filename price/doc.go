// Package price finds the market value of an asset at a moment, for
// valuing ledger events in the user's report currency. Every price it gives
// says where it came from (Quote.Source), so every valued report line can
// name its source.
//
// # Sources
//
// A Source answers for one pair (base, quote) at one moment or says
// ErrNoPrice. The sources are:
//
//   - User: prices the user imported (cointally prices import), which
//     override market data for their UTC day.
//   - Market: an exchange's public market data (Kraken: daily OHLC candles
//     for the most recent 720 days, and the public trade history, aggregated
//     into one volume-weighted price per day, for older days), cached in a
//     cointally.PriceStore so each day is fetched once, and fetched no faster
//     than the exchange's public rate limit allows.
//
// The first source of all is the trade itself: a trade with a leg in the
// report currency is valued by that leg, exactly. That happens where events
// are valued (package report), which knows the trade; it records the source
// "trade".
//
// # Cross rates
//
// Chain tries its sources in order for the pair itself, then for the
// inverse pair (1/price), then through a common quote (USD, EUR, BTC):
// base/via × via/quote, each leg direct or inverse. A derived price is
// rounded to Digits significant digits.
//
// # Granularity
//
// Market prices are daily: the price of a day is its candle's
// volume-weighted average (VWAP), or, before the candle window, the VWAP of
// the first page of that day's public trades. A moment is valued at its
// UTC day's price.
//
// The package does no I/O of its own: market data and the cache arrive as
// interfaces (MarketData, cointally.PriceStore), and time as a clock func.
package price
