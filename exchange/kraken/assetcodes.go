package kraken

import "strings"

// Asset codes (REFERENCE §12, QUIRKS "Asset codes"). Kraken writes one asset
// three ways: the API's asset ID ("XXBT", "ZEUR", "DOT", "XBT.M"), its
// altname ("XBT", "EUR") and, in newer CSV exports and the website, a
// display code ("BTC", "EUR", "BTC.M"). Legacy IDs carry an X (crypto) or
// Z (fiat) prefix, but a leading X is never stripped blindly: "XTZ" is
// Tezos. Everything here goes through tables.

// legacyIDs maps the display code and altname of every asset with a legacy
// X/Z asset ID to that ID.
var legacyIDs = map[string]string{
	"BTC": "XXBT", "XBT": "XXBT",
	"DOGE": "XXDG", "XDG": "XXDG",
	"ETH": "XETH", "LTC": "XLTC", "XRP": "XXRP", "XLM": "XXLM", "XMR": "XXMR",
	"ZEC": "XZEC", "ETC": "XETC", "REP": "XREP", "MLN": "XMLN", "NMC": "XNMC",
	"XVN": "XXVN", "ICN": "XICN",
	"EUR": "ZEUR", "USD": "ZUSD", "GBP": "ZGBP", "CAD": "ZCAD", "JPY": "ZJPY",
	"AUD": "ZAUD", "KRW": "ZKRW",
}

// displayOf maps API asset IDs and altnames that differ from the display
// code to the display code (the asset's common name).
var displayOf = map[string]string{
	"XXBT": "BTC", "XBT": "BTC",
	"XXDG": "DOGE", "XDG": "DOGE",
	"XETH": "ETH", "XLTC": "LTC", "XXRP": "XRP", "XXLM": "XLM", "XXMR": "XMR",
	"XZEC": "ZEC", "XETC": "ETC", "XREP": "REP", "XMLN": "MLN", "XNMC": "NMC",
	"XXVN": "XVN", "XICN": "ICN",
	"ZEUR": "EUR", "ZUSD": "USD", "ZGBP": "GBP", "ZCAD": "CAD", "ZJPY": "JPY",
	"ZAUD": "AUD", "ZKRW": "KRW",
}

// suffixAltname maps the display code of a base asset to the altname Kraken
// uses in suffixed asset IDs: "BTC.M" is "XBT.M" in the API.
var suffixAltname = map[string]string{"BTC": "XBT", "DOGE": "XDG"}

// APIAssetID returns the API's asset ID for a code written in any of
// Kraken's forms: display codes and altnames of legacy assets map to the
// legacy ID ("BTC" and "XBT" to "XXBT", "EUR" to "ZEUR"), suffixed display
// codes to the API's suffixed form ("BTC.M" to "XBT.M"); every other code,
// including API IDs themselves ("XXBT", "XTZ", "DOT.S", "KFEE"), is
// returned unchanged.
func APIAssetID(code string) string {
	if id, ok := legacyIDs[code]; ok {
		return id
	}
	head, suffix, dotted := strings.Cut(code, ".")
	if dotted {
		if alt, ok := suffixAltname[head]; ok {
			return alt + "." + suffix
		}
	}
	return code
}

// NormalizeAsset splits an asset code into the asset it is a form of (by
// its common display code) and the suffix that marks the form, using
// Kraken's tables only (see Exchange.NormalizeAsset for one that also uses
// the altnames of the Assets endpoint):
//
//	XXBT, XBT, BTC  -> BTC, ""
//	ZEUR, EUR       -> EUR, ""
//	XXDG, XDG       -> DOGE, ""
//	XBT.M, BTC.M    -> BTC, ".M"
//	DOT.S           -> DOT, ".S"
//	DOT28.S         -> DOT, "28.S"  (bonded variants carry digits)
//	ETH2.S          -> ETH, ".S"
//	ETH2            -> ETH, "2"     (staked ETH after the 2023 conversion)
//	USD.HOLD        -> USD, ".HOLD"
//	XTZ, KFEE, SOL  -> unchanged, ""
//
// An empty code gives ("", "").
func NormalizeAsset(code string) (base, suffix string) {
	return normalizeAsset(code, nil)
}

// normalizeAsset is NormalizeAsset with an optional map of API asset ID to
// altname (from the Assets endpoint) for codes the tables do not know.
func normalizeAsset(code string, altnames map[string]string) (base, suffix string) {
	switch code {
	case "":
		return "", ""
	case "ETH2.S":
		return "ETH", ".S"
	case "ETH2":
		return "ETH", "2"
	}
	head, rest, dotted := strings.Cut(code, ".")
	if dotted {
		suffix = "." + rest
		// Bonded variants: digits between the asset and the suffix
		// ("DOT28.S"), only where the asset without them is a name.
		if i := len(head); i > 0 {
			j := i
			for j > 0 && head[j-1] >= '0' && head[j-1] <= '9' {
				j--
			}
			if j > 0 && j < i {
				suffix = head[j:] + suffix
				head = head[:j]
			}
		}
	}
	if d, ok := displayOf[head]; ok {
		return d, suffix
	}
	if alt, ok := altnames[head]; ok && alt != "" && alt != head {
		if d, ok := displayOf[alt]; ok {
			return d, suffix
		}
		return alt, suffix
	}
	return head, suffix
}
