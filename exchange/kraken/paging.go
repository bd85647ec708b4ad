package kraken

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Bound is the start or end of a history window: a Unix time or an ID of
// the collection being paged (ledger ID, trade ID, order ID). Kraken treats
// start as exclusive and end as inclusive. The zero Bound means "no bound".
type Bound struct{ s string }

// BoundTime returns a Bound at t (sent as decimal Unix seconds).
func BoundTime(t time.Time) Bound { return Bound{TimestampOf(t).String()} }

// BoundTimestamp returns a Bound at ts.
func BoundTimestamp(ts Timestamp) Bound { return Bound{ts.String()} }

// BoundID returns a Bound at the entry with the given ID; Kraken uses that
// entry's time (for orders, its open time).
func BoundID(id string) Bound { return Bound{id} }

// String returns the parameter value, "" for the zero Bound.
func (b Bound) String() string { return b.s }

// IsZero reports whether b is unset.
func (b Bound) IsZero() bool { return b.s == "" }

// ErrDone is returned by Pager.Next after the last page.
var ErrDone = errors.New("kraken: no more pages")

// maxStalePages is how many consecutive pages holding only entries already
// seen a Pager accepts before it concludes the server ignores the offset.
const maxStalePages = 3

// Pager walks a paged history (Ledgers, TradesHistory, ClosedOrders) page
// by page, newest first.
//
// The window's end is fixed when the walk starts, so that activity during
// the walk cannot shift the offsets: the caller's End if given, otherwise
// taken from the newest entry on the first page. For Ledgers and
// TradesHistory that is the entry's ID. For ClosedOrders it is the newest
// close time, because Kraken resolves an order ID to the order's open time,
// which could exclude orders opened later but closed earlier.
//
// The offset advances by the number of entries each page held (Kraken's
// pages hold 50). The walk stops at the first empty page, not at Kraken's
// count: the count may change between pages and may over-state the
// entries that can be fetched (with type filters). Entries already
// returned are dropped, so each ID is returned once even if the server
// shifts entries between pages; a short page holding only such entries
// also ends the walk, and full pages of them (a server ignoring the
// offset) end it with an error.
//
// A Pager is not safe for concurrent use.
type Pager[T any] struct {
	method string
	fetch  func(ctx context.Context, ofs int, end Bound) (items []T, count int, hasCount bool, err error)
	id     func(T) string
	fixEnd func(newest T) Bound

	end      Bound
	ofs      int
	start    int
	seen     map[string]struct{}
	pages    int
	count    int
	hasCount bool
	done     bool
	stale    int
	maxPage  int // largest page seen: the server's page size
}

func newPager[T any](method string, ofs int, end Bound, id func(T) string, fixEnd func(T) Bound,
	fetch func(ctx context.Context, ofs int, end Bound) ([]T, int, bool, error)) *Pager[T] {
	return &Pager[T]{method: method, fetch: fetch, id: id, fixEnd: fixEnd, end: end, ofs: ofs, start: ofs,
		seen: map[string]struct{}{}}
}

func boundByID[T any](id func(T) string) func(T) Bound {
	return func(x T) Bound { return BoundID(id(x)) }
}

// Next returns the next page of entries not returned before (never an
// empty page), or ErrDone after the last one. After another error the walk
// can be resumed by calling Next again; the same page is requested.
func (p *Pager[T]) Next(ctx context.Context) ([]T, error) {
	for !p.done {
		items, count, hasCount, err := p.fetch(ctx, p.ofs, p.end)
		if err != nil {
			return nil, err
		}
		p.pages++
		if hasCount {
			p.count, p.hasCount = count, true
		}
		if len(items) == 0 {
			p.done = true
			break
		}
		if p.end.IsZero() {
			p.end = p.fixEnd(items[0]) // items are newest first
		}
		p.ofs += len(items)
		p.maxPage = max(p.maxPage, len(items))
		fresh := items[:0:0]
		for _, it := range items {
			id := p.id(it)
			if _, dup := p.seen[id]; dup {
				continue
			}
			p.seen[id] = struct{}{}
			fresh = append(fresh, it)
		}
		if len(fresh) > 0 {
			p.stale = 0
			return fresh, nil
		}
		if len(items) < p.maxPage {
			// A short page of entries already seen: the list's tail,
			// shifted down by new entries (a server ignoring end).
			p.done = true
			break
		}
		if p.stale++; p.stale >= maxStalePages {
			p.done = true
			return nil, fmt.Errorf("kraken: %s: %d pages in a row held only entries already seen (offset %d); stopping", p.method, p.stale, p.ofs)
		}
	}
	return nil, ErrDone
}

// All returns an iterator over the remaining pages. It stops after the
// last page or after yielding an error.
//
//	for page, err := range c.LedgersPager(nil).All(ctx) {
//		if err != nil { ... }
//	}
func (p *Pager[T]) All(ctx context.Context) iter.Seq2[[]T, error] {
	return func(yield func([]T, error) bool) {
		for {
			page, err := p.Next(ctx)
			if errors.Is(err, ErrDone) {
				return
			}
			if !yield(page, err) || err != nil {
				return
			}
		}
	}
}

// Count returns the number of matching entries Kraken reported with the
// latest page, and false if it reported none yet. It may change during a
// walk.
func (p *Pager[T]) Count() (int, bool) { return p.count, p.hasCount }

// Pages returns how many pages were fetched so far.
func (p *Pager[T]) Pages() int { return p.pages }

// Seen returns how many distinct entries were returned so far.
func (p *Pager[T]) Seen() int { return len(p.seen) }

// Offset returns the offset of the next page.
func (p *Pager[T]) Offset() int { return p.ofs }

// End returns the window's fixed end (zero before the first page if the
// caller gave none).
func (p *Pager[T]) End() Bound { return p.end }

// RemainingPages estimates how many more pages there are from Kraken's
// count (pages of 50, plus the final empty page), false if unknown. Feed
// it to Client.EstimateWait for an ETA.
func (p *Pager[T]) RemainingPages() (int, bool) {
	if !p.hasCount {
		return 0, false
	}
	if p.done {
		return 0, true
	}
	left := max(p.count-(p.ofs-p.start), 0)
	return (left+49)/50 + 1, true
}

// LedgersPager returns a Pager over the ledger entries matching opts (its
// Offset is the starting offset). See Pager for how the window is fixed.
func (c *Client) LedgersPager(opts *LedgersOptions) *Pager[LedgerEntry] {
	var o LedgersOptions
	if opts != nil {
		o = *opts
	}
	id := func(e LedgerEntry) string { return e.ID }
	return newPager("Ledgers", o.Offset, o.End, id, boundByID(id),
		func(ctx context.Context, ofs int, end Bound) ([]LedgerEntry, int, bool, error) {
			q := o
			q.Offset, q.End = ofs, end
			page, err := c.Ledgers(ctx, &q)
			if err != nil {
				return nil, 0, false, err
			}
			return page.Entries, page.Count, page.HasCount, nil
		})
}

// TradesPager returns a Pager over the trades matching opts.
func (c *Client) TradesPager(opts *TradesHistoryOptions) *Pager[Trade] {
	var o TradesHistoryOptions
	if opts != nil {
		o = *opts
	}
	id := func(t Trade) string { return t.ID }
	return newPager("TradesHistory", o.Offset, o.End, id, boundByID(id),
		func(ctx context.Context, ofs int, end Bound) ([]Trade, int, bool, error) {
			q := o
			q.Offset, q.End = ofs, end
			page, err := c.TradesHistory(ctx, &q)
			if err != nil {
				return nil, 0, false, err
			}
			return page.Trades, page.Count, page.HasCount, nil
		})
}

// ClosedOrdersPager returns a Pager over the closed orders matching opts.
func (c *Client) ClosedOrdersPager(opts *ClosedOrdersOptions) *Pager[Order] {
	var o ClosedOrdersOptions
	if opts != nil {
		o = *opts
	}
	return newPager("ClosedOrders", o.Offset, o.End, func(x Order) string { return x.ID },
		func(x Order) Bound { return BoundTimestamp(x.sortTime()) },
		func(ctx context.Context, ofs int, end Bound) ([]Order, int, bool, error) {
			q := o
			q.Offset, q.End = ofs, end
			page, err := c.ClosedOrders(ctx, &q)
			if err != nil {
				return nil, 0, false, err
			}
			return page.Orders, page.Count, page.HasCount, nil
		})
}
