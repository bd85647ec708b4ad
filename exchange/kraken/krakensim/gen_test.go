package krakensim

import (
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The shared default history: ~5,000 entries over 2018-2025.
const (
	testSeed    = 7
	testAccount = "acct-test"
)

var (
	testMarket  = sync.OnceValue(func() *Market { return NewMarket(testSeed) })
	testHistory = sync.OnceValue(func() *Account {
		return Generate(testMarket(), testSeed, testAccount, DefaultHistorySpec(5000))
	})
)

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	m := testMarket()
	spec := DefaultHistorySpec(2000)
	a := Generate(m, 1, "acct", spec)
	tests := []struct {
		name     string
		b        *Account
		wantSame bool
	}{
		{"same seed and account", Generate(m, 1, "acct", spec), true},
		{"other seed", Generate(m, 2, "acct", spec), false},
		{"other account", Generate(m, 1, "acct-2", spec), false},
		{"other market", Generate(NewMarket(99), 1, "acct", spec), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			same := reflect.DeepEqual(a.Entries, tc.b.Entries) && reflect.DeepEqual(a.Trades, tc.b.Trades) &&
				reflect.DeepEqual(a.Closed, tc.b.Closed) && reflect.DeepEqual(a.Open, tc.b.Open) &&
				reflect.DeepEqual(a.Funding, tc.b.Funding)
			if same != tc.wantSame {
				t.Errorf("histories equal = %v, want %v", same, tc.wantSame)
			}
		})
	}
}

func TestGenerateSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		spec     HistorySpec
		min, max int
	}{
		{"default 5000", DefaultHistorySpec(5000), 4900, 5100},
		{"small 50", DefaultHistorySpec(50), 40, 90},
		{"tiny 1", DefaultHistorySpec(1), 1, 10},
		{"zero times", HistorySpec{Entries: 300}, 280, 420},
		{"two months", HistorySpec{Entries: 3000, From: date(2024, 1, 1), To: date(2024, 3, 1)}, 2900, 3150},
		{"early years", HistorySpec{Entries: 1500, From: date(2014, 3, 1), To: date(2016, 12, 31)}, 1400, 1650},
		{"future", HistorySpec{Entries: 800, From: date(2026, 1, 1), To: date(2030, 1, 1)}, 750, 900},
		{"only To", HistorySpec{Entries: 400, To: date(2025, 6, 1)}, 380, 520},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := Generate(testMarket(), 3, "acct", tc.spec)
			if err := a.Verify(); err != nil {
				t.Fatal(err)
			}
			if n := len(a.Entries); n < tc.min || n > tc.max {
				t.Errorf("%d entries, want %d..%d", n, tc.min, tc.max)
			}
			spec := tc.spec
			switch {
			case spec.From.IsZero() && spec.To.IsZero():
				spec = DefaultHistorySpec(spec.Entries)
			case spec.From.IsZero():
				spec.From = spec.To.Add(-8 * 365 * 24 * time.Hour)
			}
			from, to := StampOf(spec.From), StampOf(spec.To)
			for _, e := range a.Entries {
				if e.Time < from || e.Time > to {
					t.Fatalf("entry %s at %s outside [%s, %s]", e.ID, e.Time.Time(), spec.From, spec.To)
				}
			}
			for _, o := range a.Open {
				if o.OpenTm < from || o.OpenTm > to {
					t.Fatalf("open order %s at %s outside the history", o.ID, o.OpenTm.Time())
				}
			}
			if tc.spec.Entries >= 200 {
				if missing := missingShapes(a, tc.name == "default 5000"); len(missing) > 0 {
					t.Errorf("missing shapes: %v", missing)
				}
			}
		})
	}
}

func TestBalanceChain(t *testing.T) {
	t.Parallel()
	a := testHistory()
	bal := map[string]int64{}
	for i, e := range a.Entries {
		want := bal[e.Asset] + e.Amount - e.Fee
		if e.Balance != want {
			t.Fatalf("entry %d %s %s: balance %d, want %d", i, e.ID, e.Asset, e.Balance, want)
		}
		if e.Balance < 0 {
			t.Fatalf("entry %d %s: negative balance", i, e.ID)
		}
		bal[e.Asset] = e.Balance
	}
	if got := a.Balances(); !reflect.DeepEqual(got, bal) {
		t.Errorf("Balances() = %v, want %v", got, bal)
	}
	if err := a.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyCatchesBreaks(t *testing.T) {
	t.Parallel()
	breaks := []struct {
		name  string
		spoil func(a *Account)
	}{
		{"balance", func(a *Account) { a.Entries[10].Balance++ }},
		{"order", func(a *Account) { a.Entries[5].Time, a.Entries[6].Time = a.Entries[6].Time+1, a.Entries[5].Time }},
		{"index", func(a *Account) { a.EntryIndex[a.Entries[3].ID] = 4 }},
		{"trade ledger", func(a *Account) { a.Trades[2].Ledgers = []string{a.Entries[0].ID} }},
	}
	for _, tc := range breaks {
		t.Run(tc.name, func(t *testing.T) {
			a := Generate(testMarket(), 5, "acct", DefaultHistorySpec(300))
			if err := a.Verify(); err != nil {
				t.Fatal(err)
			}
			tc.spoil(a)
			if a.Verify() == nil {
				t.Error("Verify accepted a broken account")
			}
		})
	}
}

// shape is one QUIRKS.md event shape and a test for it. An era shape needs
// a history that spans Kraken's changes (the default one does).
type shape struct {
	name string
	has  func(a *Account, byRef map[string][]Entry) bool
	era  bool
}

func anyEntry(a *Account, f func(e Entry) bool) bool {
	for _, e := range a.Entries {
		if f(e) {
			return true
		}
	}
	return false
}

func anyGroup(byRef map[string][]Entry, f func(g []Entry) bool) bool {
	for _, g := range byRef {
		if f(g) {
			return true
		}
	}
	return false
}

func entryIs(typ, sub, asset string) func(e Entry) bool {
	return func(e Entry) bool {
		return e.Type == typ && (sub == "*" || e.Subtype == sub) && (asset == "*" || e.Asset == asset)
	}
}

var shapes = []shape{
	{name: "failed withdrawal pair", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			return len(g) == 2 && g[0].Type == tWithdrawal && g[1].Type == tWithdrawal &&
				g[0].Asset == g[1].Asset && g[0].Amount+g[1].Amount == 0 && g[0].Fee+g[1].Fee == 0 && g[0].Amount < 0
		})
	}},
	{name: "two-wallet fill", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			neg := map[string]bool{}
			for _, e := range g {
				if e.Type == tTrade && e.Amount < 0 {
					neg[baseOf(e.Asset)+"/"+e.Asset] = true
				}
			}
			return neg["XXBT/XXBT"] && neg["XXBT/XBT.F"]
		})
	}},
	{name: "KFEE fee entry", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, func(e Entry) bool { return e.Type == tTrade && e.Asset == "KFEE" && e.Amount == 0 && e.Fee > 0 })
	}},
	{name: "KFEE credit", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tDeposit, "", "KFEE")) }},
	{name: "fee on quote leg", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyTradeFee(a, byRef, func(t Trade, e Entry) bool { return e.Fee > 0 && isQuote(t, e) })
	}},
	{name: "fee on base leg", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyTradeFee(a, byRef, func(t Trade, e Entry) bool { return e.Fee > 0 && !isQuote(t, e) && e.Asset != "KFEE" })
	}},
	{name: "spend/receive", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			return len(g) == 2 && g[0].Type == tSpend && g[0].Amount < 0 && g[1].Type == tReceive && g[1].Amount > 0
		})
	}},
	{name: "card deposit", has: func(a *Account, _ map[string][]Entry) bool {
		for _, f := range a.Funding {
			if strings.Contains(f.Method, "Card") {
				return true
			}
		}
		return false
	}},
	{name: "spottostaking", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sSpotToStaking, "DOT"))
	}},
	{name: "stakingfromspot", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sStakingFromSpot, "DOT.S"))
	}},
	{name: "stakingtospot", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sStakingToSpot, "DOT.S"))
	}},
	{name: "spotfromstaking", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sSpotFromStaking, "DOT"))
	}},
	{name: "legacy staking reward", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, func(e Entry) bool { return e.Type == tStaking && strings.HasSuffix(e.Asset, ".S") && e.Amount > 0 })
	}},
	{name: "opt-in reward", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tStaking, "", "XBT.M")) }},
	{name: "earn allocation", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tEarn, sAllocation, "*")) }},
	{name: "earn deallocation", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tEarn, sDeallocation, "*")) }},
	{name: "earn autoallocation", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tEarn, sAutoallocation, "*")) }},
	{name: "earn reward", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tEarn, sReward, "*")) }},
	{name: "earn migration", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			return len(g) == 2 && g[0].Subtype == sMigration && g[0].Asset == "DOT.S" && g[0].Amount < 0 &&
				g[1].Asset == "DOT.B" && g[1].Amount == -g[0].Amount
		})
	}},
	{name: "ETH2.S conversion", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			return len(g) == 2 && g[0].Type == tStaking && g[0].Asset == "ETH2.S" && g[0].Amount < 0 &&
				g[1].Asset == "ETH2" && g[1].Amount == -g[0].Amount
		})
	}},
	{name: "spottofutures", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sSpotToFutures, "*"))
	}},
	{name: "spotfromfutures", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTransfer, sSpotFromFutures, "*"))
	}},
	{name: "airdrop", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tTransfer, "", "BCH")) }},
	{name: "delisting adjustments", has: func(a *Account, _ map[string][]Entry) bool {
		var out, in *Entry
		for i := range a.Entries {
			e := &a.Entries[i]
			if e.Type == tAdjustment && e.Asset == "UST" && e.Amount < 0 && e.Balance == 0 {
				out = e
			}
			if e.Type == tAdjustment && e.Asset == "ZEUR" && e.Amount > 0 && out != nil {
				in = e
			}
		}
		return out != nil && in != nil && out.RefID != in.RefID && in.Time-out.Time >= 86400_0000
	}},
	{name: "margin and rollover", has: func(a *Account, byRef map[string][]Entry) bool {
		return anyGroup(byRef, func(g []Entry) bool {
			var m, r, pl bool
			for _, e := range g {
				m = m || e.Type == tMargin && e.Amount == 0 && e.Fee > 0
				pl = pl || e.Type == tMargin && e.Amount != 0
				r = r || e.Type == tRollover && e.Fee > 0
			}
			return m && r && pl
		})
	}},
	{name: "invite bonus", has: func(a *Account, _ map[string][]Entry) bool { return anyEntry(a, entryIs(tInvite, "", "*")) }},
	{name: "legacy and plain codes", era: true, has: func(a *Account, _ map[string][]Entry) bool {
		seen := map[string]bool{}
		for _, e := range a.Entries {
			seen[e.Asset] = true
		}
		for _, c := range []string{"XXBT", "XETH", "ZEUR", "ZUSD", "XXDG", "DOT", "SOL", "ADA", "USDC"} {
			if !seen[c] {
				return false
			}
		}
		return true
	}},
	{name: "trade subtypes tradespot and empty", era: true, has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, entryIs(tTrade, sTradespot, "*")) && anyEntry(a, entryIs(tTrade, "", "*"))
	}},
	{name: "crypto-crypto trade", has: func(a *Account, _ map[string][]Entry) bool {
		for _, t := range a.Trades {
			if p, _ := PairByName(t.Pair); p.Quote == "XXBT" || p.Quote == "XETH" {
				return true
			}
		}
		return false
	}},
	{name: "multi-fill order", has: func(a *Account, _ map[string][]Entry) bool {
		for _, o := range a.Closed {
			if len(o.Trades) > 1 {
				return true
			}
		}
		return false
	}},
	{name: "canceled unfilled order", has: func(a *Account, _ map[string][]Entry) bool {
		for _, o := range a.Closed {
			if o.Status == "canceled" && o.VolExec == 0 {
				return true
			}
		}
		return false
	}},
	{name: "canceled partial order", has: func(a *Account, _ map[string][]Entry) bool {
		for _, o := range a.Closed {
			if o.Status == "canceled" && o.VolExec > 0 && o.Vol > o.VolExec {
				return true
			}
		}
		return false
	}},
	{name: "open orders", has: func(a *Account, _ map[string][]Entry) bool { return len(a.Open) > 0 }},
	{name: "crypto funding records", has: func(a *Account, _ map[string][]Entry) bool {
		var dep, wd bool
		for _, f := range a.Funding {
			crypto := f.Network != "" && f.TxID != "" && f.Info != ""
			dep = dep || f.Kind == "deposit" && crypto
			wd = wd || f.Kind == "withdrawal" && crypto && f.Fee > 0
		}
		return dep && wd
	}},
	{name: "fiat funding with fees", has: func(a *Account, _ map[string][]Entry) bool {
		return anyEntry(a, func(e Entry) bool { return e.Type == tWithdrawal && e.Asset == "ZEUR" && e.Fee > 0 })
	}},
	{name: "old and FT refids", era: true, has: func(a *Account, _ map[string][]Entry) bool {
		var q, ft bool
		for _, f := range a.Funding {
			q = q || strings.HasPrefix(f.RefID, "Q")
			ft = ft || strings.HasPrefix(f.RefID, "FT")
		}
		return q && ft
	}},
}

func isQuote(t Trade, e Entry) bool {
	p, _ := PairByName(t.Pair)
	return e.Asset == p.Quote
}

func anyTradeFee(a *Account, byRef map[string][]Entry, f func(t Trade, e Entry) bool) bool {
	for _, t := range a.Trades {
		for _, e := range byRef[t.ID] {
			if f(t, e) {
				return true
			}
		}
	}
	return false
}

func groupByRef(a *Account) map[string][]Entry {
	m := make(map[string][]Entry, len(a.Entries))
	for _, e := range a.Entries {
		m[e.RefID] = append(m[e.RefID], e)
	}
	return m
}

// missingShapes lists the shapes a lacks (only the era-independent ones
// unless eras is set).
func missingShapes(a *Account, eras bool) []string {
	byRef := groupByRef(a)
	var missing []string
	for _, s := range shapes {
		if (eras || !s.era) && !s.has(a, byRef) {
			missing = append(missing, s.name)
		}
	}
	return missing
}

func TestQuirkShapes(t *testing.T) {
	t.Parallel()
	a := testHistory()
	byRef := groupByRef(a)
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			if !s.has(a, byRef) {
				t.Errorf("no %s in the default history", s.name)
			}
		})
	}
}

func TestFailedWithdrawalFunding(t *testing.T) {
	t.Parallel()
	a := testHistory()
	byRef := groupByRef(a)
	found := false
	for _, f := range a.Funding {
		g := byRef[f.RefID]
		if len(g) == 0 {
			t.Errorf("funding %s has no ledger entry", f.RefID)
			continue
		}
		if g[0].Asset != f.Asset || -g[0].Amount != f.Amount && g[0].Amount != f.Amount || g[0].Fee != f.Fee {
			t.Errorf("funding %+v does not match its entry %+v", f, g[0])
		}
		if f.Status == "Failure" {
			found = true
			if len(g) != 2 || g[0].Time >= g[1].Time {
				t.Errorf("failed withdrawal %s: entries %+v", f.RefID, g)
			}
		}
	}
	if !found {
		t.Error("no failed withdrawal in Funding")
	}
}

func TestTradesMatchLedger(t *testing.T) {
	t.Parallel()
	a, m := testHistory(), testMarket()
	claimed := map[string]string{}
	for _, tr := range a.Trades {
		p, ok := PairByName(tr.Pair)
		if !ok {
			t.Fatalf("trade %s: unknown pair %s", tr.ID, tr.Pair)
		}
		if want := m.Price(tr.Pair, tr.Time.Time()); tr.Price != want {
			t.Errorf("trade %s: price %d, market says %d", tr.ID, tr.Price, want)
		}
		qa, _ := AssetByID(p.Quote)
		if want := pairCost(&p, tr.Price, tr.Vol); tr.Cost != want {
			t.Errorf("trade %s: cost %d, price x vol = %d", tr.ID, tr.Cost, want)
		}
		var baseSum, quoteAmt, quoteFee, kfee int64
		for _, id := range tr.Ledgers {
			if prev, dup := claimed[id]; dup {
				t.Errorf("ledger %s claimed by %s and %s", id, prev, tr.ID)
			}
			claimed[id] = tr.ID
			e := a.Entries[a.EntryIndex[id]]
			if e.RefID != tr.ID || e.Time != tr.Time || e.Type != tTrade {
				t.Fatalf("trade %s: ledger %+v", tr.ID, e)
			}
			switch {
			case e.Asset == "KFEE":
				kfee += e.Fee
			case e.Asset == p.Quote:
				quoteAmt += e.Amount
				quoteFee += e.Fee
			case baseOf(e.Asset) == baseOf(p.Base):
				ba, _ := AssetByID(e.Asset)
				baseSum += e.Amount / pow10[ba.Decimals-p.LotDecimals]
				if e.Amount%pow10[ba.Decimals-p.LotDecimals] != 0 {
					t.Errorf("trade %s: base leg %d not a whole lot", tr.ID, e.Amount)
				}
			default:
				t.Errorf("trade %s: ledger asset %s not in pair %s", tr.ID, e.Asset, p.ID)
			}
		}
		sign := int64(1)
		if tr.Type == "sell" {
			sign = -1
		}
		if baseSum != sign*tr.Vol {
			t.Errorf("trade %s (%s): base legs %d, vol %d", tr.ID, tr.Type, baseSum, tr.Vol)
		}
		if quoteAmt != -sign*tr.Cost {
			t.Errorf("trade %s (%s): quote leg %d, cost %d", tr.ID, tr.Type, quoteAmt, tr.Cost)
		}
		if quoteFee > 0 && quoteFee != tr.Fee {
			t.Errorf("trade %s: quote fee %d, trade fee %d", tr.ID, quoteFee, tr.Fee)
		}
		if kfee > 0 && kfee != m.USDValue(qa.ID, tr.Fee, tr.Time.Time()) {
			t.Errorf("trade %s: KFEE fee %d, trade fee %d %s", tr.ID, kfee, tr.Fee, qa.ID)
		}
	}
	for _, e := range a.Entries {
		if e.Type == tTrade && claimed[e.ID] == "" {
			t.Errorf("trade entry %s (refid %s) belongs to no trade", e.ID, e.RefID)
		}
	}
}

func TestOrdersMatchTrades(t *testing.T) {
	t.Parallel()
	a := testHistory()
	for _, o := range a.Closed {
		var vol, cost, fee int64
		for _, tid := range o.Trades {
			i, ok := a.TradeIndex[tid]
			if !ok {
				t.Fatalf("order %s: unknown trade %s", o.ID, tid)
			}
			tr := a.Trades[i]
			if tr.OrderID != o.ID || tr.Pair != o.Pair || tr.Type != o.Type || tr.OrderType != o.OrderType {
				t.Errorf("order %s: trade %+v", o.ID, tr)
			}
			if tr.Time < o.OpenTm || tr.Time > o.CloseTm {
				t.Errorf("order %s: trade %s at %s outside [%s, %s]", o.ID, tid, tr.Time, o.OpenTm, o.CloseTm)
			}
			if o.OrderType == "limit" && (o.Type == "buy" && tr.Price > o.Price || o.Type == "sell" && tr.Price < o.Price) {
				t.Errorf("order %s: trade price %d beyond limit %d", o.ID, tr.Price, o.Price)
			}
			vol += tr.Vol
			cost += tr.Cost
			fee += tr.Fee
		}
		if o.VolExec != vol || o.Cost != cost || o.Fee != fee {
			t.Errorf("order %s: vol_exec/cost/fee %d/%d/%d, trades sum %d/%d/%d", o.ID, o.VolExec, o.Cost, o.Fee, vol, cost, fee)
		}
		switch o.Status {
		case "closed":
			if o.Vol != o.VolExec || o.VolExec == 0 {
				t.Errorf("closed order %s: vol %d, vol_exec %d", o.ID, o.Vol, o.VolExec)
			}
		case "canceled", "expired":
			if o.Vol <= o.VolExec {
				t.Errorf("%s order %s: vol %d, vol_exec %d", o.Status, o.ID, o.Vol, o.VolExec)
			}
		default:
			t.Errorf("order %s: status %q", o.ID, o.Status)
		}
		if o.VolExec > 0 {
			p, _ := PairByName(o.Pair)
			q, _ := AssetByID(p.Quote)
			if want := mulDivRound(o.Cost, pow10[p.PairDecimals+p.LotDecimals-q.Decimals], o.VolExec); o.AvgPrice != want {
				t.Errorf("order %s: avg price %d, want %d", o.ID, o.AvgPrice, want)
			}
		}
	}
	for i := 1; i < len(a.Closed); i++ {
		if a.Closed[i].OpenTm < a.Closed[i-1].OpenTm || a.Closed[i].CloseTm < a.Closed[i-1].CloseTm {
			t.Errorf("closed order %s out of order", a.Closed[i].ID)
		}
	}
	for _, tr := range a.Trades {
		if _, ok := a.OrderIndex[tr.OrderID]; !ok {
			t.Errorf("trade %s: order %s not in Closed", tr.ID, tr.OrderID)
		}
	}
	for _, o := range a.Open {
		if o.Status != "open" || o.VolExec != 0 || o.CloseTm != 0 || o.Price <= 0 {
			t.Errorf("open order %+v", o)
		}
	}
}

var (
	reLedgerID = regexp.MustCompile(`^L[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`)
	reTradeID  = regexp.MustCompile(`^T[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`)
	reOrderID  = regexp.MustCompile(`^O[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}$`)
	reRefID    = regexp.MustCompile(`^(T[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}|[QABR][A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}|ST[A-Z2-7]{5}-[A-Z2-7]{5}-[A-Z2-7]{6}|FT[A-Za-z0-9]{5}-[A-Za-z0-9]{22})$`)
)

func TestHistoryIDs(t *testing.T) {
	t.Parallel()
	a := testHistory()
	seen := map[string]string{}
	check := func(kind, id string, re *regexp.Regexp) {
		if !re.MatchString(id) {
			t.Errorf("%s ID %q has the wrong shape", kind, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("%s ID %s already used by a %s", kind, id, prev)
		}
		seen[id] = kind
	}
	for _, e := range a.Entries {
		check("ledger", e.ID, reLedgerID)
		if !reRefID.MatchString(e.RefID) {
			t.Errorf("entry %s: refid %q has no Kraken shape", e.ID, e.RefID)
		}
	}
	for _, tr := range a.Trades {
		check("trade", tr.ID, reTradeID)
	}
	for _, o := range a.Closed {
		check("order", o.ID, reOrderID)
	}
	for _, o := range a.Open {
		check("order", o.ID, reOrderID)
	}
}

func TestHistoryTimes(t *testing.T) {
	t.Parallel()
	a := testHistory()
	spec := DefaultHistorySpec(0)
	from, to := StampOf(spec.From), StampOf(spec.To)
	for i, e := range a.Entries {
		if e.Time < from || e.Time > to {
			t.Fatalf("entry %s at %s outside the history", e.ID, e.Time.Time())
		}
		if i == 0 {
			continue
		}
		p := a.Entries[i-1]
		if e.Time < p.Time {
			t.Fatalf("entry %s before its predecessor", e.ID)
		}
		if e.Time == p.Time && e.RefID != p.RefID {
			t.Errorf("entries %s and %s share time %s but not their refid", p.ID, e.ID, e.Time)
		}
	}
	for i := 1; i < len(a.Funding); i++ {
		if a.Funding[i].Time < a.Funding[i-1].Time {
			t.Errorf("funding %d out of order", i)
		}
	}
	// Each era shows up in its years.
	for _, e := range a.Entries {
		if e.Type == tTrade && (e.Subtype == sTradespot) != (e.Time >= eraTradespot) {
			t.Fatalf("trade entry %s at %s has subtype %q", e.ID, e.Time.Time(), e.Subtype)
		}
	}
	for _, f := range a.Funding {
		if strings.HasPrefix(f.RefID, "FT") != (f.Time >= eraFT.Unix()) {
			t.Fatalf("funding %s at %d", f.RefID, f.Time)
		}
	}
}

func BenchmarkGenerate1M(b *testing.B) {
	m := NewMarket(1)
	spec := DefaultHistorySpec(1_000_000)
	b.ReportAllocs()
	var n int
	var ms runtime.MemStats
	for b.Loop() {
		a := Generate(m, 1, "bench", spec)
		n = len(a.Entries)
		runtime.ReadMemStats(&ms) // while a is live: the peak-ish heap
		runtime.KeepAlive(a)
	}
	b.ReportMetric(float64(n), "entries/op")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heapMB")
	b.ReportMetric(float64(ms.Sys)/(1<<20), "sysMB")
	b.Logf("entries %d, HeapAlloc %d MB, Sys %d MB, %s", n, ms.HeapAlloc>>20, ms.Sys>>20, time.Duration(b.Elapsed().Nanoseconds()/int64(max(b.N, 1))))
}
