package kraken

// knownLedgerTypes lists the ledger type/subtype pairs cointally knows how
// to read (REFERENCE §11.2-11.4, QUIRKS "Event shapes"). A pair outside it
// is not an error: the entry is kept and flagged (cointally.Entry.Unknown)
// so that the user sees it and a later version can re-derive it from the
// stored raw entry.
var knownLedgerTypes = map[string]map[string]bool{
	"trade":      {"": true, "tradespot": true},
	"deposit":    {"": true, "spotfromfutures": true},
	"withdrawal": {"": true, "spottofutures": true},
	"transfer": {"": true, "spottostaking": true, "stakingfromspot": true, "stakingtospot": true,
		"spotfromstaking": true, "spottofutures": true, "spotfromfutures": true, "delistingconversion": true},
	"staking": {"": true},
	"earn": {"allocation": true, "deallocation": true, "autoallocation": true, "autoallocate": true,
		"reward": true, "migration": true},
	"spend":        {"": true},
	"receive":      {"": true},
	"adjustment":   {"": true},
	"margin":       {"": true},
	"rollover":     {"": true},
	"settled":      {"": true},
	"invite bonus": {"": true},
	"credit":       {"": true},
	"reward":       {"": true},
	"dividend":     {"": true},
	"conversion":   {"": true},
	"sale":         {"": true},
}

// KnownLedgerType reports whether cointally knows the meaning of a ledger
// entry's type and subtype.
func KnownLedgerType(typ, subtype string) bool { return knownLedgerTypes[typ][subtype] }
