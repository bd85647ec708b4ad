package kraken_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
)

// readTrades reads every trade of a trades CSV.
func readTrades(t *testing.T, data []byte) ([]cointally.Trade, *kraken.TradeCSVReader) {
	t.Helper()
	tr, err := kraken.NewTradeCSVReader(bytes.NewReader(data), kraken.TradeCSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []cointally.Trade
	for {
		tt, err := tr.Read()
		if errors.Is(err, io.EOF) {
			return out, tr
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tt)
	}
}

// TestTradeCSVGenerations writes the trades of a krakensim account in both
// header generations, reads them back and checks them against the same
// account's TradesHistory (with ledger links).
func TestTradeCSVGenerations(t *testing.T) {
	t.Parallel()
	env := newSimEnv(t, 600)
	c := env.client(t, "ro", secretB)
	var api []kraken.Trade
	for page, err := range c.TradesPager(&kraken.TradesHistoryOptions{Ledgers: true}).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		api = append(api, page...)
	}
	byID := map[string]cointally.Trade{}
	for i := range api {
		byID[api[i].ID] = kraken.TradeOf(&api[i])
	}
	acct := env.sim.Account("alice")
	for _, tt := range []struct {
		gen  krakensim.TradesCSVGen
		want kraken.TradeCSVGeneration
	}{
		{krakensim.TradesCSVClassic, kraken.TradeCSVClassic},
		{krakensim.TradesCSVNew, kraken.TradeCSVNew},
	} {
		t.Run(tt.want.String(), func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			acct.Mu.RLock()
			err := krakensim.WriteTradesCSV(&buf, acct, tt.gen, zeroTime, zeroTime)
			acct.Mu.RUnlock()
			if err != nil {
				t.Fatal(err)
			}
			got, tr := readTrades(t, buf.Bytes())
			if tr.Generation() != tt.want || tr.Rows() != len(got) {
				t.Errorf("generation %v, rows %d; want %v, %d", tr.Generation(), tr.Rows(), tt.want, len(got))
			}
			if len(got) != len(api) || len(got) == 0 {
				t.Fatalf("read %d trades, the API has %d", len(got), len(api))
			}
			for _, g := range got {
				w, ok := byID[g.ID]
				if !ok {
					t.Fatalf("trade %s is not in TradesHistory", g.ID)
				}
				pairOK := g.Pair == w.Pair
				if tt.gen == krakensim.TradesCSVNew {
					pairOK = strings.Contains(g.Pair, "/")
				}
				if !pairOK || g.OrderID != w.OrderID || !g.Time.Equal(w.Time) || g.Side != w.Side || g.OrderType != w.OrderType ||
					!g.Price.Equal(w.Price) || !g.Volume.Equal(w.Volume) || !g.Cost.Equal(w.Cost) || !g.Fee.Equal(w.Fee) ||
					!slices.Equal(g.LedgerIDs, w.LedgerIDs) || !bytes.HasPrefix(g.Raw, []byte(`{"txid":"`+g.ID+`"`)) {
					t.Fatalf("trade differs:\n csv %+v\n api %+v", g, w)
				}
			}
		})
	}
}

func TestTradeCSVErrors(t *testing.T) {
	t.Parallel()
	const head = "txid,ordertxid,pair,time,type,ordertype,price,cost,fee,vol,margin,misc,ledgers\n"
	const row = `T1,O1,XXBTZEUR,2024-03-19 19:43:31.6798,buy,limit,60000.0,600.00,1.56,0.01,0,,"L1,L2"` + "\n"
	tests := []struct {
		name   string
		data   string
		line   int
		column string
		text   string
	}{
		{"not trades", "txid,refid,time\n", 1, "", `not a Kraken trades export: the header lacks "pair"`},
		{"side", head + "T1,O1,XXBTZEUR,2024-03-19 19:43:31,hold,limit,1,1,0,1,0,,L1\n", 2, "type", "buy"},
		{"thousands", head + row + `T2,O1,XXBTZEUR,2024-03-19 19:43:31,buy,limit,"60,000.0",600,1,0.01,0,,L3` + "\n", 3, "price", "thousands separator"},
		{"date", head + "T1,O1,XXBTZEUR,19.03.2024 19:43,buy,limit,1,1,0,1,0,,L1\n", 2, "time", "spreadsheet"},
		{"no id", head + ",O1,XXBTZEUR,2024-03-19 19:43:31,buy,limit,1,1,0,1,0,,L1\n", 2, "txid", "empty"},
		{"truncated", head + row + `T2,O1,XXBTZEUR,2024-03-19 19:43:31,buy,limit,600`, 3, "", "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tr, err := kraken.NewTradeCSVReader(strings.NewReader(tt.data), kraken.TradeCSVOptions{})
			for err == nil {
				_, err = tr.Read()
			}
			ce := csvErr(t, err)
			if ce.Line != tt.line || ce.Column != tt.column || !strings.Contains(ce.Error(), tt.text) ||
				!strings.HasPrefix(ce.Error(), "trades CSV: ") {
				t.Errorf("got line %d column %q: %v; want line %d column %q containing %q",
					ce.Line, ce.Column, ce, tt.line, tt.column, tt.text)
			}
		})
	}
	got, _ := readTrades(t, []byte(head+row))
	if len(got) != 1 || !slices.Equal(got[0].LedgerIDs, []string{"L1", "L2"}) || got[0].Time.Nanosecond() != 679800000 {
		t.Errorf("trade = %+v", got)
	}
}
