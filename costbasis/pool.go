package costbasis

import (
	"slices"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// pool is an average-cost pool (also the UK section 104 pool).
type pool struct {
	asset   string
	qty     money.Amount
	cost    money.Amount
	last    time.Time // last acquisition into the pool
	unknown bool      // some cost came from a Txn of unknown value
}

func (p *pool) add(qty, cost money.Amount, at time.Time, unknown bool) {
	p.qty = p.qty.Add(qty)
	p.cost = p.cost.Add(cost)
	if at.After(p.last) {
		p.last = at
	}
	p.unknown = p.unknown || unknown
}

// take removes up to q units at their share of the pool's cost and returns
// the quantity and cost taken.
func (p *pool) take(q money.Amount) (qty, cost money.Amount) {
	if !p.qty.IsPositive() {
		return money.Zero, money.Zero
	}
	if q.Cmp(p.qty) >= 0 {
		qty, cost = p.qty, p.cost
		p.qty, p.cost = money.Zero, money.Zero
		return qty, cost
	}
	cost = split(p.cost, q, p.qty)
	p.qty = p.qty.Sub(q)
	p.cost = p.cost.Sub(cost)
	return q, cost
}

func (e *engine) runAverage() {
	pools := map[string]*pool{}
	var last *pool
	e.res.Disposals = make([]cointally.Disposal, 0, e.disposals)
	var buf [2]cointally.Match
	for i := 0; i < e.n(); i++ {
		t, _ := e.at(i)
		p := last
		if p == nil || p.asset != t.Asset {
			p = pools[t.Asset]
			if p == nil {
				p = &pool{asset: t.Asset}
				pools[t.Asset] = p
			}
			last = p
		}
		if t.Kind == cointally.Acquire {
			e.noteAcquire(t)
			cost := t.Value
			if !t.Fee.IsZero() {
				cost = cost.Add(t.Fee)
			}
			p.add(t.Quantity, cost, t.Time, t.ValueUnknown)
			continue
		}
		if t.ValueUnknown {
			e.warnUnknown(t)
		}
		unknown := t.ValueUnknown || p.unknown
		held := p.qty
		qty, cost := p.take(t.Quantity)
		ms := buf[:0]
		if qty.IsPositive() {
			ms = append(ms, cointally.Match{Rule: cointally.RulePool, Quantity: qty, Cost: cost})
		}
		var short money.Amount
		if qty.Cmp(t.Quantity) < 0 {
			short = t.Quantity.Sub(qty)
			ms = append(ms, cointally.Match{Rule: cointally.RuleShortfall, Quantity: short})
			e.warnShortfall(t.Asset, t.Time, short, held, t.EventID, t.LedgerIDs)
		}
		net := t.Value
		if !t.Fee.IsZero() {
			net = net.Sub(t.Fee)
		}
		d := e.newDisposal()
		*d = cointally.Disposal{
			Asset: t.Asset, Quantity: t.Quantity, Proceeds: net, Fee: t.Fee, Cost: cost,
			Gain: net.Sub(cost), Disposed: t.Time, Various: true, Term: cointally.TermNone,
			Matches: e.matches.put(ms), Shortfall: short, ValueUnknown: unknown,
			Source: t.Source, EventIDs: e.strs.put(t.EventID), LedgerIDs: t.LedgerIDs,
		}
		e.res.Totals.addDisposal(d)
	}
	e.poolResults(pools)
}

// poolResults reports one pool Lot and Holding per asset that still holds
// units.
func (e *engine) poolResults(pools map[string]*pool) {
	assets := make([]string, 0, len(pools))
	for a := range pools {
		assets = append(assets, a)
	}
	slices.Sort(assets)
	for _, a := range assets {
		p := pools[a]
		if p.qty.IsZero() {
			continue
		}
		e.res.Lots = append(e.res.Lots, cointally.Lot{Asset: a, Quantity: p.qty, Cost: p.cost,
			Acquired: p.last, Pool: true, CostUnknown: p.unknown})
		e.res.Holdings = append(e.res.Holdings, cointally.Holding{Asset: a, Quantity: p.qty,
			Cost: p.cost, CostUnknown: p.unknown})
	}
}
