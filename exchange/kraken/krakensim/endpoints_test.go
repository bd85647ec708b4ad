package krakensim

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBalanceMatchesChains: Balance equals each asset's last ledger
// balance, and every chain holds balance = previous + amount - fee.
func TestBalanceMatchesChains(t *testing.T) {
	s, _ := newTestServer(t, testScenario(600))
	c := newClient(t, s, "ro", secretRO)
	a := s.Account("alice")
	last := map[string]int64{}
	for i, e := range a.Entries {
		prev := last[e.Asset] // 0 before the asset's first entry
		if e.Balance != prev+e.Amount-e.Fee {
			t.Fatalf("entry %d %s (%s): balance %d != %d + %d - %d", i, e.ID, e.Asset, e.Balance, prev, e.Amount, e.Fee)
		}
		last[e.Asset] = e.Balance
	}
	var bal map[string]string
	mustJSON(t, c.result("Balance", nil), &bal)
	for asset, v := range last {
		want := FormatFixed(v, s.assetDecimals(asset))
		if bal[asset] != want {
			t.Errorf("Balance[%s] = %q, want %q", asset, bal[asset], want)
		}
	}
	for asset := range bal {
		if _, ok := last[asset]; !ok {
			t.Errorf("Balance has %s, which no entry touches", asset)
		}
	}
	var ex map[string]struct {
		Balance   string `json:"balance"`
		HoldTrade string `json:"hold_trade"`
	}
	mustJSON(t, c.result("BalanceEx", nil), &ex)
	for asset, v := range bal {
		if ex[asset].Balance != v || ex[asset].HoldTrade == "" {
			t.Errorf("BalanceEx[%s] = %+v, Balance %s", asset, ex[asset], v)
		}
	}
}

// TestEndpointsSmoke calls every endpoint with typical parameters and
// checks that it succeeds with a result of the right JSON kind.
func TestEndpointsSmoke(t *testing.T) {
	s, _ := newTestServer(t, testScenario(400))
	c := newClient(t, s, "full", secretFull)
	a := s.Account("alice")
	private := []struct {
		method string
		params url.Values
		kind   byte // '{' or '['
	}{
		{"Balance", nil, '{'},
		{"BalanceEx", nil, '{'},
		{"TradeBalance", vals("asset", "ZEUR"), '{'},
		{"OpenOrders", vals("trades", "true"), '{'},
		{"ClosedOrders", vals("trades", "true"), '{'},
		{"QueryOrders", vals("txid", a.Closed[0].ID, "trades", "true"), '{'},
		{"TradesHistory", nil, '{'},
		{"QueryTrades", vals("txid", a.Trades[0].ID), '{'},
		{"OpenPositions", nil, '{'},
		{"Ledgers", nil, '{'},
		{"QueryLedgers", vals("id", a.Entries[0].ID), '{'},
		{"TradeVolume", vals("pair", "XBTEUR,XETHZUSD"), '{'},
		{"DepositMethods", vals("asset", "XBT"), '['},
		{"DepositAddresses", vals("asset", "XBT", "method", "Bitcoin"), '['},
		{"DepositStatus", nil, '['},
		{"DepositStatus", vals("cursor", "true", "limit", "2"), '{'},
		{"WithdrawMethods", nil, '['},
		{"WithdrawAddresses", nil, '['},
		{"WithdrawStatus", nil, '['},
		{"Earn/Strategies", nil, '{'},
		{"Earn/Allocations", vals("converted_asset", "EUR"), '{'},
		{"Earn/AllocateStatus", vals("strategy_id", "ESRFUO3-Q62XD-WIOIL7"), '{'},
		{"GetWebSocketsToken", nil, '{'},
		{"GetApiKeyInfo", nil, '{'},
		{"ExportStatus", vals("report", "trades"), '['},
	}
	for _, tt := range private {
		t.Run(tt.method, func(t *testing.T) {
			raw := c.result(tt.method, tt.params)
			if len(raw) == 0 || raw[0] != tt.kind {
				t.Errorf("result %s, want a %c", truncate(raw), tt.kind)
			}
		})
	}
	publicCalls := []struct {
		method string
		params url.Values
	}{
		{"Time", nil}, {"SystemStatus", nil}, {"Assets", nil}, {"Assets", vals("asset", "XBT,ETH")},
		{"AssetPairs", nil}, {"AssetPairs", vals("pair", "XBT/EUR,ETHXBT", "info", "fees")},
		{"Ticker", vals("pair", "XBTEUR")}, {"OHLC", vals("pair", "XBTEUR", "interval", "60")},
		{"Trades", vals("pair", "XXBTZEUR", "count", "10")}, {"Depth", vals("pair", "XBTEUR", "count", "5")},
		{"Spread", vals("pair", "XBTEUR")},
	}
	for _, tt := range publicCalls {
		t.Run("public "+tt.method, func(t *testing.T) {
			env := public(t, s, tt.method, tt.params)
			if len(env.Error) != 0 || len(env.Result) == 0 || env.Result[0] != '{' {
				t.Errorf("%+v", env)
			}
		})
	}
	t.Run("public errors", func(t *testing.T) {
		for _, tt := range []struct {
			method string
			params url.Values
			want   string
		}{
			{"OHLC", vals("pair", "NOPE"), "EQuery:Unknown asset pair"},
			{"OHLC", vals("pair", "XBTEUR", "interval", "7"), "EGeneral:Invalid arguments:interval"},
			{"OHLC", nil, "EGeneral:Invalid arguments:pair"},
			{"Trades", vals("pair", "XBTEUR", "count", "5000"), "EGeneral:Invalid arguments:count"},
			{"Assets", vals("asset", "NOPE"), "EQuery:Unknown asset"},
			{"AssetPairs", vals("info", "everything"), "EGeneral:Invalid arguments:info"},
		} {
			env := public(t, s, tt.method, tt.params)
			if len(env.Error) != 1 || env.Error[0] != tt.want {
				t.Errorf("%s %v: %+v, want %s", tt.method, tt.params, env, tt.want)
			}
		}
	})
	t.Run("public POST form", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodPost, "/0/public/OHLC", strings.NewReader("pair=XBTEUR&interval=1440"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		env := decodeEnvelope(t, w.Code, w.Body.Bytes())
		var res map[string]json.RawMessage
		mustJSON(t, env.Result, &res)
		var rows [][]any
		mustJSON(t, res["XXBTZEUR"], &rows)
		if len(rows) != 720 {
			t.Errorf("daily candles: %d rows, want 720 (Kraken's limit)", len(rows))
		}
	})
}

// TestMarketConsistency: a trade's price agrees with the public market data
// (the trade lies within its day's candle range... when the candle exists):
// here, the trade price is within 20% of the market price at that time.
func TestMarketConsistency(t *testing.T) {
	s, _ := newTestServer(t, testScenario(300))
	a := s.Account("alice")
	m := s.Market()
	checked := 0
	for _, tr := range a.Trades {
		px := m.Price(tr.Pair, tr.Time.Time())
		if px == 0 {
			continue
		}
		if d := tr.Price - px; d*5 > px || -d*5 > px {
			t.Errorf("trade %s on %s at %s: price %d, market %d", tr.ID, tr.Pair, tr.Time.Time(), tr.Price, px)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no trade checked")
	}
}

func TestAddOrderAndCancel(t *testing.T) {
	s, _ := newTestServer(t, testScenario(100))
	full := newClient(t, s, "full", secretFull)
	ro := newClient(t, s, "ro", secretRO)
	order := vals("pair", "XBTEUR", "type", "buy", "ordertype", "limit", "price", "20000.5", "volume", "0.25")
	// validate=true: descr, no txid, nothing added.
	order.Set("validate", "true")
	var res struct {
		Descr struct{ Order string } `json:"descr"`
		TxID  []string               `json:"txid"`
	}
	mustJSON(t, full.result("AddOrder", order), &res)
	if res.Descr.Order != "buy 0.25000000 XBTEUR @ limit 20000.5" || res.TxID != nil {
		t.Errorf("validate: %+v", res)
	}
	if got := ro.apiError("AddOrder", order); got != "EGeneral:Permission denied" {
		t.Errorf("read-only key: %s", got)
	}
	a := s.Account("alice")
	openBefore := len(a.Open)
	order.Del("validate")
	res.TxID = nil
	mustJSON(t, full.result("AddOrder", order), &res)
	if len(res.TxID) != 1 || len(a.Open) != openBefore+1 {
		t.Fatalf("AddOrder: %+v, open %d -> %d", res, openBefore, len(a.Open))
	}
	var open struct {
		Open map[string]json.RawMessage `json:"open"`
	}
	mustJSON(t, full.result("OpenOrders", nil), &open)
	if _, ok := open.Open[res.TxID[0]]; !ok {
		t.Errorf("new order not in OpenOrders")
	}
	var cancel struct {
		Count int `json:"count"`
	}
	mustJSON(t, full.result("CancelOrder", vals("txid", res.TxID[0])), &cancel)
	if cancel.Count != 1 {
		t.Errorf("CancelOrder count %d", cancel.Count)
	}
	if got := full.apiError("CancelOrder", vals("txid", res.TxID[0])); got != "EOrder:Unknown order" {
		t.Errorf("second cancel: %s", got)
	}
	var q map[string]struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	mustJSON(t, full.result("QueryOrders", vals("txid", res.TxID[0])), &q)
	if q[res.TxID[0]].Status != "canceled" {
		t.Errorf("QueryOrders after cancel: %+v", q)
	}
	st := s.Stats()
	if st.Keys["full"].Calls["AddOrder"] != 2 || st.Keys["ro"].Calls["AddOrder"] != 1 {
		t.Errorf("AddOrder calls in stats: full %d, ro %d", st.Keys["full"].Calls["AddOrder"], st.Keys["ro"].Calls["AddOrder"])
	}
}

// TestExportLifecycle follows an export from Queued to deleted.
func TestExportLifecycle(t *testing.T) {
	for _, report := range []string{"ledgers", "trades"} {
		t.Run(report, func(t *testing.T) {
			sc := testScenario(300)
			sc.ExportDelay = Duration(10 * time.Second)
			s, clk := newTestServer(t, sc)
			c := newClient(t, s, "full", secretFull)
			from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
			to := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			var add struct{ ID string }
			mustJSON(t, c.result("AddExport", vals("report", report, "description", "tax 2021-23",
				"starttm", strconv.FormatInt(from.Unix(), 10), "endtm", strconv.FormatInt(to.Unix(), 10))), &add)
			if len(add.ID) != 4 {
				t.Fatalf("id %q", add.ID)
			}
			status := func() string {
				var st []map[string]string
				mustJSON(t, c.result("ExportStatus", vals("report", report)), &st)
				if len(st) != 1 || st[0]["id"] != add.ID {
					t.Fatalf("ExportStatus: %v", st)
				}
				return st[0]["status"]
			}
			if got := status(); got != "Queued" {
				t.Errorf("at once: %s", got)
			}
			if got := c.apiError("RetrieveExport", vals("id", add.ID)); got != "EGeneral:Invalid arguments:id" {
				t.Errorf("retrieve while queued: %s", got)
			}
			clk.Advance(6 * time.Second)
			if got := status(); got != "Processing" {
				t.Errorf("after 6s: %s", got)
			}
			clk.Advance(4 * time.Second)
			if got := status(); got != "Processed" {
				t.Errorf("after 10s: %s", got)
			}
			w := c.do(c.request("RetrieveExport", vals("id", add.ID), nil))
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/octet-stream" {
				t.Fatalf("RetrieveExport: %d %s", w.Code, w.Header().Get("Content-Type"))
			}
			rows := unzipCSV(t, w.Body.Bytes())
			a := s.Account("alice")
			want := 0
			if report == "ledgers" {
				for _, e := range a.Entries {
					if !e.Time.Time().Before(from) && !e.Time.Time().After(to) {
						want++
					}
				}
				if rows[0][0] != "txid" || !containsString(rows[0], "balance") || !containsString(rows[0], "asset") {
					t.Errorf("ledgers header %v", rows[0])
				}
			} else {
				for _, tr := range a.Trades {
					if !tr.Time.Time().Before(from) && !tr.Time.Time().After(to) {
						want++
					}
				}
				if rows[0][0] != "txid" || !containsString(rows[0], "ordertxid") || !containsString(rows[0], "ledgers") {
					t.Errorf("trades header %v", rows[0])
				}
			}
			// The ledgers CSV adds pending rows (empty txid) before deposits.
			got := 0
			for _, row := range rows[1:] {
				if row[0] != "" {
					got++
				}
			}
			if got != want {
				t.Errorf("%d data rows with a txid, want %d", got, want)
			}
			if got := c.apiError("RemoveExport", vals("id", add.ID, "type", "cancel")); got != "EGeneral:Invalid arguments:type" {
				t.Errorf("cancel a processed export: %s", got)
			}
			var rm map[string]bool
			mustJSON(t, c.result("RemoveExport", vals("id", add.ID, "type", "delete")), &rm)
			if !rm["delete"] {
				t.Errorf("RemoveExport: %v", rm)
			}
			if got := string(c.result("ExportStatus", vals("report", report))); got != "[]" {
				t.Errorf("after delete: %s", got)
			}
			if got := c.apiError("RetrieveExport", vals("id", add.ID)); got != "EGeneral:Invalid arguments:id" {
				t.Errorf("retrieve after delete: %s", got)
			}
		})
	}
}

func unzipCSV(t testing.TB, b []byte) [][]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	if len(zr.File) != 1 || !strings.HasSuffix(zr.File[0].Name, ".csv") {
		t.Fatalf("zip files: %v", zr.File)
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("empty csv")
	}
	return rows
}

func TestSimEndpoints(t *testing.T) {
	s, clk := newTestServer(t, testScenario(100))
	c := newClient(t, s, "ro", secretRO)
	c.result("Ledgers", nil)
	c.apiError("Ledgers", vals("type", "bogus"))
	public(t, s, "Time", nil)

	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_sim/stats", nil))
	var st Stats
	mustJSON(t, w.Body.Bytes(), &st)
	ro := st.Keys["ro"]
	if ro.Calls["Ledgers"] != 2 || ro.Errors["EGeneral:Invalid arguments:type"] != 1 || ro.Errors["EAPI:Rate limit exceeded"] != 0 {
		t.Errorf("stats: %+v", ro)
	}
	if _, ok := ro.Errors["EAPI:Rate limit exceeded"]; !ok {
		t.Errorf("auth errors are not listed at 0: %v", ro.Errors)
	}
	if st.Public["Time"] != 1 {
		t.Errorf("public stats %v", st.Public)
	}

	a := s.Account("alice")
	before := len(a.Entries)
	clk.Advance(time.Hour)
	r := httptest.NewRequest(http.MethodPost, "/_sim/accounts/alice/activity", strings.NewReader("entries=20"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var added struct{ Added int }
	mustJSON(t, w.Body.Bytes(), &added)
	a.Mu.RLock()
	after := len(a.Entries)
	newest := a.Entries[after-1]
	a.Mu.RUnlock()
	if w.Code != 200 || added.Added != after-before || added.Added < 10 || added.Added > 40 {
		t.Fatalf("activity: %d %s (entries %d -> %d)", w.Code, w.Body, before, after)
	}
	if d := clk.Now().Sub(newest.Time.Time()); d < 0 || d > time.Hour {
		t.Errorf("new entries dated %s, server clock %s", newest.Time.Time(), clk.Now())
	}
	// The new entries show up on the first page and in the count.
	p := decodePage(t, c.result("Ledgers", nil), "ledger")
	if *p.count != after || p.ids[0] != newest.ID {
		t.Errorf("after activity: count %d (want %d), first %s (want %s)", *p.count, after, p.ids[0], newest.ID)
	}

	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/_sim/accounts/nobody/activity", strings.NewReader("entries=5")))
	if w.Code != 404 || !json.Valid(w.Body.Bytes()) {
		t.Errorf("unknown account: %d %s", w.Code, w.Body)
	}
}

// TestZeroServer: the zero Server serves public data and knows no keys.
func TestZeroServer(t *testing.T) {
	var s Server
	if env := public(t, &s, "Time", nil); len(env.Error) != 0 {
		t.Fatal(env.Error)
	}
	c := newClient(t, &s, "any", secretMisc)
	if got := c.apiError("Balance", nil); got != "EAPI:Invalid key" {
		t.Fatal(got)
	}
	acct := &Account{ID: "hand", EntryIndex: map[string]int{}, TradeIndex: map[string]int{}, OrderIndex: map[string]int{},
		Entries: []Entry{{ID: "LAAAAA-AAAAA-AAAAAA", RefID: "QAAAAAA-AAAAAA-AAAAAA", Time: 15000000000000, Type: "deposit", Asset: "ZEUR", Amount: 1000000, Balance: 1000000}}}
	acct.EntryIndex["LAAAAA-AAAAA-AAAAAA"] = 0
	if err := s.AddAccount(acct); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKey("hand", Key{Key: "any", Secret: secretMisc, Permissions: []string{"query-ledger"}}); err != nil {
		t.Fatal(err)
	}
	raw := c.result("Ledgers", nil)
	want := `{"ledger":{"LAAAAA-AAAAA-AAAAAA":{"refid":"QAAAAAA-AAAAAA-AAAAAA","time":1500000000.0000,"type":"deposit","subtype":"","aclass":"currency","asset":"ZEUR","amount":"100.0000","fee":"0.0000","balance":"100.0000"}},"count":1}`
	if string(raw) != want {
		t.Errorf("got  %s\nwant %s", raw, want)
	}
	if err := s.AddKey("hand", Key{Key: "bad", Secret: "c2hvcnQ=", Permissions: nil}); err == nil {
		t.Error("AddKey accepted a short secret")
	}
}

var _ = io.EOF

// TestConcurrent reads pages from several keys while new activity is
// appended (run with -race).
func TestConcurrent(t *testing.T) {
	s, clk := newTestServer(t, testScenario(300))
	for i := 0; i < 4; i++ {
		if err := s.AddKey("alice", Key{Key: "c" + strconv.Itoa(i), Secret: secretMisc, Permissions: allPerms}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 5)
	for i := 0; i < 4; i++ {
		go func() {
			c := newClient(t, s, "c"+strconv.Itoa(i), secretMisc)
			for j := 0; j < 25; j++ {
				for _, m := range []string{"Ledgers", "TradesHistory", "ClosedOrders", "Balance"} {
					w := c.do(c.request(m, vals("ofs", strconv.Itoa(j*10)), nil))
					var env envelopeT
					if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || len(env.Error) != 0 {
						done <- io.ErrUnexpectedEOF
						return
					}
				}
			}
			done <- nil
		}()
	}
	go func() {
		for j := 0; j < 10; j++ {
			clk.Advance(time.Minute)
			if _, err := s.AddActivity("alice", 5); err != nil {
				done <- err
				return
			}
			s.Stats()
		}
		done <- nil
	}()
	for i := 0; i < 5; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
