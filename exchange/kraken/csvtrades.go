package kraken

import (
	"errors"
	"io"
	"strings"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// This file reads Kraken's trades CSV (History → Export → Trades,
// REFERENCE §15.2) into cointally.Trade, with the ledger IDs each fill
// produced. Like the ledgers reader it finds columns by header name, so
// both header generations are read, and it shares that reader's errors,
// time forms and number rules (csvledger.go, csvfile.go).

// TradeCSVGeneration is a generation of the trades CSV header.
type TradeCSVGeneration int

// The trades CSV header generations.
const (
	// TradeCSVClassic: txid, ordertxid, pair, time, type, ordertype,
	// price, cost, fee, vol, margin, misc, ledgers; pairs as pair IDs
	// ("XXBTZEUR").
	TradeCSVClassic TradeCSVGeneration = iota + 1
	// TradeCSVNew adds aclass and subclass and the position columns
	// (postxid or posttxid, posstatus, cprice, ..., net, trades); pairs
	// written "BTC/EUR".
	TradeCSVNew
)

func (g TradeCSVGeneration) String() string {
	switch g {
	case TradeCSVClassic:
		return "classic"
	case TradeCSVNew:
		return "new (with aclass and position columns)"
	}
	return "unknown"
}

// requiredTradeColumns must be in every generation's header.
var requiredTradeColumns = []string{"txid", "pair", "time", "type", "price", "cost", "fee", "vol"}

// newTradeColumns mark the newer header.
var newTradeColumns = []string{"aclass", "subclass", "postxid", "posttxid", "posstatus", "posstatuscode", "cprice", "net", "trades"}

const tradeHeaderExample = `"txid","ordertxid","pair","time","type","ordertype","price","cost","fee","vol","margin","misc","ledgers"`

// TradeCSVOptions change how a TradeCSVReader reads. The zero value reads
// a comma-separated file.
type TradeCSVOptions struct {
	// Comma is the field separator (default ','; '\t' for TSV reports).
	Comma rune
}

type tradeColumns struct {
	txid, ordertxid, pair, time, typ, ordertype, price, cost, fee, vol, ledgers int
}

// TradeCSVReader reads trades from a Kraken trades CSV, one per Read,
// streaming.
//
// Each trade has its ID (txid), order ID, pair as the file writes it
// ("XXBTZEUR" in classic files, "BTC/EUR" in newer ones: a trade's assets
// are known exactly from its ledger entries), a UTC time, side ("buy" or
// "sell", from the type column), order type, exact price, volume, cost
// (price × volume, fee excluded) and fee, the ledger IDs of the "ledgers"
// column (comma-separated inside one field) and Raw, the row as a JSON
// object of header name to text.
type TradeCSVReader struct {
	rows   *csvRows
	gen    TradeCSVGeneration
	col    tradeColumns
	trades int
}

// NewTradeCSVReader reads the header of a trades CSV from r and returns a
// reader positioned at the first row. The error is a *CSVError if the
// header lacks a required column (it names them) or cannot be read.
func NewTradeCSVReader(r io.Reader, opts TradeCSVOptions) (*TradeCSVReader, error) {
	rows, err := newCSVRows(r, opts.Comma, "trades", requiredTradeColumns, tradeHeaderExample)
	if err != nil {
		return nil, err
	}
	tr := &TradeCSVReader{rows: rows, gen: TradeCSVClassic}
	at := rows.col
	tr.col = tradeColumns{
		txid: at("txid"), ordertxid: at("ordertxid"), pair: at("pair"), time: at("time"), typ: at("type"),
		ordertype: at("ordertype"), price: at("price"), cost: at("cost"), fee: at("fee"), vol: at("vol"),
		ledgers: at("ledgers"),
	}
	if tr.col.ordertype < 0 {
		tr.col.ordertype = at("order-type")
	}
	for _, c := range newTradeColumns {
		if at(c) >= 0 {
			tr.gen = TradeCSVNew
			break
		}
	}
	return tr, nil
}

// Generation returns the header generation of the file.
func (tr *TradeCSVReader) Generation() TradeCSVGeneration { return tr.gen }

// Line returns the line number of the row last read (1 after the header).
func (tr *TradeCSVReader) Line() int { return tr.rows.line }

// Rows returns how many trades Read returned so far.
func (tr *TradeCSVReader) Rows() int { return tr.trades }

// Read returns the next trade. At the end of the file it returns io.EOF; a
// row that cannot be read gives a *CSVError naming the line and column,
// after which reading may continue with the next row (unless the error's
// Fatal is set).
func (tr *TradeCSVReader) Read() (cointally.Trade, error) {
	rec, err := tr.rows.next()
	if err != nil {
		return cointally.Trade{}, err
	}
	t, err := tr.trade(rec)
	if err != nil {
		return cointally.Trade{}, err
	}
	tr.trades++
	return t, nil
}

func (tr *TradeCSVReader) trade(rec []string) (cointally.Trade, error) {
	c := &tr.col
	rows := tr.rows
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return rec[i]
	}
	t := cointally.Trade{
		ID:        rec[c.txid],
		OrderID:   get(c.ordertxid),
		Pair:      rec[c.pair],
		Side:      strings.ToLower(strings.TrimSpace(rec[c.typ])),
		OrderType: get(c.ordertype),
	}
	for _, f := range [...]struct{ name, v string }{
		{"txid", t.ID}, {"ordertxid", t.OrderID}, {"pair", t.Pair}, {"ordertype", t.OrderType},
	} {
		if err := rows.text(f.name, f.v); err != nil {
			return t, err
		}
	}
	switch {
	case t.ID == "":
		return t, rows.fieldErr("txid", "", errors.New("empty: every trade has an ID"))
	case t.Pair == "":
		return t, rows.fieldErr("pair", "", errors.New("empty"))
	case t.Side != "buy" && t.Side != "sell":
		return t, rows.fieldErr("type", rec[c.typ], errors.New(`want "buy" or "sell"`))
	}
	tm, err := parseCSVTime(rec[c.time])
	if err != nil {
		return t, rows.fieldErr("time", rec[c.time], err)
	}
	t.Time = tm
	for _, f := range [...]struct {
		name string
		i    int
		dst  *money.Amount
	}{{"price", c.price, &t.Price}, {"cost", c.cost, &t.Cost}, {"fee", c.fee, &t.Fee}, {"vol", c.vol, &t.Volume}} {
		if *f.dst, err = parseCSVAmount(rec[f.i]); err != nil {
			return t, rows.fieldErr(f.name, rec[f.i], err)
		}
	}
	if s := get(c.ledgers); strings.TrimSpace(s) != "" {
		for id := range strings.SplitSeq(s, ",") {
			id = strings.TrimSpace(id)
			if id == "" {
				continue
			}
			if err := rows.text("ledgers", id); err != nil {
				return t, err
			}
			t.LedgerIDs = append(t.LedgerIDs, id)
		}
	}
	t.Raw = rows.rawJSON(rec)
	return t, nil
}
