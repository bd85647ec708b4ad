package krakensim

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// page is one decoded Ledgers/TradesHistory/ClosedOrders result: the IDs in
// text order, each record's time, and count when present.
type page struct {
	ids   []string
	times map[string]Stamp
	count *int
}

func decodePage(t testing.TB, raw json.RawMessage, listKey string) page {
	t.Helper()
	var top map[string]json.RawMessage
	mustJSON(t, raw, &top)
	p := page{times: map[string]Stamp{}}
	if c, ok := top["count"]; ok {
		var n int
		mustJSON(t, c, &n)
		p.count = &n
	}
	p.ids = objectKeys(t, top[listKey])
	var recs map[string]map[string]json.RawMessage
	mustJSON(t, top[listKey], &recs)
	timeField := "time"
	if listKey == "closed" {
		timeField = "closetm"
	}
	for id, r := range recs {
		st, ok := parseStamp(string(r[timeField]))
		if !ok {
			t.Fatalf("%s: bad %s %s", id, timeField, r[timeField])
		}
		p.times[id] = st
	}
	return p
}

// walk pages through an endpoint with ofs 0, 50, ... until an empty page and
// checks each page: at most 50 rows, newest first, count stable.
func walk(t testing.TB, c *client, method, listKey string, params url.Values) (ids []string, count int) {
	t.Helper()
	count = -1
	for ofs := 0; ; ofs += 50 {
		q := url.Values{}
		for k, v := range params {
			q[k] = v
		}
		q.Set("ofs", strconv.Itoa(ofs))
		p := decodePage(t, c.result(method, q), listKey)
		if p.count == nil {
			t.Fatalf("%s ofs=%d: no count", method, ofs)
		}
		if count >= 0 && *p.count != count {
			t.Fatalf("%s: count changed from %d to %d", method, count, *p.count)
		}
		count = *p.count
		if len(p.ids) > 50 {
			t.Fatalf("%s ofs=%d: %d rows", method, ofs, len(p.ids))
		}
		for i := 1; i < len(p.ids); i++ {
			if p.times[p.ids[i]] > p.times[p.ids[i-1]] {
				t.Fatalf("%s ofs=%d: not newest first at %d", method, ofs, i)
			}
		}
		if len(p.ids) == 0 {
			return ids, count
		}
		ids = append(ids, p.ids...)
		if ofs > 100000 {
			t.Fatal("runaway walk")
		}
	}
}

// newestFirstIDs orders positions of a time-sorted slice newest first, as
// the server does (ties: later position first).
func newestFirstIDs(n int, keep func(i int) bool, id func(i int) string, tm func(i int) Stamp) []string {
	var pos []int
	for i := 0; i < n; i++ {
		if keep(i) {
			pos = append(pos, i)
		}
	}
	sort.SliceStable(pos, func(a, b int) bool { return tm(pos[a]) < tm(pos[b]) })
	out := make([]string, len(pos))
	for k, p := range pos {
		out[len(pos)-1-k] = id(p)
	}
	return out
}

func TestLedgersPaging(t *testing.T) {
	s, _ := newTestServer(t, testScenario(700))
	c := newClient(t, s, "ro", secretRO)
	a := s.Account("alice")
	e := a.Entries
	if len(e) < 300 {
		t.Fatalf("only %d entries generated", len(e))
	}
	mid := e[len(e)/2]
	quarter := e[len(e)/4]
	// an entry sharing its time with a neighbour, if any, for the ID bounds
	tests := []struct {
		name   string
		params url.Values
		keep   func(x *Entry) bool
	}{
		{"all", nil, func(*Entry) bool { return true }},
		{"type trade", vals("type", "trade"), func(x *Entry) bool { return x.Type == "trade" }},
		{"type deposit", vals("type", "deposit"), func(x *Entry) bool { return x.Type == "deposit" }},
		{"type all", vals("type", "all"), func(*Entry) bool { return true }},
		{"asset altname", vals("asset", "XBT"), func(x *Entry) bool { return x.Asset == "XXBT" }},
		{"asset list", vals("asset", "XXBT, EUR"), func(x *Entry) bool { return x.Asset == "XXBT" || x.Asset == "ZEUR" }},
		{"asset and type", vals("asset", "ZEUR", "type", "trade"), func(x *Entry) bool { return x.Asset == "ZEUR" && x.Type == "trade" }},
		{"start exclusive by time", vals("start", strconv.FormatInt(mid.Time.Unix(), 10)),
			func(x *Entry) bool { return x.Time > Stamp(mid.Time.Unix()*10_000) }},
		{"start with fraction", vals("start", mid.Time.String()), func(x *Entry) bool { return x.Time > mid.Time }},
		{"end inclusive by time", vals("end", mid.Time.String()), func(x *Entry) bool { return x.Time <= mid.Time }},
		{"start and end by ID", vals("start", quarter.ID, "end", mid.ID),
			func(x *Entry) bool { return x.Time > quarter.Time && x.Time <= mid.Time }},
		{"end by ID with type", vals("end", mid.ID, "type", "trade"),
			func(x *Entry) bool { return x.Time <= mid.Time && x.Type == "trade" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, count := walk(t, c, "Ledgers", "ledger", tt.params)
			want := newestFirstIDs(len(e), func(i int) bool { return tt.keep(&e[i]) },
				func(i int) string { return e[i].ID }, func(i int) Stamp { return e[i].Time })
			if count != len(want) {
				t.Errorf("count %d, want %d", count, len(want))
			}
			if !slices.Equal(ids, want) {
				t.Errorf("walk gave %d ids, want %d (first difference at %d)", len(ids), len(want), firstDiff(ids, want))
			}
			seen := map[string]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("duplicate %s", id)
				}
				seen[id] = true
			}
		})
	}
	if len(tests) > 0 {
		p := decodePage(t, c.result("Ledgers", vals("without_count", "true")), "ledger")
		if p.count != nil || len(p.ids) != 50 {
			t.Errorf("without_count: count %v, %d rows", p.count, len(p.ids))
		}
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestLedgersJSONText(t *testing.T) {
	s, _ := newTestServer(t, testScenario(200))
	c := newClient(t, s, "ro", secretRO)
	raw := c.result("Ledgers", nil)
	a := s.Account("alice")
	last := a.Entries[len(a.Entries)-1]
	want := `"` + last.ID + `":{"refid":"` + last.RefID + `","time":` + last.Time.String() + `,"type":"` + last.Type + `"`
	if !strings.HasPrefix(string(raw), `{"ledger":{`+want) {
		t.Errorf("page does not start with the newest entry %s: %s", want, truncate(raw))
	}
	if !strings.HasSuffix(string(raw), `},"count":`+strconv.Itoa(len(a.Entries))+`}`) {
		t.Errorf("page does not end with count: ...%s", raw[len(raw)-40:])
	}
}

func TestTradesAndOrdersPaging(t *testing.T) {
	s, _ := newTestServer(t, testScenario(700))
	c := newClient(t, s, "ro", secretRO)
	a := s.Account("alice")
	tr, cl := a.Trades, a.Closed
	if len(tr) < 60 || len(cl) < 60 {
		t.Fatalf("history too small: %d trades, %d closed orders", len(tr), len(cl))
	}
	t.Run("TradesHistory", func(t *testing.T) {
		ids, count := walk(t, c, "TradesHistory", "trades", nil)
		want := newestFirstIDs(len(tr), func(int) bool { return true }, func(i int) string { return tr[i].ID }, func(i int) Stamp { return tr[i].Time })
		if count != len(want) || !slices.Equal(ids, want) {
			t.Errorf("count %d/%d, ids equal %v", count, len(want), slices.Equal(ids, want))
		}
		mid := tr[len(tr)/2]
		ids, count = walk(t, c, "TradesHistory", "trades", vals("start", mid.ID))
		want = newestFirstIDs(len(tr), func(i int) bool { return tr[i].Time > mid.Time }, func(i int) string { return tr[i].ID }, func(i int) Stamp { return tr[i].Time })
		if count != len(want) || !slices.Equal(ids, want) {
			t.Errorf("start by ID: count %d/%d", count, len(want))
		}
	})
	t.Run("ClosedOrders", func(t *testing.T) {
		ids, count := walk(t, c, "ClosedOrders", "closed", vals("closetime", "close"))
		want := newestFirstIDs(len(cl), func(int) bool { return true }, func(i int) string { return cl[i].ID }, func(i int) Stamp { return cl[i].CloseTm })
		if count != len(want) || !slices.Equal(ids, want) {
			t.Errorf("count %d/%d, ids equal %v", count, len(want), slices.Equal(ids, want))
		}
		all, count2 := walk(t, c, "ClosedOrders", "closed", nil)
		if count2 != len(cl) || len(all) != len(cl) {
			t.Errorf("closetime both: %d rows, count %d, want %d", len(all), count2, len(cl))
		}
	})
}

func TestTradesHistoryLedgers(t *testing.T) {
	s, _ := newTestServer(t, testScenario(400))
	c := newClient(t, s, "ro", secretRO)
	a := s.Account("alice")
	var res struct {
		Trades map[string]struct {
			Time    json.Number `json:"time"`
			Ledgers []string    `json:"ledgers"`
		} `json:"trades"`
	}
	mustJSON(t, c.result("TradesHistory", vals("ledgers", "true")), &res)
	if len(res.Trades) == 0 {
		t.Fatal("no trades")
	}
	for id, tr := range res.Trades {
		if len(tr.Ledgers) < 2 {
			t.Errorf("%s: ledgers %v", id, tr.Ledgers)
		}
		for _, lid := range tr.Ledgers {
			i, ok := a.EntryIndex[lid]
			if !ok {
				t.Fatalf("%s: ledger %s does not exist", id, lid)
			}
			if e := a.Entries[i]; e.RefID != id || e.Time.String() != tr.Time.String() {
				t.Errorf("%s: ledger %s has refid %s time %s", id, lid, e.RefID, e.Time)
			}
		}
	}
	// Without ledgers=true there is no ledgers field.
	var plain struct {
		Trades map[string]map[string]json.RawMessage `json:"trades"`
	}
	mustJSON(t, c.result("TradesHistory", nil), &plain)
	for id, tr := range plain.Trades {
		if _, ok := tr["ledgers"]; ok {
			t.Fatalf("%s: ledgers without ledgers=true", id)
		}
	}
}

func TestQueryLimitsAndArgs(t *testing.T) {
	s, _ := newTestServer(t, testScenario(300))
	c := newClient(t, s, "full", secretFull)
	a := s.Account("alice")
	ids := func(n int, id func(i int) string) string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, id(i))
		}
		return strings.Join(out, ",")
	}
	entryID := func(i int) string { return a.Entries[i].ID }
	tradeID := func(i int) string { return a.Trades[i%len(a.Trades)].ID }
	orderID := func(i int) string { return a.Closed[i].ID }
	tests := []struct {
		method string
		params url.Values
		want   string // error, or "" with wantN results
		wantN  int
	}{
		{"QueryLedgers", vals("id", ids(20, entryID)), "", 20},
		{"QueryLedgers", vals("id", ids(21, entryID)), "EGeneral:Invalid arguments:id", 0},
		{"QueryLedgers", vals("id", ""), "EGeneral:Invalid arguments:id", 0},
		{"QueryLedgers", vals("id", entryID(0)+", "+entryID(1)+",LNOPE0-NOPE0-NOPE00"), "", 2},
		{"QueryTrades", vals("txid", ids(20, tradeID)), "", 20},
		{"QueryTrades", vals("txid", ids(21, tradeID)), "EGeneral:Invalid arguments:txid", 0},
		{"QueryOrders", vals("txid", ids(50, orderID)), "", 50},
		{"QueryOrders", vals("txid", ids(51, orderID)), "EGeneral:Invalid arguments:txid", 0},
		{"QueryOrders", vals("txid", orderID(3), "trades", "maybe"), "EGeneral:Invalid arguments:trades", 0},
		{"Ledgers", vals("type", "bogus"), "EGeneral:Invalid arguments:type", 0},
		{"Ledgers", vals("asset", "NOPE"), "EGeneral:Invalid arguments:asset", 0},
		{"Ledgers", vals("ofs", "-1"), "EGeneral:Invalid arguments:ofs", 0},
		{"Ledgers", vals("ofs", "ten"), "EGeneral:Invalid arguments:ofs", 0},
		{"Ledgers", vals("start", "yesterday"), "EGeneral:Invalid arguments:start", 0},
		{"Ledgers", vals("end", "LNOPE0-NOPE0-NOPE00"), "EGeneral:Invalid arguments:end", 0},
		{"Ledgers", vals("without_count", "perhaps"), "EGeneral:Invalid arguments:without_count", 0},
		{"Ledgers", vals("aclass", "stocks"), "EGeneral:Invalid arguments:aclass", 0},
		{"TradesHistory", vals("type", "some position"), "EGeneral:Invalid arguments:type", 0},
		{"TradesHistory", vals("ledgers", "yes please"), "EGeneral:Invalid arguments:ledgers", 0},
		{"ClosedOrders", vals("closetime", "sometimes"), "EGeneral:Invalid arguments:closetime", 0},
		{"TradeBalance", vals("asset", "NOPE"), "EGeneral:Invalid arguments:asset", 0},
		{"AddExport", vals("report", "everything", "description", "x"), "EGeneral:Invalid arguments:report", 0},
		{"AddExport", vals("report", "ledgers"), "EGeneral:Invalid arguments:description", 0},
		{"DepositMethods", nil, "EGeneral:Invalid arguments:asset", 0},
		{"AddOrder", vals("pair", "NOPENOPE", "type", "buy", "ordertype", "limit", "price", "1", "volume", "1"), "EQuery:Unknown asset pair", 0},
		{"AddOrder", vals("pair", "XBTEUR", "type", "hold", "ordertype", "limit", "price", "1", "volume", "1"), "EGeneral:Invalid arguments:type", 0},
		{"AddOrder", vals("pair", "XBTEUR", "type", "buy", "ordertype", "guess", "price", "1", "volume", "1"), "EGeneral:Invalid arguments:ordertype", 0},
		{"AddOrder", vals("pair", "XBTEUR", "type", "buy", "ordertype", "limit", "volume", "1"), "EGeneral:Invalid arguments:price", 0},
		{"AddOrder", vals("pair", "XBTEUR", "type", "buy", "ordertype", "limit", "price", "1", "volume", "0.00001"), "EOrder:Order minimum not met", 0},
		{"CancelOrder", vals("txid", "OUNKNO-WNORD-ER0000"), "EOrder:Unknown order", 0},
		{"CancelOrder", nil, "EGeneral:Invalid arguments:txid", 0},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.params.Encode(), func(t *testing.T) {
			env := c.call(tt.method, tt.params)
			if tt.want != "" {
				if len(env.Error) != 1 || env.Error[0] != tt.want || env.Result != nil {
					t.Errorf("got %+v, want %s", env, tt.want)
				}
				return
			}
			if len(env.Error) != 0 {
				t.Fatalf("error %v", env.Error)
			}
			if got := len(objectKeys(t, env.Result)); got != tt.wantN {
				t.Errorf("%d results, want %d", got, tt.wantN)
			}
		})
	}
}

// TestKeyQueryRange: a key limited to a date range sees only that range.
func TestKeyQueryRange(t *testing.T) {
	sc := testScenario(500)
	sc.Accounts[0].Keys = append(sc.Accounts[0].Keys, KeySpec{Key: "range", Secret: secretMisc,
		Permissions: readOnlyPerms, QueryFrom: "2022-01-01T00:00:00Z", QueryTo: "2023-12-31T00:00:00Z"})
	s, _ := newTestServer(t, sc)
	c := newClient(t, s, "range", secretMisc)
	a := s.Account("alice")
	from := StampOf(time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))
	to := StampOf(time.Date(2023, 12, 31, 0, 0, 0, 0, time.UTC))
	in := func(t Stamp) bool { return t >= from && t <= to }
	e := a.Entries
	want := newestFirstIDs(len(e), func(i int) bool { return in(e[i].Time) }, func(i int) string { return e[i].ID }, func(i int) Stamp { return e[i].Time })
	if len(want) == 0 || len(want) == len(e) {
		t.Fatalf("range holds %d of %d entries", len(want), len(e))
	}
	ids, count := walk(t, c, "Ledgers", "ledger", nil)
	if count != len(want) || !slices.Equal(ids, want) {
		t.Errorf("Ledgers: count %d, want %d", count, len(want))
	}
	tr := a.Trades
	wantT := newestFirstIDs(len(tr), func(i int) bool { return in(tr[i].Time) }, func(i int) string { return tr[i].ID }, func(i int) Stamp { return tr[i].Time })
	if _, count := walk(t, c, "TradesHistory", "trades", nil); count != len(wantT) {
		t.Errorf("TradesHistory: count %d, want %d", count, len(wantT))
	}
	// A start inside the range narrows further; one after query_to fails.
	if got := c.apiError("Ledgers", vals("start", strconv.FormatInt(to.Unix()+1, 10))); got != "EGeneral:Invalid arguments:start" {
		t.Errorf("start after query_to: %s", got)
	}
	if got := c.apiError("Ledgers", vals("end", strconv.FormatInt(from.Unix()-1, 10))); got != "EGeneral:Invalid arguments:end" {
		t.Errorf("end before query_from: %s", got)
	}
	if got := c.apiError("TradesHistory", vals("start", "1900000000")); got != "EGeneral:Invalid arguments:start" {
		t.Errorf("TradesHistory start after query_to: %s", got)
	}
	// An entry outside the range is invisible to QueryLedgers and as a bound.
	var outside *Entry
	for i := range e {
		if !in(e[i].Time) {
			outside = &e[i]
			break
		}
	}
	if got := objectKeys(t, c.result("QueryLedgers", vals("id", outside.ID))); len(got) != 0 {
		t.Errorf("QueryLedgers of an invisible entry: %v", got)
	}
	if got := c.apiError("Ledgers", vals("start", outside.ID)); got != "EGeneral:Invalid arguments:start" {
		t.Errorf("invisible ID as start: %s", got)
	}
}
