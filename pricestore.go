package cointally

import (
	"context"
	"time"

	"github.com/cointally/cointally/money"
)

// Price sources as stored (PricePoint.Source).
const (
	PriceSourceUser = "user" // imported from the user's price file
)

// PricePoint is one price: the number of units of Quote that one unit of
// Base was worth at Time, from Source. Market data is cached as one point
// per pair and UTC day (Time is the day's start); user prices keep the
// moment the user gave.
type PricePoint struct {
	Base, Quote string // symbols, e.g. "BTC", "EUR"
	Time        time.Time
	Price       money.Amount
	// Source names where the price came from: PriceSourceUser, or a market
	// data source such as "kraken-ohlc" or "kraken-trades".
	Source string
	// Missing records that the source was asked and has no price for this
	// pair and time (no trades that day, not listed yet), so it is not
	// asked again. Price is zero.
	Missing bool
}

// PriceFilter selects stored prices. Empty fields match everything.
type PriceFilter struct {
	// Sources, if not empty, keeps only points of these sources.
	Sources     []string
	Base, Quote string
	// From (inclusive) and To (exclusive) bound Time; zero means unbounded.
	From, To time.Time
}

// PriceStore caches market prices and keeps the user's own prices.
type PriceStore interface {
	// PutPrices stores points in one transaction, each replacing a stored
	// point with the same (Source, Base, Quote, Time). It returns how many
	// were new. KindInvalid (and nothing stored) if a point has an empty
	// Base, Quote or Source, a zero Time, a negative Price, or a zero Price
	// without Missing.
	PutPrices(ctx context.Context, points []PricePoint) (added int, err error)

	// Prices calls fn for each stored point matching f, ordered by (Base,
	// Quote, Time, Source), stopping at the first error fn returns, which
	// Prices returns unchanged. fn gets a fresh PricePoint each call and may
	// keep it; it must not write through the store. No match is not an
	// error.
	Prices(ctx context.Context, f PriceFilter, fn func(*PricePoint) error) error

	// DeletePrices removes the points of source (all sources if empty) and
	// returns how many it removed.
	DeletePrices(ctx context.Context, source string) (int, error)
}
