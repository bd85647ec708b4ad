package report_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/costbasis"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/price"
	"github.com/cointally/cointally/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var d = money.MustParse

func at(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 12, 0, 0, 0, time.UTC) }

func leg(asset, amount string) cointally.Leg { return cointally.Leg{Asset: asset, Amount: d(amount)} }

// ev builds an event; its ID and ledger ID derive from name.
func ev(name string, t time.Time, kind cointally.EventKind, detail string, legs []cointally.Leg, fees ...cointally.Leg) cointally.Event {
	return cointally.Event{ID: "R-" + name, RefID: "R-" + name, Kind: kind, Detail: detail, Time: t, Legs: legs, Fees: fees,
		LedgerIDs: []string{"L-" + name}}
}

// scenario is a small history with every valuation rule, in EUR.
func scenario() []cointally.Event {
	T, C := cointally.EventTrade, cointally.EventConversion
	return []cointally.Event{
		ev("dep-eur", at(2023, 1, 10), cointally.EventDeposit, "", []cointally.Leg{leg("EUR", "20000")}),
		ev("buy-btc", at(2023, 1, 11), T, cointally.DetailSpot, []cointally.Leg{leg("EUR", "-10000"), leg("BTC", "0.5")}, leg("EUR", "26")),
		ev("buy-ust", at(2023, 1, 15), T, cointally.DetailSpot, []cointally.Leg{leg("EUR", "-950"), leg("UST", "1000")}),
		ev("btc-eth", at(2023, 2, 1), T, cointally.DetailSpot, []cointally.Leg{leg("BTC", "-0.1"), leg("ETH", "2")}, leg("BTC", "0.0002")),
		ev("reward", at(2023, 3, 1), cointally.EventIncome, cointally.DetailEarnReward, []cointally.Leg{leg("ETH", "0.001")}),
		ev("wd-btc", at(2023, 4, 1), cointally.EventWithdrawal, "", []cointally.Leg{leg("BTC", "-0.1")}, leg("BTC", "0.0005")),
		ev("dep-btc", at(2023, 5, 1), cointally.EventDeposit, "", []cointally.Leg{leg("BTC", "0.15")}),
		ev("sell-usd", at(2023, 6, 1), T, cointally.DetailSpot, []cointally.Leg{leg("BTC", "-0.2"), leg("USD", "6000")}, leg("USD", "15")),
		ev("instant", at(2023, 7, 1), C, cointally.DetailInstant, []cointally.Leg{leg("EUR", "-100"), leg("SOL", "5")}, leg("EUR", "1.5")),
		ev("kfee", at(2023, 8, 1), T, cointally.DetailSpot, []cointally.Leg{leg("EUR", "-300"), leg("ETH", "0.2")}, leg("KFEE", "78")),
		{ID: "L-m1", RefID: "R-margin", Kind: cointally.EventMargin, Detail: cointally.DetailMarginFee, Time: at(2023, 9, 1),
			Fees: []cointally.Leg{leg("ETH", "0.001")}, LedgerIDs: []string{"L-m1"}},
		{ID: "L-m2", RefID: "R-margin", Kind: cointally.EventMargin, Detail: cointally.DetailRollover, Time: at(2023, 9, 1).Add(4 * time.Hour),
			Fees: []cointally.Leg{leg("EUR", "0.5")}, LedgerIDs: []string{"L-m2"}},
		{ID: "L-m3", RefID: "R-margin", Kind: cointally.EventMargin, Detail: cointally.DetailMarginPL, Time: at(2023, 9, 1).Add(5 * time.Hour),
			Legs: []cointally.Leg{leg("EUR", "-50")}, LedgerIDs: []string{"L-m3"}},
		ev("delist-ust", at(2023, 10, 1), cointally.EventAdjustment, cointally.DetailDelisting, []cointally.Leg{leg("UST", "-1000")}),
		ev("delist-eur", at(2023, 10, 5), cointally.EventAdjustment, cointally.DetailDelisting, []cointally.Leg{leg("EUR", "18")}),
		ev("fut-out", at(2023, 11, 1), cointally.EventInternal, cointally.DetailFutures, []cointally.Leg{leg("BTC", "-0.1")}),
		ev("stake", at(2023, 11, 2), cointally.EventInternal, cointally.DetailStaking, []cointally.Leg{leg("ETH", "-1")}),
		ev("staked", at(2023, 11, 2).Add(time.Minute), cointally.EventInternal, cointally.DetailStaking, []cointally.Leg{leg("ETH", "1")}),
		ev("fut-back", at(2023, 12, 1), cointally.EventInternal, cointally.DetailFutures, []cointally.Leg{leg("BTC", "0.12")}),
		ev("airdrop", at(2024, 1, 5), cointally.EventIncome, cointally.DetailAirdrop, []cointally.Leg{leg("BCH", "0.5")}),
		ev("invite", at(2024, 1, 6), cointally.EventIncome, cointally.DetailInviteBonus, []cointally.Leg{leg("USD", "10")}),
		ev("credits", at(2024, 1, 7), cointally.EventFeeCredit, "", []cointally.Leg{leg("KFEE", "5000")}),
		{ID: "R-nft", RefID: "R-nft", Kind: cointally.EventUnclassified, Time: at(2024, 2, 1), Legs: []cointally.Leg{leg("ETH", "-0.5")},
			LedgerIDs: []string{"L-nft"}, Note: `unknown ledger type "nfttrade" with subtype "" (nfttrade -0.5 XETH)`},
		ev("sell-eth", at(2024, 3, 1), T, cointally.DetailSpot, []cointally.Leg{leg("ETH", "-1"), leg("EUR", "3000")}, leg("EUR", "7.8")),
		ev("sell-btc", at(2024, 6, 1), T, cointally.DetailSpot, []cointally.Leg{leg("BTC", "-0.25"), leg("EUR", "15000")}, leg("EUR", "39")),
		ev("sell-sol", at(2024, 7, 1), T, cointally.DetailSpot, []cointally.Leg{leg("SOL", "-5"), leg("EUR", "700")}),
	}
}

// prices: a constant daily market per asset in USD, EUR/USD 1.1; BCH has
// none.
func prices() price.Source {
	usd := map[string]string{"BTC": "27500", "ETH": "1650", "SOL": "22", "UST": "0.022", "EUR": "1.1"}
	f := &price.Fixed{Name: "test-market"}
	for day := at(2023, 1, 1); day.Before(at(2025, 1, 1)); day = day.AddDate(0, 0, 1) {
		for a, p := range usd {
			f.Set(a, "USD", day, d(p))
		}
	}
	return price.NewChain(f)
}

func book(t *testing.T, opts report.Options) *report.Book {
	t.Helper()
	if opts.Currency == "" {
		opts.Currency = "EUR"
	}
	b, err := report.Value(context.Background(), scenario(), prices(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compute(t *testing.T, b *report.Book, m costbasis.Method) *costbasis.Result {
	t.Helper()
	opts := costbasis.Options{}
	if m == costbasis.UK {
		loc, err := time.LoadLocation("Europe/London")
		if err != nil {
			t.Skipf("no time zone data: %v", err)
		}
		opts.Location = loc
	}
	res, err := costbasis.Compute(b.Txns, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test ./report -update and review the diff):\n%s", name, got)
	}
}

func render(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	t.Parallel()
	b := book(t, report.Options{})
	fifo := compute(t, b, costbasis.FIFO)
	uk := compute(t, b, costbasis.UK)
	for _, y := range []int{2023, 2024} {
		g := report.NewGains(b, fifo, y)
		golden(t, fmt.Sprintf("gains-%d-fifo.json", y), render(t, func(w *bytes.Buffer) error { return g.WriteJSON(w) }))
		golden(t, fmt.Sprintf("gains-%d-fifo.txt", y), render(t, func(w *bytes.Buffer) error { return g.WriteText(w) }))
		golden(t, fmt.Sprintf("gains-%d-8949.csv", y), render(t, func(w *bytes.Buffer) error { return g.Write8949(w) }))
		golden(t, fmt.Sprintf("gains-%d-audit.csv", y), render(t, func(w *bytes.Buffer) error { return g.WriteAudit(w) }))
		gu := report.NewGains(b, uk, y)
		golden(t, fmt.Sprintf("gains-%d-uk.json", y), render(t, func(w *bytes.Buffer) error { return gu.WriteJSON(w) }))
		in := report.NewIncome(b, y, costbasis.CalendarYear(y, nil))
		golden(t, fmt.Sprintf("income-%d.json", y), render(t, func(w *bytes.Buffer) error { return in.WriteJSON(w) }))
		golden(t, fmt.Sprintf("income-%d.csv", y), render(t, func(w *bytes.Buffer) error { return in.WriteCSV(w) }))
	}
	years, err := report.UKSummary(uk, 2022, 2024)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "uk-summary.csv", render(t, func(w *bytes.Buffer) error { return report.WriteUKSummaryCSV(w, b, years) }))
	cmp, err := report.Compare(b, 2024, func(m costbasis.Method) costbasis.Options {
		if m == costbasis.UK {
			return costbasis.Options{Location: uk.Location}
		}
		return costbasis.Options{}
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "compare-2024.txt", render(t, func(w *bytes.Buffer) error { return cmp.WriteText(w) }))
	golden(t, "compare-2024.json", render(t, func(w *bytes.Buffer) error { return cmp.WriteJSON(w) }))
	ch := prices()
	h, err := report.NewHoldings(b, fifo, at(2024, 12, 31), func(asset string, qty money.Amount, t time.Time) (money.Amount, string, error) {
		q, err := ch.Price(context.Background(), asset, "EUR", t)
		if err != nil {
			return money.Amount{}, "", err
		}
		return qty.Mul(q.Price).Round(report.ValuePlaces, money.HalfEven), q.Source, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "holdings.json", render(t, func(w *bytes.Buffer) error { return h.WriteJSON(w) }))
	golden(t, "holdings.txt", render(t, func(w *bytes.Buffer) error { return h.WriteText(w) }))
}

// txnsOf returns the Txns of one event, rendered compactly.
func txnsOf(b *report.Book, eventID string) []string {
	var out []string
	for i, t := range b.Txns {
		if t.EventID != eventID {
			continue
		}
		s := fmt.Sprintf("%s %s %s value %s fee %s %s", t.Kind, t.Quantity, t.Asset, t.Value, t.Fee, t.Source)
		if t.ValueUnknown {
			s += " unknown"
		}
		out = append(out, s+" <"+b.PriceSources[i]+">")
	}
	return out
}

// TestValuationRules checks each rule on the scenario's events.
func TestValuationRules(t *testing.T) {
	t.Parallel()
	eur := "test-market %s/USD 2023-%s × 1/(test-market EUR/USD 2023-%s)"
	src := func(a, md string) string { return fmt.Sprintf(eur, a, md, md) }
	tests := []struct {
		name  string
		opts  report.Options
		event string
		want  []string
	}{
		{"fiat buy: the EUR leg is the value, the fee adds to the cost", report.Options{}, "R-buy-btc",
			[]string{"acquire 0.5 BTC value 10000 fee 26 trade <trade>"}},
		{"crypto to crypto at the market value of what is given; a crypto fee is a disposal", report.Options{}, "R-btc-eth", []string{
			"acquire 2 ETH value 2500 fee 0 conversion <" + src("BTC", "02-01") + ">",
			"dispose 0.1 BTC value 2500 fee 5 conversion <" + src("BTC", "02-01") + ">",
			"dispose 0.0002 BTC value 5 fee 0 fee <" + src("BTC", "02-01") + ">",
		}},
		{"income at market value", report.Options{}, "R-reward",
			[]string{"acquire 0.001 ETH value 1.5 fee 0 income <" + src("ETH", "03-01") + ">"}},
		{"withdrawal: only the fee is disposed of", report.Options{}, "R-wd-btc",
			[]string{"dispose 0.0005 BTC value 12.5 fee 0 fee <" + src("BTC", "04-01") + ">"}},
		{"withdrawal fee as a loss", report.Options{WithdrawalFee: report.FeeLoss}, "R-wd-btc",
			[]string{"dispose 0.0005 BTC value 0 fee 0 fee <" + src("BTC", "04-01") + " (fee as a loss: no proceeds)>"}},
		{"deposit: what was withdrawn comes back; the rest has an unknown cost", report.Options{}, "R-dep-btc",
			[]string{"acquire 0.05 BTC value 1250 fee 0 deposit-unknown-cost unknown <" + src("BTC", "05-01") + ">"}},
		{"deposit cost taken as zero", report.Options{DepositCost: report.DepositAtZero}, "R-dep-btc",
			[]string{"acquire 0.05 BTC value 0 fee 0 deposit-unknown-cost unknown <deposit of unknown cost, taken as zero>"}},
		{"sale for USD: the USD leg converted", report.Options{}, "R-sell-usd", []string{
			"dispose 0.2 BTC value 5454.5454545455 fee 13.6363636364 trade <trade USD leg at 1/(test-market EUR/USD 2023-06-01)>"}},
		{"fee credits are worth nothing", report.Options{}, "R-kfee", []string{"acquire 0.2 ETH value 300 fee 0 trade <trade>"}},
		{"fee credits at face value", report.Options{FeeCredits: report.FeeCreditsFace}, "R-kfee",
			[]string{"acquire 0.2 ETH value 300 fee 0.7090909091 trade <trade>"}},
		{"a margin fee in crypto is a disposal", report.Options{}, "L-m1",
			[]string{"dispose 0.001 ETH value 1.5 fee 0 fee <" + src("ETH", "09-01") + ">"}},
		{"a delisting disposes at market value", report.Options{}, "R-delist-ust",
			[]string{"dispose 1000 UST value 20 fee 0 adjustment <" + src("UST", "10-01") + ">"}},
		{"internal moves make no txn", report.Options{}, "R-stake", nil},
		{"more back from Futures than went in: acquired", report.Options{}, "R-fut-back",
			[]string{"acquire 0.02 BTC value 500 fee 0 adjustment <" + src("BTC", "12-01") + ">"}},
		{"an airdrop without a price: flagged", report.Options{}, "R-airdrop", []string{"acquire 0.5 BCH value 0 fee 0 income unknown <none>"}},
		{"fiat income makes no lot", report.Options{}, "R-invite", nil},
		{"a quarantined group makes no txn", report.Options{}, "R-nft", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := book(t, tt.opts)
			got := txnsOf(b, tt.event)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("txns:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestBookSideLines(t *testing.T) {
	t.Parallel()
	b := book(t, report.Options{})
	if len(b.Income) != 3 {
		t.Errorf("income lines = %d, want 3 (reward, airdrop, invite bonus)", len(b.Income))
	}
	if l := b.Income[2]; l.Asset != "USD" || !l.Value.Equal(d("9.0909090909")) {
		t.Errorf("invite bonus = %+v, want 10 USD valued 9.0909090909 EUR", l)
	}
	var pl, fees money.Amount
	for _, m := range b.Margin {
		if m.Kind == cointally.DetailMarginPL {
			pl = pl.Add(m.Value)
		} else {
			fees = fees.Add(m.Value)
		}
	}
	if !pl.Equal(d("-50")) || !fees.Equal(d("-2")) {
		t.Errorf("margin P/L %s fees %s, want -50 and -2 (1.5 + 0.5)", pl, fees)
	}
	if len(b.Quarantine) != 1 || !b.Quarantine[0].Value.Equal(d("750")) {
		t.Fatalf("quarantine = %+v, want one group worth 750 EUR", b.Quarantine)
	}
	if len(b.Notes) != 1 || !strings.Contains(b.Notes[0].Message, "Futures") {
		t.Errorf("notes = %+v", b.Notes)
	}
	if h := b.HeldElsewhere["BTC"]; !h.IsZero() {
		t.Errorf("held elsewhere BTC = %s, want 0 (it came back)", h)
	}
	// The banner: on every gains report whose period ends after the
	// group, on income only in its own period, on holdings always.
	res := compute(t, b, costbasis.FIFO)
	if g := report.NewGains(b, res, 2023); g.Banner != nil {
		t.Error("2023 gains carry the banner of a 2024 group")
	}
	g := report.NewGains(b, res, 2024)
	if g.Banner == nil || !strings.HasPrefix(g.Banner.Headline(), "1 unclassified ledger group worth about 750.00 EUR is not in this report, and it may change it:") {
		t.Errorf("2024 banner = %+v", g.Banner)
	}
	if in := report.NewIncome(b, 2023, costbasis.CalendarYear(2023, nil)); in.Banner != nil {
		t.Error("2023 income carries a 2024 banner")
	}
}

func TestValueErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := report.Value(ctx, nil, prices(), report.Options{}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("no currency: %v", err)
	}
	if _, err := report.Value(ctx, nil, prices(), report.Options{Currency: "EUR", FeeCredits: "free"}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("bad rule: %v", err)
	}
	boom := failing{}
	_, err := report.Value(ctx, scenario(), boom, report.Options{Currency: "EUR"})
	if err == nil || !strings.Contains(err.Error(), "exchange down") {
		t.Errorf("failing prices: %v", err)
	}
	b := book(t, report.Options{})
	if err := report.NewGains(b, compute(t, b, costbasis.Average), 2023).Write8949(&bytes.Buffer{}); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("8949 with average cost: %v", err)
	}
}

type failing struct{}

func (failing) Price(context.Context, string, string, time.Time) (price.Quote, error) {
	return price.Quote{}, fmt.Errorf("exchange down")
}
