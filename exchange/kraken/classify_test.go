package kraken_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/exchange/kraken"
	"github.com/cointally/cointally/exchange/kraken/krakensim"
	"github.com/cointally/cointally/money"
)

// simEntries converts a generated account's ledger into cointally entries,
// as a sync would store them.
func simEntries(a *krakensim.Account) []cointally.Entry {
	out := make([]cointally.Entry, 0, len(a.Entries))
	for _, e := range a.Entries {
		info, _ := krakensim.AssetByID(e.Asset)
		out = append(out, cointally.Entry{
			AccountID: 1, ID: e.ID, RefID: e.RefID, Time: e.Time.Time(), Type: e.Type, Subtype: e.Subtype,
			Aclass: e.Aclass, Asset: e.Asset,
			Amount:     money.MustParse(krakensim.FormatFixed(e.Amount, info.Decimals)),
			Fee:        money.MustParse(krakensim.FormatFixed(e.Fee, info.Decimals)),
			Balance:    money.MustParse(krakensim.FormatFixed(e.Balance, info.Decimals)),
			HasBalance: true, Source: cointally.SourceAPI,
		})
	}
	return out
}

// TestClassifyGenerated classifies a generated history with every QUIRKS
// shape: every group is read (none quarantined: the generator writes only
// shapes Kraken documents), every entry belongs to exactly one event except
// the failed withdrawal's, and every event kind and detail appears.
func TestClassifyGenerated(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		seed int64
		spec krakensim.HistorySpec
	}{
		{"default-span", 11, krakensim.DefaultHistorySpec(4000)},
		{"short-span", 5, krakensim.HistorySpec{Entries: 1500, From: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acct := krakensim.Generate(krakensim.NewMarket(tc.seed), tc.seed, "acct", tc.spec)
			entries := simEntries(acct)
			res := kraken.Classify(entries)
			if res.Entries != len(entries) {
				t.Fatalf("Entries = %d, want %d", res.Entries, len(entries))
			}
			if q := res.Unclassified(); len(q) > 0 {
				for _, e := range q[:min(len(q), 5)] {
					t.Errorf("quarantined %s: %s", e.RefID, e.Note)
				}
				t.Fatalf("%d groups quarantined, want 0", len(q))
			}
			if res.Canceled != 1 {
				t.Errorf("Canceled = %d, want 1 (the failed withdrawal)", res.Canceled)
			}
			seen := map[string]int{}
			kinds := map[string]int{}
			for i, ev := range res.Events {
				if i > 0 && ev.Time.Before(res.Events[i-1].Time) {
					t.Fatalf("event %d (%s) at %s before the previous one at %s", i, ev.ID, ev.Time, res.Events[i-1].Time)
				}
				if len(ev.LedgerIDs) == 0 {
					t.Errorf("event %s has no ledger IDs", ev.ID)
				}
				for _, id := range ev.LedgerIDs {
					seen[id]++
				}
				kinds[string(ev.Kind)+"/"+ev.Detail]++
				for _, l := range ev.Legs {
					if strings.ContainsAny(l.Asset, ".") || l.Asset == "XXBT" || l.Asset == "XBT" {
						t.Errorf("event %s has an unfolded asset %q", ev.ID, l.Asset)
					}
				}
				for _, fee := range ev.Fees {
					if !fee.Amount.IsPositive() {
						t.Errorf("event %s has fee %s %s", ev.ID, fee.Amount, fee.Asset)
					}
				}
			}
			missing := 0
			for _, e := range entries {
				switch seen[e.ID] {
				case 1:
				case 0:
					if e.Type != "withdrawal" {
						t.Errorf("entry %s (%s/%s %s) is in no event", e.ID, e.Type, e.Subtype, e.Asset)
					}
					missing++
				default:
					t.Errorf("entry %s is in %d events", e.ID, seen[e.ID])
				}
			}
			if missing != 2 {
				t.Errorf("%d entries in no event, want 2 (the failed withdrawal and its reversal)", missing)
			}
			for _, want := range []string{
				"trade/spot", "conversion/instant", "deposit/", "withdrawal/", "fee-credit/",
				"internal/staking", "internal/earn", "internal/migration", "internal/futures", "internal/eth2-conversion",
				"income/staking-reward", "income/earn-reward", "income/airdrop", "income/invite-bonus",
				"adjustment/delisting", "margin/pl", "margin/fee", "margin/rollover",
			} {
				if kinds[want] == 0 {
					t.Errorf("no %s event (kinds: %v)", want, kinds)
				}
			}
		})
	}
}

// entry builds a test ledger entry; amounts are decimal text.
type ent struct {
	id, ref, typ, sub, asset, amount, fee string
	at                                    int // minutes after the base time
	noBalance                             bool
}

var base = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func mk(es ...ent) []cointally.Entry {
	out := make([]cointally.Entry, len(es))
	for i, e := range es {
		fee := e.fee
		if fee == "" {
			fee = "0"
		}
		out[i] = cointally.Entry{AccountID: 1, ID: e.id, RefID: e.ref, Time: base.Add(time.Duration(e.at) * time.Minute),
			Type: e.typ, Subtype: e.sub, Asset: e.asset, Amount: money.MustParse(e.amount), Fee: money.MustParse(fee),
			HasBalance: !e.noBalance, Source: cointally.SourceAPI,
			Unknown: !kraken.KnownLedgerType(e.typ, e.sub)}
	}
	return out
}

// describe renders events compactly: kind/detail [legs] fees{...} ids.
func describe(evs []cointally.Event) []string {
	var out []string
	for _, e := range evs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s/%s", e.Kind, e.Detail)
		for _, l := range e.Legs {
			fmt.Fprintf(&b, " %s%s", l.Amount, l.Asset)
		}
		for _, l := range e.Fees {
			fmt.Fprintf(&b, " fee:%s%s", l.Amount, l.Asset)
		}
		fmt.Fprintf(&b, " %s", strings.Join(e.LedgerIDs, ","))
		out = append(out, b.String())
	}
	return out
}

// TestClassifyShapes has one case per QUIRKS.md shape, the quarantined ones
// included.
func TestClassifyShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		entries  []ent
		want     []string
		canceled int
		pending  int
		note     string // for a quarantined group: a part of the reason
	}{
		{
			name: "spot buy, fee on the quote leg",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", sub: "tradespot", asset: "ZEUR", amount: "-997.4067", fee: "2.5933"},
				{id: "L2", ref: "T1", typ: "trade", sub: "tradespot", asset: "XXBT", amount: "0.0152000000"},
			},
			want: []string{"trade/spot -997.4067EUR 0.0152BTC fee:2.5933EUR L1,L2"},
		},
		{
			name: "crypto-crypto sell, fee on the base leg",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", asset: "XETH", amount: "-1.5", fee: "0.0039"},
				{id: "L2", ref: "T1", typ: "trade", asset: "XXBT", amount: "0.08"},
			},
			want: []string{"trade/spot -1.5ETH 0.08BTC fee:0.0039ETH L1,L2"},
		},
		{
			name: "one fill from two wallets: same-side legs summed",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", sub: "tradespot", asset: "XXBT", amount: "-0.3"},
				{id: "L2", ref: "T1", typ: "trade", sub: "tradespot", asset: "XBT.F", amount: "-0.2"},
				{id: "L3", ref: "T1", typ: "trade", sub: "tradespot", asset: "ZEUR", amount: "30000", fee: "78"},
			},
			want: []string{"trade/spot -0.5BTC 30000EUR fee:78EUR L1,L2,L3"},
		},
		{
			name: "fee paid in fee credits on a separate row",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", asset: "ZEUR", amount: "-300"},
				{id: "L2", ref: "T1", typ: "trade", asset: "XXBT", amount: "0.01"},
				{id: "L3", ref: "T1", typ: "trade", asset: "KFEE", amount: "0", fee: "78.00"},
			},
			want: []string{"trade/spot -300EUR 0.01BTC fee:78KFEE L1,L2,L3"},
		},
		{
			name: "trade with three assets: quarantined",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", asset: "ZEUR", amount: "-300"},
				{id: "L2", ref: "T1", typ: "trade", asset: "XXBT", amount: "0.01"},
				{id: "L3", ref: "T1", typ: "trade", asset: "XETH", amount: "0.1"},
			},
			want: []string{"unclassified/ -300EUR 0.01BTC 0.1ETH L1,L2,L3"},
			note: "gives 1 assets and receives 2",
		},
		{
			name: "trade between two forms of one asset: quarantined",
			entries: []ent{
				{id: "L1", ref: "T1", typ: "trade", asset: "ETH2.S", amount: "-1"},
				{id: "L2", ref: "T1", typ: "trade", asset: "XETH", amount: "0.98"},
			},
			want: []string{"unclassified/ -0.02ETH L1,L2"},
			note: "two forms of one asset",
		},
		{
			name: "instant buy (spend/receive)",
			entries: []ent{
				{id: "L1", ref: "R1", typ: "spend", asset: "ZEUR", amount: "-100", fee: "1.5"},
				{id: "L2", ref: "R1", typ: "receive", asset: "SOL", amount: "0.7"},
			},
			want: []string{"conversion/instant -100EUR 0.7SOL fee:1.5EUR L1,L2"},
		},
		{
			name: "card buy: the deposit shares the refid",
			entries: []ent{
				{id: "L1", ref: "R1", typ: "deposit", asset: "ZEUR", amount: "101.5"},
				{id: "L2", ref: "R1", typ: "spend", asset: "ZEUR", amount: "-100", fee: "1.5", at: 1},
				{id: "L3", ref: "R1", typ: "receive", asset: "XETH", amount: "0.03", at: 1},
			},
			want: []string{"deposit/ 101.5EUR L1", "conversion/instant -100EUR 0.03ETH fee:1.5EUR L2,L3"},
		},
		{
			name: "receive without spend: quarantined",
			entries: []ent{
				{id: "L1", ref: "R1", typ: "receive", asset: "XETH", amount: "0.03"},
			},
			want: []string{"unclassified/ 0.03ETH L1"},
			note: "gives 0 assets and receives 1",
		},
		{
			name: "deposit with its pending CSV row counts once",
			entries: []ent{
				{id: "P1", ref: "Q1", typ: "deposit", asset: "XXBT", amount: "0.5", noBalance: true},
				{id: "L1", ref: "Q1", typ: "deposit", asset: "XXBT", amount: "0.5", at: 30},
			},
			want:    []string{"deposit/ 0.5BTC L1"},
			pending: 1,
		},
		{
			name: "a lone pending deposit row still counts",
			entries: []ent{
				{id: "P1", ref: "Q1", typ: "deposit", asset: "XXBT", amount: "0.5", noBalance: true},
			},
			want: []string{"deposit/ 0.5BTC P1"},
		},
		{
			name: "fiat deposit with a fee",
			entries: []ent{
				{id: "L1", ref: "Q1", typ: "deposit", asset: "ZUSD", amount: "1000", fee: "5"},
			},
			want: []string{"deposit/ 1000USD fee:5USD L1"},
		},
		{
			name: "withdrawal with its fee",
			entries: []ent{
				{id: "L1", ref: "A1", typ: "withdrawal", asset: "XXBT", amount: "-0.2", fee: "0.00015"},
			},
			want: []string{"withdrawal/ -0.2BTC fee:0.00015BTC L1"},
		},
		{
			name: "failed withdrawal: two entries that cancel out",
			entries: []ent{
				{id: "L1", ref: "A1", typ: "withdrawal", asset: "XXBT", amount: "-0.2", fee: "0.00015"},
				{id: "L2", ref: "A1", typ: "withdrawal", asset: "XXBT", amount: "0.2", fee: "-0.00015", at: 200},
			},
			canceled: 1,
		},
		{
			name: "partly reversed withdrawal: quarantined",
			entries: []ent{
				{id: "L1", ref: "A1", typ: "withdrawal", asset: "XXBT", amount: "-0.2", fee: "0.00015"},
				{id: "L2", ref: "A1", typ: "withdrawal", asset: "XXBT", amount: "0.1", at: 200},
			},
			want: []string{"unclassified/ -0.1BTC fee:0.00015BTC L1,L2"},
			note: "partly reversed",
		},
		{
			name: "legacy stake: each leg its own refid",
			entries: []ent{
				{id: "L1", ref: "B1", typ: "transfer", sub: "spottostaking", asset: "DOT", amount: "-10"},
				{id: "L2", ref: "B2", typ: "transfer", sub: "stakingfromspot", asset: "DOT.S", amount: "10", at: 1},
			},
			want: []string{"internal/staking -10DOT L1", "internal/staking 10DOT L2"},
		},
		{
			name: "legacy unstake: both legs in one refid",
			entries: []ent{
				{id: "L1", ref: "B1", typ: "transfer", sub: "stakingtospot", asset: "DOT28.S", amount: "-10"},
				{id: "L2", ref: "B1", typ: "transfer", sub: "spotfromstaking", asset: "DOT", amount: "10"},
			},
			want: []string{"internal/staking -10DOT 10DOT L1,L2"},
		},
		{
			name: "earn autoallocate (support text spelling)",
			entries: []ent{
				{id: "L1", ref: "E1", typ: "earn", sub: "autoallocate", asset: "XXBT", amount: "-0.1"},
				{id: "L2", ref: "E1", typ: "earn", sub: "autoallocate", asset: "XBT.F", amount: "0.1"},
			},
			want: []string{"internal/earn -0.1BTC 0.1BTC L1,L2"},
		},
		{
			name: "earn deallocation",
			entries: []ent{
				{id: "L1", ref: "E1", typ: "earn", sub: "deallocation", asset: "DOT.B", amount: "-5"},
				{id: "L2", ref: "E1", typ: "earn", sub: "deallocation", asset: "DOT", amount: "5"},
			},
			want: []string{"internal/earn -5DOT 5DOT L1,L2"},
		},
		{
			name: "staking migration",
			entries: []ent{
				{id: "L1", ref: "E1", typ: "earn", sub: "migration", asset: "DOT.S", amount: "-5"},
				{id: "L2", ref: "E1", typ: "earn", sub: "migration", asset: "DOT.B", amount: "5"},
			},
			want: []string{"internal/migration -5DOT 5DOT L1,L2"},
		},
		{
			name: "futures wallet transfers",
			entries: []ent{
				{id: "L1", ref: "F1", typ: "transfer", sub: "spottofutures", asset: "XXBT", amount: "-0.5"},
				{id: "L2", ref: "F2", typ: "transfer", sub: "spotfromfutures", asset: "XXBT", amount: "0.6", at: 60},
			},
			want: []string{"internal/futures -0.5BTC L1", "internal/futures 0.6BTC L2"},
		},
		{
			name: "futures wallet transfers, older spelling",
			entries: []ent{
				{id: "L1", ref: "F1", typ: "withdrawal", sub: "spottofutures", asset: "ZUSD", amount: "-100"},
				{id: "L2", ref: "F2", typ: "deposit", sub: "spotfromfutures", asset: "ZUSD", amount: "90", at: 60},
			},
			want: []string{"internal/futures -100USD L1", "internal/futures 90USD L2"},
		},
		{
			name: "legacy staking reward",
			entries: []ent{
				{id: "L1", ref: "S1", typ: "staking", asset: "DOT.S", amount: "0.25"},
			},
			want: []string{"income/staking-reward 0.25DOT L1"},
		},
		{
			name: "earn reward",
			entries: []ent{
				{id: "L1", ref: "S1", typ: "earn", sub: "reward", asset: "XBT.F", amount: "0.00001"},
			},
			want: []string{"income/earn-reward 0.00001BTC L1"},
		},
		{
			name: "reward shown as a deposit and a staking row: counted once",
			entries: []ent{
				{id: "L1", ref: "S1", typ: "deposit", asset: "DOT.S", amount: "0.25"},
				{id: "L2", ref: "S1", typ: "staking", asset: "DOT.S", amount: "0.25"},
			},
			want: []string{"income/staking-reward 0.25DOT L1,L2"},
		},
		{
			name: "ETH2.S virtual conversion",
			entries: []ent{
				{id: "L1", ref: "V1", typ: "staking", asset: "ETH2.S", amount: "-2"},
				{id: "L2", ref: "V1", typ: "staking", asset: "ETH2", amount: "2"},
			},
			want: []string{"internal/eth2-conversion -2ETH 2ETH L1,L2"},
		},
		{
			name: "lone negative ETH2.S staking row",
			entries: []ent{
				{id: "L1", ref: "V1", typ: "staking", asset: "ETH2.S", amount: "-2"},
			},
			want: []string{"internal/eth2-conversion -2ETH L1"},
		},
		{
			name: "negative staking row elsewhere: quarantined",
			entries: []ent{
				{id: "L1", ref: "V1", typ: "staking", asset: "DOT.S", amount: "-2"},
			},
			want: []string{"unclassified/ -2DOT L1"},
			note: "negative staking row",
		},
		{
			name: "airdrop: transfer with an empty subtype",
			entries: []ent{
				{id: "L1", ref: "D1", typ: "transfer", asset: "BCH", amount: "1.2"},
			},
			want: []string{"income/airdrop 1.2BCH L1"},
		},
		{
			name: "outgoing transfer with an empty subtype: quarantined",
			entries: []ent{
				{id: "L1", ref: "D1", typ: "transfer", asset: "XXBT", amount: "-1.2"},
			},
			want: []string{"unclassified/ -1.2BTC L1"},
			note: "empty subtype",
		},
		{
			name: "invite bonus",
			entries: []ent{
				{id: "L1", ref: "I1", typ: "invite bonus", asset: "ZUSD", amount: "10"},
			},
			want: []string{"income/invite-bonus 10USD L1"},
		},
		{
			name: "delisting: two unpaired adjustments days apart",
			entries: []ent{
				{id: "L1", ref: "J1", typ: "adjustment", asset: "UST", amount: "-1500"},
				{id: "L2", ref: "J2", typ: "adjustment", asset: "ZEUR", amount: "21.5", at: 4 * 24 * 60},
			},
			want: []string{"adjustment/delisting -1500UST L1", "adjustment/delisting 21.5EUR L2"},
		},
		{
			name: "delisting conversion transfer",
			entries: []ent{
				{id: "L1", ref: "J1", typ: "transfer", sub: "delistingconversion", asset: "LUNA", amount: "-100"},
			},
			want: []string{"adjustment/delisting -100LUNA L1"},
		},
		{
			name: "margin position: fee, rollover, P/L, closing fee",
			entries: []ent{
				{id: "L1", ref: "M1", typ: "margin", asset: "XETH", amount: "0", fee: "0.002"},
				{id: "L2", ref: "M1", typ: "rollover", asset: "ZEUR", amount: "0", fee: "0.4", at: 240},
				{id: "L3", ref: "M1", typ: "margin", asset: "ZEUR", amount: "-35.12", at: 300},
				{id: "L4", ref: "M1", typ: "margin", asset: "XETH", amount: "0", fee: "0.002", at: 300},
			},
			want: []string{"margin/fee fee:0.002ETH L1", "margin/rollover fee:0.4EUR L2", "margin/pl -35.12EUR L3", "margin/fee fee:0.002ETH L4"},
		},
		{
			name: "margin position settled on spot",
			entries: []ent{
				{id: "L1", ref: "M1", typ: "settled", asset: "ZEUR", amount: "-3000"},
				{id: "L2", ref: "M1", typ: "settled", asset: "XETH", amount: "1"},
			},
			want: []string{"trade/settled -3000EUR 1ETH L1,L2"},
		},
		{
			name: "fee credits",
			entries: []ent{
				{id: "L1", ref: "Q1", typ: "deposit", asset: "KFEE", amount: "5000.00"},
			},
			want: []string{"fee-credit/ 5000KFEE L1"},
		},
		{
			name: "unknown type: quarantined with its amounts",
			entries: []ent{
				{id: "L1", ref: "N1", typ: "nfttrade", asset: "XETH", amount: "-0.5"},
			},
			want: []string{"unclassified/ -0.5ETH L1"},
			note: `unknown ledger type "nfttrade"`,
		},
		{
			name: "unknown subtype: quarantined",
			entries: []ent{
				{id: "L1", ref: "N1", typ: "earn", sub: "hybridearnwithdrawal", asset: "SOL", amount: "-3"},
			},
			want: []string{"unclassified/ -3SOL L1"},
			note: `subtype "hybridearnwithdrawal"`,
		},
		{
			name: "known type without a known shape (credit): quarantined",
			entries: []ent{
				{id: "L1", ref: "N1", typ: "credit", asset: "ZUSD", amount: "5"},
			},
			want: []string{"unclassified/ 5USD L1"},
			note: "credit",
		},
		{
			name: "mixed types: quarantined",
			entries: []ent{
				{id: "L1", ref: "N1", typ: "trade", asset: "ZEUR", amount: "-5"},
				{id: "L2", ref: "N1", typ: "earn", sub: "reward", asset: "XXBT", amount: "0.0001"},
			},
			want: []string{"unclassified/ -5EUR 0.0001BTC L1,L2"},
			note: "do not form a known shape",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := kraken.Classify(mk(tt.entries...))
			got := describe(res.Events)
			if !slices.Equal(got, tt.want) {
				t.Errorf("events:\n got %q\nwant %q", got, tt.want)
			}
			if res.Canceled != tt.canceled || res.Pending != tt.pending {
				t.Errorf("canceled %d pending %d, want %d %d", res.Canceled, res.Pending, tt.canceled, tt.pending)
			}
			if tt.note != "" {
				q := res.Unclassified()
				if len(q) != 1 || !strings.Contains(q[0].Note, tt.note) {
					t.Errorf("quarantine = %+v, want one with a note containing %q", q, tt.note)
				}
			}
		})
	}
}

// TestClassifyUnsortedInput gives the same events whatever order the
// entries come in.
func TestClassifyUnsortedInput(t *testing.T) {
	t.Parallel()
	acct := krakensim.Generate(krakensim.NewMarket(3), 3, "acct", krakensim.DefaultHistorySpec(600))
	entries := simEntries(acct)
	// The store's order: (time, ID).
	slices.SortStableFunc(entries, func(a, b cointally.Entry) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	want := describe(kraken.Classify(entries).Events)
	rev := slices.Clone(entries)
	slices.Reverse(rev)
	if got := describe(kraken.Classify(rev).Events); !slices.Equal(got, want) {
		t.Errorf("reversed input gives other events")
	}
}

// TestClassifyAccountsApart keeps equal refids of two accounts apart.
func TestClassifyAccountsApart(t *testing.T) {
	t.Parallel()
	es := mk(ent{id: "L1", ref: "T1", typ: "trade", asset: "ZEUR", amount: "-10"},
		ent{id: "L2", ref: "T1", typ: "trade", asset: "XXBT", amount: "0.001"})
	es2 := mk(ent{id: "L3", ref: "T1", typ: "deposit", asset: "ZEUR", amount: "10"})
	es2[0].AccountID = 2
	got := describe(kraken.Classify(append(es, es2...)).Events)
	want := []string{"trade/spot -10EUR 0.001BTC L1,L2", "deposit/ 10EUR L3"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func BenchmarkClassify(b *testing.B) {
	acct := krakensim.Generate(krakensim.NewMarket(1), 1, "acct", krakensim.DefaultHistorySpec(100_000))
	entries := simEntries(acct)
	b.ResetTimer()
	for b.Loop() {
		kraken.Classify(entries)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(entries)), "ns/entry")
}
