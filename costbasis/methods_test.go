package costbasis

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// workedExample is the history behind the hand-worked examples below (EUR):
//
//	A 2023-01-10 buy  1.0 BTC for 10,000 + fee 10   lot A: 1.0 at 10,010 (10,010/BTC)
//	B 2023-03-15 buy  2.0 BTC for 40,000            lot B: 2.0 at 40,000 (20,000/BTC)
//	C 2023-06-01 buy  1.0 BTC for 15,000 + fee 15   lot C: 1.0 at 15,015 (15,015/BTC)
//	S 2024-02-01 sell 2.5 BTC for 75,000 − fee 75   net proceeds 74,925
//	T 2024-03-20 sell 1.0 BTC for 35,000            net proceeds 35,000
//
// Lots are long term when sold after their first anniversary: A after
// 2024-01-10, B after 2024-03-15, C after 2024-06-01.
func workedExample() []cointally.Txn {
	return ledger(
		buy("2023-01-10", "BTC", "1.0", "10000", "10"),
		buy("2023-03-15", "BTC", "2.0", "40000"),
		buy("2023-06-01", "BTC", "1.0", "15000", "15"),
		sell("2024-02-01", "BTC", "2.5", "75000", "75"),
		sell("2024-03-20", "BTC", "1.0", "35000"),
	)
}

type wantDisposal struct {
	term                           cointally.Term
	qty, proceeds, fee, cost, gain string
}

func checkDisposals(t *testing.T, res *Result, want []wantDisposal) {
	t.Helper()
	if len(res.Disposals) != len(want) {
		t.Fatalf("%s: %d disposals, want %d", res.Method, len(res.Disposals), len(want))
	}
	for i, w := range want {
		d := res.Disposals[i]
		if d.Term != w.term {
			t.Errorf("%s disposal %d: term %s, want %s", res.Method, i, d.Term, w.term)
		}
		eq(t, res.Method.String()+" qty", d.Quantity, w.qty)
		eq(t, res.Method.String()+" proceeds", d.Proceeds, w.proceeds)
		eq(t, res.Method.String()+" fee", d.Fee, w.fee)
		eq(t, res.Method.String()+" cost", d.Cost, w.cost)
		eq(t, res.Method.String()+" gain", d.Gain, w.gain)
	}
}

// FIFO, step by step:
//
// S sells 2.5: all of A (1.0, cost 10,010, long: 2024-02-01 is after
// 2024-01-10) and 1.5 of B (cost 40,000 × 1.5/2.0 = 30,000, short). The sale
// spans two terms, so it is reported as two disposals, proceeds and fee split
// by quantity: long 1.0/2.5 of 74,925 = 29,970 (fee 30), gain 19,960; short
// the rest, 44,955 (fee 45), gain 14,955.
//
// T sells 1.0: the 0.5 left of B (cost 10,000, long: after 2024-03-15) and 0.5
// of C (15,015 × 0.5/1.0 = 7,507.5, short). Long: proceeds 17,500, gain 7,500.
// Short: proceeds 17,500, gain 9,992.5.
//
// Left: 0.5 of C at 7,507.5. Gains: short 24,947.5, long 27,460, total
// 52,407.5 = proceeds 109,925 − cost 57,517.5.
func TestFIFOWorked(t *testing.T) {
	t.Parallel()
	res := compute(t, workedExample(), FIFO)
	checkDisposals(t, res, []wantDisposal{
		{cointally.TermLong, "1.0", "29970", "30", "10010", "19960"},
		{cointally.TermShort, "1.5", "44955", "45", "30000", "14955"},
		{cointally.TermLong, "0.5", "17500", "0", "10000", "7500"},
		{cointally.TermShort, "0.5", "17500", "0", "7507.5", "9992.5"},
	})
	eq(t, "short-term gain", res.Totals.ShortTermGain, "24947.5")
	eq(t, "long-term gain", res.Totals.LongTermGain, "27460")
	eq(t, "gain", res.Totals.Gain, "52407.5")
	eq(t, "proceeds", res.Totals.Proceeds, "109925")
	eq(t, "cost", res.Totals.Cost, "57517.5")
	if len(res.Lots) != 1 || res.Lots[0].EventID != "E3" {
		t.Fatalf("lots = %+v", res.Lots)
	}
	eq(t, "lot C qty", res.Lots[0].Quantity, "0.5")
	eq(t, "lot C cost", res.Lots[0].Cost, "7507.5")
	d := res.Disposals[0]
	if d.Various || !d.Acquired.Equal(at("2023-01-10")) || d.EventIDs[0] != "E4" || d.LedgerIDs[0] != "L4" {
		t.Errorf("first disposal: acquired %s various %v events %v ledger %v", d.Acquired, d.Various, d.EventIDs, d.LedgerIDs)
	}
	if m := d.Matches[0]; m.EventID != "E1" || m.LedgerIDs[0] != "L1" {
		t.Errorf("match %+v, want lot A's IDs", m)
	}
}

// LIFO, step by step:
//
// S sells 2.5: all of C (15,015) and 1.5 of B (30,000), both short: cost
// 45,015, gain 74,925 − 45,015 = 29,910.
// T sells 1.0: the 0.5 left of B (10,000) and 0.5 of A (10,010 × 0.5 =
// 5,005), both long: cost 15,005, gain 19,995.
// Left: 0.5 of A at 5,005.
func TestLIFOWorked(t *testing.T) {
	t.Parallel()
	res := compute(t, workedExample(), LIFO)
	checkDisposals(t, res, []wantDisposal{
		{cointally.TermShort, "2.5", "74925", "75", "45015", "29910"},
		{cointally.TermLong, "1.0", "35000", "0", "15005", "19995"},
	})
	if !res.Disposals[0].Various {
		t.Error("a disposal from two lots has various acquisition dates")
	}
	eq(t, "left", res.Lots[0].Cost, "5005")
}

// HIFO, step by step (cost per unit: B 20,000, C 15,015, A 10,010):
//
// S sells 2.5: all of B (40,000) and 0.5 of C (7,507.5), both short: cost
// 47,507.5, gain 27,417.5.
// T sells 1.0: the 0.5 left of C (7,507.5, short) and 0.5 of A (5,005, long):
// short proceeds 17,500, gain 9,992.5; long proceeds 17,500, gain 12,495.
// Left: 0.5 of A at 5,005.
func TestHIFOWorked(t *testing.T) {
	t.Parallel()
	res := compute(t, workedExample(), HIFO)
	checkDisposals(t, res, []wantDisposal{
		{cointally.TermShort, "2.5", "74925", "75", "47507.5", "27417.5"},
		{cointally.TermShort, "0.5", "17500", "0", "7507.5", "9992.5"},
		{cointally.TermLong, "0.5", "17500", "0", "5005", "12495"},
	})
	eq(t, "left", res.Lots[0].Cost, "5005")
}

// HIFO ranks by exact cost per unit, not by lot cost, and equal costs per
// unit go oldest first.
func TestHIFOOrder(t *testing.T) {
	t.Parallel()
	res := compute(t, ledger(
		buy("2024-01-01", "X", "3", "30"),    // 10 each, biggest lot
		buy("2024-01-02", "X", "1", "11"),    // 11 each
		buy("2024-01-03", "X", "2", "22"),    // 11 each, newer
		buy("2024-01-04", "X", "0.1", "1.2"), // 12 each, smallest lot
		sell("2024-02-01", "X", "3.1", "100"),
	), HIFO)
	var ids []string
	for _, m := range res.Disposals[0].Matches {
		ids = append(ids, m.EventID)
	}
	if got := strings.Join(ids, ","); got != "E4,E2,E3" {
		t.Errorf("HIFO order %s, want E4,E2,E3", got)
	}
}

// Average cost, step by step: after the three buys the pool is 4.0 BTC at
// 65,025.
// S sells 2.5: cost 65,025 × 2.5/4.0 = 40,640.625, gain 74,925 − 40,640.625 =
// 34,284.375; the pool keeps 1.5 at 24,384.375.
// T sells 1.0: cost 24,384.375 × 1.0/1.5 = 16,256.25, gain 18,743.75; the pool
// keeps 0.5 at 8,128.125.
//
// UK share pooling gives the same here: nothing is bought on or within 30
// days after a sale, so both sales come out of the section 104 pool.
func TestAverageWorked(t *testing.T) {
	t.Parallel()
	for _, m := range []Method{Average, UK} {
		res := compute(t, workedExample(), m)
		checkDisposals(t, res, []wantDisposal{
			{cointally.TermNone, "2.5", "74925", "75", "40640.625", "34284.375"},
			{cointally.TermNone, "1.0", "35000", "0", "16256.25", "18743.75"},
		})
		h := holding(t, res, "BTC")
		eq(t, m.String()+" pool qty", h.Quantity, "0.5")
		eq(t, m.String()+" pool cost", h.Cost, "8128.125")
		if !res.Lots[0].Pool || !res.Disposals[0].Various {
			t.Errorf("%s: pool lot %+v", m, res.Lots[0])
		}
	}
}

// Splitting a pool or lot in thirds: each part is rounded to 18 places and
// the last takes the rest, so the parts add up to the whole exactly.
func TestSplitRemainder(t *testing.T) {
	t.Parallel()
	for _, m := range allMethods {
		res := compute(t, ledger(
			buy("2024-01-01", "X", "3", "100"),
			sell("2024-02-01", "X", "1", "50"),
			sell("2024-03-01", "X", "1", "50"),
			sell("2024-04-01", "X", "1", "50"),
		), m)
		var costs []string
		for _, d := range res.Disposals {
			costs = append(costs, d.Cost.String())
		}
		if got := strings.Join(costs, " "); got != "33.333333333333333333 33.333333333333333334 33.333333333333333333" {
			t.Errorf("%s: costs %s", m, got)
		}
		eq(t, m.String()+" total cost", res.Totals.Cost, "100")
	}
}

// Fees: a trade fee is part of the cost of an acquisition and comes off the
// proceeds of a disposal.
func TestFees(t *testing.T) {
	t.Parallel()
	for _, m := range allMethods {
		res := compute(t, ledger(
			buy("2024-01-01", "BTC", "1", "997.4067", "2.5933"), // Kraken's QUIRKS example: cost 1,000
			sell("2024-02-01", "BTC", "1", "1500", "3.90"),
		), m)
		d := res.Disposals[0]
		eq(t, m.String()+" cost", d.Cost, "1000")
		eq(t, m.String()+" proceeds", d.Proceeds, "1496.10")
		eq(t, m.String()+" fee", d.Fee, "3.90")
		eq(t, m.String()+" gain", d.Gain, "496.10")
		eq(t, m.String()+" total fees", res.Totals.Fees, "3.90")
	}
}

// A fee paid in crypto is also a disposal of that crypto. Buying 1 ETH for
// 2,000 EUR with a fee of 0.01 ETH (worth 20 EUR) is expressed as:
//
//   - Acquire 1 ETH, Value 2,000, Fee 20: the fee's value is part of the cost;
//   - Dispose 0.01 ETH, Value 20, Source fee, at the same time: acquisitions
//     come first at one instant, so it matches the ETH just bought.
//
// The fee disposal takes 2,020 × 0.01 = 20.2 of cost for proceeds of 20: a
// loss of 0.2. What is left is 0.99 ETH at 1,999.8, and 2,020 of cost is
// conserved (20.2 + 1,999.8).
func TestFeePaidInCrypto(t *testing.T) {
	t.Parallel()
	fee := sell("2024-05-01T12:00", "ETH", "0.01", "20")
	fee.Source = cointally.TxnFee
	txns := ledger(fee, buy("2024-05-01T12:00", "ETH", "1", "2000", "20"))
	txns[0].EventID, txns[1].EventID = "T1", "T1" // one trade, two Txns
	for _, m := range allMethods {
		res := compute(t, txns, m)
		if len(res.Warnings) != 0 {
			t.Fatalf("%s: warnings %+v", m, res.Warnings)
		}
		d := res.Disposals[0]
		if d.Source != cointally.TxnFee {
			t.Errorf("%s: source %s", m, d.Source)
		}
		eq(t, m.String()+" fee disposal cost", d.Cost, "20.2")
		eq(t, m.String()+" fee disposal gain", d.Gain, "-0.2")
		h := holding(t, res, "ETH")
		eq(t, m.String()+" ETH held", h.Quantity, "0.99")
		eq(t, m.String()+" ETH cost", h.Cost, "1999.8")
	}
}

// Income makes a lot at its market value like any acquisition, and is
// reported as income.
func TestIncome(t *testing.T) {
	t.Parallel()
	reward := buy("2024-03-01", "DOT", "2", "14")
	reward.Source = cointally.TxnIncome
	for _, m := range allMethods {
		res := compute(t, ledger(reward, sell("2024-04-01", "DOT", "2", "16")), m)
		if len(res.Income) != 1 || res.Income[0].LedgerIDs[0] != "L1" {
			t.Fatalf("%s: income %+v", m, res.Income)
		}
		eq(t, m.String()+" income", res.Totals.Income, "14")
		eq(t, m.String()+" gain", res.Disposals[0].Gain, "2")
		if s := res.Summarize(CalendarYear(2023, nil)); s.Totals.Income.IsPositive() || len(s.Income) != 0 {
			t.Errorf("%s: income outside its year: %+v", m, s)
		}
	}
}

// A disposal larger than the holding: the excess is matched at zero cost,
// recorded on the disposal and warned about with the ledger IDs, for every
// method.
func TestShortfall(t *testing.T) {
	t.Parallel()
	for _, m := range allMethods {
		res := compute(t, ledger(
			buy("2024-01-01", "SOL", "1", "100"),
			sell("2024-02-01", "SOL", "1.5", "300"),
		), m)
		d := res.Disposals[0]
		eq(t, m.String()+" shortfall", d.Shortfall, "0.5")
		eq(t, m.String()+" cost", d.Cost, "100")
		eq(t, m.String()+" gain", d.Gain, "200")
		last := d.Matches[len(d.Matches)-1]
		if last.Rule != cointally.RuleShortfall || !last.Cost.IsZero() {
			t.Errorf("%s: last match %+v", m, last)
		}
		if len(res.Warnings) != 1 {
			t.Fatalf("%s: warnings %+v", m, res.Warnings)
		}
		w := res.Warnings[0]
		if w.Code != cointally.WarnShortfall || w.LedgerIDs[0] != "L2" || !w.Quantity.Equal(money.MustParse("0.5")) ||
			!strings.Contains(w.Message, "exceeds the 1 held by 0.5") {
			t.Errorf("%s: warning %+v", m, w)
		}
		if len(res.Holdings) != 0 || len(res.Lots) != 0 {
			t.Errorf("%s: holdings %+v lots %+v", m, res.Holdings, res.Lots)
		}
	}
}

// A Txn of unknown value is used as given and flagged wherever it goes.
func TestUnknownValue(t *testing.T) {
	t.Parallel()
	dep := buy("2024-01-01", "BTC", "1", "0")
	dep.Source, dep.ValueUnknown = cointally.TxnDepositUnknownCost, true
	for _, m := range allMethods {
		res := compute(t, ledger(dep, buy("2024-01-02", "BTC", "1", "40000"), sell("2024-06-01", "BTC", "2", "120000")), m)
		if len(res.Warnings) != 1 || res.Warnings[0].Code != cointally.WarnUnknownValue || res.Warnings[0].EventID != "E1" {
			t.Fatalf("%s: warnings %+v", m, res.Warnings)
		}
		if !res.Disposals[0].ValueUnknown || res.Totals.ValueUnknown != 1 {
			t.Errorf("%s: disposal not flagged: %+v", m, res.Disposals[0])
		}
	}
	// Once the unknown lot is gone, later disposals are clean (FIFO).
	res := compute(t, ledger(dep, buy("2024-01-02", "BTC", "1", "40000"),
		sell("2024-06-01", "BTC", "1", "60000"), sell("2024-06-02", "BTC", "1", "60000")), FIFO)
	if !res.Disposals[0].ValueUnknown || res.Disposals[1].ValueUnknown {
		t.Errorf("flags %v %v", res.Disposals[0].ValueUnknown, res.Disposals[1].ValueUnknown)
	}
}

// Held more than one year is long term: sold on a later calendar date than
// the first anniversary of the acquisition. 29 February's year ends on
// 28 February.
func TestTermBoundary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		bought, sold string
		want         cointally.Term
	}{
		{"2023-03-15T10:00", "2024-03-15T23:59", cointally.TermShort},
		{"2023-03-15T10:00", "2024-03-16T00:00", cointally.TermLong},
		{"2024-02-29", "2025-02-28T23:59", cointally.TermShort},
		{"2024-02-29", "2025-03-01", cointally.TermLong},
		{"2023-02-28", "2024-02-29", cointally.TermLong},
	} {
		res := compute(t, ledger(buy(tc.bought, "X", "1", "1"), sell(tc.sold, "X", "1", "2")), FIFO)
		if got := res.Disposals[0].Term; got != tc.want {
			t.Errorf("bought %s sold %s: %s, want %s", tc.bought, tc.sold, got, tc.want)
		}
	}
}

// Calendar days are counted in Options.Location: 23:30 UTC on 30 June is
// 00:30 on 1 July in London (BST), the same day as a sale at 10:00 on 1 July.
func TestLocation(t *testing.T) {
	t.Parallel()
	london := time.FixedZone("BST", 3600) // the package does no I/O; a fixed zone stands in for Europe/London in summer
	txns := ledger(
		buy("2023-01-01", "X", "10", "100"),
		buy("2023-06-30T23:30", "X", "1", "50"),
		sell("2023-07-01T10:00", "X", "1", "60"),
	)
	utc, err := Compute(txns, UK, Options{})
	if err != nil {
		t.Fatal(err)
	}
	bst, err := Compute(txns, UK, Options{Location: london})
	if err != nil {
		t.Fatal(err)
	}
	if utc.Disposals[0].Matches[0].Rule != cointally.RuleSection104 || bst.Disposals[0].Matches[0].Rule != cointally.RuleSameDay {
		t.Errorf("UTC %s, London %s", utc.Disposals[0].Matches[0].Rule, bst.Disposals[0].Matches[0].Rule)
	}
	if p := bst.Year(2023); !p.Start.Equal(time.Date(2023, 4, 5, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("tax year starts %s", p.Start)
	}
}

// At one instant acquisitions come before disposals, whatever their Seq: a
// sale stamped with the same time as the purchase it spends is no
// shortfall.
func TestSameInstantOrder(t *testing.T) {
	t.Parallel()
	for _, m := range allMethods {
		txns := ledger(
			sell("2024-01-01T12:00", "X", "1", "20"), // Seq 1
			buy("2024-01-01T12:00", "X", "1", "10"),  // Seq 2
		)
		res := compute(t, txns, m)
		if len(res.Warnings) != 0 || !res.Disposals[0].Gain.Equal(money.FromInt(10)) {
			t.Errorf("%s: warnings %+v gain %s", m, res.Warnings, res.Disposals[0].Gain)
		}
	}
}

func TestValidation(t *testing.T) {
	t.Parallel()
	good := buy("2024-01-01", "X", "1", "1")
	tests := []struct {
		name   string
		mutate func(*cointally.Txn)
		want   string
	}{
		{"kind", func(t *cointally.Txn) { t.Kind = 0 }, "kind must be acquire or dispose"},
		{"asset", func(t *cointally.Txn) { t.Asset = "" }, "no asset"},
		{"time", func(t *cointally.Txn) { t.Time = time.Time{} }, "no time"},
		{"zero quantity", func(t *cointally.Txn) { t.Quantity = money.Zero }, "quantity 0 is not positive"},
		{"negative quantity", func(t *cointally.Txn) { t.Quantity = money.FromInt(-1) }, "not positive"},
		{"negative value", func(t *cointally.Txn) { t.Value = money.FromInt(-1) }, "value -1 is negative"},
		{"negative fee", func(t *cointally.Txn) { t.Fee = money.FromInt(-1) }, "fee -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bad := good
			tt.mutate(&bad)
			_, err := Compute([]cointally.Txn{good, bad}, FIFO, Options{})
			if cointally.KindOf(err) != cointally.KindInvalid || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "txn 1") {
				t.Errorf("err = %v, want KindInvalid with %q", err, tt.want)
			}
		})
	}
	// The same (Time, Kind, Seq) twice in one asset: the order would be up
	// to the input slice, so it is refused, sorted input or not.
	dup := []cointally.Txn{good, good}
	if _, err := Compute(dup, FIFO, Options{}); cointally.KindOf(err) != cointally.KindInvalid || !strings.Contains(err.Error(), "distinct Seq") {
		t.Errorf("duplicate: %v", err)
	}
	other := good
	other.Time = other.Time.Add(-time.Hour)
	if _, err := Compute([]cointally.Txn{good, other, good}, FIFO, Options{}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("unsorted duplicate: %v", err)
	}
	// The same key in two assets is fine.
	eth := good
	eth.Asset = "ETH"
	if _, err := Compute([]cointally.Txn{good, eth}, FIFO, Options{}); err != nil {
		t.Errorf("two assets: %v", err)
	}
	if _, err := Compute(nil, Method(0), Options{}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("method 0: %v", err)
	}
	res, err := Compute(nil, UK, Options{})
	if err != nil || len(res.Disposals) != 0 || !res.Totals.Gain.IsZero() {
		t.Errorf("empty: %+v, %v", res, err)
	}
}

func TestParseMethod(t *testing.T) {
	t.Parallel()
	for _, m := range allMethods {
		got, err := ParseMethod(strings.ToUpper(m.String()))
		if err != nil || got != m {
			t.Errorf("ParseMethod(%q) = %v, %v", m, got, err)
		}
		b, _ := m.MarshalText()
		var back Method
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("text round trip of %s: %v %v", m, back, err)
		}
	}
	_, err := ParseMethod("acb")
	var e *cointally.Error
	if !errors.As(err, &e) || e.Kind != cointally.KindInvalid || !strings.Contains(e.Message, "fifo, lifo, hifo, average or uk") {
		t.Errorf("ParseMethod(acb) err = %v", err)
	}
}

func TestPeriods(t *testing.T) {
	t.Parallel()
	cy := CalendarYear(2024, nil)
	if cy.Label != "2024" || !cy.Start.Equal(at("2024-01-01")) || !cy.End.Equal(at("2025-01-01")) {
		t.Errorf("calendar year %+v", cy)
	}
	ty := UKTaxYear(2024, nil)
	if ty.Label != "2024-25" || !ty.Start.Equal(at("2024-04-06")) || !ty.End.Equal(at("2025-04-06")) {
		t.Errorf("tax year %+v", ty)
	}
	if !ty.Contains(at("2025-04-05T23:59")) || ty.Contains(at("2025-04-06")) || ty.Contains(at("2024-04-05T23:59")) {
		t.Error("tax year bounds")
	}
	txns := ledger(
		buy("2024-01-01", "X", "10", "100"),
		sell("2024-04-05", "X", "1", "20"), // 2023-24
		sell("2024-04-06", "X", "1", "5"),  // 2024-25, a loss
		sell("2024-12-31", "X", "1", "30"), // 2024-25
		sell("2025-04-06", "X", "1", "10"), // 2025-26, zero gain
	)
	res := compute(t, txns, UK)
	s := res.Summarize(res.Year(2024))
	if len(s.Disposals) != 2 || s.Totals.Gains != 1 || s.Totals.Losses != 1 {
		t.Fatalf("2024-25: %+v", s.Totals)
	}
	eq(t, "2024-25 proceeds", s.Totals.Proceeds, "35")
	eq(t, "2024-25 cost", s.Totals.Cost, "20")
	eq(t, "2024-25 gain", s.Totals.Gain, "15")
	fifo := compute(t, txns, FIFO)
	s = fifo.Summarize(fifo.Year(2024))
	if s.Period.Label != "2024" || len(s.Disposals) != 3 || s.Totals.Gains != 2 || s.Totals.Losses != 1 {
		t.Errorf("calendar 2024: %+v", s.Totals)
	}
	eq(t, "2024 short-term gain", s.Totals.ShortTermGain, "25")
	if z := fifo.Summarize(CalendarYear(2025, nil)); z.Totals.Gains+z.Totals.Losses != 0 || z.Totals.Disposals != 1 {
		t.Errorf("2025: a zero gain is neither a gain nor a loss: %+v", z.Totals)
	}
}

// Display rounds for people and leaves the stored value alone.
func TestDisplay(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"2.345": "2.34", "2.355": "2.36", "-0.005": "0.00", "1": "1.00",
		"33.333333333333333333": "33.33", "-163636.363636363636363636": "-163636.36",
	} {
		a := money.MustParse(in)
		if got := Display(a); got != want {
			t.Errorf("Display(%s) = %s, want %s", in, got, want)
		}
		if a.String() != money.MustParse(in).String() {
			t.Errorf("Display changed %s", in)
		}
	}
}
