package price

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// Digits is the number of significant digits of a derived price (an
// inverse, a cross rate or a volume-weighted average), rounded half even:
// enough for any money amount, few enough to keep arithmetic on values
// exact and fast.
const Digits = 15

// DivSig returns a ÷ b to Digits significant digits.
func DivSig(a, b money.Amount) (money.Amount, error) {
	q, err := a.Div(b, Digits+24, money.HalfEven)
	if err != nil {
		return money.Amount{}, err
	}
	return RoundSig(q, Digits), nil
}

// RoundSig rounds a to sig significant digits, half even; digits before
// the decimal point are never rounded away.
func RoundSig(a money.Amount, sig int32) money.Amount {
	if a.IsZero() {
		return a
	}
	abs := a.Abs()
	// The position of the first significant digit: its power of ten.
	intPart := abs.Round(0, money.Down).String()
	var exp int32
	if intPart != "0" {
		exp = int32(len(intPart)) - 1
	} else {
		frac := abs.String()[2:] // "0.000123" -> "000123"
		zeros := int32(0)
		for zeros < int32(len(frac)) && frac[zeros] == '0' {
			zeros++
		}
		exp = -zeros - 1
	}
	places := sig - 1 - exp
	if places < 0 {
		places = 0
	}
	return a.Round(places, money.HalfEven)
}

// Quote is a price: one unit of Base is worth Price units of Quote.
type Quote struct {
	Base, Quote string
	Price       money.Amount
	// At is the moment the price stands for: the day's start for a daily
	// price, the exact moment for a trade or a user price.
	At time.Time
	// Source says where the price came from, for the report line it values:
	// "kraken-ohlc BTC/EUR 2024-05-01", "user BTC/EUR 2019-03-01T10:00:00Z",
	// "1/(kraken-ohlc EUR/USD 2024-05-01)", or a cross rate joining two
	// such with " × ".
	Source string
	// Daily is set when the price holds for the whole UTC day of At (market
	// data), so that it may be reused for any moment of that day.
	Daily bool
}

// ErrNoPrice is returned (wrapped) when no source has a price. It matches
// a *cointally.Error of KindNotFound.
var ErrNoPrice = &cointally.Error{Op: "price", Kind: cointally.KindNotFound, Message: "no price"}

// noPrice returns an error for base/quote at t that matches ErrNoPrice.
// Misses are common (a chain asks every source for every route), so the
// error is small and its text is made only when asked for.
func noPrice(base, quote string, t time.Time) error {
	return &noPriceError{base: base, quote: quote, day: dayOf(t)}
}

type noPriceError struct {
	base, quote string
	day         int64
}

func (e *noPriceError) Error() string {
	return fmt.Sprintf("no price for %s/%s on %s: %v", e.base, e.quote, time.Unix(e.day*86400, 0).UTC().Format(time.DateOnly), ErrNoPrice)
}

func (e *noPriceError) Unwrap() error { return ErrNoPrice }

// IsNoPrice reports whether err says that no price exists (as opposed to a
// failure to find out, such as an unreachable exchange).
func IsNoPrice(err error) bool { return errors.Is(err, ErrNoPrice) }

// A Source gives prices for pairs it knows.
type Source interface {
	// Price returns the price of base in quote at t (base and quote are
	// symbols such as "BTC" and "EUR"). It returns an error matching
	// ErrNoPrice when the source has none for that pair and time; any other
	// error means the source could not find out (the exchange is
	// unreachable, the cache failed) and is returned by Chain as is.
	Price(ctx context.Context, base, quote string, t time.Time) (Quote, error)
}

// Chain asks its sources in order, first for the pair itself, then for the
// inverse pair, then for a cross rate through each of Via. It remembers the
// route that worked for each pair and day, so repeated lookups are cheap.
// It is safe for concurrent use.
type Chain struct {
	Sources []Source
	// Via are the common quotes of cross rates, in order of preference.
	// Nil means USD, EUR, BTC.
	Via []string

	mu     sync.Mutex
	routes map[routeKey]route
	daily  map[routeKey]Quote // quotes that hold for their day
}

type routeKey struct {
	base, quote string
	day         int64
}

// route is how a pair was priced on a day.
type route struct {
	kind uint8 // routeNone, routeDirect, routeInverse, routeCross
	via  string
	src  int // index of the source (direct, inverse)
}

const (
	routeNone uint8 = iota
	routeDirect
	routeInverse
	routeCross
)

// NewChain returns a chain of sources with the default cross currencies.
func NewChain(sources ...Source) *Chain { return &Chain{Sources: sources} }

func (c *Chain) via() []string {
	if c.Via == nil {
		return []string{"USD", "EUR", "BTC"}
	}
	return c.Via
}

func dayOf(t time.Time) int64 {
	s := t.Unix()
	d := s / 86400
	if s < 0 && s%86400 != 0 {
		d--
	}
	return d
}

// Price implements Source.
func (c *Chain) Price(ctx context.Context, base, quote string, t time.Time) (Quote, error) {
	if base == quote {
		return Quote{Base: base, Quote: quote, Price: money.FromInt(1), At: t, Source: "identity"}, nil
	}
	key := routeKey{base, quote, dayOf(t)}
	c.mu.Lock()
	if q, ok := c.daily[key]; ok {
		c.mu.Unlock()
		return q, nil
	}
	r, known := c.routes[key]
	c.mu.Unlock()
	if known {
		if r.kind == routeNone {
			return Quote{}, noPrice(base, quote, t)
		}
		q, err := c.follow(ctx, r, base, quote, t)
		if err == nil {
			c.remember(key, q)
		}
		if err == nil || !IsNoPrice(err) {
			return q, err
		}
		// A user price that covers another moment of the day: look again.
	}
	q, r, err := c.find(ctx, base, quote, t)
	if err != nil && !IsNoPrice(err) {
		return Quote{}, err
	}
	c.mu.Lock()
	if c.routes == nil {
		c.routes = map[routeKey]route{}
	}
	c.routes[key] = r
	c.mu.Unlock()
	if err == nil {
		c.remember(key, q)
	}
	return q, err
}

// remember keeps a daily quote for its day.
func (c *Chain) remember(key routeKey, q Quote) {
	if !q.Daily {
		return
	}
	c.mu.Lock()
	if c.daily == nil {
		c.daily = map[routeKey]Quote{}
	}
	c.daily[key] = q
	c.mu.Unlock()
}

// follow prices the pair by a route found before.
func (c *Chain) follow(ctx context.Context, r route, base, quote string, t time.Time) (Quote, error) {
	switch r.kind {
	case routeDirect:
		return c.Sources[r.src].Price(ctx, base, quote, t)
	case routeInverse:
		q, err := c.Sources[r.src].Price(ctx, quote, base, t)
		if err != nil {
			return Quote{}, err
		}
		return invert(q)
	default:
		return c.cross(ctx, base, r.via, quote, t)
	}
}

// find tries every route, in order.
func (c *Chain) find(ctx context.Context, base, quote string, t time.Time) (Quote, route, error) {
	if q, i, err := c.direct(ctx, base, quote, t); err == nil {
		return q, route{kind: routeDirect, src: i}, nil
	} else if !IsNoPrice(err) {
		return Quote{}, route{}, err
	}
	if q, i, err := c.direct(ctx, quote, base, t); err == nil {
		inv, err := invert(q)
		return inv, route{kind: routeInverse, src: i}, err
	} else if !IsNoPrice(err) {
		return Quote{}, route{}, err
	}
	for _, v := range c.via() {
		if v == base || v == quote {
			continue
		}
		q, err := c.cross(ctx, base, v, quote, t)
		if err == nil {
			return q, route{kind: routeCross, via: v}, nil
		}
		if !IsNoPrice(err) {
			return Quote{}, route{}, err
		}
	}
	return Quote{}, route{kind: routeNone}, noPrice(base, quote, t)
}

// direct asks each source for base/quote and returns the first answer and
// the index of the source that gave it.
func (c *Chain) direct(ctx context.Context, base, quote string, t time.Time) (Quote, int, error) {
	for i, s := range c.Sources {
		q, err := s.Price(ctx, base, quote, t)
		if err == nil {
			return q, i, nil
		}
		if !IsNoPrice(err) {
			return Quote{}, 0, err
		}
	}
	return Quote{}, 0, noPrice(base, quote, t)
}

// leg prices base/quote directly or inversely (no cross rate).
func (c *Chain) leg(ctx context.Context, base, quote string, t time.Time) (Quote, error) {
	q, _, err := c.direct(ctx, base, quote, t)
	if err == nil || !IsNoPrice(err) {
		return q, err
	}
	q, _, err = c.direct(ctx, quote, base, t)
	if err != nil {
		return Quote{}, err
	}
	return invert(q)
}

// cross prices base/quote as base/via × via/quote.
func (c *Chain) cross(ctx context.Context, base, via, quote string, t time.Time) (Quote, error) {
	a, err := c.leg(ctx, base, via, t)
	if err != nil {
		return Quote{}, err
	}
	b, err := c.leg(ctx, via, quote, t)
	if err != nil {
		return Quote{}, err
	}
	return Quote{Base: base, Quote: quote, Price: RoundSig(a.Price.Mul(b.Price), Digits), At: a.At,
		Source: a.Source + " × " + b.Source, Daily: a.Daily && b.Daily}, nil
}

// invert turns a quote of quote/base into one of base/quote.
func invert(q Quote) (Quote, error) {
	if !q.Price.IsPositive() {
		return Quote{}, fmt.Errorf("price %s/%s from %s is %s: %w", q.Base, q.Quote, q.Source, q.Price, ErrNoPrice)
	}
	p, err := DivSig(money.FromInt(1), q.Price)
	if err != nil {
		return Quote{}, err
	}
	return Quote{Base: q.Quote, Quote: q.Base, Price: p, At: q.At, Source: "1/(" + q.Source + ")", Daily: q.Daily}, nil
}

// Fixed is a Source of prices held in memory, one per pair and UTC day:
// for tests, and for prices known in advance.
type Fixed struct {
	Name   string // the Source text of its quotes; "fixed" when empty
	prices map[routeKey]money.Amount
}

// Set records the price of base in quote for t's UTC day.
func (f *Fixed) Set(base, quote string, t time.Time, p money.Amount) {
	if f.prices == nil {
		f.prices = map[routeKey]money.Amount{}
	}
	f.prices[routeKey{base, quote, dayOf(t)}] = p
}

// Price implements Source.
func (f *Fixed) Price(_ context.Context, base, quote string, t time.Time) (Quote, error) {
	p, ok := f.prices[routeKey{base, quote, dayOf(t)}]
	if !ok {
		return Quote{}, noPrice(base, quote, t)
	}
	name := f.Name
	if name == "" {
		name = "fixed"
	}
	day := time.Unix(dayOf(t)*86400, 0).UTC()
	return Quote{Base: base, Quote: quote, Price: p, At: day, Source: name + " " + base + "/" + quote + " " + day.Format(time.DateOnly), Daily: true}, nil
}
