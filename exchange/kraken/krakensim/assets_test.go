package krakensim

import (
	"strings"
	"testing"
)

func TestAssetByID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want string
		decimals   int
		fiat       bool
		base       string
	}{
		{"XXBT", "XXBT", 10, false, ""},
		{"XBT", "XXBT", 10, false, ""},
		{"XXDG", "XXDG", 8, false, ""},
		{"XDG", "XXDG", 8, false, ""},
		{"ZEUR", "ZEUR", 4, true, ""},
		{"EUR", "ZEUR", 4, true, ""},
		{"KFEE", "KFEE", 2, false, ""},
		{"FEE", "KFEE", 2, false, ""},
		{"DOT.S", "DOT.S", 10, false, "DOT"},
		{"XBT.M", "XBT.M", 10, false, "XXBT"},
		{"USD.M", "USD.M", 4, true, "ZUSD"},
		{"ETH2.S", "ETH2.S", 10, false, "XETH"},
		{"UST", "UST", 8, false, ""},
	}
	for _, tc := range tests {
		a, ok := AssetByID(tc.name)
		if !ok || a.ID != tc.want || a.Decimals != tc.decimals || a.Fiat != tc.fiat || a.Base != tc.base {
			t.Errorf("AssetByID(%q) = %+v, %v", tc.name, a, ok)
		}
	}
	if _, ok := AssetByID("NOPE"); ok {
		t.Error("AssetByID found NOPE")
	}
}

func TestPairByName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"XXBTZEUR", "XBTEUR", "XBT/EUR"} {
		if p, ok := PairByName(name); !ok || p.ID != "XXBTZEUR" || p.Base != "XXBT" || p.Quote != "ZEUR" || p.PairDecimals != 1 {
			t.Errorf("PairByName(%q) = %+v, %v", name, p, ok)
		}
	}
	for _, name := range []string{"XDGEUR", "XDG/EUR"} {
		if p, ok := PairByName(name); !ok || p.ID != "XDGEUR" || p.Base != "XXDG" || p.PairDecimals != 7 {
			t.Errorf("PairByName(%q) = %+v, %v", name, p, ok)
		}
	}
	if _, ok := PairByName("BTCEUR"); ok {
		t.Error("PairByName found BTCEUR")
	}
}

func TestDisplayCode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"XXBT": "BTC", "XBT": "BTC", "XETH": "ETH", "XXDG": "DOGE", "ZEUR": "EUR",
		"ZGBP": "GBP", "XBT.M": "BTC.M", "XBT.F": "BTC.F", "DOT.S": "DOT.S", "ETH2.S": "ETH2.S", "KFEE": "KFEE",
		"DOT": "DOT", "UNKNOWN": "UNKNOWN"} {
		if got := DisplayCode(in); got != want {
			t.Errorf("DisplayCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, a := range Assets() {
		if ids[a.ID] {
			t.Errorf("asset %s twice", a.ID)
		}
		ids[a.ID] = true
		if a.Aclass != "currency" || a.Status == "" || a.Display == "" || a.Wallet == "" {
			t.Errorf("asset %+v: missing fields", a)
		}
		switch a.Subclass {
		case SubclassFiat, SubclassCrypto, SubclassStable:
		default:
			t.Errorf("asset %s: subclass %q", a.ID, a.Subclass)
		}
		if a.Base != "" {
			b, ok := AssetByID(a.Base)
			if !ok || b.Base != "" || b.Decimals != a.Decimals || a.Wallet == WalletSpot || !strings.Contains(a.ID, ".") && a.ID != "ETH2" {
				t.Errorf("variant %+v of %+v", a, b)
			}
		}
	}
	pairs := map[string]string{} // name -> pair ID
	for _, p := range Pairs() {
		for _, n := range []string{p.ID, p.Altname, p.WSName} {
			if other, dup := pairs[n]; dup && other != p.ID {
				t.Errorf("pair name %s names %s and %s", n, other, p.ID)
			}
			pairs[n] = p.ID
		}
		b, okb := AssetByID(p.Base)
		q, okq := AssetByID(p.Quote)
		if !okb || !okq || b.ID != p.Base || q.ID != p.Quote {
			t.Errorf("pair %s: base %s or quote %s unknown", p.ID, p.Base, p.Quote)
			continue
		}
		if p.PairDecimals+p.LotDecimals < q.Decimals {
			t.Errorf("pair %s: price x vol cannot be expressed in %s", p.ID, q.ID)
		}
		if p.TickSize == "" || p.OrderMin == "" || p.CostMin == "" || p.Status == "" {
			t.Errorf("pair %+v: missing fields", p)
		}
	}
	for _, tp := range tradePairs {
		p, _ := PairByName(tp.id)
		if b, _ := AssetByID(p.Base); b.Decimals < p.LotDecimals {
			t.Errorf("traded pair %s: base decimals %d < lot decimals %d", p.ID, b.Decimals, p.LotDecimals)
		}
	}
	// Copies, not the tables.
	Assets()[0].ID = "MUTATED"
	Pairs()[0].ID = "MUTATED"
	if Assets()[0].ID == "MUTATED" || Pairs()[0].ID == "MUTATED" {
		t.Error("Assets/Pairs return the package tables")
	}
}
