package krakensim

import "time"

// AddActivity appends about n new entries (deposits, trades with their
// Trades and Orders, rewards, withdrawals, Earn moves) dated in the last
// second before now, or back to just after the account's latest record when
// that is closer, never at or before it and never after now. New IDs continue
// the generator's counters, so they never repeat an existing one; an account
// that Generate did not build gets fresh counters checked against its
// indexes. Balances, indexes and every invariant of Generate are kept.
//
// It returns the number of entries added: 0 when n <= 0 or when there is no
// room between the latest record and now (at least n+11 ticks of 1e-4 s are
// needed; fewer entries are added when the room is tighter). The caller holds
// a.Mu for writing.
func (a *Account) AddActivity(m *Market, seed int64, n int, now time.Time) int {
	if n <= 0 {
		return 0
	}
	nowS := StampOf(now)
	last := a.latest()
	if nowS <= last {
		return 0
	}
	lower := max(last, nowS-10_000) // one second
	if int64(nowS-lower) < int64(n)+11 {
		lower = last
		if room := int64(nowS - lower); room < int64(n)+11 {
			n = int(room) - 11
			if n <= 0 {
				return 0
			}
		}
	}
	maxGroups := int64(n) + 10
	step := Stamp(int64(nowS-lower) / (maxGroups + 1))

	if a.EntryIndex == nil || a.TradeIndex == nil || a.OrderIndex == nil {
		a.reindex()
	}
	checkIDs := a.sim == nil
	if a.sim == nil {
		a.sim = &simState{ids: newIDGen(seed^int64(len(a.Entries))<<20, a.ID)}
	}
	st := a.sim
	if len(st.tradeSeq) != len(pairTable) {
		st.tradeSeq = make([]int64, len(pairTable))
		for _, t := range a.Trades {
			if i, ok := pairIndex[t.Pair]; ok {
				st.tradeSeq[i] = max(st.tradeSeq[i], t.TradeID)
			}
		}
	}
	g := &gen{
		m:    m,
		rng:  newRNG(seed^int64(len(a.Entries))*0x2545F4914F6CDD1D, a.ID),
		a:    a,
		st:   st,
		bal:  make([]int64, len(assetTable)),
		from: lower, to: nowS, end: nowS,
		last: lower, want: lower + 1,
		burst: max(step, 1),
	}
	if checkIDs {
		g.taken = a.idTaken
	}
	for id, b := range a.Balances() {
		if i, ok := assetIndex[id]; ok && assetTable[i].ID == id {
			g.bal[i] = b
		}
	}
	e0, t0, o0 := len(a.Entries), len(a.Trades), len(a.Closed)
	for len(a.Entries)-e0 < n && int64(g.groups)+10 <= maxGroups {
		g.want = g.last + 1
		g.activityEvent(g.want)
	}
	for i := e0; i < len(a.Entries); i++ {
		a.EntryIndex[a.Entries[i].ID] = i
	}
	for i := t0; i < len(a.Trades); i++ {
		a.TradeIndex[a.Trades[i].ID] = i
	}
	for i := o0; i < len(a.Closed); i++ {
		a.OrderIndex[a.Closed[i].ID] = i
	}
	return len(a.Entries) - e0
}

// latest is the time of the account's latest record: entry, trade, order
// opening or closing, funding.
func (a *Account) latest() Stamp {
	var t Stamp
	if n := len(a.Entries); n > 0 {
		t = a.Entries[n-1].Time
	}
	if n := len(a.Trades); n > 0 {
		t = max(t, a.Trades[n-1].Time)
	}
	for _, o := range a.Closed[max(len(a.Closed)-8, 0):] {
		t = max(t, o.CloseTm, o.OpenTm)
	}
	for _, o := range a.Open {
		t = max(t, o.OpenTm)
	}
	if n := len(a.Funding); n > 0 {
		t = max(t, StampOf(time.Unix(a.Funding[n-1].Time, 0)))
	}
	return t
}

// idTaken reports whether an ID is already used by an entry, trade or order.
func (a *Account) idTaken(id string) bool {
	if _, ok := a.EntryIndex[id]; ok {
		return true
	}
	if _, ok := a.TradeIndex[id]; ok {
		return true
	}
	if _, ok := a.OrderIndex[id]; ok {
		return true
	}
	for _, o := range a.Open {
		if o.ID == id {
			return true
		}
	}
	return false
}

// activityEvent is one event of live activity: nothing that needs a later
// follow-up (no Futures round trips, margin positions or failed withdrawals).
func (g *gen) activityEvent(t Stamp) {
	r := g.rng.intn(100)
	switch {
	case r < 60:
		g.randomTrade(t)
	case r < 75:
		switch g.rng.intn(3) {
		case 0:
			g.fiatDeposit(aEUR, roundUp(g.usdToUnits(aEUR, g.randomUSD(100, 5000), t), 100_0000), "")
		case 1:
			as := g.listedCrypto(t)
			g.cryptoDeposit(as, g.usdToUnits(as, g.randomUSD(50, 3000), t)+1)
		default:
			if g.bal[aEUR] > 1000_0000 {
				g.fiatWithdrawal(aEUR, roundUp(g.bal[aEUR]/4, 1_0000))
			} else {
				g.fiatDeposit(aEUR, 500_0000, "")
			}
		}
	case r < 90:
		g.randomReward(t)
	case r < 95:
		g.instantBuy(t, false)
	default:
		g.randomStakeMove(t)
	}
}
