package kraken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cointally/cointally/money"
)

// LedgerEntry is one ledger entry: a single change of one asset's balance
// (REFERENCE §11). Type and Subtype are kept as Kraken sends them; new
// values appear every year and are never refused.
type LedgerEntry struct {
	ID      string // ledger ID, e.g. "L4UESK-KG3EQ-UFO4T5"
	RefID   string // ID of the causing transaction (trade, deposit, ...)
	Time    Timestamp
	Type    string // "trade", "deposit", "earn", "invite bonus", ...
	Subtype string // often ""
	AClass  string // "currency", "tokenized_asset"
	Asset   string // Kraken asset ID, e.g. "XXBT", "ZGBP", "DOT.S"
	Wallet  string // sent by some API versions ("spot / main"); "" if absent
	Amount  money.Amount
	Fee     money.Amount
	Balance money.Amount

	// Raw is the entry's JSON object exactly as received, so the store can
	// keep it and a later version can re-derive fields from it.
	Raw json.RawMessage
}

// ledgerFields are the JSON fields of a ledger entry, undecoded.
type ledgerFields struct {
	RefID, Time, Type, Subtype, AClass, Asset, Wallet, Amount, Fee, Balance json.RawMessage
}

func (f *ledgerFields) field(key []byte) *json.RawMessage {
	switch string(key) {
	case "refid":
		return &f.RefID
	case "time":
		return &f.Time
	case "type":
		return &f.Type
	case "subtype":
		return &f.Subtype
	case "aclass":
		return &f.AClass
	case "asset":
		return &f.Asset
	case "wallet":
		return &f.Wallet
	case "amount":
		return &f.Amount
	case "fee":
		return &f.Fee
	case "balance":
		return &f.Balance
	}
	return nil
}

func decodeLedgerEntry(endpoint, id string, raw json.RawMessage) (LedgerEntry, error) {
	var f ledgerFields
	if err := unmarshalEntry(raw, &f); err != nil {
		return LedgerEntry{}, &DecodeError{Endpoint: endpoint, Entry: id, Err: err}
	}
	r := fieldReader{endpoint: endpoint, entry: id}
	e := LedgerEntry{
		ID:      id,
		RefID:   r.nonEmpty("refid", f.RefID),
		Time:    r.time("time", f.Time, true),
		Type:    r.nonEmpty("type", f.Type),
		Subtype: r.str("subtype", f.Subtype, false),
		AClass:  r.str("aclass", f.AClass, false),
		Asset:   r.nonEmpty("asset", f.Asset),
		Wallet:  r.str("wallet", f.Wallet, false),
		Amount:  r.amount("amount", f.Amount, true),
		Fee:     r.amount("fee", f.Fee, true),
		Balance: r.amount("balance", f.Balance, true),
		Raw:     bytes.Clone(raw),
	}
	return e, r.err
}

// fieldSet is the undecoded fields of one kind of entry.
type fieldSet interface {
	field(key []byte) *json.RawMessage // nil for keys not used
}

// unmarshalEntry splits an entry object into its raw fields, refusing
// anything but an object. Unknown keys are ignored.
func unmarshalEntry(raw json.RawMessage, fields fieldSet) error {
	return eachMember(raw, func(key []byte, val json.RawMessage) error {
		if p := fields.field(key); p != nil {
			*p = val
		}
		return nil
	})
}

// decodeLedgerMap decodes {ledger_id: entry, ...}, newest first.
func decodeLedgerMap(endpoint string, raw json.RawMessage) ([]LedgerEntry, error) {
	m, err := keyedEntries(endpoint, raw)
	if err != nil {
		return nil, err
	}
	out := make([]LedgerEntry, 0, len(m))
	for _, kv := range m {
		e, err := decodeLedgerEntry(endpoint, kv.key, kv.val)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	sortNewestFirst(out, func(e LedgerEntry) (Timestamp, string) { return e.Time, e.ID })
	return out, nil
}

// sortNewestFirst orders entries as Kraken emits them: newest first, ties
// by descending ID, so the order is deterministic.
func sortNewestFirst[T any](s []T, key func(T) (Timestamp, string)) {
	slices.SortStableFunc(s, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return strings.Compare(ib, ia)
	})
}

// LedgersPage is one page of Ledgers: up to 50 entries, newest first.
type LedgersPage struct {
	Entries []LedgerEntry
	// Count is the number of entries matching the query as Kraken reported
	// it with this page. It may change between pages and may over-state
	// what can be fetched; HasCount is false when WithoutCount was set.
	Count    int
	HasCount bool
}

func (p *LedgersPage) decodeResult(endpoint string, raw []byte) (err error) {
	p.Entries, p.Count, p.HasCount, err = decodePage(endpoint, raw, "ledger", decodeLedgerMap)
	return err
}

func decodeCount(endpoint string, raw json.RawMessage) (int, bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		return 0, false, &DecodeError{Endpoint: endpoint, Field: "count", Err: errors.New("want a non-negative integer, got " + jsonKind(raw))}
	}
	return n, true, nil
}

// LedgersOptions are the parameters of Ledgers. The zero value asks for the
// newest 50 entries of all assets and types.
type LedgersOptions struct {
	Assets       []string // asset IDs; empty means all
	AClass       string   // "currency" (default) or "tokenized_asset"
	Type         string   // "all" (default), "trade", "deposit", ...
	Start        Bound    // exclusive
	End          Bound    // inclusive
	Offset       int      // ofs: entries to skip, newest first
	WithoutCount bool     // skip counting (faster); Count is then not reported
}

func (o *LedgersOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if len(o.Assets) > 0 {
		v.Set("asset", strings.Join(o.Assets, ","))
	}
	setIf(v, "aclass", o.AClass)
	setIf(v, "type", o.Type)
	setIf(v, "start", o.Start.String())
	setIf(v, "end", o.End.String())
	if o.Offset > 0 {
		v.Set("ofs", strconv.Itoa(o.Offset))
	}
	if o.WithoutCount {
		v.Set("without_count", "true")
	}
	return v
}

func setIf(v url.Values, key, value string) {
	if value != "" {
		v.Set(key, value)
	}
}

// Ledgers returns one page (up to 50 entries, newest first) of the ledger.
// Use LedgersPager to walk the whole history. Needs the "Query Ledger
// Entries" permission; costs DefaultHeavyCost counter points.
func (c *Client) Ledgers(ctx context.Context, opts *LedgersOptions) (*LedgersPage, error) {
	var p LedgersPage
	if err := c.do(ctx, "POST", "/0/private/Ledgers", opts.values(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// QueryLedgers returns the ledger entries with the given IDs (at most 20
// per call, as Kraken allows), newest first.
func (c *Client) QueryLedgers(ctx context.Context, ids ...string) ([]LedgerEntry, error) {
	return queryByID(ctx, c, "QueryLedgers", "id", "ledger", 20, ids, false, decodeLedgerMap)
}
