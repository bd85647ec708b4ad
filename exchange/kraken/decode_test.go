package kraken

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally/money"
)

// exampleClient serves the example file for every request.
func exampleClient(t *testing.T, file string) *Client {
	t.Helper()
	c, _ := setup(t, serveJSON(t, example(t, file)))
	return c
}

func amt(s string) money.Amount { return money.MustParse(s) }

// wantAmount fails unless got is exactly want, including its digits.
func wantAmount(t *testing.T, what string, got money.Amount, want string) {
	t.Helper()
	if !got.Equal(amt(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func ts(sec int64, nsec int32) Timestamp { return Timestamp{Sec: sec, Nsec: nsec} }

func TestExamplesPublic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Time", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "time.json").Time(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Time.Unix() != 1688669448 || r.RFC1123 != "Thu, 06 Jul 23 18:50:48 +0000" {
			t.Errorf("Time = %+v", r)
		}
	})
	t.Run("SystemStatus", func(t *testing.T) {
		t.Parallel()
		for file, want := range map[string]time.Time{
			"system-status.json":               time.Date(2023, 7, 6, 18, 52, 0, 0, time.UTC),
			"intro-success-system-status.json": time.Date(2021, 3, 22, 17, 18, 3, 0, time.UTC),
		} {
			r, err := exampleClient(t, file).SystemStatus(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != "online" || !r.Timestamp.Equal(want) {
				t.Errorf("%s: %+v", file, r)
			}
		}
	})
	t.Run("Assets", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "assets.json").Assets(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		x := r["XXBT"]
		if len(r) != 3 || x.Altname != "XBT" || x.Decimals != 10 || x.DisplayDecimals != 5 || x.Status != "enabled" || x.CollateralValue == nil {
			t.Fatalf("Assets = %+v", r)
		}
		wantAmount(t, "collateral_value", *x.CollateralValue, "1")
	})
	t.Run("Assets captured", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "captured/Assets_response_2022-06.json").Assets(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 201 || r["ADA"].CollateralValue == nil || r["ADA.S"].CollateralValue != nil {
			t.Fatalf("got %d assets, ADA %+v", len(r), r["ADA"])
		}
		wantAmount(t, "ADA collateral", *r["ADA"].CollateralValue, "0.9")
	})
	t.Run("AssetPairs", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "asset-pairs.json").AssetPairs(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := r["XXBTZUSD"]
		if p.Altname != "XBTUSD" || p.Base != "XXBT" || p.Quote != "ZUSD" || p.PairDecimals != 1 || len(p.Fees) != 9 ||
			!reflect.DeepEqual(p.LeverageBuy, []int{2, 3, 4, 5}) || p.LongPositionLimit != 250 {
			t.Fatalf("XXBTZUSD = %+v", p)
		}
		wantAmount(t, "fees[1].volume", p.Fees[1].Volume, "50000")
		wantAmount(t, "fees[1].percent", p.Fees[1].Percent, "0.24")
		wantAmount(t, "fees_maker[8].percent", p.FeesMaker[8].Percent, "0")
		wantAmount(t, "costmin", p.CostMin, "0.5")
		wantAmount(t, "ETHXBT tick_size", r["XETHXXBT"].TickSize, "0.00001")
	})
	t.Run("AssetPairs captured", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "captured/AssetPairs_response_2021-12.json").AssetPairs(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 402 || r["1INCHEUR"].WSName != "1INCH/EUR" {
			t.Errorf("got %d pairs, 1INCHEUR %+v", len(r), r["1INCHEUR"])
		}
	})
	for _, file := range []string{"ticker.json", "ticker.unused-example-file.json"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			r, err := exampleClient(t, file).Ticker(ctx, "XBTUSD")
			if err != nil {
				t.Fatal(err)
			}
			tk, ok := r["XXBTZUSD"]
			if !ok || tk.Trades[0] == 0 || tk.Trades[1] < tk.Trades[0] {
				t.Fatalf("Ticker = %+v", r)
			}
			if file == "ticker.json" {
				wantAmount(t, "ask", tk.Ask.Price, "30300.10000")
				wantAmount(t, "ask lot volume", tk.Ask.LotVolume, "1.000")
				wantAmount(t, "last volume", tk.Last.Volume, "0.00067643")
				wantAmount(t, "vwap 24h", tk.VWAP.Last24h, "30689.13205")
				wantAmount(t, "open", tk.Open, "30502.80000")
				if tk.Trades != [2]int64{34619, 38907} {
					t.Errorf("trades = %v", tk.Trades)
				}
			}
		})
	}
	t.Run("OHLC", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "ohlc.json").OHLC(ctx, "XBTUSD", &OHLCOptions{Interval: 1})
		if err != nil {
			t.Fatal(err)
		}
		if r.Pair != "XXBTZUSD" || len(r.Candles) != 4 || r.Last != 1688672160 {
			t.Fatalf("OHLC = %+v", r)
		}
		k := r.Candles[0]
		if k.Time != ts(1688671200, 0) || k.Count != 23 {
			t.Errorf("candle 0 = %+v", k)
		}
		wantAmount(t, "volume", k.Volume, "3.39243896")
		wantAmount(t, "vwap", k.VWAP, "30306.1")
	})
	t.Run("Trades", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "trades-public.json").Trades(ctx, "XBTUSD", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Pair != "XXBTZUSD" || len(r.Trades) != 3 || r.Last != "1688671969993150842" {
			t.Fatalf("Trades = %+v", r)
		}
		tr := r.Trades[0]
		if tr.Time != ts(1688669597, 827736900) || tr.Side != "b" || tr.OrderType != "m" || tr.TradeID != 61044952 {
			t.Errorf("trade 0 = %+v", tr)
		}
		if r.Trades[2].Time != ts(1688669602, 698379000) {
			t.Errorf("trade 2 time = %v", r.Trades[2].Time)
		}
		wantAmount(t, "volume", tr.Volume, "0.34507674")
	})
}

func TestExamplesAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Balance", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "balance.json").Balance(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 10 {
			t.Errorf("%d balances", len(r))
		}
		wantAmount(t, "XXBT", r["XXBT"], "1011.1908877900")
		wantAmount(t, "ETH2.S", r["ETH2.S"], "198.3970800000")
		if s := r["DAI"].String(); s != "9999.9999999999" {
			t.Errorf("DAI text = %s", s)
		}
	})
	t.Run("BalanceEx numbers", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "balance-ex.json").BalanceEx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantAmount(t, "ZUSD balance", r["ZUSD"].Balance, "25435.21")
		wantAmount(t, "XXBT hold", r["XXBT"].HoldTrade, "0.84230000")
		wantAmount(t, "XXBT available", r["XXBT"].Available(), "0.4012")
	})
	t.Run("BalanceEx strings", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"XXBT":{"balance":"2.1031709100","hold_trade":"0.1","credit":"1","credit_used":"0.5"}}}`)))
		r, err := c.BalanceEx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantAmount(t, "available", r["XXBT"].Available(), "2.5031709100")
	})
	t.Run("TradeBalance", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "trade-balance.json").TradeBalance(ctx, "ZUSD")
		if err != nil {
			t.Fatal(err)
		}
		wantAmount(t, "eb", r.EquivalentBalance, "1101.3425")
		wantAmount(t, "n", r.UnrealizedPnL, "-10.0232")
		if r.MarginLevel == nil || r.UnexecutedValue != nil {
			t.Fatalf("ml %v uv %v", r.MarginLevel, r.UnexecutedValue)
		}
		wantAmount(t, "ml", *r.MarginLevel, "5432.57")
	})
	t.Run("TradeVolume", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "trade-volume.json").TradeVolume(ctx, "XXBTZUSD")
		if err != nil {
			t.Fatal(err)
		}
		f := r.Fees["XXBTZUSD"]
		if r.Currency != "ZUSD" || f.NextFee != nil || f.NextVolume != nil || f.TierVolume == nil {
			t.Fatalf("TradeVolume = %+v", r)
		}
		wantAmount(t, "volume", r.Volume, "200709587.4223")
		wantAmount(t, "maxfee", f.MaxFee, "0.2600")
		wantAmount(t, "maker fee", r.FeesMaker["XXBTZUSD"].Fee, "0.0000")
	})
	t.Run("TradeVolume schema names", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"currency":"ZUSD","volume":"1","fees":{"P":{"fee":"0.2","min_fee":"0.1","max_fee":"0.26","next_fee":"0.18","next_volume":"50000","tier_volume":"0"}}}}`)))
		r, err := c.TradeVolume(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f := r.Fees["P"]
		wantAmount(t, "min_fee", f.MinFee, "0.1")
		if f.NextVolume == nil || !f.NextVolume.Equal(amt("50000")) {
			t.Errorf("next_volume = %v", f.NextVolume)
		}
	})
}

func TestExamplesLedgers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, err := exampleClient(t, "ledgers.json").Ledgers(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 2 || !r.HasCount || r.Count != 2 {
		t.Fatalf("page = %+v", r)
	}
	e := r.Entries[0] // newest first
	if e.ID != "L4UESK-KG3EQ-UFO4T5" || e.RefID != "TJKLXF-PGMUI-4NTLXU" || e.Type != "trade" || e.Subtype != "" ||
		e.AClass != "currency" || e.Asset != "ZGBP" {
		t.Errorf("entry = %+v", e)
	}
	if e.Time != ts(1688464484, 178700000) {
		t.Errorf("time = %+v, want exactly 1688464484 s + 178700000 ns", e.Time)
	}
	if got := e.Time.Time(); !got.Equal(time.Unix(1688464484, 178700000)) {
		t.Errorf("Time() = %v", got)
	}
	wantAmount(t, "amount", e.Amount, "-24.5000")
	wantAmount(t, "fee", e.Fee, "0.0490")
	wantAmount(t, "balance", e.Balance, "459567.9171")
	var raw map[string]any
	if err := json.Unmarshal(e.Raw, &raw); err != nil || raw["refid"] != "TJKLXF-PGMUI-4NTLXU" || !bytes.Contains(e.Raw, []byte(`1688464484.1787`)) {
		t.Errorf("Raw = %s", e.Raw)
	}
	if r.Entries[1].ID != "LMKZCZ-Z3GVL-CXKK4H" || r.Entries[1].Time != ts(1688444262, 888800000) {
		t.Errorf("second entry = %+v", r.Entries[1])
	}

	q, err := exampleClient(t, "query-ledgers.json").QueryLedgers(ctx, "L4UESK-KG3EQ-UFO4T5")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].ID != e.ID || !q[0].Amount.Equal(e.Amount) || q[0].Time != e.Time {
		t.Errorf("QueryLedgers = %+v", q)
	}
}

func TestExamplesTrades(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, err := exampleClient(t, "trades-history.json").TradesHistory(ctx, &TradesHistoryOptions{Ledgers: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Trades) != 2 || r.HasCount {
		t.Fatalf("page = %+v (the example has no count)", r)
	}
	tr := r.Trades[0]
	if tr.ID != "THVRQM-33VKH-UCI7BS" || tr.OrderTxID != "OQCLML-BW3P3-BUCMWZ" || tr.Pair != "XXBTZUSD" ||
		tr.Time != ts(1688667796, 880200000) || tr.Type != "buy" || tr.TradeID != 40274859 || !tr.Maker {
		t.Errorf("trade = %+v", tr)
	}
	wantAmount(t, "cost", tr.Cost, "600.20000")
	wantAmount(t, "vol", tr.Volume, "0.02000000")

	q, err := exampleClient(t, "query-trades.json").QueryTrades(ctx, false, "THVRQM-33VKH-UCI7BS", "TTEUX3-HDAAA-RC2RUO")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[1].ID != "TTEUX3-HDAAA-RC2RUO" || q[1].Pair != "XXBTZEUR" || q[1].TradeID != 74625834 {
		t.Errorf("QueryTrades = %+v", q)
	}
	wantAmount(t, "price", q[1].Price, "27732.00000")
}

func TestExamplesOrders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	open, err := exampleClient(t, "open-orders.json").OpenOrders(ctx, &OpenOrdersOptions{Trades: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 2 || open[0].ID != "OQCLML-BW3P3-BUCMWZ" || open[0].Status != "open" ||
		open[0].OpenTime != ts(1688666559, 897400000) || !reflect.DeepEqual(open[0].Trades, []string{"TCCCTY-WE2O6-P3NB37"}) ||
		open[0].RefID != "" || open[1].UserRef != 45326 || open[1].Descr.Leverage != "5:1" {
		t.Errorf("OpenOrders = %+v", open)
	}
	wantAmount(t, "vol_exec", open[0].VolumeExec, "0.37500000")

	closed, err := exampleClient(t, "closed-orders.json").ClosedOrders(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(closed.Orders) != 2 || closed.Count != 2 || !closed.HasCount {
		t.Fatalf("ClosedOrders = %+v", closed)
	}
	// Newest close first: 1688148610.0482 before .0477.
	if o := closed.Orders[0]; o.ID != "O37652-RJWRT-IMO74O" || o.CloseTime != ts(1688148610, 48200000) ||
		o.Reason != "User requested" || o.Descr.OrderType != "stop-loss-limit" || o.Trigger != "index" || !o.StartTime.IsZero() {
		t.Errorf("closed[0] = %+v", o)
	}

	q, err := exampleClient(t, "query-orders.json").QueryOrders(ctx, true, "OBCMZD-JIEE7-77TH3F", "OMMDB2-FSB6Z-7W3HPO")
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].ID != "OBCMZD-JIEE7-77TH3F" || q[0].Reason != "" || q[1].OFlags != "fcib" {
		t.Errorf("QueryOrders = %+v", q)
	}
	wantAmount(t, "fee", q[1].Fee, "7.5")

	for _, file := range []string{"add-order.json", "add-order.schema-example.json"} {
		r, err := exampleClient(t, file).AddOrder(ctx, OrderRequest{Pair: "XBTUSD", Type: "buy", OrderType: "limit",
			Volume: amt("1.25"), Price: "27500", Validate: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.TxIDs) != 1 || !strings.HasPrefix(r.Descr.Order, "buy ") {
			t.Errorf("%s: AddOrder = %+v", file, r)
		}
	}
}

func TestExamplesFundingExportEarn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("WithdrawMethods", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "withdraw-methods.json").WithdrawMethods(ctx, &WithdrawOptions{Asset: "XBT"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 2 || r[1].Network != "Lightning" {
			t.Fatalf("%+v", r)
		}
		wantAmount(t, "minimum", r[1].Minimum, "0.00001")
	})
	t.Run("WithdrawAddresses", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "withdraw-addresses.json").WithdrawAddresses(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 1 || r[0].Key != "btc-wallet-1" || !r[0].Verified || r[0].Asset != "XBT" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("WithdrawStatus", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "withdraw-status.json").WithdrawStatus(ctx, &FundingStatusOptions{Asset: "XBT"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Transactions) != 2 || r.NextCursor != "" {
			t.Fatalf("%+v", r)
		}
		w := r.Transactions[1]
		if w.RefID != "FTQcuak-V6Za8qrPnhsTx47yYLz8Tg" || w.Status != "Failure" || w.StatusProp != "canceled" ||
			w.Time != ts(1688015423, 0) || w.Key != "btc-wallet-2" {
			t.Errorf("%+v", w)
		}
		wantAmount(t, "fee", w.Fee, "0.00020000")
	})
	t.Run("DepositStatus cursor object", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"deposit":[{"method":"Bitcoin","aclass":"currency","asset":"XXBT","refid":"FTQ1","txid":"abc","info":"bc1q","amount":"0.5","fee":"0","time":1688014586,"status":"Success","originators":["bc1x"]}],"next_cursor":"MTIz"}}`)))
		r, err := c.DepositStatus(ctx, &FundingStatusOptions{Asset: "XBT", Cursor: "true"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Transactions) != 1 || r.NextCursor != "MTIz" || r.Transactions[0].Originators[0] != "bc1x" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("DepositMethods", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":[{"method":"Bitcoin","limit":false,"fee":"0.0000000000","gen-address":true,"minimum":"0.0001"},{"method":"SEPA","limit":"10000.00","fee":"0.5","address-setup-fee":"0"}]}`)))
		r, err := c.DepositMethods(ctx, "XBT")
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 2 || r[0].Limit != nil || !r[0].GenAddress || r[1].Limit == nil {
			t.Fatalf("%+v", r)
		}
		wantAmount(t, "limit", *r[1].Limit, "10000")
		wantAmount(t, "minimum", r[0].Minimum, "0.0001")
	})
	t.Run("AddExport", func(t *testing.T) {
		t.Parallel()
		id, err := exampleClient(t, "add-export.json").AddExport(ctx, ExportRequest{Report: "ledgers", Description: "all"})
		if err != nil || id != "TCJA" {
			t.Errorf("AddExport = %q, %v", id, err)
		}
	})
	t.Run("ExportStatus", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "export-status.json").ExportStatus(ctx, "trades")
		if err != nil {
			t.Fatal(err)
		}
		if len(r) != 2 || r[0].ID != "VSKC" || r[0].Status != "Processed" || r[0].Created != ts(1688669085, 0) ||
			r[0].DataStart != ts(1683556800, 0) || r[1].Description != "my_trades_1" {
			t.Errorf("%+v", r)
		}
	})
	t.Run("RemoveExport", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "remove-export.json").RemoveExport(ctx, "TCJA", "delete")
		if err != nil || !r.Delete || r.Cancel {
			t.Errorf("RemoveExport = %+v, %v", r, err)
		}
	})
	t.Run("EarnAllocations", func(t *testing.T) {
		t.Parallel()
		r, err := exampleClient(t, "earn-allocations.json").EarnAllocations(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.ConvertedAsset != "USD" || len(r.Items) != 1 || r.NextCursor != "2" {
			t.Fatalf("%+v", r)
		}
		it := r.Items[0]
		b := it.AmountAllocated.Bonding
		if it.StrategyID != "ESDQCOL-WTZEU-NU55QF" || b == nil || b.AllocationCount != 2 || len(b.Allocations) != 2 ||
			!b.Allocations[1].Expires.Equal(time.Date(2023, 9, 6, 7, 55, 52, 648000000, time.UTC)) {
			t.Fatalf("item = %+v", it)
		}
		wantAmount(t, "total allocated", r.TotalAllocated, "49.2398")
		wantAmount(t, "bonding native", b.Native, "0.0210000000")
		wantAmount(t, "allocation converted", b.Allocations[0].Converted, "1.8602")
	})
}

func TestAPIKeyInfoAndToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"apiKeyName":"cointally","apiKey":"abc","nonce":"1616492376594","nonceWindow":0,"permissions":["query-funds","query-ledger"],"iban":"AA00","validUntil":"0","queryFrom":"1600000000","queryTo":"0","createdTime":"1690000000","modifiedTime":"1690000001","ipAllowlist":[],"lastUsed":null}}`)))
	info, err := c.APIKeyInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "cointally" || info.Nonce != 1616492376594 || !info.HasPermission(TokenQueryLedger) ||
		info.HasPermission(TokenWithdrawFunds) || info.QueryFrom != ts(1600000000, 0) || !info.ValidUntil.IsZero() || !info.LastUsed.IsZero() {
		t.Errorf("APIKeyInfo = %+v", info)
	}

	c2, _ := setup(t, serveJSON(t, []byte(`{"error":[],"result":{"token":"1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw","expires":900}}`)))
	tok, err := c2.GetWebSocketsToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token.Reveal() != "1Dwc4lzSwNWOAwkMdqhssNNFhs1ed606d1WcF3XfEMw" || tok.Expires != 15*time.Minute {
		t.Errorf("token = %+v", tok)
	}
}

func TestRetrieveExport(t *testing.T) {
	t.Parallel()
	zip := []byte("PK\x03\x04\x14\x00\x00\x00binary\x00\xff data")
	c, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		verifySignature(t, r, readBody(t, r))
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(zip)
	}))
	got, err := c.RetrieveExport(context.Background(), "TCJA")
	if err != nil || !bytes.Equal(got, zip) {
		t.Errorf("RetrieveExport = %q, %v", got, err)
	}

	c2, _ := setup(t, serveJSON(t, []byte(`{"error":["EGeneral:Permission denied"]}`)))
	_, err = c2.RetrieveExport(context.Background(), "TCJA")
	if !errors.Is(err, ErrPermissionDenied) || !strings.Contains(UserMessage(err), `"Export Data"`) {
		t.Errorf("JSON error envelope: %v", err)
	}
}

func TestEmptyBalanceResult(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"error":[]}`, `{"error":[],"result":{}}`, `{"error":[],"result":null}`} {
		c, _ := setup(t, serveJSON(t, []byte(body)))
		r, err := c.Balance(context.Background())
		if err != nil || r == nil || len(r) != 0 {
			t.Errorf("%s: Balance = %v, %v; want an empty map", body, r, err)
		}
	}
}
