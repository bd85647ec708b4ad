package kraken

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const goodLedger = `"refid":"TJKLXF-PGMUI-4NTLXU","time":1688464484.1787,"type":"trade","subtype":"","aclass":"currency","asset":"ZGBP","amount":"-24.5000","fee":"0.0490","balance":"459567.9171"`

// ledgerWith replaces or removes (value "") one field of a good entry.
func ledgerWith(field, value string) string {
	parts := strings.Split(goodLedger, `,"`)
	var out []string
	for i, p := range parts {
		if i > 0 {
			p = `"` + p
		}
		if strings.HasPrefix(p, `"`+field+`":`) {
			if value == "" {
				continue
			}
			p = `"` + field + `":` + value
		}
		out = append(out, p)
	}
	return "{" + strings.Join(out, ",") + "}"
}

func TestMalformedLedgers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		result string
		entry  string
		field  string
		inErr  string
	}{
		{"missing refid", `{"ledger":{"L1":` + ledgerWith("refid", "") + `}}`, "L1", "refid", "missing"},
		{"empty refid", `{"ledger":{"L1":` + ledgerWith("refid", `""`) + `}}`, "L1", "refid", "empty"},
		{"amount abc", `{"ledger":{"L1":` + ledgerWith("amount", `"abc"`) + `}}`, "L1", "amount", `invalid decimal "abc"`},
		{"amount with comma", `{"ledger":{"L1":` + ledgerWith("amount", `"1,5"`) + `}}`, "L1", "amount", "comma"},
		{"amount boolean", `{"ledger":{"L1":` + ledgerWith("amount", `true`) + `}}`, "L1", "amount", "want a decimal, got a boolean"},
		{"fee object", `{"ledger":{"L1":` + ledgerWith("fee", `{}`) + `}}`, "L1", "fee", "object"},
		{"balance null", `{"ledger":{"L1":` + ledgerWith("balance", `null`) + `}}`, "L1", "balance", "null"},
		{"time as string", `{"ledger":{"L1":` + ledgerWith("time", `"1688464484.1787"`) + `}}`, "L1", "time", "string"},
		{"time exponent", `{"ledger":{"L1":` + ledgerWith("time", `1.6884644841787e9`) + `}}`, "L1", "time", "exponent"},
		{"time 10 decimals", `{"ledger":{"L1":` + ledgerWith("time", `1688464484.1234567891`) + `}}`, "L1", "time", "9 decimals"},
		{"time negative", `{"ledger":{"L1":` + ledgerWith("time", `-1`) + `}}`, "L1", "time", "negative"},
		{"type number", `{"ledger":{"L1":` + ledgerWith("type", `5`) + `}}`, "L1", "type", "want a string, got a number 5"},
		{"asset missing", `{"ledger":{"L1":` + ledgerWith("asset", "") + `}}`, "L1", "asset", "missing"},
		{"entry not an object", `{"ledger":{"L1":"oops"}}`, "L1", "", "want an object"},
		{"ledger missing", `{"count":1}`, "", "ledger", "missing"},
		{"ledger a string", `{"ledger":"x"}`, "", "", "want an object keyed by ID"},
		{"count string", `{"ledger":{},"count":"2"}`, "", "count", "non-negative integer"},
		{"result a list", `[1]`, "", "", "want an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":`+tt.result+`}`)))
			_, err := c.Ledgers(context.Background(), nil)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if de.Endpoint != "Ledgers" || de.Entry != tt.entry || de.Field != tt.field {
				t.Errorf("got endpoint %q entry %q field %q; want Ledgers, %q, %q", de.Endpoint, de.Entry, de.Field, tt.entry, tt.field)
			}
			if !strings.Contains(err.Error(), tt.inErr) || !strings.HasPrefix(err.Error(), "kraken: Ledgers: ") {
				t.Errorf("error %q does not start with the endpoint or lacks %q", err, tt.inErr)
			}
			if tt.entry != "" && !strings.Contains(err.Error(), "entry "+tt.entry) {
				t.Errorf("error %q does not name the entry", err)
			}
			if !errors.Is(err, ErrBadResponse) || errors.Is(err, ErrUnavailable) {
				t.Errorf("errors.Is: ErrBadResponse %v, ErrUnavailable %v", errors.Is(err, ErrBadResponse), errors.Is(err, ErrUnavailable))
			}
		})
	}
}

func TestLedgerAcceptsUnknownTypesAndFields(t *testing.T) {
	t.Parallel()
	entry := `{"refid":"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg","time":1700000000,"type":"invite bonus","subtype":"hybridearnwithdrawal","aclass":"currency","asset":"DOT28.S","wallet":"earn / bonded","subclass":"crypto","amount":"1","fee":"0","balance":"1","newfield":{"x":[1,2]}}`
	c, _ := setup(t, serveJSON(t, []byte(`{"error":["WDatabase:No change"],"result":{"ledger":{"LX":`+entry+`},"count":1}}`)))
	p, err := c.Ledgers(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := p.Entries[0]
	if e.Type != "invite bonus" || e.Subtype != "hybridearnwithdrawal" || e.Wallet != "earn / bonded" || e.Time != ts(1700000000, 0) {
		t.Errorf("entry = %+v", e)
	}
	if string(e.Raw) != entry {
		t.Errorf("Raw = %s, want the object as received", e.Raw)
	}
}

func TestEmptyLedgerPageForms(t *testing.T) {
	t.Parallel()
	for _, ledger := range []string{`{}`, `[]`, `null`} {
		c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"ledger":`+ledger+`,"count":0}}`)))
		p, err := c.Ledgers(context.Background(), nil)
		if err != nil || len(p.Entries) != 0 || !p.HasCount {
			t.Errorf("ledger %s: %+v, %v", ledger, p, err)
		}
	}
}

func TestMalformedOtherEndpoints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		result   string
		call     func(c *Client) error
		endpoint string
		entry    string
		field    string
	}{
		{"trade price", `{"trades":{"T1":{"ordertxid":"O1","pair":"XXBTZUSD","time":1.5,"type":"buy","ordertype":"limit","price":"1,5","cost":"1","fee":"0","vol":"1"}}}`,
			func(c *Client) error { _, err := c.TradesHistory(ctx, nil); return err }, "TradesHistory", "T1", "price"},
		{"trade missing pair", `{"trades":{"T1":{"ordertxid":"O1","time":1.5,"type":"buy","ordertype":"limit","price":"1","cost":"1","fee":"0","vol":"1"}}}`,
			func(c *Client) error { _, err := c.TradesHistory(ctx, nil); return err }, "TradesHistory", "T1", "pair"},
		{"trade maker", `{"T1":{"ordertxid":"O1","pair":"P","time":1.5,"type":"buy","ordertype":"limit","price":"1","cost":"1","fee":"0","vol":"1","maker":"yes"}}`,
			func(c *Client) error { _, err := c.QueryTrades(ctx, false, "T1"); return err }, "QueryTrades", "T1", "maker"},
		{"trade ledgers", `{"T1":{"ordertxid":"O1","pair":"P","time":1.5,"type":"buy","ordertype":"limit","price":"1","cost":"1","fee":"0","vol":"1","ledgers":"L1"}}`,
			func(c *Client) error { _, err := c.QueryTrades(ctx, false, "T1"); return err }, "QueryTrades", "T1", "ledgers"},
		{"order vol_exec", `{"closed":{"O1":{"status":"closed","opentm":1,"descr":{"pair":"XBTUSD"},"vol":"1","vol_exec":"abc","cost":"1","fee":"0","price":"1"}},"count":1}`,
			func(c *Client) error { _, err := c.ClosedOrders(ctx, nil); return err }, "ClosedOrders", "O1", "vol_exec"},
		{"order without descr", `{"open":{"O1":{"status":"open","opentm":1,"vol":"1","vol_exec":"0","cost":"0","fee":"0","price":"0"}}}`,
			func(c *Client) error { _, err := c.OpenOrders(ctx, nil); return err }, "OpenOrders", "O1", "descr"},
		{"asset decimals", `{"XXBT":{"aclass":"currency","altname":"XBT","decimals":"ten"}}`,
			func(c *Client) error { _, err := c.Assets(ctx, nil); return err }, "Assets", "XXBT", "decimals"},
		{"pair ordermin", `{"XXBTZUSD":{"altname":"XBTUSD","ordermin":"0,0001"}}`,
			func(c *Client) error { _, err := c.AssetPairs(ctx, nil); return err }, "AssetPairs", "XXBTZUSD", "ordermin"},
		{"balance", `{"ZUSD":"1.0","XXBT":"abc"}`,
			func(c *Client) error { _, err := c.Balance(ctx); return err }, "Balance", "XXBT", ""},
		{"withdrawal amount", `[{"method":"Bitcoin","asset":"XXBT","refid":"R","amount":"x","fee":"0","time":1,"status":"Success"}]`,
			func(c *Client) error { _, err := c.WithdrawStatus(ctx, nil); return err }, "WithdrawStatus", "0", "amount"},
		{"ohlc last", `{"XXBTZUSD":[],"last":"soon"}`,
			func(c *Client) error { _, err := c.OHLC(ctx, "XBTUSD", nil); return err }, "OHLC", "", "last"},
		{"trades row", `{"XXBTZUSD":[["1","2","3.5","b","m",""]],"last":"1"}`,
			func(c *Client) error { _, err := c.Trades(ctx, "XBTUSD", nil); return err }, "Trades", "XXBTZUSD", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":`+tt.result+`}`)))
			err := tt.call(c)
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want *DecodeError", err)
			}
			if de.Endpoint != tt.endpoint || de.Entry != tt.entry || de.Field != tt.field {
				t.Errorf("got %q/%q/%q, want %q/%q/%q (%v)", de.Endpoint, de.Entry, de.Field, tt.endpoint, tt.entry, tt.field, err)
			}
			if !strings.Contains(de.UserMessage(), tt.endpoint) {
				t.Errorf("UserMessage %q", de.UserMessage())
			}
		})
	}
}
