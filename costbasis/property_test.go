package costbasis

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

var allMethods = []Method{FIFO, LIFO, HIFO, Average, UK}

// checkInvariants holds every Result to the rules that make it trustworthy,
// whatever the method and input:
//
//   - quantity is conserved per asset: acquired = disposed − shortfall +
//     remaining;
//   - cost is conserved per asset, exactly: Σ(value + fee) of acquisitions =
//     Σ cost of disposals + Σ cost of remaining lots;
//   - proceeds are conserved: Σ(value − fee) of disposals = Σ proceeds;
//   - each disposal adds up: quantity = Σ match quantities, cost = Σ match
//     costs, gain = proceeds − cost, shortfall = the shortfall match;
//   - nothing is negative: no lot, match or holding quantity or cost;
//   - no lot is used twice: for FIFO, LIFO and HIFO the matches of an
//     acquisition plus what remains of it equal what was acquired;
//   - a shortfall always comes with a warning, and the totals match the
//     disposals.
func checkInvariants(t *testing.T, txns []cointally.Txn, res *Result) {
	t.Helper()
	type sums struct{ acqQty, acqCost, disQty, disNet, matchQty, matchCost, short, proceeds, remQty, remCost money.Amount }
	per := map[string]*sums{}
	get := func(a string) *sums {
		if per[a] == nil {
			per[a] = &sums{}
		}
		return per[a]
	}
	acquired := map[string]money.Amount{} // lot methods: by EventID
	for i := range txns {
		tx := &txns[i]
		s := get(tx.Asset)
		if tx.Kind == cointally.Acquire {
			s.acqQty = s.acqQty.Add(tx.Quantity)
			s.acqCost = s.acqCost.Add(tx.Value).Add(tx.Fee)
			acquired[tx.EventID] = acquired[tx.EventID].Add(tx.Quantity)
		} else {
			s.disQty = s.disQty.Add(tx.Quantity)
			s.disNet = s.disNet.Add(tx.Value).Sub(tx.Fee)
		}
	}
	used := map[string]money.Amount{}
	var tot Totals
	shortWarnings := 0
	for _, w := range res.Warnings {
		if w.Code == cointally.WarnShortfall {
			shortWarnings++
		}
	}
	shortDisposals := 0
	for i, d := range res.Disposals {
		s := get(d.Asset)
		var q, c money.Amount
		for _, m := range d.Matches {
			if m.Quantity.Sign() <= 0 || m.Cost.IsNegative() {
				t.Fatalf("disposal %d: bad match %+v", i, m)
			}
			q, c = q.Add(m.Quantity), c.Add(m.Cost)
			if m.Rule == cointally.RuleShortfall {
				if !m.Cost.IsZero() || !m.Quantity.Equal(d.Shortfall) {
					t.Fatalf("disposal %d: shortfall match %+v vs %s", i, m, d.Shortfall)
				}
				s.short = s.short.Add(m.Quantity)
				continue
			}
			if m.Rule == cointally.RuleLot {
				used[m.EventID] = used[m.EventID].Add(m.Quantity)
			}
			s.matchQty, s.matchCost = s.matchQty.Add(m.Quantity), s.matchCost.Add(m.Cost)
		}
		if d.Shortfall.IsPositive() {
			shortDisposals++
		}
		if !q.Equal(d.Quantity) || !c.Equal(d.Cost) || !d.Gain.Equal(d.Proceeds.Sub(d.Cost)) {
			t.Fatalf("disposal %d does not add up: qty %s vs Σ %s, cost %s vs Σ %s, gain %s", i, d.Quantity, q, d.Cost, c, d.Gain)
		}
		if (d.Term == cointally.TermNone) == res.Method.hasTerm() {
			t.Fatalf("disposal %d: term %s with %s", i, d.Term, res.Method)
		}
		s.proceeds = s.proceeds.Add(d.Proceeds)
		tot.addDisposal(&d)
	}
	for _, l := range res.Lots {
		if l.Quantity.Sign() <= 0 || l.Cost.IsNegative() {
			t.Fatalf("bad lot %+v", l)
		}
		s := get(l.Asset)
		s.remQty, s.remCost = s.remQty.Add(l.Quantity), s.remCost.Add(l.Cost)
		if !l.Pool {
			used[l.EventID] = used[l.EventID].Add(l.Quantity)
		}
	}
	for a, s := range per {
		if !s.acqQty.Equal(s.matchQty.Add(s.remQty)) {
			t.Errorf("%s %s: quantity not conserved: acquired %s, matched %s, remaining %s", res.Method, a, s.acqQty, s.matchQty, s.remQty)
		}
		if !s.disQty.Equal(s.matchQty.Add(s.short)) {
			t.Errorf("%s %s: disposed %s != matched %s + shortfall %s", res.Method, a, s.disQty, s.matchQty, s.short)
		}
		if !s.acqCost.Equal(s.matchCost.Add(s.remCost)) {
			t.Errorf("%s %s: cost not conserved: acquired %s, disposed %s, remaining %s", res.Method, a, s.acqCost, s.matchCost, s.remCost)
		}
		if !s.disNet.Equal(s.proceeds) {
			t.Errorf("%s %s: proceeds %s, want %s", res.Method, a, s.proceeds, s.disNet)
		}
	}
	if res.Method.hasTerm() {
		for id, q := range used {
			if !q.Equal(acquired[id]) {
				t.Errorf("%s: lot %s matched+remaining %s, acquired %s", res.Method, id, q, acquired[id])
			}
		}
	}
	if (shortDisposals > 0) != (shortWarnings > 0) || shortWarnings > shortDisposals {
		t.Errorf("%d disposals with a shortfall, %d shortfall warnings", shortDisposals, shortWarnings)
	}
	for _, in := range res.Income {
		tot.addIncome(&in)
	}
	tot.finish(res.Method)
	if a, b := mustJSON(t, tot), mustJSON(t, res.Totals); a != b {
		t.Errorf("totals %s, want %s", b, a)
	}
	var hq, hc money.Amount
	for _, h := range res.Holdings {
		hq, hc = hq.Add(h.Quantity), hc.Add(h.Cost)
	}
	var lq, lc money.Amount
	for _, l := range res.Lots {
		lq, lc = lq.Add(l.Quantity), lc.Add(l.Cost)
	}
	if !hq.Equal(lq) || !hc.Equal(lc) {
		t.Errorf("holdings %s/%s != lots %s/%s", hq, hc, lq, lc)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var propertyConfigs = []genConfig{
	{N: 400, Assets: 1, Seed: 1},
	{N: 400, Assets: 3, Seed: 2, Shortfalls: true, Unknown: true},
	{N: 400, Assets: 2, Seed: 3, SameTime: true, Shortfalls: true},
	{N: 300, Assets: 2, Seed: 4, Step: 20 * 60 * 60 * 1e9}, // ~20 h apart: many days, 30-day windows
	{N: 1500, Assets: 4, Seed: 5, Step: 3 * 60 * 60 * 1e9, Shortfalls: true, Unknown: true, SameTime: true},
}

// TestInvariantsRandom runs every method over seeded random histories.
func TestInvariantsRandom(t *testing.T) {
	t.Parallel()
	for _, c := range propertyConfigs {
		txns := generate(c)
		for _, m := range allMethods {
			compute(t, txns, m)
		}
	}
}

// TestShuffleInvariant: the result does not depend on the order of the input
// slice, only on the documented order (Time, Kind, Seq, Asset).
func TestShuffleInvariant(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 7))
	for _, c := range propertyConfigs[:4] {
		txns := generate(c)
		for _, m := range allMethods {
			want := mustJSON(t, compute(t, txns, m))
			shuffled := slices.Clone(txns)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if got := mustJSON(t, compute(t, shuffled, m)); got != want {
				t.Fatalf("%s (seed %d): shuffled input gives a different result", m, c.Seed)
			}
		}
	}
}

// TestSplitDisposalFIFO: selling in several parts at the same instant gives
// the same total gain as one sale. Whole lots move identically; where a lot is
// split, each part's cost is rounded to 18 places (the rest staying in the
// lot), so the totals may differ by at most half a unit of the 18th place per
// split, never more.
func TestSplitDisposalFIFO(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 11))
	tolerance := money.MustParse("0.000000000000000001")
	for range 200 {
		txns := generate(genConfig{N: 60, Assets: 1, Seed: r.Uint64()})
		// Pick a disposal and cut it into 2..4 parts with exactly the same
		// total quantity, value and fee.
		var idx []int
		for i := range txns {
			if txns[i].Kind == cointally.Dispose {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			continue
		}
		k := idx[r.IntN(len(idx))]
		d := txns[k]
		parts := 2 + r.IntN(3)
		var split []cointally.Txn
		qLeft, vLeft, fLeft := d.Quantity, d.Value, d.Fee
		for p := range parts {
			part := d
			if p < parts-1 {
				part.Quantity = d.Quantity.Mul(money.New(int64(1+r.IntN(9)), -1)).Round(8, money.Down)
				part.Quantity = money.Min(part.Quantity, qLeft)
				part.Value = share(d.Value, part.Quantity, d.Quantity).Round(2, money.Down)
				part.Fee = share(d.Fee, part.Quantity, d.Quantity).Round(2, money.Down)
				part.Quantity = money.Max(part.Quantity, money.MustParse("0.00000001"))
			} else {
				part.Quantity, part.Value, part.Fee = qLeft, vLeft, fLeft
			}
			if !part.Quantity.IsPositive() || part.Value.IsNegative() || part.Fee.IsNegative() {
				split = nil
				break
			}
			qLeft, vLeft, fLeft = qLeft.Sub(part.Quantity), vLeft.Sub(part.Value), fLeft.Sub(part.Fee)
			part.Seq = d.Seq*10 + int64(p) // same time, consecutive Seqs
			split = append(split, part)
		}
		if split == nil {
			continue
		}
		alt := slices.Concat(txns[:k], split, txns[k+1:])
		for i := range alt {
			if i != k && (i < k || i >= k+len(split)) {
				alt[i].Seq *= 10
			}
		}
		whole, parted := compute(t, txns, FIFO), compute(t, alt, FIFO)
		diff := whole.Totals.Gain.Sub(parted.Totals.Gain).Abs()
		if diff.Cmp(tolerance.Mul(money.FromInt(int64(parts)))) > 0 {
			t.Fatalf("total gain %s whole, %s in %d parts", whole.Totals.Gain, parted.Totals.Gain, parts)
		}
		if Display(whole.Totals.Gain) != Display(parted.Totals.Gain) {
			t.Fatalf("displayed gain %s vs %s", Display(whole.Totals.Gain), Display(parted.Totals.Gain))
		}
	}
}

// TestGeneratedShape checks that the benchmark history is what it claims:
// about half disposals, each matching one to three lots under FIFO.
func TestGeneratedShape(t *testing.T) {
	t.Parallel()
	txns := generate(genConfig{N: 20000, Assets: 4, Seed: 1})
	res := compute(t, txns, FIFO)
	hist := map[int]int{}
	for _, d := range res.Disposals {
		hist[len(d.Matches)]++
	}
	share := float64(len(res.Disposals)) / float64(len(txns))
	if share < 0.4 || share > 0.55 || hist[1] == 0 || hist[2] == 0 || hist[3] == 0 || hist[1]+hist[2]+hist[3] < len(res.Disposals)*95/100 {
		t.Errorf("disposal share %.2f, matches per disposal %v", share, hist)
	}
}

// FuzzCompute runs every method over generated histories and checks the
// invariants.
func FuzzCompute(f *testing.F) {
	f.Add(uint64(1), uint8(50), uint8(0))
	f.Add(uint64(2), uint8(200), uint8(0xff))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, flags uint8) {
		c := genConfig{N: int(n), Assets: 1 + int(flags&3), Seed: seed,
			Shortfalls: flags&4 != 0, Unknown: flags&8 != 0, SameTime: flags&16 != 0}
		if flags&32 != 0 {
			c.Step = 12 * 60 * 60 * 1e9
		}
		txns := generate(c)
		for _, m := range allMethods {
			compute(t, txns, m)
		}
	})
}
