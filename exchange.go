package cointally

import (
	"context"
	"errors"
	"time"
)

// This file holds the exchange contract: what the sync (package ingest)
// needs from one connected exchange account. The names are the exchange's
// neutral words; the semantics are Kraken's, the first connector:
//
//   - Paged histories (ledger, trades, closed orders) come newest first in
//     pages of a size the exchange chooses (Kraken: 50). A PageQuery's Start
//     is exclusive and its End inclusive; both are an item ID of that
//     collection or a Unix time written as decimal seconds (BoundTime).
//     Offset counts items from the newest one inside the window. The
//     exchange's count of the items in the window comes with a page unless
//     WithoutCount is set; it can change between pages and can over-state
//     what is reachable, so a walk stops at an empty or short page.
//   - Amounts are exact (money.Amount); times are UTC.
//   - Entries, trades and orders keep the exchange's raw record in Raw,
//     byte for byte as received (CSV rows as a JSON object of header to
//     value).
//
// Every method takes a context and fails with an *Error whose Kind says
// what the caller should do:
//
//   - KindUnauthorized: the exchange rejects the key: it is unknown,
//     revoked or expired, its private key does not match, or it lacks the
//     permission for this call. The Message is a sentence for the user that
//     says how to fix it. When only a permission for this one call is
//     missing, the error also matches ErrPermissionDenied, and the caller
//     may go on with other calls (an optional stream); otherwise the key is
//     unusable and the account needs a new key.
//   - KindUnavailable: the exchange could not answer now (network failure,
//     maintenance, overload, rate limit still exceeded after the client's
//     own retries, a temporary lockout); trying later may work.
//   - KindInvalid: the exchange refused the request's parameters (for
//     Kraken also a window outside a key's query date range).
//   - KindNotFound: the named export report does not exist (any more).
//   - KindOther: an unexpected answer (a response the connector cannot
//     read) or a bug.
//
// A canceled or expired ctx makes a method return an error that matches
// ctx.Err() with errors.Is (and nothing is half-done on the caller's side).

// ErrPermissionDenied is matched (errors.Is) by a KindUnauthorized error
// that means only "the key lacks the permission for this call": the key
// itself is valid.
var ErrPermissionDenied = errors.New("permission denied")

// IsUnauthorized reports whether err is a KindUnauthorized error.
func IsUnauthorized(err error) bool { return err != nil && KindOf(err) == KindUnauthorized }

// Capability is something an exchange account's key may or may not allow.
type Capability string

// The capabilities the sync asks about.
const (
	CapLedger      Capability = "ledger"        // LedgerPage
	CapTrades      Capability = "trades"        // TradePage and ClosedOrderPage
	CapOpenOrders  Capability = "open-orders"   // OpenOrders
	CapBalances    Capability = "balances"      // Balances
	CapDeposits    Capability = "deposits"      // Funding with Kind "deposit"
	CapWithdrawals Capability = "withdrawals"   // Funding with Kind "withdrawal"
	CapExport      Capability = "ledger-export" // RequestLedgerExport and the other export methods
)

// Call names for Exchange.EstimateCalls: one per paged or counted method.
const (
	CallLedgerPage      = "LedgerPage"
	CallTradePage       = "TradePage"
	CallClosedOrderPage = "ClosedOrderPage"
	CallOpenOrders      = "OpenOrders"
	CallBalances        = "Balances"
	CallFunding         = "Funding"
	CallExport          = "Export" // any of the export methods
)

// PageQuery selects one page of a paged history.
type PageQuery struct {
	// Start (exclusive) and End (inclusive) bound the window: an ID of the
	// collection or a Unix time as decimal seconds (see BoundTime); "" means
	// unbounded. For closed orders they are close times, and IDs are not
	// accepted (Kraken resolves an order ID to its opening time).
	Start, End string
	// Offset is the number of items to skip, counted from the newest one in
	// the window.
	Offset int
	// WithoutCount asks the exchange not to count the window (faster; only
	// the first page of a walk needs the count).
	WithoutCount bool
}

// BoundTime returns t as a PageQuery bound: Unix seconds with up to nine
// decimals and no trailing zeros ("1688464484.1787").
func BoundTime(t time.Time) string {
	t = t.UTC()
	sec, ns := t.Unix(), t.Nanosecond()
	b := appendInt(nil, sec)
	if ns != 0 {
		frac := appendInt(nil, int64(ns)+1_000_000_000)[1:] // nine digits, leading zeros kept
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(append(b, '.'), frac...)
	}
	return string(b)
}

func appendInt(b []byte, n int64) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// EntryPage is one page of the ledger, newest first.
type EntryPage struct {
	Entries []Entry
	// Count is the exchange's count of entries in the query's window, valid
	// when HasCount is true (not with WithoutCount).
	Count    int
	HasCount bool
}

// TradePage is one page of trades, newest first, each with the IDs of the
// ledger entries it produced (Trade.LedgerIDs).
type TradePage struct {
	Trades   []Trade
	Count    int
	HasCount bool
}

// OrderPage is one page of closed orders, most recently closed first.
type OrderPage struct {
	Orders   []Order
	Count    int
	HasCount bool
}

// FundingQuery selects deposits or withdrawals.
type FundingQuery struct {
	Kind  string    // "deposit" or "withdrawal"
	Since time.Time // only items at or after Since; zero for all the exchange keeps
}

// ExchangeStats counts what an Exchange's client did so far.
type ExchangeStats struct {
	Calls       int64         // private requests sent, retries included
	Retries     int64         // requests repeated after a failure
	RateLimited int64         // rate-limit errors received despite the client's model
	Waited      time.Duration // time spent waiting for the rate limit or backing off
}

// Exchange is one connected exchange account: the calls the sync makes.
// Implementations are safe for concurrent use; they pace their calls to the
// exchange's rate limit themselves, so a caller never needs to sleep.
type Exchange interface {
	// Name is the exchange's name, e.g. "kraken".
	Name() string

	// LedgerPage returns one page of ledger entries. Entries carry Source
	// SourceAPI, their raw JSON, and Unknown set for type/subtype pairs the
	// connector does not know (they are never dropped). An empty page means
	// the window holds no more entries at q.Offset.
	LedgerPage(ctx context.Context, q PageQuery) (EntryPage, error)

	// TradePage returns one page of trades with their ledger links.
	TradePage(ctx context.Context, q PageQuery) (TradePage, error)

	// ClosedOrderPage returns one page of closed (also canceled and
	// expired) orders, ordered and bounded by close time.
	ClosedOrderPage(ctx context.Context, q PageQuery) (OrderPage, error)

	// OpenOrders returns the complete set of open and pending orders (empty
	// if there are none).
	OpenOrders(ctx context.Context) ([]Order, error)

	// Balances returns the live balance of every asset the exchange lists
	// for the account, with the exchange's own asset codes. Each snapshot's
	// Time is when the answer arrived; AccountID is 0. An account holding
	// nothing gives an empty slice.
	Balances(ctx context.Context) ([]BalanceSnapshot, error)

	// Funding returns the status of recent deposits or withdrawals (as far
	// back as the exchange keeps them), newest first; an empty slice if
	// there are none. KindInvalid for an unknown q.Kind.
	Funding(ctx context.Context, q FundingQuery) ([]Funding, error)

	// Can reports whether the key is believed to allow c: false when it is
	// known to lack the permission. With unknown permissions every
	// capability but CapExport is assumed (the call will tell), and
	// CapExport is not (the export path is only a faster way to the same
	// data, so it is taken only when known to work).
	Can(c Capability) bool

	// Permissions returns the key's permissions in the exchange's words
	// (Kraken: "query-ledger", "export-data", ...), nil when unknown.
	Permissions() []string

	// RequestLedgerExport asks the exchange to prepare a report of the
	// ledger entries with times in [from, to] and returns its ID. It is
	// idempotent per tag: if a report described by tag exists already
	// (queued, processing or processed), its ID is returned instead of
	// requesting a second one, so a caller killed between the request and
	// recording the ID does not leave a duplicate. KindUnauthorized
	// (ErrPermissionDenied) without the export permission.
	RequestLedgerExport(ctx context.Context, from, to time.Time, tag string) (id string, err error)

	// ExportReady reports whether the report has been processed and can be
	// retrieved. KindNotFound if no report has the ID (removed or expired).
	ExportReady(ctx context.Context, id string) (bool, error)

	// RetrieveLedgerExport downloads the processed report and calls fn with
	// its entries in batches (oldest first, in the report's order; at most
	// batch entries each, batch <= 0 meaning a default of a few thousand),
	// with Source SourceExport and asset codes as the API writes them, so
	// an entry from the export and the same entry from LedgerPage carry the
	// same ID and asset. Rows that are not entries yet (a deposit's pending
	// row) are left out. It stops at fn's first error and returns it
	// unchanged. KindNotFound if no report has the ID; KindOther if the
	// file cannot be read (the error names the line and column).
	RetrieveLedgerExport(ctx context.Context, id string, batch int, fn func([]Entry) error) error

	// RemoveExport deletes a processed report or cancels a queued one.
	// KindNotFound if no report has the ID.
	RemoveExport(ctx context.Context, id string) error

	// EstimateCalls returns how long n more calls of the named kind (see
	// CallLedgerPage and the other Call names) must wait for the rate limit
	// if nothing else uses the key, for progress ETAs. Request latency is
	// not included.
	EstimateCalls(call string, n int) time.Duration

	// Stats returns the client's counters so far.
	Stats() ExchangeStats

	// NormalizeAsset splits an asset code into the asset it is a form of and
	// the suffix that marks the form: "XXBT" gives ("BTC", ""), "ZEUR"
	// ("EUR", ""), "XBT.M" ("BTC", ".M"), "DOT.S" ("DOT", ".S"), "ETH2.S"
	// ("ETH", ".S"), "ETH2" ("ETH", "2"), "DOT28.S" ("DOT", "28.S"), "XTZ"
	// ("XTZ", ""), "KFEE" ("KFEE", ""). An unknown code is returned as
	// (code, "").
	NormalizeAsset(code string) (base, suffix string)
}
