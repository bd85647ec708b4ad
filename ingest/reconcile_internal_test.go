package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// ent builds an entry: seconds after t0, asset, amount, fee, balance
// ("" for none).
func ent(id string, sec int, asset, amount, fee, balance string) *cointally.Entry {
	e := &cointally.Entry{ID: id, Time: t0.Add(time.Duration(sec) * time.Second), Asset: asset,
		Amount: money.MustParse(amount), Fee: money.MustParse(fee)}
	if balance != "" {
		e.Balance, e.HasBalance = money.MustParse(balance), true
	}
	return e
}

func withWallet(e *cointally.Entry, w string) *cointally.Entry { e.Wallet = w; return e }

func TestChains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		entries []*cointally.Entry // in (time, ID) order, as the store streams them
		want    string             // chains: asset/wallet entries end [breaks before>after missing]
		skipped int
	}{
		{"continuous", []*cointally.Entry{
			ent("L1", 1, "XXBT", "1", "0", "1"),
			ent("L2", 2, "XXBT", "-0.4", "0.001", "0.599"),
			ent("L3", 3, "ZEUR", "100", "0", "100"),
		}, "XXBT 2 0.599 []; ZEUR 1 100 []", 0},
		{"same time, IDs against the chain", []*cointally.Entry{
			ent("L1", 1, "XXBT", "1", "0", "1"),
			// One second, three entries whose IDs sort against their order.
			ent("LA", 2, "XXBT", "0.5", "0", "2"),     // third
			ent("LB", 2, "XXBT", "0.25", "0", "1.25"), // first
			ent("LC", 2, "XXBT", "0.25", "0", "1.5"),  // second
			ent("L9", 3, "XXBT", "-2", "0", "0"),
		}, "XXBT 5 0 []", 0},
		{"zero-amount fee entries in a group", []*cointally.Entry{
			ent("L1", 1, "KFEE", "100", "0", "100"),
			ent("LX", 2, "KFEE", "0", "5", "90"),
			ent("LY", 2, "KFEE", "0", "5", "95"),
			ent("LZ", 2, "KFEE", "0", "0", "100"),
		}, "KFEE 4 90 []", 0},
		{"gap in the middle", []*cointally.Entry{
			ent("L1", 1, "ZEUR", "100", "0", "100"),
			ent("L2", 2, "ZEUR", "-30", "1", "69"),
			// missing: -20 at second 3
			ent("L4", 4, "ZEUR", "10", "0", "59"),
			ent("L5", 5, "ZEUR", "1", "0", "60"),
		}, "ZEUR 4 60 [L2>L4 -20]", 0},
		{"history before the first entry missing", []*cointally.Entry{
			ent("L7", 7, "DOT.S", "0.5", "0", "12.5"),
			ent("L8", 8, "DOT.S", "0.5", "0", "13"),
		}, "DOT.S 2 13 [>L7 12]", 0},
		{"pending rows skipped", []*cointally.Entry{
			ent("", 1, "XXBT", "1", "0", ""),
			ent("L1", 2, "XXBT", "1", "0", "1"),
		}, "XXBT 1 1 []", 1},
		{"API entries join the export's wallet", []*cointally.Entry{
			withWallet(ent("L1", 1, "XXBT", "1", "0", "1"), "spot / main"),
			ent("L2", 2, "XXBT", "1", "0", "2"),
			withWallet(ent("L3", 3, "ETH", "1", "0", "1"), "earn / flexible"),
		}, "ETH/earn / flexible 1 1 []; XXBT/spot / main 2 2 []", 0},
		{"a wallet-less chain adopts the first wallet", []*cointally.Entry{
			ent("L1", 1, "XXBT", "1", "0", "1"),
			withWallet(ent("L2", 2, "XXBT", "1", "0", "2"), "spot / main"),
		}, "XXBT/spot / main 2 2 []", 0},
		{"two wallets, two chains", []*cointally.Entry{
			withWallet(ent("L1", 1, "DOT", "10", "0", "10"), "spot / main"),
			withWallet(ent("L2", 2, "DOT", "4", "0", "4"), "earn / bonded"),
			withWallet(ent("L3", 3, "DOT", "-4", "0", "6"), "spot / main"),
		}, "DOT/earn / bonded 1 4 []; DOT/spot / main 2 6 []", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c chainer
			for _, e := range tt.entries {
				c.add(e)
			}
			if got := describe(c.finish()); got != tt.want || c.skipped != tt.skipped {
				t.Errorf("got %s (%d skipped)\nwant %s (%d skipped)", got, c.skipped, tt.want, tt.skipped)
			}
		})
	}
}

func describe(chains []Chain) string {
	var parts []string
	for _, ch := range chains {
		name := ch.Asset
		if ch.Wallet != "" {
			name += "/" + ch.Wallet
		}
		var bs []string
		for _, b := range ch.Breaks {
			bs = append(bs, fmt.Sprintf("%s>%s %s", b.Before, b.After, b.Missing))
		}
		parts = append(parts, fmt.Sprintf("%s %d %s [%s]", name, ch.Entries, ch.LedgerBalance, strings.Join(bs, ",")))
	}
	return strings.Join(parts, "; ")
}

func TestCompareLive(t *testing.T) {
	t.Parallel()
	chains := []Chain{
		{Asset: "XBT.M", LedgerBalance: money.MustParse("1.5")},
		{Asset: "XXBT", LedgerBalance: money.MustParse("2")},
		{Asset: "ZEUR", LedgerBalance: money.MustParse("10")},
		{Asset: "ADA", LedgerBalance: money.MustParse("0")},
	}
	live := []cointally.BalanceSnapshot{
		{Asset: "BTC.M", Amount: money.MustParse("1.5")},
		{Asset: "XXBT", Amount: money.MustParse("2.0000")},
		{Asset: "ZEUR", Amount: money.MustParse("9")},
		{Asset: "SOL", Amount: money.MustParse("3")},
		{Asset: "ZUSD", Amount: money.MustParse("0")},
	}
	normalize := func(code string) (string, string) {
		switch code {
		case "XBT.M", "BTC.M":
			return "BTC", ".M"
		}
		return code, ""
	}
	got := compareLive(chains, live, normalize)
	var b strings.Builder
	for _, ch := range got {
		fmt.Fprintf(&b, "%s(%s):%v-%v=%v ", ch.Asset, ch.LiveAsset, ch.LiveBalance, ch.LedgerBalance, ch.Difference)
	}
	want := "ADA():0-0=0 SOL():3-0=3 XBT.M(BTC.M):1.5-1.5=0 XXBT():2-2=0 ZEUR():9-10=-1 "
	if b.String() != want {
		t.Errorf("got  %s\nwant %s", b.String(), want)
	}
}

func TestBounds(t *testing.T) {
	t.Parallel()
	for _, tm := range []time.Time{
		time.Unix(1688464484, 178700000), time.Unix(0, 0), time.Unix(1700000000, 1), time.Unix(1700000000, 0),
	} {
		s := cointally.BoundTime(tm)
		back, err := parseBound(s)
		if err != nil || !back.Equal(tm) {
			t.Errorf("%v -> %q -> %v, %v", tm, s, back, err)
		}
	}
	if s := cointally.BoundTime(time.Unix(1688464484, 178700000)); s != "1688464484.1787" {
		t.Errorf("BoundTime = %q", s)
	}
	for _, bad := range []string{"", "x", "1.1234567890", "1.-5"} {
		if _, err := parseBound(bad); err == nil {
			t.Errorf("parseBound(%q) accepted", bad)
		}
	}
}
