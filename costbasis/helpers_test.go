package costbasis

import (
	"fmt"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// at parses "2006-01-02" or "2006-01-02T15:04" (UTC).
func at(s string) time.Time {
	for _, layout := range []string{"2006-01-02", "2006-01-02T15:04", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	panic("bad time " + s)
}

// buy and sell build Txns in the report currency; fee is optional.
func buy(when, asset, qty, value string, fee ...string) cointally.Txn {
	return txn(cointally.Acquire, when, asset, qty, value, fee...)
}

func sell(when, asset, qty, value string, fee ...string) cointally.Txn {
	return txn(cointally.Dispose, when, asset, qty, value, fee...)
}

func txn(kind cointally.TxnKind, when, asset, qty, value string, fee ...string) cointally.Txn {
	t := cointally.Txn{Time: at(when), Kind: kind, Asset: asset, Quantity: money.MustParse(qty),
		Value: money.MustParse(value), Source: cointally.TxnTrade}
	if len(fee) > 0 {
		t.Fee = money.MustParse(fee[0])
	}
	return t
}

// ledger numbers the Txns in the order given: Seq 1, 2, ..., event E1, E2,
// ... and one ledger entry L1, L2, ... each.
func ledger(txns ...cointally.Txn) []cointally.Txn {
	for i := range txns {
		txns[i].Seq = int64(i + 1)
		if txns[i].EventID == "" {
			txns[i].EventID = fmt.Sprintf("E%d", i+1)
		}
		if txns[i].LedgerIDs == nil {
			txns[i].LedgerIDs = []string{fmt.Sprintf("L%d", i+1)}
		}
	}
	return txns
}

func compute(t *testing.T, txns []cointally.Txn, m Method) *Result {
	t.Helper()
	res, err := Compute(txns, m, Options{})
	if err != nil {
		t.Fatalf("Compute(%s): %v", m, err)
	}
	checkInvariants(t, txns, res)
	return res
}

// eq fails unless got equals want (a decimal string), exactly.
func eq(t *testing.T, what string, got money.Amount, want string) {
	t.Helper()
	if !got.Equal(money.MustParse(want)) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// hmrcPounds is how HMRC's manual prints an allowable cost: whole pounds,
// rounded up (£937.50 is shown as £938, £62.50 as £63, £313,636.36 as
// £313,637). The engine keeps the exact figure; this is display only.
func hmrcPounds(a money.Amount) money.Amount { return a.Round(0, money.Up) }

// byRule sums a disposal's matches per rule.
func byRule(d cointally.Disposal) map[cointally.Rule][2]money.Amount {
	out := map[cointally.Rule][2]money.Amount{}
	for _, m := range d.Matches {
		s := out[m.Rule]
		out[m.Rule] = [2]money.Amount{s[0].Add(m.Quantity), s[1].Add(m.Cost)}
	}
	return out
}

func holding(t *testing.T, res *Result, asset string) cointally.Holding {
	t.Helper()
	for _, h := range res.Holdings {
		if h.Asset == asset {
			return h
		}
	}
	return cointally.Holding{Asset: asset}
}
