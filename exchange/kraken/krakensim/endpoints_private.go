package krakensim

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// privMethod is one private endpoint: its permission, its rate-limit cost
// class and its handler.
type privMethod struct {
	need need
	cost costClass
	h    func(*call) ([]byte, error)
}

// privateMethods maps /0/private/<name> to its endpoint. Permissions follow
// the per-endpoint notes of Kraken's API reference (REFERENCE 3.2).
var privateMethods map[string]privMethod

func init() {
	qf := need{all: pQueryFunds}
	privateMethods = map[string]privMethod{
		"Balance":               {qf, costNormal, (*call).balance},
		"BalanceEx":             {qf, costNormal, (*call).balanceEx},
		"TradeBalance":          {need{all: pQueryOpen}, costNormal, (*call).tradeBalance},
		"OpenOrders":            {need{all: pQueryOpen}, costNormal, (*call).openOrders},
		"ClosedOrders":          {need{all: pQueryClosed}, costHeavy, (*call).closedOrders},
		"QueryOrders":           {need{any: pQueryOpen | pQueryClosed}, costNormal, (*call).queryOrders},
		"TradesHistory":         {need{all: pQueryClosed}, costHeavy, (*call).tradesHistory},
		"QueryTrades":           {need{all: pQueryClosed}, costNormal, (*call).queryTrades},
		"OpenPositions":         {need{all: pQueryOpen}, costNormal, (*call).openPositions},
		"Ledgers":               {need{all: pQueryLedger}, costHeavy, (*call).ledgers},
		"QueryLedgers":          {need{all: pQueryLedger}, costNormal, (*call).queryLedgers},
		"TradeVolume":           {qf, costNormal, (*call).tradeVolume},
		"AddExport":             {need{all: pExportData}, costNormal, (*call).addExport},
		"ExportStatus":          {need{all: pExportData}, costNormal, (*call).exportStatus},
		"RetrieveExport":        {need{all: pExportData}, costNormal, (*call).retrieveExport},
		"RemoveExport":          {need{all: pExportData}, costNormal, (*call).removeExport},
		"DepositMethods":        {need{all: pQueryFunds | pAddFunds}, costNormal, (*call).depositMethods},
		"DepositAddresses":      {qf, costNormal, (*call).depositAddresses},
		"DepositStatus":         {qf, costNormal, (*call).depositStatus},
		"WithdrawMethods":       {need{all: pQueryFunds | pWithdrawFunds}, costNormal, (*call).withdrawMethods},
		"WithdrawAddresses":     {need{all: pQueryFunds | pWithdrawFunds}, costNormal, (*call).withdrawAddresses},
		"WithdrawInfo":          {need{all: pQueryFunds | pWithdrawFunds}, costNormal, (*call).withdrawInfo},
		"WithdrawStatus":        {need{any: pWithdrawFunds | pQueryLedger}, costNormal, (*call).withdrawStatus},
		"Earn/Strategies":       {need{}, costNormal, (*call).earnStrategies},
		"Earn/Allocations":      {qf, costNormal, (*call).earnAllocations},
		"Earn/AllocateStatus":   {need{any: pEarnFunds | pQueryFunds}, costNormal, (*call).earnPending},
		"Earn/DeallocateStatus": {need{any: pEarnFunds | pQueryFunds}, costNormal, (*call).earnPending},
		"GetWebSocketsToken":    {need{all: pCreateWSToken}, costNormal, (*call).wsToken},
		"GetApiKeyInfo":         {need{}, costNormal, (*call).apiKeyInfo},
		"AddOrder":              {need{all: pModifyTrades}, costFree, (*call).addOrder},
		"CancelOrder":           {need{any: pModifyTrades | pCloseTrades}, costFree, (*call).cancelOrder},
	}
}

// ---- lookups ---------------------------------------------------------------

// assetDecimals is the record precision of an asset ID.
func (s *Server) assetDecimals(id string) int {
	if a, ok := s.assets[id]; ok {
		return a.Decimals
	}
	if a, ok := AssetByID(id); ok {
		return a.Decimals
	}
	return 8
}

// resolveAsset finds an asset by ID, altname or display code
// (case-insensitive).
func (s *Server) resolveAsset(name string) (AssetInfo, bool) {
	if a, ok := s.assets[name]; ok {
		return a, true
	}
	if a, ok := AssetByID(name); ok {
		return a, true
	}
	for _, a := range Assets() {
		if strings.EqualFold(a.ID, name) || strings.EqualFold(a.Altname, name) || strings.EqualFold(DisplayCode(a.ID), name) {
			return a, true
		}
	}
	return AssetInfo{}, false
}

// assetFilter reads the asset parameter: "all"/absent means nil (all),
// otherwise a sorted list of asset IDs.
func (c *call) assetFilter() ([]string, error) {
	list := c.p.list("asset")
	if len(list) == 0 || (len(list) == 1 && strings.EqualFold(list[0], "all")) {
		return nil, nil
	}
	ids := make([]string, 0, len(list))
	for _, n := range list {
		a, ok := c.s.resolveAsset(n)
		if !ok {
			return nil, invalidArg("asset")
		}
		ids = append(ids, a.ID)
	}
	sort.Strings(ids)
	return slices.Compact(ids), nil
}

// aclassOK checks the aclass parameter: "currency" (default) serves the
// account's data; "tokenized_asset" is valid but the emulator holds none.
func (c *call) aclassOK(name string) (bool, error) {
	switch c.p.str(name, "currency") {
	case "currency":
		return true, nil
	case "tokenized_asset", "forex":
		return false, nil
	}
	return false, invalidArg(name)
}

// ledgerTypes are the accepted Ledgers type filters: Kraken's documented
// request values, plus the types that occur in data though the request
// enum omits them (so a filter on them works rather than failing).
var ledgerTypes = map[string]string{
	"all": "", "trade": "trade", "deposit": "deposit", "withdrawal": "withdrawal",
	"transfer": "transfer", "margin": "margin", "adjustment": "adjustment",
	"rollover": "rollover", "credit": "credit", "settled": "settled", "staking": "staking",
	"dividend": "dividend", "sale": "sale", "nft_rebate": "nftrebate",
	"spend": "spend", "receive": "receive", "earn": "earn", "reward": "reward",
	"conversion": "conversion", "invite bonus": "invite bonus",
}

// ---- Ledgers ---------------------------------------------------------------

func (c *call) ledgers() ([]byte, error) {
	assets, err := c.assetFilter()
	if err != nil {
		return nil, err
	}
	typ, ok := ledgerTypes[c.p.str("type", "all")]
	if !ok {
		return nil, invalidArg("type")
	}
	cur, err := c.aclassOK("aclass")
	if err != nil {
		return nil, err
	}
	ofs, withCount, err := c.pageArgs()
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	b, err := c.window(func(id string) (Stamp, bool) {
		i, ok := a.EntryIndex[id]
		if !ok || i >= len(a.Entries) {
			return 0, false
		}
		return a.Entries[i].Time, true
	})
	if err != nil {
		return nil, err
	}
	var pos []int32
	if cur {
		pos = c.acct.ledgerIndex(assets, typ)
	}
	entries := a.Entries
	i, j := b.span(pos, func(p int32) Stamp { return entries[p].Time })
	size := c.s.pageSize()
	out := make([]byte, 0, 48+240*min(size, max(j-i-ofs, 0)))
	out = append(out, `{"ledger":{`...)
	first := true
	newestFirst(pos, i, j, ofs, size, func(p int32) {
		out = c.s.appendEntryKV(out, &entries[p], first)
		first = false
	})
	out = append(out, '}')
	if withCount {
		out = append(out, `,"count":`...)
		out = strconv.AppendInt(out, int64(j-i), 10)
	}
	return append(out, '}'), nil
}

// appendEntryKV appends "ID":{entry}.
func (s *Server) appendEntryKV(b []byte, e *Entry, first bool) []byte {
	b = appendKey(b, e.ID, first)
	return s.appendEntry(b, e)
}

func (s *Server) appendEntry(b []byte, e *Entry) []byte {
	dec := s.assetDecimals(e.Asset)
	b = append(b, `{"refid":`...)
	b = appendString(b, e.RefID)
	b = append(b, `,"time":`...)
	b = appendStamp(b, e.Time)
	b = append(b, `,"type":`...)
	b = appendString(b, e.Type)
	b = append(b, `,"subtype":`...)
	b = appendString(b, e.Subtype)
	b = append(b, `,"aclass":`...)
	b = appendString(b, cmp.Or(e.Aclass, "currency"))
	b = append(b, `,"asset":`...)
	b = appendString(b, e.Asset)
	b = append(b, `,"amount":`...)
	b = appendFixedString(b, e.Amount, dec)
	b = append(b, `,"fee":`...)
	b = appendFixedString(b, e.Fee, dec)
	b = append(b, `,"balance":`...)
	b = appendFixedString(b, e.Balance, dec)
	return append(b, '}')
}

// queryIDs reads a required comma list of at most max IDs.
func (c *call) queryIDs(name string, max int) ([]string, error) {
	ids := c.p.list(name)
	if len(ids) == 0 || len(ids) > max {
		return nil, invalidArg(name)
	}
	return ids, nil
}

func (c *call) queryLedgers() ([]byte, error) {
	ids, err := c.queryIDs("id", 20)
	if err != nil {
		return nil, err
	}
	if _, err := c.p.boolean("trades"); err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	found := c.findVisible(ids, a.EntryIndex, len(a.Entries), func(i int) Stamp { return a.Entries[i].Time })
	out := []byte{'{'}
	for n, i := range found {
		out = c.s.appendEntryKV(out, &a.Entries[i], n == 0)
	}
	return append(out, '}'), nil
}

// findVisible returns the positions (below n) that index gives for ids and
// that the key's query range lets it see, newest first, without repeats.
func (c *call) findVisible(ids []string, index map[string]int, n int, timeOf func(int) Stamp) []int {
	kr := c.keyRange()
	var found []int
	for _, id := range ids {
		if i, ok := index[id]; ok && i < n && kr.contains(timeOf(i)) {
			found = append(found, i)
		}
	}
	return newestUnique(found, timeOf)
}

// newestUnique dedupes positions and orders them newest first (ties: later
// position first).
func newestUnique(pos []int, time func(int) Stamp) []int {
	slices.Sort(pos)
	pos = slices.Compact(pos)
	sort.SliceStable(pos, func(a, b int) bool {
		ta, tb := time(pos[a]), time(pos[b])
		if ta != tb {
			return ta > tb
		}
		return pos[a] > pos[b]
	})
	return pos
}

// ---- Trades ----------------------------------------------------------------

// spotPosTxID is the placeholder postxid that Kraken reports on spot trades.
const spotPosTxID = "TKH2SE-M7IF5-CFI7LT"

var tradeTypes = map[string]bool{"all": true, "any position": true, "closed position": true,
	"closing position": true, "no position": true}

func (c *call) tradesHistory() ([]byte, error) {
	typ := c.p.str("type", "all")
	if !tradeTypes[typ] {
		return nil, invalidArg("type")
	}
	withLedgers, err := c.p.boolean("ledgers")
	if err != nil {
		return nil, err
	}
	for _, n := range []string{"trades", "consolidate_taker"} {
		if _, err := c.p.boolean(n); err != nil {
			return nil, err
		}
	}
	ofs, withCount, err := c.pageArgs()
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	b, err := c.window(func(id string) (Stamp, bool) {
		i, ok := a.TradeIndex[id]
		if !ok || i >= len(a.Trades) {
			return 0, false
		}
		return a.Trades[i].Time, true
	})
	if err != nil {
		return nil, err
	}
	trades := a.Trades
	pos := c.acct.tradeIndex()
	if typ != "all" {
		// Spot trades open no positions: only "no position" matches them.
		filtered := make([]int32, 0, len(pos))
		for _, p := range pos {
			if (trades[p].PosID == "") == (typ == "no position") {
				filtered = append(filtered, p)
			}
		}
		pos = filtered
	}
	i, j := b.span(pos, func(p int32) Stamp { return trades[p].Time })
	size := c.s.pageSize()
	out := make([]byte, 0, 48+360*min(size, max(j-i-ofs, 0)))
	out = append(out, `{"trades":{`...)
	first := true
	newestFirst(pos, i, j, ofs, size, func(p int32) {
		out = appendKey(out, trades[p].ID, first)
		out = c.s.appendTrade(out, &trades[p], withLedgers)
		first = false
	})
	out = append(out, '}')
	if withCount {
		out = append(out, `,"count":`...)
		out = strconv.AppendInt(out, int64(j-i), 10)
	}
	return append(out, '}'), nil
}

// pairDecimals returns (price, volume, quote-asset) decimals of a pair ID.
func (s *Server) pairDecimals(pairID string) (PairInfo, int, int, int) {
	p, ok := s.pairs[pairID]
	if !ok {
		p, ok = PairByName(pairID)
	}
	if !ok {
		return PairInfo{ID: pairID, Altname: pairID}, 5, 8, 8
	}
	return p, p.PairDecimals, p.LotDecimals, s.assetDecimals(p.Quote)
}

func (s *Server) appendTrade(b []byte, t *Trade, withLedgers bool) []byte {
	_, pd, ld, qd := s.pairDecimals(t.Pair)
	b = append(b, `{"ordertxid":`...)
	b = appendString(b, t.OrderID)
	b = append(b, `,"postxid":`...)
	b = appendString(b, cmp.Or(t.PosID, spotPosTxID))
	b = append(b, `,"pair":`...)
	b = appendString(b, t.Pair)
	b = append(b, `,"time":`...)
	b = appendStamp(b, t.Time)
	b = append(b, `,"type":`...)
	b = appendString(b, t.Type)
	b = append(b, `,"ordertype":`...)
	b = appendString(b, t.OrderType)
	b = append(b, `,"price":`...)
	b = appendFixedString(b, t.Price, pd)
	b = append(b, `,"cost":`...)
	b = appendFixedString(b, t.Cost, qd)
	b = append(b, `,"fee":`...)
	b = appendFixedString(b, t.Fee, qd)
	b = append(b, `,"vol":`...)
	b = appendFixedString(b, t.Vol, ld)
	b = append(b, `,"margin":`...)
	b = appendFixedString(b, t.Margin, qd)
	b = append(b, `,"misc":`...)
	b = appendString(b, t.Misc)
	b = append(b, `,"trade_id":`...)
	b = strconv.AppendInt(b, t.TradeID, 10)
	b = append(b, `,"maker":`...)
	b = appendBool(b, t.Maker)
	if withLedgers {
		b = append(b, `,"ledgers":`...)
		b = appendStrings(b, t.Ledgers)
	}
	return append(b, '}')
}

func (c *call) queryTrades() ([]byte, error) {
	ids, err := c.queryIDs("txid", 20)
	if err != nil {
		return nil, err
	}
	if _, err := c.p.boolean("trades"); err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	found := c.findVisible(ids, a.TradeIndex, len(a.Trades), func(i int) Stamp { return a.Trades[i].Time })
	out := []byte{'{'}
	for n, i := range found {
		out = appendKey(out, a.Trades[i].ID, n == 0)
		out = c.s.appendTrade(out, &a.Trades[i], false)
	}
	return append(out, '}'), nil
}

// ---- Orders ----------------------------------------------------------------

// orderFilter reads the userref and cl_ord_id filters. Generated orders
// carry userref 0 and no cl_ord_id.
func (c *call) orderFilter() (func(*Order) bool, error) {
	ref, hasRef := int64(0), false
	if s, ok := c.p.get("userref"); ok && s != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
		if err != nil {
			return nil, invalidArg("userref")
		}
		ref, hasRef = n, true
	}
	_, hasCl := c.p.get("cl_ord_id")
	return func(*Order) bool {
		if hasCl {
			return false
		}
		return !hasRef || ref == 0
	}, nil
}

func (c *call) closedOrders() ([]byte, error) {
	withTrades, err := c.p.boolean("trades")
	if err != nil {
		return nil, err
	}
	if _, err := c.p.boolean("consolidate_taker"); err != nil {
		return nil, err
	}
	closetime := c.p.str("closetime", "both")
	if closetime != "both" && closetime != "open" && closetime != "close" {
		return nil, invalidArg("closetime")
	}
	keep, err := c.orderFilter()
	if err != nil {
		return nil, err
	}
	ofs, withCount, err := c.pageArgs()
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	orders := a.Closed
	// An order txid as start/end stands for its open time (Kraken's docs).
	b, err := c.window(func(id string) (Stamp, bool) {
		i, ok := a.OrderIndex[id]
		if !ok || i >= len(orders) {
			return 0, false
		}
		return orders[i].OpenTm, true
	})
	if err != nil {
		return nil, err
	}
	kr := c.keyRange()
	pos := c.acct.closedIndex(closetime == "open")
	tm := func(p int32) Stamp { return orders[p].CloseTm }
	if closetime == "open" {
		tm = func(p int32) Stamp { return orders[p].OpenTm }
	}
	var i, j int
	if closetime == "both" && b != allTime {
		// Either time in the window (and the close time visible to the key).
		filtered := make([]int32, 0, len(pos)/2)
		for _, p := range pos {
			o := &orders[p]
			if (b.contains(o.OpenTm) || b.contains(o.CloseTm)) && kr.contains(o.CloseTm) && keep(o) {
				filtered = append(filtered, p)
			}
		}
		pos, i, j = filtered, 0, len(filtered)
	} else {
		i, j = b.span(pos, tm)
		if probe := (Order{}); !keep(&probe) {
			i, j = 0, 0
		}
	}
	size := c.s.pageSize()
	out := make([]byte, 0, 48+600*min(size, max(j-i-ofs, 0)))
	out = append(out, `{"closed":{`...)
	first := true
	newestFirst(pos, i, j, ofs, size, func(p int32) {
		out = appendKey(out, orders[p].ID, first)
		out = c.s.appendOrder(out, &orders[p], withTrades)
		first = false
	})
	out = append(out, '}')
	if withCount {
		out = append(out, `,"count":`...)
		out = strconv.AppendInt(out, int64(j-i), 10)
	}
	return append(out, '}'), nil
}

func (c *call) openOrders() ([]byte, error) {
	withTrades, err := c.p.boolean("trades")
	if err != nil {
		return nil, err
	}
	keep, err := c.orderFilter()
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	idx := make([]int, 0, len(a.Open))
	for i := range a.Open {
		if keep(&a.Open[i]) {
			idx = append(idx, i)
		}
	}
	idx = newestUnique(idx, func(i int) Stamp { return a.Open[i].OpenTm })
	out := []byte(`{"open":{`)
	for n, i := range idx {
		out = appendKey(out, a.Open[i].ID, n == 0)
		out = c.s.appendOrder(out, &a.Open[i], withTrades)
	}
	return append(out, "}}"...), nil
}

func (c *call) queryOrders() ([]byte, error) {
	ids, err := c.queryIDs("txid", 50)
	if err != nil {
		return nil, err
	}
	withTrades, err := c.p.boolean("trades")
	if err != nil {
		return nil, err
	}
	if _, err := c.p.boolean("consolidate_taker"); err != nil {
		return nil, err
	}
	keep, err := c.orderFilter()
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	kr := c.keyRange()
	type hit struct {
		o *Order
		t Stamp
	}
	var hits []hit
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		var o *Order
		if i, ok := a.OrderIndex[id]; ok && i < len(a.Closed) && a.Closed[i].ID == id {
			o = &a.Closed[i]
			if !kr.contains(o.CloseTm) {
				continue
			}
		} else {
			for k := range a.Open {
				if a.Open[k].ID == id {
					o = &a.Open[k]
				}
			}
		}
		if o == nil || !keep(o) {
			continue
		}
		// QueryOrders needs the query permission matching the order's status.
		open := o.Status == "open" || o.Status == "pending"
		if (open && c.key.perms&pQueryOpen == 0) || (!open && c.key.perms&pQueryClosed == 0) {
			return nil, errPermission
		}
		hits = append(hits, hit{o, max(o.OpenTm, o.CloseTm)})
	}
	sort.SliceStable(hits, func(x, y int) bool { return hits[x].t > hits[y].t })
	out := []byte{'{'}
	for n, h := range hits {
		out = appendKey(out, h.o.ID, n == 0)
		out = c.s.appendOrder(out, h.o, withTrades)
	}
	return append(out, '}'), nil
}

// orderDescr is the human description Kraken puts in descr.order.
func orderDescr(typ string, vol int64, ld int, altname, ordertype string, price int64, pd int) string {
	b := make([]byte, 0, 64)
	b = append(b, typ...)
	b = append(b, ' ')
	b = appendFixed(b, vol, ld)
	b = append(b, ' ')
	b = append(b, altname...)
	b = append(b, " @ "...)
	if ordertype == "market" {
		b = append(b, "market"...)
	} else {
		b = append(b, ordertype...)
		b = append(b, ' ')
		b = appendFixed(b, price, pd)
	}
	return string(b)
}

func isTriggered(ordertype string) bool {
	return strings.Contains(ordertype, "stop") || strings.Contains(ordertype, "take-profit")
}

func (s *Server) appendOrder(b []byte, o *Order, withTrades bool) []byte {
	p, pd, ld, qd := s.pairDecimals(o.Pair)
	open := o.Status == "open" || o.Status == "pending"
	b = append(b, `{"refid":null,"userref":0,"status":`...)
	b = appendString(b, o.Status)
	if !open {
		b = append(b, `,"reason":`...)
		b = appendStringOrNull(b, o.Reason)
	}
	b = append(b, `,"opentm":`...)
	b = appendStamp(b, o.OpenTm)
	if !open {
		b = append(b, `,"closetm":`...)
		b = appendStamp(b, o.CloseTm)
	}
	b = append(b, `,"starttm":0,"expiretm":0,"descr":{"pair":`...)
	b = appendString(b, p.Altname)
	b = append(b, `,"type":`...)
	b = appendString(b, o.Type)
	b = append(b, `,"ordertype":`...)
	b = appendString(b, o.OrderType)
	b = append(b, `,"price":`...)
	if o.Price == 0 {
		b = append(b, `"0"`...)
	} else {
		b = appendFixedString(b, o.Price, pd)
	}
	b = append(b, `,"price2":"0","leverage":"none","order":`...)
	b = appendString(b, orderDescr(o.Type, o.Vol, ld, p.Altname, o.OrderType, o.Price, pd))
	b = append(b, `,"close":""},"vol":`...)
	b = appendFixedString(b, o.Vol, ld)
	b = append(b, `,"vol_exec":`...)
	b = appendFixedString(b, o.VolExec, ld)
	b = append(b, `,"cost":`...)
	b = appendFixedString(b, o.Cost, qd)
	b = append(b, `,"fee":`...)
	b = appendFixedString(b, o.Fee, qd)
	b = append(b, `,"price":`...)
	b = appendFixedString(b, o.AvgPrice, pd)
	b = append(b, `,"stopprice":`...)
	b = appendFixedString(b, 0, pd)
	b = append(b, `,"limitprice":`...)
	b = appendFixedString(b, 0, pd)
	b = append(b, `,"misc":`...)
	b = appendString(b, o.Misc)
	b = append(b, `,"oflags":`...)
	b = appendString(b, o.Oflags)
	if isTriggered(o.OrderType) {
		b = append(b, `,"trigger":"index"`...)
	}
	if withTrades && len(o.Trades) > 0 {
		b = append(b, `,"trades":`...)
		b = appendStrings(b, o.Trades)
	}
	return append(b, '}')
}

func (c *call) openPositions() ([]byte, error) {
	if _, err := c.p.boolean("docalcs"); err != nil {
		return nil, err
	}
	return []byte("{}"), nil
}

// ---- Balances --------------------------------------------------------------

// balances returns the account's balances with their asset IDs sorted.
func (c *call) balances() (map[string]int64, []string) {
	a := c.acct.a
	a.Mu.RLock()
	bal := a.Balances()
	a.Mu.RUnlock()
	ids := make([]string, 0, len(bal))
	for id := range bal {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return bal, ids
}

func (c *call) balance() ([]byte, error) {
	bal, ids := c.balances()
	out := []byte{'{'}
	for i, id := range ids {
		out = appendKey(out, id, i == 0)
		out = appendFixedString(out, bal[id], c.s.assetDecimals(id))
	}
	return append(out, '}'), nil
}

// holds returns the amounts held by open orders per asset ID: the quote
// cost of the unfilled part of buys, the unfilled base volume of sells.
func (c *call) holds() map[string]int64 {
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	h := map[string]int64{}
	for i := range a.Open {
		o := &a.Open[i]
		p, pd, ld, _ := c.s.pairDecimals(o.Pair)
		rest := o.Vol - o.VolExec
		if rest <= 0 {
			continue
		}
		if o.Type == "sell" {
			h[p.Base] += rescale(big.NewInt(rest), ld, c.s.assetDecimals(p.Base))
			continue
		}
		price := o.Price
		if price == 0 {
			price = c.s.market.Price(p.ID, c.now)
		}
		prod := new(big.Int).Mul(big.NewInt(rest), big.NewInt(price))
		h[p.Quote] += rescale(prod, ld+pd, c.s.assetDecimals(p.Quote))
	}
	return h
}

// rescale converts v (10^-from units) to 10^-to units, truncating.
func rescale(v *big.Int, from, to int) int64 {
	r := new(big.Int).Set(v)
	if to > from {
		r.Mul(r, bigPow10(to-from))
	} else if from > to {
		r.Quo(r, bigPow10(from-to))
	}
	if !r.IsInt64() {
		return 0
	}
	return r.Int64()
}

func bigPow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func (c *call) balanceEx() ([]byte, error) {
	bal, ids := c.balances()
	holds := c.holds()
	for id := range holds {
		if _, ok := bal[id]; !ok {
			bal[id] = 0
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	out := []byte{'{'}
	for i, id := range ids {
		dec := c.s.assetDecimals(id)
		out = appendKey(out, id, i == 0)
		out = append(out, `{"balance":`...)
		out = appendFixedString(out, bal[id], dec)
		out = append(out, `,"hold_trade":`...)
		out = appendFixedString(out, holds[id], dec)
		out = append(out, '}')
	}
	return append(out, '}'), nil
}

// value converts amount of asset (10^-Decimals units) into target's units
// at the market price of time t, through a direct pair, an inverse pair,
// or one bridge asset. ok is false when no route exists (KFEE, ...).
func (s *Server) value(asset string, amount int64, target string, t time.Time) (int64, bool) {
	r, ok := s.valueRat(asset, new(big.Rat).SetFrac(big.NewInt(amount), bigPow10(s.assetDecimals(asset))), target, t, 2)
	if !ok {
		return 0, false
	}
	scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(bigPow10(s.assetDecimals(target))))
	q := new(big.Int).Quo(scaled.Num(), scaled.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	return q.Int64(), true
}

func (s *Server) valueRat(asset string, amt *big.Rat, target string, t time.Time, depth int) (*big.Rat, bool) {
	if a, ok := s.assets[asset]; ok && a.Base != "" {
		asset = a.Base
	}
	if asset == target {
		return amt, true
	}
	if amt.Sign() == 0 {
		return amt, true
	}
	for _, p := range s.pairList() {
		if p.Base == asset && p.Quote == target {
			px := s.market.Price(p.ID, t)
			if px <= 0 {
				continue
			}
			return new(big.Rat).Mul(amt, new(big.Rat).SetFrac(big.NewInt(px), bigPow10(p.PairDecimals))), true
		}
		if p.Base == target && p.Quote == asset {
			px := s.market.Price(p.ID, t)
			if px <= 0 {
				continue
			}
			return new(big.Rat).Quo(amt, new(big.Rat).SetFrac(big.NewInt(px), bigPow10(p.PairDecimals))), true
		}
	}
	if depth <= 1 {
		return nil, false
	}
	for _, bridge := range []string{"ZUSD", "ZEUR", "XXBT"} {
		if bridge == asset || bridge == target {
			continue
		}
		if mid, ok := s.valueRat(asset, amt, bridge, t, 1); ok {
			if r, ok := s.valueRat(bridge, mid, target, t, 1); ok {
				return r, true
			}
		}
	}
	return nil, false
}

// pairList returns the pairs sorted by ID (deterministic routing).
func (s *Server) pairList() []PairInfo {
	ps := Pairs()
	slices.SortFunc(ps, func(a, b PairInfo) int { return strings.Compare(a.ID, b.ID) })
	return ps
}

func (c *call) tradeBalance() ([]byte, error) {
	target, ok := c.s.resolveAsset(c.p.str("asset", "ZUSD"))
	if !ok {
		return nil, invalidArg("asset")
	}
	bal, ids := c.balances()
	var eb int64
	for _, id := range ids {
		if v, ok := c.s.value(id, bal[id], target.ID, c.now); ok {
			eb += v
		}
	}
	var uv int64
	for id, h := range c.holds() {
		if v, ok := c.s.value(id, h, target.ID, c.now); ok {
			uv += v
		}
	}
	dec := target.Decimals
	out := []byte{'{'}
	for i, f := range []struct {
		k string
		v int64
	}{{"eb", eb}, {"tb", eb}, {"m", 0}, {"n", 0}, {"c", 0}, {"v", 0}, {"e", eb}, {"mf", eb}, {"uv", uv}} {
		out = appendKey(out, f.k, i == 0)
		out = appendFixedString(out, f.v, dec)
	}
	return append(out, '}'), nil
}

// Kraken's spot fee schedule: 30-day USD volume threshold and fee in
// 10^-4 percent (2600 = 0.26%).
var feeTiers = []struct{ volume, taker, maker int64 }{
	{0, 2600, 1600}, {50_000, 2400, 1400}, {100_000, 2200, 1200}, {250_000, 2000, 1000},
	{500_000, 1800, 800}, {1_000_000, 1600, 600}, {2_500_000, 1400, 400},
	{5_000_000, 1200, 200}, {10_000_000, 1000, 0},
}

func (c *call) tradeVolume() ([]byte, error) {
	var pairs []PairInfo
	for _, n := range c.p.list("pair") {
		p, ok := c.s.lookupPair(n)
		if !ok {
			return nil, errUnknownPair
		}
		pairs = append(pairs, p)
	}
	a := c.acct.a
	since := StampOf(c.now.Add(-30 * 24 * time.Hour))
	var vol int64 // ZUSD units
	a.Mu.RLock()
	for i := len(a.Trades) - 1; i >= 0; i-- {
		t := &a.Trades[i]
		if t.Time < since {
			break
		}
		if t.Time > StampOf(c.now) {
			continue
		}
		p, _, _, _ := c.s.pairDecimals(t.Pair)
		if v, ok := c.s.value(p.Quote, t.Cost, "ZUSD", t.Time.Time()); ok {
			vol += v
		}
	}
	a.Mu.RUnlock()
	usdDec := c.s.assetDecimals("ZUSD")
	tier := 0
	for i, ft := range feeTiers {
		if vol >= ft.volume*int64(bigPow10(usdDec).Int64()) {
			tier = i
		}
	}
	out := []byte(`{"currency":"ZUSD","volume":`)
	out = appendFixedString(out, vol, usdDec)
	if len(pairs) > 0 {
		for _, side := range []string{"fees", "fees_maker"} {
			out = append(out, ',')
			out = appendString(out, side)
			out = append(out, ":{"...)
			for i, p := range pairs {
				fee := func(k int) int64 {
					if side == "fees" {
						return feeTiers[k].taker
					}
					return feeTiers[k].maker
				}
				out = appendKey(out, p.ID, i == 0)
				out = append(out, `{"fee":`...)
				out = appendFixedString(out, fee(tier), 4)
				out = append(out, `,"minfee":`...)
				out = appendFixedString(out, fee(len(feeTiers)-1), 4)
				out = append(out, `,"maxfee":`...)
				out = appendFixedString(out, fee(0), 4)
				if tier+1 < len(feeTiers) {
					out = append(out, `,"nextfee":`...)
					out = appendFixedString(out, fee(tier+1), 4)
					out = append(out, `,"nextvolume":`...)
					out = appendFixedString(out, feeTiers[tier+1].volume*10_000, 4)
				} else {
					out = append(out, `,"nextfee":null,"nextvolume":null`...)
				}
				out = append(out, `,"tiervolume":`...)
				out = appendFixedString(out, feeTiers[tier].volume*10_000, 4)
				out = append(out, '}')
			}
			out = append(out, '}')
		}
	}
	return append(out, '}'), nil
}

// ---- Funding ---------------------------------------------------------------

// fundingMethod describes how an asset moves in and out.
type fundingMethod struct {
	method, network, minimum, fee string
}

// fundingMethods are the methods of well-known assets by altname; other
// assets get a method named after the asset.
var fundingMethods = map[string]fundingMethod{
	"XBT":  {"Bitcoin", "Bitcoin", "0.0004", "0.00000"},
	"ETH":  {"Ether", "Ethereum", "0.004", "0.00000"},
	"EUR":  {"SEPA", "SEPA", "1.00", "0.00"},
	"USD":  {"Bank Frick (SWIFT)", "SWIFT", "5.00", "0.00"},
	"GBP":  {"Clear Junction (FPS)", "FPS", "1.00", "0.00"},
	"DOT":  {"Polkadot", "Polkadot", "1", "0.00000"},
	"ADA":  {"ADA", "Cardano", "10", "0.00000"},
	"SOL":  {"Solana", "Solana", "0.05", "0.00000"},
	"USDT": {"Tether USD (ERC20)", "Ethereum", "10", "0.00000"},
	"USDC": {"USDC", "Ethereum", "10", "0.00000"},
}

func (s *Server) methodOf(a AssetInfo) fundingMethod {
	if m, ok := fundingMethods[a.Altname]; ok {
		return m
	}
	return fundingMethod{a.Altname, a.Altname, "1", "0.00000"}
}

// requiredAsset reads a required asset parameter.
func (c *call) requiredAsset(name string) (AssetInfo, error) {
	n := strings.TrimSpace(c.p.str(name, ""))
	if n == "" {
		return AssetInfo{}, invalidArg(name)
	}
	a, ok := c.s.resolveAsset(n)
	if !ok || a.Base != "" {
		return AssetInfo{}, invalidArg(name)
	}
	return a, nil
}

func (c *call) depositMethods() ([]byte, error) {
	a, err := c.requiredAsset("asset")
	if err != nil {
		return nil, err
	}
	if _, err := c.aclassOK("aclass"); err != nil {
		return nil, err
	}
	m := c.s.methodOf(a)
	out := []byte(`[{"method":`)
	out = appendString(out, m.method)
	out = append(out, `,"limit":false,"fee":`...)
	out = appendString(out, m.fee)
	out = append(out, `,"address-setup-fee":"0.00000","gen-address":`...)
	out = appendBool(out, !a.Fiat)
	out = append(out, `,"minimum":`...)
	out = appendString(out, m.minimum)
	return append(out, "}]"...), nil
}

// fakeAddress derives a stable address-like string.
func fakeAddress(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return "bc1q" + strings.ToLower(base32NoPad(h[:20]))
}

func base32NoPad(b []byte) string {
	const alpha = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
	var out []byte
	var acc, bits uint
	for _, x := range b {
		acc = acc<<8 | uint(x)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out = append(out, alpha[(acc>>bits)&31])
		}
	}
	return string(out)
}

func (c *call) depositAddresses() ([]byte, error) {
	a, err := c.requiredAsset("asset")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(c.p.str("method", "")) == "" {
		return nil, invalidArg("method")
	}
	isNew, err := c.p.boolean("new")
	if err != nil {
		return nil, err
	}
	out := []byte(`[{"address":`)
	out = appendString(out, fakeAddress(c.acct.a.ID+"/deposit/"+a.ID))
	out = append(out, `,"expiretm":"0"`...)
	if isNew {
		out = append(out, `,"new":true`...)
	}
	return append(out, "}]"...), nil
}

// fundingQuery reads the common DepositStatus/WithdrawStatus parameters.
type fundingQuery struct {
	assets  map[string]bool
	method  string
	b       bounds
	cursor  bool
	ofs     int
	limit   int
	currncy bool
}

func (c *call) readFundingQuery(defLimit int64) (fundingQuery, error) {
	q := fundingQuery{}
	ids, err := c.assetFilter()
	if err != nil {
		return q, err
	}
	if ids != nil {
		q.assets = map[string]bool{}
		for _, id := range ids {
			q.assets[id] = true
		}
	}
	if q.currncy, err = c.aclassOK("aclass"); err != nil {
		return q, err
	}
	q.method = c.p.str("method", "")
	if q.b, err = c.window(nil); err != nil {
		return q, err
	}
	switch cur := strings.TrimSpace(c.p.str("cursor", "false")); strings.ToLower(cur) {
	case "false", "0":
	case "true", "1":
		q.cursor = true
	default:
		n, err := strconv.Atoi(cur)
		if err != nil || n < 0 {
			return q, invalidArg("cursor")
		}
		q.cursor, q.ofs = true, n
	}
	l, err := c.p.integer("limit", defLimit, 1, 1000)
	if err != nil {
		return q, err
	}
	q.limit = int(l)
	return q, nil
}

func (c *call) fundingStatus(kind string, defLimit int64, listKey string) ([]byte, error) {
	q, err := c.readFundingQuery(defLimit)
	if err != nil {
		return nil, err
	}
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	var idx []int
	for i := range a.Funding {
		f := &a.Funding[i]
		if f.Kind != kind || !q.currncy {
			continue
		}
		if q.assets != nil && !q.assets[f.Asset] {
			continue
		}
		if q.method != "" && !strings.EqualFold(q.method, f.Method) {
			continue
		}
		if !q.b.contains(Stamp(f.Time * 10_000)) {
			continue
		}
		idx = append(idx, i)
	}
	sort.SliceStable(idx, func(x, y int) bool {
		fx, fy := &a.Funding[idx[x]], &a.Funding[idx[y]]
		if fx.Time != fy.Time {
			return fx.Time > fy.Time
		}
		return idx[x] > idx[y]
	})
	lo := min(q.ofs, len(idx))
	hi := min(lo+q.limit, len(idx))
	var out []byte
	if q.cursor {
		out = append(out, '{')
		out = appendString(out, listKey)
		out = append(out, ':')
	}
	out = append(out, '[')
	for n, i := range idx[lo:hi] {
		if n > 0 {
			out = append(out, ',')
		}
		out = c.s.appendFunding(out, &a.Funding[i])
	}
	out = append(out, ']')
	if q.cursor {
		if hi < len(idx) {
			out = append(out, `,"next_cursor":`...)
			out = appendString(out, strconv.Itoa(hi))
		} else {
			out = append(out, `,"next_cursor":null`...)
		}
		out = append(out, '}')
	}
	return out, nil
}

func (s *Server) appendFunding(b []byte, f *Funding) []byte {
	dec := s.assetDecimals(f.Asset)
	b = append(b, `{"method":`...)
	b = appendString(b, f.Method)
	if f.Network != "" {
		b = append(b, `,"network":`...)
		b = appendString(b, f.Network)
	}
	b = append(b, `,"aclass":`...)
	b = appendString(b, cmp.Or(f.Aclass, "currency"))
	b = append(b, `,"asset":`...)
	b = appendString(b, f.Asset)
	b = append(b, `,"refid":`...)
	b = appendString(b, f.RefID)
	b = append(b, `,"txid":`...)
	b = appendString(b, f.TxID)
	b = append(b, `,"info":`...)
	b = appendString(b, f.Info)
	b = append(b, `,"amount":`...)
	b = appendFixedString(b, f.Amount, dec)
	b = append(b, `,"fee":`...)
	b = appendFixedString(b, f.Fee, dec)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, f.Time, 10)
	b = append(b, `,"status":`...)
	b = appendString(b, f.Status)
	if f.StatusProp != "" {
		b = append(b, `,"status-prop":`...)
		b = appendString(b, f.StatusProp)
	}
	if f.Kind == "withdrawal" {
		b = append(b, `,"key":`...)
		b = appendString(b, f.Key)
	}
	return append(b, '}')
}

func (c *call) depositStatus() ([]byte, error) { return c.fundingStatus("deposit", 25, "deposit") }

// WithdrawStatus with a cursor wraps its list as {"withdrawals": [...],
// "next_cursor": ...} (the key name is not documented; UNVERIFIED).
func (c *call) withdrawStatus() ([]byte, error) {
	return c.fundingStatus("withdrawal", 500, "withdrawals")
}

func (c *call) withdrawMethods() ([]byte, error) {
	var list []AssetInfo
	if n := c.p.str("asset", ""); n != "" {
		a, err := c.requiredAsset("asset")
		if err != nil {
			return nil, err
		}
		list = []AssetInfo{a}
	} else {
		for _, a := range Assets() {
			if a.Base == "" && a.ID != "KFEE" {
				list = append(list, a)
			}
		}
	}
	network := c.p.str("network", "")
	out := []byte{'['}
	n := 0
	for _, a := range list {
		m := c.s.methodOf(a)
		if network != "" && !strings.EqualFold(network, m.network) {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, `{"asset":`...)
		out = appendString(out, a.ID)
		out = append(out, `,"method":`...)
		out = appendString(out, m.method)
		out = append(out, `,"network":`...)
		out = appendString(out, m.network)
		out = append(out, `,"minimum":`...)
		out = appendString(out, m.minimum)
		out = append(out, '}')
	}
	return append(out, ']'), nil
}

// withdrawKey is one saved withdrawal address, derived from the account's
// withdrawals.
type withdrawKey struct {
	asset             AssetInfo
	key, method, addr string
}

func (c *call) withdrawKeys() []withdrawKey {
	a := c.acct.a
	a.Mu.RLock()
	defer a.Mu.RUnlock()
	seen := map[string]bool{}
	var out []withdrawKey
	for i := range a.Funding {
		f := &a.Funding[i]
		if f.Kind != "withdrawal" || f.Key == "" || seen[f.Asset+"\x00"+f.Key] {
			continue
		}
		seen[f.Asset+"\x00"+f.Key] = true
		ai, _ := c.s.resolveAsset(f.Asset)
		addr := f.Info
		if addr == "" {
			addr = fakeAddress(a.ID + "/withdraw/" + f.Key)
		}
		out = append(out, withdrawKey{asset: ai, key: f.Key, method: f.Method, addr: addr})
	}
	return out
}

func (c *call) withdrawAddresses() ([]byte, error) {
	ids, err := c.assetFilter()
	if err != nil {
		return nil, err
	}
	if _, err := c.aclassOK("aclass"); err != nil {
		return nil, err
	}
	verified, err := c.p.boolean("verified")
	if err != nil {
		return nil, err
	}
	_, filterVerified := c.p.get("verified")
	method, key := c.p.str("method", ""), c.p.str("key", "")
	out := []byte{'['}
	n := 0
	for _, w := range c.withdrawKeys() {
		if ids != nil && !slices.Contains(ids, w.asset.ID) {
			continue
		}
		if (method != "" && !strings.EqualFold(method, w.method)) || (key != "" && key != w.key) {
			continue
		}
		if filterVerified && !verified {
			continue // every saved address is verified
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, `{"address":`...)
		out = appendString(out, w.addr)
		out = append(out, `,"asset":`...)
		out = appendString(out, w.asset.Altname)
		out = append(out, `,"method":`...)
		out = appendString(out, w.method)
		out = append(out, `,"key":`...)
		out = appendString(out, w.key)
		out = append(out, `,"verified":true}`...)
	}
	return append(out, ']'), nil
}

// parseAmount parses a non-negative decimal into 10^-places units; extra
// decimals must be zeros.
func parseAmount(s string, places int) (int64, bool) {
	s = strings.TrimSpace(s)
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, false
	}
	if len(frac) > places {
		if strings.Trim(frac[places:], "0") != "" {
			return 0, false
		}
		frac = frac[:places]
	}
	digits := cmp.Or(intPart, "0") + frac + strings.Repeat("0", places-len(frac))
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(digits, 10, 64)
	return v, err == nil
}

func (c *call) withdrawInfo() ([]byte, error) {
	a, err := c.requiredAsset("asset")
	if err != nil {
		return nil, err
	}
	key := c.p.str("key", "")
	if key == "" {
		return nil, invalidArg("key")
	}
	amount, ok := parseAmount(c.p.str("amount", ""), a.Decimals)
	if !ok || amount <= 0 {
		return nil, invalidArg("amount")
	}
	var w *withdrawKey
	for _, x := range c.withdrawKeys() {
		if x.asset.ID == a.ID && x.key == key {
			w = &x
			break
		}
	}
	if w == nil {
		return nil, apiError("EFunding:Unknown withdraw key")
	}
	m := c.s.methodOf(a)
	fee, _ := parseAmount(m.minimum, a.Decimals)
	fee /= 20
	bal, _ := c.balances()
	out := []byte(`{"method":`)
	out = appendString(out, w.method)
	out = append(out, `,"limit":`...)
	out = appendFixedString(out, max(bal[a.ID], 0), a.Decimals)
	out = append(out, `,"amount":`...)
	out = appendFixedString(out, max(amount-fee, 0), a.Decimals)
	out = append(out, `,"fee":`...)
	out = appendFixedString(out, fee, a.Decimals)
	return append(out, '}'), nil
}

// ---- Earn ------------------------------------------------------------------

// strategy is one Earn strategy offered for an asset.
type strategy struct {
	id, asset, lock string // lock: instant | bonded | flex
	aprLow, aprHigh int64  // 10^-4 percent
}

// strategies derives the offered strategies from the assets that have
// earn/staking variants.
func (s *Server) strategies() []strategy {
	var out []strategy
	for _, a := range Assets() {
		if a.Base == "" {
			continue
		}
		lock := "instant"
		switch {
		case strings.HasSuffix(a.ID, ".F"):
			lock = "flex"
		case strings.HasSuffix(a.ID, ".B") || strings.HasSuffix(a.ID, ".P"):
			lock = "bonded"
		}
		base := DisplayCode(a.Base)
		h := sha256.Sum256([]byte("strategy/" + a.ID))
		low := int64(binary.BigEndian.Uint16(h[0:2])%800+100) * 100
		out = append(out, strategy{id: krakenID('E', h[2:]), asset: base, lock: lock, aprLow: low, aprHigh: low + 40000})
	}
	return out
}

// krakenID formats a 6-5-6 upper-case ID with the given first letter.
func krakenID(first byte, h []byte) string {
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, 0, 19)
	b = append(b, first)
	for i := 0; len(b) < 19; i++ {
		if len(b) == 6 || len(b) == 12 {
			b = append(b, '-')
			continue
		}
		b = append(b, alpha[int(h[i%len(h)]+byte(i/len(h)))%32])
	}
	return string(b)
}

func (c *call) earnStrategies() ([]byte, error) {
	if _, err := c.p.boolean("ascending"); err != nil {
		return nil, err
	}
	locks := map[string]bool{}
	for _, l := range c.p.list("lock_type") {
		switch l {
		case "flex", "bonded", "timed", "instant":
			locks[l] = true
		default:
			return nil, invalidArg("lock_type")
		}
	}
	asset := c.p.str("asset", "")
	if asset != "" {
		a, ok := c.s.resolveAsset(asset)
		if !ok {
			return nil, invalidArg("asset")
		}
		asset = DisplayCode(a.ID)
	}
	if _, err := c.p.integer("limit", 0, 0, 1000); err != nil {
		return nil, err
	}
	out := []byte(`{"next_cursor":null,"items":[`)
	n := 0
	for _, st := range c.s.strategies() {
		if (len(locks) > 0 && !locks[st.lock]) || (asset != "" && asset != st.asset) {
			continue
		}
		if n > 0 {
			out = append(out, ',')
		}
		n++
		out = append(out, `{"id":`...)
		out = appendString(out, st.id)
		out = append(out, `,"asset":`...)
		out = appendString(out, st.asset)
		switch st.lock {
		case "flex":
			out = append(out, `,"lock_type":{"type":"flex"}`...)
		case "bonded":
			out = append(out, `,"lock_type":{"type":"bonded","payout_frequency":604800,"bonding_period":0,"bonding_period_variable":false,"bonding_rewards":false,"unbonding_period":2419200,"unbonding_period_variable":false,"unbonding_rewards":false,"exit_queue_period":0}`...)
		default:
			out = append(out, `,"lock_type":{"type":"instant","payout_frequency":604800}`...)
		}
		out = append(out, `,"apr_estimate":{"low":`...)
		out = appendFixedString(out, st.aprLow, 4)
		out = append(out, `,"high":`...)
		out = appendFixedString(out, st.aprHigh, 4)
		out = append(out, `},"user_min_allocation":"0.01","allocation_fee":"0.0000","deallocation_fee":"0.0000","auto_compound":{"type":"enabled"},"yield_source":{"type":"staking"},"can_allocate":`...)
		out = appendBool(out, st.lock != "flex")
		out = append(out, `,"can_deallocate":`...)
		out = appendBool(out, st.lock != "flex")
		out = append(out, `,"allocation_restriction_info":[]}`...)
	}
	return append(out, "]}"...), nil
}

func (c *call) earnAllocations() ([]byte, error) {
	if _, err := c.p.boolean("ascending"); err != nil {
		return nil, err
	}
	hideZero, err := c.p.boolean("hide_zero_allocations")
	if err != nil {
		return nil, err
	}
	conv, ok := c.s.resolveAsset(c.p.str("converted_asset", "USD"))
	if !ok || conv.Base != "" {
		return nil, invalidArg("converted_asset")
	}
	bal, ids := c.balances()
	// Rewards per earn asset: staking entries and earn/reward entries.
	rewards := map[string]int64{}
	a := c.acct.a
	a.Mu.RLock()
	for i := range a.Entries {
		e := &a.Entries[i]
		if (e.Type == "staking" || (e.Type == "earn" && e.Subtype == "reward")) && e.Amount > 0 {
			rewards[e.Asset] += e.Amount
		}
	}
	a.Mu.RUnlock()
	strat := map[string]strategy{}
	for _, st := range c.s.strategies() {
		strat[st.asset+"/"+st.lock] = st
	}
	cd := conv.Decimals
	var totalAlloc, totalRew int64
	var items []byte
	n := 0
	for _, id := range ids {
		ai, ok := c.s.assets[id]
		if !ok || ai.Base == "" {
			continue
		}
		amt := bal[id]
		if hideZero && amt == 0 {
			continue
		}
		lock := "instant"
		switch {
		case strings.HasSuffix(id, ".F"):
			lock = "flex"
		case strings.HasSuffix(id, ".B") || strings.HasSuffix(id, ".P"):
			lock = "bonded"
		}
		st := strat[DisplayCode(ai.Base)+"/"+lock]
		dec := ai.Decimals
		convAmt, _ := c.s.value(id, amt, conv.ID, c.now)
		convRew, _ := c.s.value(id, rewards[id], conv.ID, c.now)
		totalAlloc += convAmt
		totalRew += convRew
		if n > 0 {
			items = append(items, ',')
		}
		n++
		items = append(items, `{"strategy_id":`...)
		items = appendString(items, st.id)
		items = append(items, `,"native_asset":`...)
		items = appendString(items, DisplayCode(ai.Base))
		items = append(items, `,"amount_allocated":{"total":{"native":`...)
		items = appendFixedString(items, amt, dec)
		items = append(items, `,"converted":`...)
		items = appendFixedString(items, convAmt, cd)
		items = append(items, `}},"total_rewarded":{"native":`...)
		items = appendFixedString(items, rewards[id], dec)
		items = append(items, `,"converted":`...)
		items = appendFixedString(items, convRew, cd)
		items = append(items, "}}"...)
	}
	out := []byte(`{"converted_asset":`)
	out = appendString(out, conv.Altname)
	out = append(out, `,"total_allocated":`...)
	out = appendFixedString(out, totalAlloc, cd)
	out = append(out, `,"total_rewarded":`...)
	out = appendFixedString(out, totalRew, cd)
	out = append(out, `,"next_cursor":null,"items":[`...)
	out = append(out, items...)
	return append(out, "]}"...), nil
}

func (c *call) earnPending() ([]byte, error) {
	if c.p.str("strategy_id", "") == "" {
		return nil, invalidArg("strategy_id")
	}
	return []byte(`{"pending":false}`), nil
}

// ---- Keys, websockets ------------------------------------------------------

func (c *call) wsToken() ([]byte, error) {
	h := sha256.Sum256([]byte(c.key.cfg.Key + "/ws/" + strconv.FormatInt(c.now.UnixNano(), 10)))
	out := []byte(`{"token":`)
	out = appendString(out, base64.RawStdEncoding.EncodeToString(h[:]))
	return append(out, `,"expires":900}`...), nil
}

func unixOrZero(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

func (c *call) apiKeyInfo() ([]byte, error) {
	k := c.key
	k.mu.Lock()
	nonce, lastUsed := k.highest, k.lastUsed
	k.mu.Unlock()
	out := []byte(`{"apiKeyName":`)
	out = appendString(out, cmp.Or(k.cfg.Name, k.cfg.Key))
	out = append(out, `,"apiKey":`...)
	out = appendString(out, k.cfg.Key)
	out = append(out, `,"nonce":`...)
	out = appendString(out, uintString(nonce))
	out = append(out, `,"nonceWindow":`...)
	out = strconv.AppendUint(out, k.cfg.NonceWindow, 10)
	out = append(out, `,"permissions":`...)
	var perms []string
	for i, n := range permNames {
		if k.perms&(perm(1)<<i) != 0 {
			perms = append(perms, n)
		}
	}
	out = appendStrings(out, perms)
	out = append(out, `,"iban":"AA00 KRAK 0000 0000 0000 00","validUntil":`...)
	out = appendString(out, unixOrZero(k.cfg.ValidUntil))
	out = append(out, `,"queryFrom":`...)
	out = appendString(out, unixOrZero(k.cfg.QueryFrom))
	out = append(out, `,"queryTo":`...)
	out = appendString(out, unixOrZero(k.cfg.QueryTo))
	out = append(out, `,"createdTime":`...)
	out = appendString(out, unixOrZero(k.created))
	out = append(out, `,"modifiedTime":`...)
	out = appendString(out, unixOrZero(k.created))
	out = append(out, `,"ipAllowlist":`...)
	ips := make([]string, 0, len(k.cfg.IPAllowlist))
	for _, p := range k.cfg.IPAllowlist {
		ips = append(ips, p.String())
	}
	out = appendStrings(out, ips)
	out = append(out, `,"lastUsed":`...)
	out = appendStringOrNull(out, func() string {
		if lastUsed.IsZero() {
			return ""
		}
		return unixOrZero(lastUsed)
	}())
	return append(out, '}'), nil
}

// ---- Trading ---------------------------------------------------------------

var orderTypes = map[string]bool{"market": true, "limit": true, "iceberg": true, "stop-loss": true,
	"take-profit": true, "trailing-stop": true, "stop-loss-limit": true, "take-profit-limit": true,
	"trailing-stop-limit": true, "settle-position": true}

func (c *call) addOrder() ([]byte, error) {
	pairName := c.p.str("pair", "")
	if pairName == "" {
		return nil, invalidArg("pair")
	}
	p, ok := c.s.lookupPair(pairName)
	if !ok {
		return nil, errUnknownPair
	}
	typ := c.p.str("type", "")
	if typ != "buy" && typ != "sell" {
		return nil, invalidArg("type")
	}
	ordertype := c.p.str("ordertype", "")
	if !orderTypes[ordertype] {
		return nil, invalidArg("ordertype")
	}
	vol, ok := parseAmount(c.p.str("volume", ""), p.LotDecimals)
	if !ok || vol <= 0 {
		return nil, invalidArg("volume")
	}
	var price int64
	if ordertype != "market" {
		price, ok = parseAmount(c.p.str("price", ""), p.PairDecimals)
		if !ok || price <= 0 {
			return nil, invalidArg("price")
		}
	}
	if min, ok := parseAmount(p.OrderMin, p.LotDecimals); ok && vol < min {
		return nil, apiError("EOrder:Order minimum not met")
	}
	if _, err := c.p.integer("userref", 0, -1<<31, 1<<31-1); err != nil {
		return nil, err
	}
	// Kraken historically treated any validate value as validate-only; the
	// emulator follows the documented boolean.
	validate, err := c.p.boolean("validate")
	if err != nil {
		return nil, err
	}
	descr := orderDescr(typ, vol, p.LotDecimals, p.Altname, ordertype, price, p.PairDecimals)
	out := []byte(`{"descr":{"order":`)
	out = appendString(out, descr)
	out = append(out, '}')
	if validate {
		return append(out, '}'), nil
	}
	a := c.acct.a
	a.Mu.Lock()
	h := sha256.Sum256([]byte(a.ID + "/order/" + strconv.FormatInt(c.now.UnixNano(), 10) + "/" + strconv.Itoa(len(a.Open)+len(a.Closed))))
	id := krakenID('O', h[:])
	a.Open = append(a.Open, Order{ID: id, Status: "open", OpenTm: StampOf(c.now), Pair: p.ID, Type: typ,
		OrderType: ordertype, Price: price, Vol: vol, Oflags: c.p.str("oflags", "fciq")})
	a.Mu.Unlock()
	out = append(out, `,"txid":`...)
	out = appendStrings(out, []string{id})
	return append(out, '}'), nil
}

func (c *call) cancelOrder() ([]byte, error) {
	txid := strings.TrimSpace(c.p.str("txid", c.p.str("cl_ord_id", "")))
	if txid == "" {
		return nil, invalidArg("txid")
	}
	a := c.acct.a
	a.Mu.Lock()
	defer a.Mu.Unlock()
	for i := range a.Open {
		if a.Open[i].ID != txid {
			continue
		}
		o := a.Open[i]
		o.Status, o.Reason, o.CloseTm = "canceled", "User requested", StampOf(c.now)
		a.Open = append(a.Open[:i:i], a.Open[i+1:]...)
		a.Closed = append(a.Closed, o)
		if a.OrderIndex == nil {
			a.OrderIndex = map[string]int{}
		}
		a.OrderIndex[o.ID] = len(a.Closed) - 1
		return []byte(`{"count":1}`), nil
	}
	return nil, errUnknownOrder
}
