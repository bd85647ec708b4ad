package costbasis

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// genConfig describes a generated history.
type genConfig struct {
	N      int    // number of Txns
	Assets int    // number of assets
	Seed   uint64 // PCG seed
	// Step is the mean gap between Txns; 0 means one minute.
	Step time.Duration
	// Shortfalls lets disposals exceed holdings now and then.
	Shortfalls bool
	// Unknown marks about 1% of acquisitions as of unknown value.
	Unknown bool
	// SameTime puts groups of Txns on one timestamp (tie-breaks by Seq).
	SameTime bool
}

// generate returns a deterministic history in processing order: about half
// acquisitions and half disposals. Quantities have 8 decimals, values and
// fees 2 (cents); a disposal is sized to span one to three lots.
func generate(c genConfig) []cointally.Txn {
	r := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	step := c.Step
	if step == 0 {
		step = time.Minute
	}
	type st struct {
		name  string
		held  int64 // units of 1e-8
		price int64 // cents per whole unit
	}
	assets := make([]st, max(1, c.Assets))
	for i := range assets {
		assets[i] = st{name: fmt.Sprintf("C%02d", i), price: int64(1000+r.IntN(50000)) * 100}
	}
	txns := make([]cointally.Txn, 0, c.N)
	at := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	ledger := 0
	for len(txns) < c.N {
		if !c.SameTime || r.IntN(4) == 0 {
			at = at.Add(time.Duration(1 + r.Int64N(int64(2*step))))
		}
		a := &assets[r.IntN(len(assets))]
		// Random walk of the price, ±2%.
		a.price += a.price * int64(r.IntN(401)-200) / 10000
		a.price = max(a.price, 100)
		kind := cointally.Acquire
		// lot size around 1 unit: 0.5 .. 1.5
		q := int64(50_000_000 + r.IntN(100_000_000))
		if a.held > 0 && r.IntN(2) == 0 {
			kind = cointally.Dispose
			// 0.3 .. 2.3 lots, so one to three lots are matched.
			q = int64(30_000_000 + r.IntN(200_000_000))
			if q > a.held && !(c.Shortfalls && r.IntN(20) == 0) {
				q = a.held
			}
		}
		if kind == cointally.Acquire {
			a.held += q
		} else {
			a.held = max(0, a.held-q)
		}
		value := q * a.price / 100_000_000 // cents
		fee := value * 26 / 10000
		ledger++
		t := cointally.Txn{
			Time: at, Seq: int64(ledger), Kind: kind, Asset: a.name,
			Quantity: money.New(q, -8), Value: money.New(value, -2), Fee: money.New(fee, -2),
			Source: cointally.TxnTrade, EventID: fmt.Sprintf("T%07d", ledger),
			LedgerIDs: []string{fmt.Sprintf("L%07d", ledger)},
		}
		if kind == cointally.Acquire && r.IntN(10) == 0 {
			t.Source, t.Fee = cointally.TxnIncome, money.Zero
		}
		if c.Unknown && kind == cointally.Acquire && r.IntN(100) == 0 {
			t.Source, t.Value, t.Fee, t.ValueUnknown = cointally.TxnDepositUnknownCost, money.Zero, money.Zero, true
		}
		txns = append(txns, t)
	}
	// Processing order is (Time, Kind, Seq, Asset): with SameTime, an
	// acquisition may follow a disposal at the same instant.
	sortTxns(txns)
	return txns
}
