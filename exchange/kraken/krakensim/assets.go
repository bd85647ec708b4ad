package krakensim

import (
	"strings"
	"time"
)

// The catalogue: the assets and pairs the emulator knows. Decimals, pair
// precisions and order minimums follow Kraken's live Assets (2022-06) and
// AssetPairs (2021-12) responses; fields those captures lack (cost_decimals,
// costmin, tick_size) follow Kraken's documented AssetPairs example.
//
// The tables are read-only after package initialisation; Assets and Pairs
// return copies.

// Asset subclasses as the ledgers CSV (generations C and D) writes them.
const (
	SubclassFiat   = "fiat"
	SubclassCrypto = "crypto"
	SubclassStable = "stable_coin"
)

// Wallets as the ledgers CSV (generations B and later) writes them.
const (
	WalletSpot     = "spot / main"
	WalletFlexible = "earn / flexible"
	WalletBonded   = "earn / bonded"
	WalletLocked   = "earn / locked"
	WalletLiquid   = "earn / liquid"
)

var assetTable = []AssetInfo{
	crypto("XXBT", "XBT", "BTC", 10, 5),
	crypto("XETH", "ETH", "ETH", 10, 5),
	crypto("XXDG", "XDG", "DOGE", 8, 2),
	crypto("XLTC", "LTC", "LTC", 10, 5),
	crypto("BCH", "BCH", "BCH", 10, 5),
	fiat("ZEUR", "EUR"),
	fiat("ZUSD", "USD"),
	fiat("ZGBP", "GBP"),
	crypto("DOT", "DOT", "DOT", 10, 8),
	crypto("SOL", "SOL", "SOL", 10, 5),
	crypto("ADA", "ADA", "ADA", 8, 6),
	stable("USDC", 8, 4),
	stable("USDT", 8, 4),
	// UST is the delisted asset: the history buys some, and a forced
	// conversion (two unpaired adjustment entries) later zeroes it.
	withStatus(stable("UST", 8, 5), "withdrawal_only"),
	// KFEE: fee credits; no market price, 1 FEE = 0.01 USD of trading fees.
	{ID: "KFEE", Altname: "FEE", Aclass: "currency", Decimals: 2, DisplayDecimals: 2,
		Status: "enabled", Subclass: SubclassCrypto, Display: "KFEE", Wallet: WalletSpot},

	// Suffixed, read-only variants. For cost basis they are their Base; for
	// the balance chain each is its own asset.
	variant("DOT.S", "DOT", "DOT.S", WalletBonded, 10, 8),    // legacy staking
	variant("DOT.B", "DOT", "DOT.B", WalletBonded, 10, 8),    // Earn bonded (after the 2023 migration)
	variant("ETH2.S", "XETH", "ETH2.S", WalletLocked, 10, 5), // staked ETH (2020-2023)
	variant("ETH2", "XETH", "ETH2", WalletLiquid, 10, 5),     // staked ETH after the 2023 conversion
	variant("XBT.M", "XXBT", "BTC.M", WalletFlexible, 10, 8), // opt-in rewards
	variant("USD.M", "ZUSD", "USD.M", WalletFlexible, 4, 4),
	variant("XBT.F", "XXBT", "BTC.F", WalletFlexible, 10, 5), // Kraken Rewards (auto earn)
	variant("ETH.F", "XETH", "ETH.F", WalletFlexible, 10, 5),
	variant("SOL.F", "SOL", "SOL.F", WalletFlexible, 10, 5),
}

func crypto(id, alt, display string, dec, disp int) AssetInfo {
	return AssetInfo{ID: id, Altname: alt, Aclass: "currency", Decimals: dec, DisplayDecimals: disp,
		Status: "enabled", Subclass: SubclassCrypto, Display: display, Wallet: WalletSpot}
}

func fiat(id, alt string) AssetInfo {
	return AssetInfo{ID: id, Altname: alt, Aclass: "currency", Decimals: 4, DisplayDecimals: 2,
		Fiat: true, Status: "enabled", Subclass: SubclassFiat, Display: alt, Wallet: WalletSpot}
}

func stable(id string, dec, disp int) AssetInfo {
	a := crypto(id, id, id, dec, disp)
	a.Subclass = SubclassStable
	return a
}

func withStatus(a AssetInfo, status string) AssetInfo {
	a.Status = status
	return a
}

// variant builds a suffixed asset with the precision of its base.
func variant(id, base, display, wallet string, dec, disp int) AssetInfo {
	a := crypto(id, id, display, dec, disp)
	a.Base, a.Wallet = base, wallet
	if base == "ZUSD" {
		a.Fiat, a.Subclass = true, SubclassFiat
	}
	return a
}

// pairTable: pair ID, altname, wsname, base, quote, pair_decimals, ordermin.
// Every pair has lot_decimals 8.
var pairTable = []PairInfo{
	pair("XXBTZEUR", "XBTEUR", "XBT/EUR", "XXBT", "ZEUR", 1, "0.0001"),
	pair("XXBTZUSD", "XBTUSD", "XBT/USD", "XXBT", "ZUSD", 1, "0.0001"),
	pair("XXBTZGBP", "XBTGBP", "XBT/GBP", "XXBT", "ZGBP", 1, "0.0001"),
	pair("XETHZEUR", "ETHEUR", "ETH/EUR", "XETH", "ZEUR", 2, "0.001"),
	pair("XETHZUSD", "ETHUSD", "ETH/USD", "XETH", "ZUSD", 2, "0.001"),
	pair("XETHZGBP", "ETHGBP", "ETH/GBP", "XETH", "ZGBP", 2, "0.001"),
	pair("XETHXXBT", "ETHXBT", "ETH/XBT", "XETH", "XXBT", 5, "0.001"),
	pair("XDGEUR", "XDGEUR", "XDG/EUR", "XXDG", "ZEUR", 7, "20"),
	pair("XDGUSD", "XDGUSD", "XDG/USD", "XXDG", "ZUSD", 7, "20"),
	pair("XXDGXXBT", "XDGXBT", "XDG/XBT", "XXDG", "XXBT", 8, "20"),
	pair("XLTCZEUR", "LTCEUR", "LTC/EUR", "XLTC", "ZEUR", 2, "0.03"),
	pair("XLTCZUSD", "LTCUSD", "LTC/USD", "XLTC", "ZUSD", 2, "0.03"),
	pair("XLTCXXBT", "LTCXBT", "LTC/XBT", "XLTC", "XXBT", 6, "0.03"),
	pair("BCHEUR", "BCHEUR", "BCH/EUR", "BCH", "ZEUR", 2, "0.01"),
	pair("BCHXBT", "BCHXBT", "BCH/XBT", "BCH", "XXBT", 5, "0.01"),
	pair("DOTEUR", "DOTEUR", "DOT/EUR", "DOT", "ZEUR", 4, "0.2"),
	pair("DOTUSD", "DOTUSD", "DOT/USD", "DOT", "ZUSD", 4, "0.2"),
	pair("DOTXBT", "DOTXBT", "DOT/XBT", "DOT", "XXBT", 8, "0.2"),
	pair("DOTETH", "DOTETH", "DOT/ETH", "DOT", "XETH", 6, "0.2"),
	pair("SOLEUR", "SOLEUR", "SOL/EUR", "SOL", "ZEUR", 2, "0.02"),
	pair("SOLUSD", "SOLUSD", "SOL/USD", "SOL", "ZUSD", 2, "0.02"),
	pair("SOLXBT", "SOLXBT", "SOL/XBT", "SOL", "XXBT", 7, "0.02"),
	pair("ADAEUR", "ADAEUR", "ADA/EUR", "ADA", "ZEUR", 6, "2.5"),
	pair("ADAUSD", "ADAUSD", "ADA/USD", "ADA", "ZUSD", 6, "2.5"),
	pair("ADAETH", "ADAETH", "ADA/ETH", "ADA", "XETH", 7, "2.5"),
	pair("USDCEUR", "USDCEUR", "USDC/EUR", "USDC", "ZEUR", 4, "5"),
	pair("USDCUSD", "USDCUSD", "USDC/USD", "USDC", "ZUSD", 4, "5"),
	pair("USDCUSDT", "USDCUSDT", "USDC/USDT", "USDC", "USDT", 4, "5"),
	pair("USDTZUSD", "USDTUSD", "USDT/USD", "USDT", "ZUSD", 4, "5"),
	pair("USDTEUR", "USDTEUR", "USDT/EUR", "USDT", "ZEUR", 4, "5"),
	pair("XBTUSDT", "XBTUSDT", "XBT/USDT", "XXBT", "USDT", 1, "0.0001"),
	pair("ETHUSDT", "ETHUSDT", "ETH/USDT", "XETH", "USDT", 2, "0.001"),
	pair("ZEURZUSD", "EURUSD", "EUR/USD", "ZEUR", "ZUSD", 5, "5"),
	pair("ZGBPZUSD", "GBPUSD", "GBP/USD", "ZGBP", "ZUSD", 5, "5"),
	pair("ETH2.SETH", "ETH2.SETH", "ETH2.S/ETH", "ETH2.S", "XETH", 4, "0.001"),
	withPairStatus(pair("USTUSD", "USTUSD", "UST/USD", "UST", "ZUSD", 4, "5"), "cancel_only"),
}

func pair(id, alt, ws, base, quote string, pd int, ordermin string) PairInfo {
	p := PairInfo{ID: id, Altname: alt, WSName: ws, Base: base, Quote: quote,
		PairDecimals: pd, LotDecimals: 8, OrderMin: ordermin, Status: "online"}
	p.TickSize = FormatFixed(1, pd)
	switch quote {
	case "ZEUR", "ZUSD", "ZGBP", "USDT":
		p.CostDecimals, p.CostMin = 5, "0.5"
	case "XXBT":
		p.CostDecimals, p.CostMin = 10, "0.00002"
	default:
		p.CostDecimals, p.CostMin = 10, "0.0002"
	}
	return p
}

func withPairStatus(p PairInfo, status string) PairInfo {
	p.Status = status
	return p
}

var (
	assetIndex = map[string]int{} // ID and altname -> index in assetTable
	pairIndex  = map[string]int{} // ID, altname and wsname -> index in pairTable
	// listed is when each base asset (and so its pairs) started trading on
	// Kraken in the emulated world; variants and KFEE are absent.
	listed = map[string]time.Time{
		"XXBT": date(2013, 9, 10), "ZEUR": date(2013, 9, 10), "ZUSD": date(2013, 9, 10),
		"ZGBP": date(2014, 2, 1), "XLTC": date(2013, 10, 1), "XXDG": date(2014, 1, 15),
		"XETH": date(2015, 8, 7), "BCH": date(2017, 8, 1), "USDT": date(2018, 4, 1),
		"ADA": date(2018, 9, 27), "USDC": date(2019, 6, 1), "DOT": date(2020, 8, 19),
		"UST": date(2021, 4, 1), "SOL": date(2021, 6, 24), "ETH2.S": date(2021, 6, 1),
	}
)

// Per pair, precomputed: base and quote asset indexes and the listing time.
var (
	pairBaseIdx, pairQuoteIdx []int
	pairListedStamp           []Stamp
)

func init() {
	for i, a := range assetTable {
		assetIndex[a.ID] = i
		if _, ok := assetIndex[a.Altname]; !ok {
			assetIndex[a.Altname] = i
		}
	}
	for i, p := range pairTable {
		pairIndex[p.ID] = i
		pairIndex[p.Altname] = i
		pairIndex[p.WSName] = i
		pairBaseIdx = append(pairBaseIdx, assetIndex[p.Base])
		pairQuoteIdx = append(pairQuoteIdx, assetIndex[p.Quote])
		pairListedStamp = append(pairListedStamp, StampOf(PairListed(p)))
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Assets returns the asset catalogue, base assets first, then suffixed variants.
func Assets() []AssetInfo { return append([]AssetInfo(nil), assetTable...) }

// AssetByID looks an asset up by its ID ("XXBT", "DOT.S") or altname ("XBT", "FEE").
func AssetByID(id string) (AssetInfo, bool) {
	i, ok := assetIndex[id]
	if !ok {
		return AssetInfo{}, false
	}
	return assetTable[i], true
}

// Pairs returns the pair catalogue.
func Pairs() []PairInfo { return append([]PairInfo(nil), pairTable...) }

// PairByName looks a pair up by its ID ("XXBTZEUR"), altname ("XBTEUR") or
// wsname ("XBT/EUR").
func PairByName(name string) (PairInfo, bool) {
	i, ok := pairIndex[name]
	if !ok {
		return PairInfo{}, false
	}
	return pairTable[i], true
}

// DisplayCode returns the symbol newer exports (ledgers CSV generations C and
// D, trades CSV "new") write for an asset: XXBT -> BTC, XETH -> ETH,
// XXDG -> DOGE, ZEUR -> EUR, XBT.M -> BTC.M, DOT.S -> DOT.S, KFEE -> KFEE.
// Unknown codes come back unchanged.
func DisplayCode(assetID string) string {
	if i, ok := assetIndex[assetID]; ok {
		return assetTable[i].Display
	}
	return assetID
}

// displayPair is the pair as newer trade exports write it: "BTC/EUR".
func displayPair(p PairInfo) string {
	return DisplayCode(p.Base) + "/" + DisplayCode(p.Quote)
}

// PairListed returns when the pair started trading: the later of its base's
// and quote's listing. Public trades and candles start there.
func PairListed(p PairInfo) time.Time {
	t := listed[p.Base]
	if q := listed[p.Quote]; q.After(t) {
		t = q
	}
	if t.IsZero() {
		t = date(2013, 9, 10)
	}
	return t
}

// assetListed reports whether a base asset trades at t.
func assetListed(id string, t time.Time) bool {
	l, ok := listed[id]
	return ok && !t.Before(l)
}

// baseOf maps a suffixed variant to its base asset ID (identity otherwise).
func baseOf(id string) string {
	if i, ok := assetIndex[id]; ok && assetTable[i].Base != "" {
		return assetTable[i].Base
	}
	if j := strings.IndexByte(id, '.'); j > 0 {
		return id[:j]
	}
	return id
}
