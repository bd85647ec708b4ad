package costbasis

import (
	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// UK share pooling, per HMRC's Cryptoassets Manual (CRYPTO22200 onwards) and
// TCGA92 S104, S105(1) and S106A(5), (9):
//
//  1. All acquisitions of an asset on one day are a single acquisition, and
//     all disposals on one day a single disposal.
//  2. A day's disposal is matched first with that day's acquisition.
//  3. What remains is matched with acquisitions in the following 30 days,
//     earliest first. Disposals claim in date order, and only what is left of
//     a day's acquisition after its own same-day match can be claimed.
//  4. What remains after that comes out of the section 104 pool as it stands
//     on the disposal day; what remains of each day's acquisition joins the
//     pool at the end of that day.
//
// The engine makes three passes: it groups each asset's Txns by day (A),
// applies rules 2 and 3 to every day of every asset (B), and then walks the
// Txns again in order to apply rule 4 and emit each day's disposal where its
// first disposing Txn is (C).

// ukDay is one asset's Txns on one calendar day.
type ukDay struct {
	day        int32
	start, end int32 // range in ukAsset.idx
	nAcq, nDis int32
	firstAcq   int32 // txn index of the first acquisition; -1 if none
	lastAcq    int32
	firstDis   int32 // position in ukAsset.idx of the first disposal; -1 if none

	acqQty, acqCost        money.Amount
	disQty, disNet, disFee money.Amount
	acqUnknown, disUnknown bool

	// After rule 2: the same-day match, and what is left on each side.
	sdQty, sdCost           money.Amount
	acqLeftQty, acqLeftCost money.Amount
	disLeft                 money.Amount
	// Rule 3 matches of this day's disposal: range in ukAsset.bb.
	bbStart, bbEnd int32

	acqLedger []string // built on first use
}

type ukMatch struct {
	qty, cost money.Amount
	day       int32 // index in ukAsset.days of the acquisition
}

type ukAsset struct {
	name string
	idx  []int32 // txn indices of this asset, in processing order
	days []ukDay
	bb   []ukMatch

	// Pass C state.
	pos, cur int  // position in idx and day index of the current Txn
	poolNext int  // first day whose leftover has not yet joined the pool
	pool     pool // the section 104 pool
}

func (e *engine) runUK() {
	assets := map[string]*ukAsset{}
	var last *ukAsset
	var list []*ukAsset

	// Pass A: group by asset and day.
	for i := 0; i < e.n(); i++ {
		t, j := e.at(i)
		a := last
		if a == nil || a.name != t.Asset {
			a = assets[t.Asset]
			if a == nil {
				a = &ukAsset{name: t.Asset, pool: pool{asset: t.Asset}}
				assets[t.Asset] = a
				list = append(list, a)
			}
			last = a
		}
		d, _ := e.day(t.Time)
		pos := int32(len(a.idx))
		if len(a.days) == 0 || a.days[len(a.days)-1].day != d {
			a.days = append(a.days, ukDay{day: d, start: pos, end: pos, firstAcq: -1, lastAcq: -1, firstDis: -1})
		}
		day := &a.days[len(a.days)-1]
		a.idx = append(a.idx, j)
		day.end = pos + 1
		if t.Kind == cointally.Acquire {
			e.noteAcquire(t)
			if day.nAcq == 0 {
				day.firstAcq = j
			}
			day.lastAcq = j
			day.nAcq++
			day.acqQty = day.acqQty.Add(t.Quantity)
			day.acqCost = day.acqCost.Add(t.Value)
			if !t.Fee.IsZero() {
				day.acqCost = day.acqCost.Add(t.Fee)
			}
			day.acqUnknown = day.acqUnknown || t.ValueUnknown
		} else {
			if t.ValueUnknown {
				e.warnUnknown(t)
			}
			if day.nDis == 0 {
				day.firstDis = pos
			}
			day.nDis++
			day.disQty = day.disQty.Add(t.Quantity)
			day.disNet = day.disNet.Add(t.Value)
			if !t.Fee.IsZero() {
				day.disNet = day.disNet.Sub(t.Fee)
				day.disFee = day.disFee.Add(t.Fee)
			}
			day.disUnknown = day.disUnknown || t.ValueUnknown
		}
	}

	// Pass B: same-day and 30-day matches.
	for _, a := range list {
		for k := range a.days {
			d := &a.days[k]
			d.sdQty = money.Min(d.acqQty, d.disQty)
			if d.sdQty.IsPositive() {
				d.sdCost = split(d.acqCost, d.sdQty, d.acqQty)
			}
			d.acqLeftQty = d.acqQty.Sub(d.sdQty)
			d.acqLeftCost = d.acqCost.Sub(d.sdCost)
			d.disLeft = d.disQty.Sub(d.sdQty)
		}
		for k := range a.days {
			d := &a.days[k]
			d.bbStart = int32(len(a.bb))
			for j := k + 1; j < len(a.days) && d.disLeft.IsPositive(); j++ {
				acq := &a.days[j]
				if acq.day > d.day+30 {
					break
				}
				if !acq.acqLeftQty.IsPositive() {
					continue
				}
				q := money.Min(d.disLeft, acq.acqLeftQty)
				c := split(acq.acqLeftCost, q, acq.acqLeftQty)
				acq.acqLeftQty = acq.acqLeftQty.Sub(q)
				acq.acqLeftCost = acq.acqLeftCost.Sub(c)
				d.disLeft = d.disLeft.Sub(q)
				a.bb = append(a.bb, ukMatch{qty: q, cost: c, day: int32(j)})
			}
			d.bbEnd = int32(len(a.bb))
		}
	}

	// Pass C: the pool, and the disposals in order.
	var ms []cointally.Match
	for i := 0; i < e.n(); i++ {
		t, _ := e.at(i)
		a := last
		if a.name != t.Asset {
			a = assets[t.Asset]
			last = a
		}
		pos := a.pos
		a.pos++
		for int32(pos) >= a.days[a.cur].end {
			a.cur++
		}
		d := &a.days[a.cur]
		if t.Kind != cointally.Dispose || d.firstDis != int32(pos) {
			continue
		}
		for ; a.poolNext < a.cur; a.poolNext++ {
			e.joinPool(a, &a.days[a.poolNext])
		}
		ms = e.ukDisposal(a, d, ms[:0])
	}
	pools := make(map[string]*pool, len(list))
	for _, a := range list {
		for ; a.poolNext < len(a.days); a.poolNext++ {
			e.joinPool(a, &a.days[a.poolNext])
		}
		pools[a.name] = &a.pool
	}
	e.poolResults(pools)
}

// joinPool adds what is left of a day's acquisition to the section 104 pool.
func (e *engine) joinPool(a *ukAsset, d *ukDay) {
	if d.nAcq == 0 || !d.acqLeftQty.IsPositive() {
		return
	}
	a.pool.add(d.acqLeftQty, d.acqLeftCost, e.txns[d.lastAcq].Time, d.acqUnknown)
}

// acqMatch describes a match with the acquisitions of day d.
func (e *engine) acqMatch(a *ukAsset, d *ukDay, rule cointally.Rule, qty, cost money.Amount) cointally.Match {
	first := &e.txns[d.firstAcq]
	m := cointally.Match{Rule: rule, Quantity: qty, Cost: cost, Acquired: first.Time}
	if d.nAcq == 1 {
		m.EventID, m.LedgerIDs = first.EventID, first.LedgerIDs
		return m
	}
	if d.acqLedger == nil {
		d.acqLedger = []string{}
		for _, j := range a.idx[d.start:d.end] {
			if t := &e.txns[j]; t.Kind == cointally.Acquire {
				d.acqLedger = append(d.acqLedger, t.LedgerIDs...)
			}
		}
	}
	m.LedgerIDs = d.acqLedger
	return m
}

// ukDisposal emits the disposal of day d; ms is scratch space.
func (e *engine) ukDisposal(a *ukAsset, d *ukDay, ms []cointally.Match) []cointally.Match {
	unknown := d.disUnknown
	if d.sdQty.IsPositive() {
		ms = append(ms, e.acqMatch(a, d, cointally.RuleSameDay, d.sdQty, d.sdCost))
		unknown = unknown || d.acqUnknown
	}
	for _, bb := range a.bb[d.bbStart:d.bbEnd] {
		acq := &a.days[bb.day]
		ms = append(ms, e.acqMatch(a, acq, cointally.RuleBedAndBreakfast, bb.qty, bb.cost))
		unknown = unknown || acq.acqUnknown
	}
	var short, held money.Amount
	if d.disLeft.IsPositive() {
		held = a.pool.qty
		poolUnknown := a.pool.unknown
		q, c := a.pool.take(d.disLeft)
		if q.IsPositive() {
			ms = append(ms, cointally.Match{Rule: cointally.RuleSection104, Quantity: q, Cost: c})
			unknown = unknown || poolUnknown
		}
		if q.Cmp(d.disLeft) < 0 {
			short = d.disLeft.Sub(q)
			ms = append(ms, cointally.Match{Rule: cointally.RuleShortfall, Quantity: short})
		}
	}
	var cost money.Amount
	for k := range ms {
		cost = cost.Add(ms[k].Cost)
	}
	first := &e.txns[a.idx[d.firstDis]]
	eventIDs, ledgerIDs := e.strs.put(first.EventID), first.LedgerIDs
	if d.nDis > 1 {
		eventIDs, ledgerIDs = nil, nil
		for _, j := range a.idx[d.start:d.end] {
			t := &e.txns[j]
			if t.Kind != cointally.Dispose {
				continue
			}
			if len(eventIDs) == 0 || eventIDs[len(eventIDs)-1] != t.EventID { // the legs of one event are adjacent
				eventIDs = append(eventIDs, t.EventID)
			}
			ledgerIDs = append(ledgerIDs, t.LedgerIDs...)
		}
	}
	matches := e.matches.put(ms)
	acquired, various := acquiredOf(matches)
	out := e.newDisposal()
	*out = cointally.Disposal{
		Asset: a.name, Quantity: d.disQty, Proceeds: d.disNet, Fee: d.disFee, Cost: cost,
		Gain: d.disNet.Sub(cost), Disposed: first.Time, Acquired: acquired, Various: various,
		Term: cointally.TermNone, Matches: matches, Shortfall: short, ValueUnknown: unknown,
		Source: first.Source, EventIDs: eventIDs, LedgerIDs: ledgerIDs,
	}
	e.res.Totals.addDisposal(out)
	if short.IsPositive() {
		held = held.Add(d.sdQty).Add(d.disQty.Sub(d.sdQty).Sub(d.disLeft)) // what was available: same day, 30 days, pool
		e.warnShortfall(a.name, first.Time, short, held, first.EventID, ledgerIDs)
	}
	return ms
}
