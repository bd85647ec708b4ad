package kraken

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/cointally/cointally/money"
)

// Trade is one of the account's trades (order fills). Amounts use the
// pair's precision. Fee is Kraken's estimate in the quote currency; the
// fee actually charged is in the ledger.
type Trade struct {
	ID        string // trade ID, e.g. "THVRQM-33VKH-UCI7BS"
	OrderTxID string
	PosTxID   string
	Pair      string // pair ID, e.g. "XXBTZUSD"
	Time      Timestamp
	Type      string // "buy" or "sell"
	OrderType string
	Price     money.Amount
	Cost      money.Amount // price × volume, fee excluded
	Fee       money.Amount
	Volume    money.Amount
	Margin    money.Amount
	Leverage  string
	Misc      string
	TradeID   int64
	Maker     bool
	Ledgers   []string // ledger IDs, with the "ledgers" option
	PosStatus string   // for position-opening trades

	Raw json.RawMessage // the trade's JSON object as received
}

type tradeFields struct {
	OrderTxID, PosTxID, Pair, Time, Type, OrderType, Price, Cost, Fee, Vol, Margin, Leverage, Misc, TradeID, Maker, Ledgers, PosStatus json.RawMessage
}

func (f *tradeFields) field(key []byte) *json.RawMessage {
	switch string(key) {
	case "ordertxid":
		return &f.OrderTxID
	case "postxid":
		return &f.PosTxID
	case "pair":
		return &f.Pair
	case "time":
		return &f.Time
	case "type":
		return &f.Type
	case "ordertype":
		return &f.OrderType
	case "price":
		return &f.Price
	case "cost":
		return &f.Cost
	case "fee":
		return &f.Fee
	case "vol":
		return &f.Vol
	case "margin":
		return &f.Margin
	case "leverage":
		return &f.Leverage
	case "misc":
		return &f.Misc
	case "trade_id":
		return &f.TradeID
	case "maker":
		return &f.Maker
	case "ledgers":
		return &f.Ledgers
	case "posstatus":
		return &f.PosStatus
	}
	return nil
}

func decodeTrade(endpoint, id string, raw json.RawMessage) (Trade, error) {
	var f tradeFields
	if err := unmarshalEntry(raw, &f); err != nil {
		return Trade{}, &DecodeError{Endpoint: endpoint, Entry: id, Err: err}
	}
	r := fieldReader{endpoint: endpoint, entry: id}
	t := Trade{
		ID:        id,
		OrderTxID: r.nonEmpty("ordertxid", f.OrderTxID),
		PosTxID:   r.str("postxid", f.PosTxID, false),
		Pair:      r.nonEmpty("pair", f.Pair),
		Time:      r.time("time", f.Time, true),
		Type:      r.nonEmpty("type", f.Type),
		OrderType: r.str("ordertype", f.OrderType, true),
		Price:     r.amount("price", f.Price, true),
		Cost:      r.amount("cost", f.Cost, true),
		Fee:       r.amount("fee", f.Fee, true),
		Volume:    r.amount("vol", f.Vol, true),
		Margin:    r.amount("margin", f.Margin, false),
		Leverage:  r.str("leverage", f.Leverage, false),
		Misc:      r.str("misc", f.Misc, false),
		TradeID:   r.int("trade_id", f.TradeID, false),
		Maker:     r.bool("maker", f.Maker),
		Ledgers:   r.strings("ledgers", f.Ledgers),
		PosStatus: r.str("posstatus", f.PosStatus, false),
		Raw:       bytes.Clone(raw),
	}
	return t, r.err
}

func decodeTradeMap(endpoint string, raw json.RawMessage) ([]Trade, error) {
	m, err := keyedEntries(endpoint, raw)
	if err != nil {
		return nil, err
	}
	out := make([]Trade, 0, len(m))
	for _, kv := range m {
		t, err := decodeTrade(endpoint, kv.key, kv.val)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	sortNewestFirst(out, func(t Trade) (Timestamp, string) { return t.Time, t.ID })
	return out, nil
}

// TradesPage is one page of TradesHistory: up to 50 trades, newest first.
type TradesPage struct {
	Trades []Trade
	// Count is the number of matching trades Kraken reported with this
	// page; it may change between pages. HasCount is false when Kraken
	// sent none (WithoutCount, or examples that omit it).
	Count    int
	HasCount bool
}

func (p *TradesPage) decodeResult(endpoint string, raw []byte) (err error) {
	p.Trades, p.Count, p.HasCount, err = decodePage(endpoint, raw, "trades", decodeTradeMap)
	return err
}

// TradesHistoryOptions are the parameters of TradesHistory.
type TradesHistoryOptions struct {
	Type         string // "all" (default), "any position", "closed position", "closing position", "no position"
	Trades       bool   // include trades related to position in output
	Start        Bound  // exclusive
	End          Bound  // inclusive
	Offset       int
	WithoutCount bool
	// ConsolidateTaker merges taker fills of one order (Kraken's default
	// is true); nil leaves the default.
	ConsolidateTaker *bool
	Ledgers          bool // include the ledger IDs of each trade (slower)
}

func (o *TradesHistoryOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	setIf(v, "type", o.Type)
	if o.Trades {
		v.Set("trades", "true")
	}
	setIf(v, "start", o.Start.String())
	setIf(v, "end", o.End.String())
	if o.Offset > 0 {
		v.Set("ofs", strconv.Itoa(o.Offset))
	}
	if o.WithoutCount {
		v.Set("without_count", "true")
	}
	if o.ConsolidateTaker != nil {
		v.Set("consolidate_taker", strconv.FormatBool(*o.ConsolidateTaker))
	}
	if o.Ledgers {
		v.Set("ledgers", "true")
	}
	return v
}

// TradesHistory returns one page (up to 50 trades, newest first) of the
// account's trades. Use TradesPager to walk all of them. Needs "Query
// Closed Orders & Trades"; costs DefaultHeavyCost counter points.
func (c *Client) TradesHistory(ctx context.Context, opts *TradesHistoryOptions) (*TradesPage, error) {
	var p TradesPage
	if err := c.do(ctx, "POST", "/0/private/TradesHistory", opts.values(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// QueryTrades returns the trades with the given IDs (at most 20 per call),
// newest first. With trades set, position trades list related trades.
func (c *Client) QueryTrades(ctx context.Context, trades bool, txids ...string) ([]Trade, error) {
	return queryByID(ctx, c, "QueryTrades", "txid", "trade", 20, txids, trades, decodeTradeMap)
}
