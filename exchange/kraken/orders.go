package kraken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/cointally/cointally/money"
)

// Order is an open or closed order.
type Order struct {
	ID          string // order ID, e.g. "OQCLML-BW3P3-BUCMWZ"
	RefID       string // referral order ID; "" for null
	UserRef     int64  // 0 for null
	ClOrdID     string
	Status      string // "pending", "open", "closed", "canceled", "expired"
	Reason      string // why it closed; "" for null
	OpenTime    Timestamp
	CloseTime   Timestamp // zero while open
	StartTime   Timestamp // zero if unset
	ExpireTime  Timestamp // zero if unset
	Descr       OrderDescr
	Volume      money.Amount
	VolumeExec  money.Amount
	Cost        money.Amount
	Fee         money.Amount
	Price       money.Amount // average fill price
	StopPrice   money.Amount
	LimitPrice  money.Amount
	Trigger     string
	Margin      bool
	Misc        string
	OFlags      string
	Trades      []string // with the Trades option
	SenderSubID string

	Raw json.RawMessage // the order's JSON object as received
}

// OrderDescr is an order's description. Prices are kept as text because
// they may be relative ("+5.0%", "#10").
type OrderDescr struct {
	Pair      string `json:"pair"` // altname, e.g. "XBTUSD"
	Type      string `json:"type"`
	OrderType string `json:"ordertype"`
	Price     string `json:"price"`
	Price2    string `json:"price2"`
	Leverage  string `json:"leverage"`
	Order     string `json:"order"`
	Close     string `json:"close"`
}

type orderFields struct {
	RefID, UserRef, ClOrdID, Status, Reason, OpenTm, CloseTm, StartTm, ExpireTm, Descr, Vol, VolExec, Cost, Fee, Price, StopPrice, LimitPrice, Trigger, Margin, Misc, OFlags, Trades, SenderSubID json.RawMessage
}

func (f *orderFields) field(key []byte) *json.RawMessage {
	switch string(key) {
	case "refid":
		return &f.RefID
	case "userref":
		return &f.UserRef
	case "cl_ord_id":
		return &f.ClOrdID
	case "status":
		return &f.Status
	case "reason":
		return &f.Reason
	case "opentm":
		return &f.OpenTm
	case "closetm":
		return &f.CloseTm
	case "starttm":
		return &f.StartTm
	case "expiretm":
		return &f.ExpireTm
	case "descr":
		return &f.Descr
	case "vol":
		return &f.Vol
	case "vol_exec":
		return &f.VolExec
	case "cost":
		return &f.Cost
	case "fee":
		return &f.Fee
	case "price":
		return &f.Price
	case "stopprice":
		return &f.StopPrice
	case "limitprice":
		return &f.LimitPrice
	case "trigger":
		return &f.Trigger
	case "margin":
		return &f.Margin
	case "misc":
		return &f.Misc
	case "oflags":
		return &f.OFlags
	case "trades":
		return &f.Trades
	case "sender_sub_id":
		return &f.SenderSubID
	}
	return nil
}

func decodeOrder(endpoint, id string, raw json.RawMessage) (Order, error) {
	var f orderFields
	if err := unmarshalEntry(raw, &f); err != nil {
		return Order{}, &DecodeError{Endpoint: endpoint, Entry: id, Err: err}
	}
	r := fieldReader{endpoint: endpoint, entry: id}
	o := Order{
		ID:          id,
		RefID:       r.str("refid", f.RefID, false),
		UserRef:     r.int("userref", f.UserRef, false),
		ClOrdID:     r.str("cl_ord_id", f.ClOrdID, false),
		Status:      r.nonEmpty("status", f.Status),
		Reason:      r.str("reason", f.Reason, false),
		OpenTime:    r.time("opentm", f.OpenTm, true),
		CloseTime:   r.time("closetm", f.CloseTm, false),
		StartTime:   r.time("starttm", f.StartTm, false),
		ExpireTime:  r.time("expiretm", f.ExpireTm, false),
		Volume:      r.amount("vol", f.Vol, true),
		VolumeExec:  r.amount("vol_exec", f.VolExec, true),
		Cost:        r.amount("cost", f.Cost, true),
		Fee:         r.amount("fee", f.Fee, true),
		Price:       r.amount("price", f.Price, true),
		StopPrice:   r.amount("stopprice", f.StopPrice, false),
		LimitPrice:  r.amount("limitprice", f.LimitPrice, false),
		Trigger:     r.str("trigger", f.Trigger, false),
		Margin:      r.bool("margin", f.Margin),
		Misc:        r.str("misc", f.Misc, false),
		OFlags:      r.str("oflags", f.OFlags, false),
		Trades:      r.strings("trades", f.Trades),
		SenderSubID: r.str("sender_sub_id", f.SenderSubID, false),
		Raw:         bytes.Clone(raw),
	}
	if r.present("descr", f.Descr, true) {
		if f.Descr[0] != '{' {
			r.fail("descr", errors.New("want an object, got "+jsonKind(f.Descr)))
		} else if err := json.Unmarshal(f.Descr, &o.Descr); err != nil {
			r.fail("descr", err)
		}
	}
	return o, r.err
}

func decodeOrderMap(endpoint string, raw json.RawMessage) ([]Order, error) {
	m, err := keyedEntries(endpoint, raw)
	if err != nil {
		return nil, err
	}
	out := make([]Order, 0, len(m))
	for _, kv := range m {
		o, err := decodeOrder(endpoint, kv.key, kv.val)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	sortNewestFirst(out, func(o Order) (Timestamp, string) { return o.sortTime(), o.ID })
	return out, nil
}

// sortTime is the close time of a closed order, else the open time.
func (o Order) sortTime() Timestamp {
	if !o.CloseTime.IsZero() {
		return o.CloseTime
	}
	return o.OpenTime
}

// OpenOrdersOptions are the parameters of OpenOrders.
type OpenOrdersOptions struct {
	Trades  bool   // include the trade IDs of each order
	UserRef *int32 // only orders with this user reference
	ClOrdID string // only the order with this client order ID
}

type openOrdersResult struct{ orders []Order }

func (r *openOrdersResult) decodeResult(endpoint string, raw []byte) error {
	v, err := pick(raw, "open")
	if err != nil {
		return &DecodeError{Endpoint: endpoint, Err: err}
	}
	if v[0] == nil {
		return &DecodeError{Endpoint: endpoint, Field: "open", Err: errMissing}
	}
	r.orders, err = decodeOrderMap(endpoint, v[0])
	return err
}

// OpenOrders returns the account's open orders, newest first. Needs "Query
// Open Orders & Trades".
func (c *Client) OpenOrders(ctx context.Context, opts *OpenOrdersOptions) ([]Order, error) {
	v := url.Values{}
	if opts != nil {
		if opts.Trades {
			v.Set("trades", "true")
		}
		if opts.UserRef != nil {
			v.Set("userref", strconv.Itoa(int(*opts.UserRef)))
		}
		setIf(v, "cl_ord_id", opts.ClOrdID)
	}
	var r openOrdersResult
	if err := c.do(ctx, "POST", "/0/private/OpenOrders", v, &r); err != nil {
		return nil, err
	}
	return r.orders, nil
}

// ClosedOrdersPage is one page of ClosedOrders: up to 50 orders, most
// recently closed first.
type ClosedOrdersPage struct {
	Orders []Order
	// Count is Kraken's count of matching orders with this page; it may
	// change between pages.
	Count    int
	HasCount bool
}

func (p *ClosedOrdersPage) decodeResult(endpoint string, raw []byte) (err error) {
	p.Orders, p.Count, p.HasCount, err = decodePage(endpoint, raw, "closed", decodeOrderMap)
	return err
}

// ClosedOrdersOptions are the parameters of ClosedOrders.
type ClosedOrdersOptions struct {
	Trades    bool
	UserRef   *int32
	ClOrdID   string
	Start     Bound  // exclusive; an order ID stands for its open time
	End       Bound  // inclusive
	Offset    int    // ofs
	CloseTime string // "open", "close" or "both" (default)
	// ConsolidateTaker merges taker fills (Kraken's default true); nil
	// leaves the default.
	ConsolidateTaker *bool
	WithoutCount     bool
}

func (o *ClosedOrdersOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.Trades {
		v.Set("trades", "true")
	}
	if o.UserRef != nil {
		v.Set("userref", strconv.Itoa(int(*o.UserRef)))
	}
	setIf(v, "cl_ord_id", o.ClOrdID)
	setIf(v, "start", o.Start.String())
	setIf(v, "end", o.End.String())
	if o.Offset > 0 {
		v.Set("ofs", strconv.Itoa(o.Offset))
	}
	setIf(v, "closetime", o.CloseTime)
	if o.ConsolidateTaker != nil {
		v.Set("consolidate_taker", strconv.FormatBool(*o.ConsolidateTaker))
	}
	if o.WithoutCount {
		v.Set("without_count", "true")
	}
	return v
}

// ClosedOrders returns one page of closed orders (50, most recent first).
// Use ClosedOrdersPager to walk all of them. Needs "Query Closed Orders &
// Trades"; costs DefaultHeavyCost counter points.
func (c *Client) ClosedOrders(ctx context.Context, opts *ClosedOrdersOptions) (*ClosedOrdersPage, error) {
	var p ClosedOrdersPage
	if err := c.do(ctx, "POST", "/0/private/ClosedOrders", opts.values(), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// QueryOrders returns the orders with the given IDs (at most 50), newest
// first. With trades set, each order lists its trade IDs.
func (c *Client) QueryOrders(ctx context.Context, trades bool, txids ...string) ([]Order, error) {
	return queryByID(ctx, c, "QueryOrders", "txid", "order", 50, txids, trades, decodeOrderMap)
}

// OrderRequest describes an order for AddOrder. cointally only ever sends
// it with Validate set, to probe whether a key can trade.
type OrderRequest struct {
	Pair      string       // e.g. "XBTUSD"
	Type      string       // "buy" or "sell"
	OrderType string       // "market", "limit", ...
	Volume    money.Amount // in the base asset
	Price     string       // may be relative, e.g. "+1.5%"
	Price2    string
	Leverage  string
	OFlags    []string // "post", "fcib", "fciq", "nompp", "viqc"
	UserRef   int32
	ClOrdID   string
	// Validate asks Kraken to check the order without placing it.
	Validate bool
}

// AddOrderResult is AddOrder's result. TxIDs is empty for a validated
// order.
type AddOrderResult struct {
	Descr struct {
		Order string `json:"order"`
		Close string `json:"close"`
	} `json:"descr"`
	TxIDs []string `json:"txid"`
}

// AddOrder places (or, with Validate, only checks) an order. A call that
// may have reached Kraken is not retried after a transport failure unless
// Validate is set. Needs "Create & Modify Orders".
func (c *Client) AddOrder(ctx context.Context, o OrderRequest) (*AddOrderResult, error) {
	if o.Pair == "" || o.Type == "" || o.OrderType == "" {
		return nil, errors.New("kraken: AddOrder: pair, type and order type are required")
	}
	v := url.Values{
		"pair":      {o.Pair},
		"type":      {o.Type},
		"ordertype": {o.OrderType},
		"volume":    {o.Volume.String()},
	}
	setIf(v, "price", o.Price)
	setIf(v, "price2", o.Price2)
	setIf(v, "leverage", o.Leverage)
	if len(o.OFlags) > 0 {
		v.Set("oflags", strings.Join(o.OFlags, ","))
	}
	if o.UserRef != 0 {
		v.Set("userref", strconv.Itoa(int(o.UserRef)))
	}
	setIf(v, "cl_ord_id", o.ClOrdID)
	if o.Validate {
		v.Set("validate", "true")
	}
	var r AddOrderResult
	if err := c.do(ctx, "POST", "/0/private/AddOrder", v, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
