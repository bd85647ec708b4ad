package costbasis

import (
	"cmp"
	"slices"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// lot is an open lot of the FIFO, LIFO and HIFO methods.
type lot struct {
	qty, cost money.Amount
	// origQty and origCost rank lots for HIFO: cost per unit compared
	// exactly by cross-multiplication. They never change, so neither does a
	// lot's rank.
	origQty, origCost money.Amount
	txn               *cointally.Txn
	ord               int32 // processing position of the acquisition
	longAfter         int32 // civil day of the first anniversary
}

// book holds the open lots of one asset.
type book struct {
	asset string
	// lots is a queue (FIFO: lots[head:]), a stack (LIFO) or a max-heap by
	// cost per unit (HIFO).
	lots []lot
	head int
}

func (b *book) empty() bool { return b.head >= len(b.lots) }

// top returns the lot the method matches next; the book is not empty.
func (b *book) top(m Method) *lot {
	switch m {
	case LIFO:
		return &b.lots[len(b.lots)-1]
	case HIFO:
		return &b.lots[0]
	default:
		return &b.lots[b.head]
	}
}

// pop removes the lot top returned.
func (b *book) pop(m Method) {
	switch m {
	case LIFO:
		b.lots[len(b.lots)-1] = lot{}
		b.lots = b.lots[:len(b.lots)-1]
	case HIFO:
		n := len(b.lots) - 1
		b.lots[0] = b.lots[n]
		b.lots[n] = lot{}
		b.lots = b.lots[:n]
		b.down(0)
	default:
		b.lots[b.head] = lot{}
		b.head++
		if b.head == len(b.lots) {
			b.lots, b.head = b.lots[:0], 0
		} else if b.head >= 1024 && b.head*2 >= len(b.lots) {
			n := copy(b.lots, b.lots[b.head:])
			clear(b.lots[n:])
			b.lots, b.head = b.lots[:n], 0
		}
	}
}

func (b *book) push(m Method, l lot) {
	b.lots = append(b.lots, l)
	if m == HIFO {
		b.up(len(b.lots) - 1)
	}
}

// higher reports whether lot i is matched before lot j under HIFO: a higher
// cost per unit, or the same cost per unit and acquired earlier.
func (b *book) higher(i, j int) bool {
	x, y := &b.lots[i], &b.lots[j]
	// x.cost/x.qty > y.cost/y.qty  <=>  x.cost × y.qty > y.cost × x.qty (quantities > 0)
	if c := x.origCost.Mul(y.origQty).Cmp(y.origCost.Mul(x.origQty)); c != 0 {
		return c > 0
	}
	return x.ord < y.ord
}

func (b *book) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !b.higher(i, p) {
			return
		}
		b.lots[i], b.lots[p] = b.lots[p], b.lots[i]
		i = p
	}
}

func (b *book) down(i int) {
	n := len(b.lots)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		best := l
		if r := l + 1; r < n && b.higher(r, l) {
			best = r
		}
		if !b.higher(best, i) {
			return
		}
		b.lots[i], b.lots[best] = b.lots[best], b.lots[i]
		i = best
	}
}

// matchInfo is what the engine knows of a Match beyond the Match itself.
type matchInfo struct {
	term    cointally.Term
	unknown bool // the matched lot's value is unknown
}

func (e *engine) runLots() {
	books := map[string]*book{}
	var last *book
	e.res.Disposals = make([]cointally.Disposal, 0, e.disposals)
	for i := 0; i < e.n(); i++ {
		t, _ := e.at(i)
		b := last
		if b == nil || b.asset != t.Asset {
			b = books[t.Asset]
			if b == nil {
				b = &book{asset: t.Asset}
				books[t.Asset] = b
			}
			last = b
		}
		if t.Kind == cointally.Acquire {
			e.acquireLot(b, t, int32(i))
		} else {
			e.disposeLots(b, t)
		}
	}
	assets := make([]string, 0, len(books))
	for a := range books {
		assets = append(assets, a)
	}
	slices.Sort(assets)
	for _, a := range assets {
		b := books[a]
		open := b.lots[b.head:]
		if e.method == HIFO {
			slices.SortFunc(open, func(x, y lot) int { return cmp.Compare(x.ord, y.ord) })
		}
		h := cointally.Holding{Asset: a}
		for k := range open {
			l := &open[k]
			e.res.Lots = append(e.res.Lots, cointally.Lot{
				Asset: a, Quantity: l.qty, Cost: l.cost, Acquired: l.txn.Time,
				Source: l.txn.Source, EventID: l.txn.EventID, LedgerIDs: l.txn.LedgerIDs,
				CostUnknown: l.txn.ValueUnknown,
			})
			h.Quantity = h.Quantity.Add(l.qty)
			h.Cost = h.Cost.Add(l.cost)
			h.CostUnknown = h.CostUnknown || l.txn.ValueUnknown
		}
		if len(open) > 0 {
			e.res.Holdings = append(e.res.Holdings, h)
		}
	}
}

func (e *engine) acquireLot(b *book, t *cointally.Txn, ord int32) {
	e.noteAcquire(t)
	cost := t.Value
	if !t.Fee.IsZero() {
		cost = cost.Add(t.Fee)
	}
	_, anniversary := e.day(t.Time)
	l := lot{qty: t.Quantity, cost: cost, txn: t, ord: ord, longAfter: anniversary}
	if e.method == HIFO {
		l.origQty, l.origCost = t.Quantity, cost
	}
	b.push(e.method, l)
}

func (e *engine) disposeLots(b *book, t *cointally.Txn) {
	if t.ValueUnknown {
		e.warnUnknown(t)
	}
	day, _ := e.day(t.Time)
	q := t.Quantity
	// The matches are written straight into the arena; info runs beside them.
	e.matches.begin()
	info := e.info[:0]
	for q.IsPositive() {
		m := e.matches.add()
		if b.empty() {
			m.Rule, m.Quantity = cointally.RuleShortfall, q
			info = append(info, matchInfo{term: cointally.TermShort})
			e.warnShortfall(t.Asset, t.Time, q, t.Quantity.Sub(q), t.EventID, t.LedgerIDs)
			break
		}
		l := b.top(e.method)
		mi := matchInfo{term: cointally.TermShort, unknown: l.txn.ValueUnknown}
		if day > l.longAfter {
			mi.term = cointally.TermLong
		}
		info = append(info, mi)
		m.Rule, m.Acquired, m.EventID, m.LedgerIDs = cointally.RuleLot, l.txn.Time, l.txn.EventID, l.txn.LedgerIDs
		if rest := q.Sub(l.qty); !rest.IsNegative() {
			m.Quantity, m.Cost = l.qty, l.cost
			q = rest
			b.pop(e.method)
		} else {
			c := split(l.cost, q, l.qty)
			m.Quantity, m.Cost = q, c
			l.qty = l.qty.Sub(q)
			l.cost = l.cost.Sub(c)
			q = money.Zero
		}
	}
	e.info = info
	ms := e.matches.end()

	net := t.Value
	if !t.Fee.IsZero() {
		net = net.Sub(t.Fee)
	}
	first := info[0].term
	split := 0 // matches of the first term, once grouped
	for k := range info {
		if info[k].term == first {
			split++
		}
	}
	if split == len(ms) {
		e.emitLots(t, ms, info, first, t.Quantity, net, t.Fee)
		return
	}
	// Two terms: group the matches by term (first term first, each in match
	// order) and report one disposal per term, proceeds and fee shared by
	// quantity.
	e.tmp = append(e.tmp[:0], ms...)
	tmpInfo := append(e.tmpInfo[:0], info...)
	e.tmpInfo = tmpInfo
	a, z := 0, split
	var qFirst money.Amount
	for k := range e.tmp {
		if tmpInfo[k].term == first {
			ms[a], info[a] = e.tmp[k], tmpInfo[k]
			qFirst = qFirst.Add(e.tmp[k].Quantity)
			a++
		} else {
			ms[z], info[z] = e.tmp[k], tmpInfo[k]
			z++
		}
	}
	pFirst := share(net, qFirst, t.Quantity)
	fFirst := share(t.Fee, qFirst, t.Quantity)
	second := cointally.TermLong
	if first == cointally.TermLong {
		second = cointally.TermShort
	}
	e.emitLots(t, ms[:split:split], info[:split], first, qFirst, pFirst, fFirst)
	e.emitLots(t, ms[split:], info[split:], second, t.Quantity.Sub(qFirst), net.Sub(pFirst), t.Fee.Sub(fFirst))
}

// emitLots adds the Disposal made of the matches ms (all of one term).
func (e *engine) emitLots(t *cointally.Txn, ms []cointally.Match, info []matchInfo, term cointally.Term, qty, proceeds, fee money.Amount) {
	d := e.newDisposal()
	unknown := t.ValueUnknown
	d.Cost = ms[0].Cost
	for k := range ms {
		if k > 0 {
			d.Cost = d.Cost.Add(ms[k].Cost)
		}
		unknown = unknown || info[k].unknown
	}
	if last := &ms[len(ms)-1]; last.Rule == cointally.RuleShortfall {
		d.Shortfall = last.Quantity
	}
	d.Asset, d.Quantity, d.Proceeds, d.Fee = t.Asset, qty, proceeds, fee
	d.Gain = proceeds.Sub(d.Cost)
	d.Disposed = t.Time
	d.Acquired, d.Various = acquiredOf(ms)
	d.Term, d.Matches, d.ValueUnknown = term, ms, unknown
	d.Source, d.EventIDs, d.LedgerIDs = t.Source, e.strs.put(t.EventID), t.LedgerIDs
	e.res.Totals.addDisposal(d)
}
