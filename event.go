package cointally

import (
	"fmt"
	"time"

	"github.com/cointally/cointally/money"
)

// This file holds the nouns of the cost-basis engine (package costbasis):
// the transactions it reads (Txn) and what it reports (Lot, Disposal, Match,
// Holding, Warning). All money is in one report currency (EUR, USD, GBP...)
// chosen by the caller; every amount is an exact money.Amount.
//
// Slices in these values (LedgerIDs) may be shared between a Txn and the
// Lots, Matches and Disposals made from it: treat them as read-only.

// TxnKind says whether a Txn adds units of an asset or removes them.
type TxnKind uint8

const (
	// Acquire adds units: a purchase, an income receipt, the receiving leg of
	// a conversion, a deposit whose cost is known or assumed.
	Acquire TxnKind = iota + 1
	// Dispose removes units: a sale, the spending leg of a conversion, a fee
	// paid in the asset, a payment.
	Dispose
)

func (k TxnKind) String() string {
	switch k {
	case Acquire:
		return "acquire"
	case Dispose:
		return "dispose"
	default:
		return "invalid"
	}
}

// MarshalText encodes k as "acquire" or "dispose".
func (k TxnKind) MarshalText() ([]byte, error) {
	if k != Acquire && k != Dispose {
		return nil, fmt.Errorf("invalid TxnKind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText accepts "acquire" or "dispose".
func (k *TxnKind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "acquire":
		*k = Acquire
	case "dispose":
		*k = Dispose
	default:
		return fmt.Errorf("invalid txn kind %q: want acquire or dispose", b)
	}
	return nil
}

// TxnSource says where a Txn came from, for reports and for the user's
// review. The engine treats every source alike: an income Acquire makes a
// lot like a purchase does.
type TxnSource string

// Txn sources.
const (
	TxnTrade      TxnSource = "trade"      // a spot trade or instant buy/sell
	TxnConversion TxnSource = "conversion" // a crypto-to-crypto swap leg or a forced conversion
	TxnIncome     TxnSource = "income"     // staking or Earn reward, airdrop, bonus: Value is the market value when received
	TxnFee        TxnSource = "fee"        // a fee paid in the asset itself: a disposal of that asset
	TxnOpening    TxnSource = "opening"    // a balance carried in from before the imported history, with its known cost
	TxnDeposit    TxnSource = "deposit"    // a deposit whose cost the user supplied
	// TxnDepositUnknownCost is a deposit from outside whose cost is unknown;
	// the caller sets ValueUnknown and usually a zero Value.
	TxnDepositUnknownCost TxnSource = "deposit-unknown-cost"
	TxnAdjustment         TxnSource = "adjustment" // an exchange adjustment or correction
)

// Txn is one input transaction of the cost-basis engine: a change in the
// holding of one asset, valued in the report currency.
//
// The caller builds Txns from ledger events: a trade of BTC for EUR is one
// Txn (Acquire BTC); a swap of ETH for BTC is two (Dispose ETH, Acquire BTC),
// both valued at the market value of what changed hands. Internal moves
// (staking allocation, Earn, transfers between own wallets) are not Txns.
//
// Fees: Value never includes a fee; Fee carries it, in the report currency.
// The cost of an acquisition is Value + Fee, and the proceeds of a disposal
// are Value − Fee. A fee paid in a crypto asset is also a disposal of that
// asset: the caller adds a Dispose Txn of the fee quantity (Source TxnFee)
// whose Value is the fee's market value, and puts that same value in Fee of
// the trade it belongs to (see the costbasis tests).
type Txn struct {
	Time time.Time
	// Seq orders Txns that share a Time and a Kind (the ledger's own order,
	// for example). Within one asset, (Time, Kind, Seq) must be unique.
	Seq  int64
	Kind TxnKind
	// Asset is the base asset symbol, with exchange suffixes already folded
	// by the caller (DOT.S and DOT28.S are DOT; XXBT is BTC).
	Asset string
	// Quantity is the number of units acquired or disposed of; it is > 0.
	Quantity money.Amount
	// Value is the report-currency value of the units, fees excluded: what
	// was paid for an acquisition (or its market value, for income), and the
	// gross consideration of a disposal. It is >= 0.
	Value money.Amount
	// Fee is the report-currency fee of the transaction, >= 0: added to the
	// cost of an acquisition, deducted from the proceeds of a disposal.
	Fee money.Amount
	// ValueUnknown marks a Txn with no known price (a deposit of unknown
	// cost, an asset with no market). Value is used as given (usually 0) and
	// every lot, disposal and holding it touches is flagged for review.
	ValueUnknown bool
	Source       TxnSource
	// EventID identifies the event the Txn came from (the exchange refid).
	EventID string
	// LedgerIDs are the exchange ledger entries behind the Txn.
	LedgerIDs []string
}

// Lot is a quantity of an asset held at a cost: what remains of one
// acquisition (FIFO, LIFO, HIFO), or a whole pool (average cost, UK section
// 104), in which case Pool is set and Acquired is the time of the last
// acquisition that went into it.
type Lot struct {
	Asset    string
	Quantity money.Amount
	// Cost is the remaining allowable cost of Quantity, fees included. When a
	// lot is partly disposed of, the part takes round(Cost × part/Quantity,
	// 18 dp) and the rest stays here, so the parts always add up to the
	// original cost exactly.
	Cost      money.Amount
	Acquired  time.Time
	Pool      bool
	Source    TxnSource // for a pool: empty
	EventID   string    // for a pool: empty
	LedgerIDs []string  // for a pool: nil
	// CostUnknown is set when some of the cost came from a Txn with
	// ValueUnknown.
	CostUnknown bool
}

// Term is the holding-period class of a disposal.
type Term uint8

const (
	// TermNone is used where the method has no holding period: average cost
	// and UK share pooling (reported as "n/a").
	TermNone Term = iota
	// TermShort is held one year or less.
	TermShort
	// TermLong is held more than one year: disposed of on a later calendar
	// date than the first anniversary of the acquisition.
	TermLong
)

func (t Term) String() string {
	switch t {
	case TermShort:
		return "short"
	case TermLong:
		return "long"
	default:
		return "n/a"
	}
}

// MarshalText encodes t as "short", "long" or "n/a".
func (t Term) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// Rule says which identification rule matched part of a disposal.
type Rule uint8

const (
	// RuleLot matches a specific lot (FIFO, LIFO, HIFO).
	RuleLot Rule = iota + 1
	// RulePool matches the average-cost pool.
	RulePool
	// RuleSameDay matches acquisitions on the same day (UK, TCGA92/S105(1)).
	RuleSameDay
	// RuleBedAndBreakfast matches acquisitions in the 30 days after the
	// disposal, earliest first (UK, TCGA92/S106A(5)).
	RuleBedAndBreakfast
	// RuleSection104 matches the UK section 104 pool.
	RuleSection104
	// RuleShortfall is the part of a disposal that exceeded what was held; it
	// is matched at zero cost and reported in a Warning.
	RuleShortfall
)

func (r Rule) String() string {
	switch r {
	case RuleLot:
		return "lot"
	case RulePool:
		return "pool"
	case RuleSameDay:
		return "same-day"
	case RuleBedAndBreakfast:
		return "bed-and-breakfast"
	case RuleSection104:
		return "section-104"
	case RuleShortfall:
		return "shortfall"
	default:
		return "invalid"
	}
}

// MarshalText encodes r by its name ("same-day", "section-104", ...).
func (r Rule) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Match is one part of a disposal identified with one acquisition, lot or
// pool: its quantity and the allowable cost it takes.
type Match struct {
	Rule     Rule
	Quantity money.Amount
	Cost     money.Amount
	// Acquired is when the matched units were acquired; zero for a pool or a
	// shortfall.
	Acquired  time.Time
	EventID   string   // the acquisition's event, when the match is to one
	LedgerIDs []string // the acquisition's ledger entries (several for a UK same-day or 30-day match)
}

// Disposal is one realised gain or loss.
//
// With FIFO, LIFO and HIFO a disposing Txn gives one Disposal, or two when it
// matches lots of both terms (proceeds and fee are then split by quantity,
// the remainder going to the second). With average cost, one per Txn. With
// UK share pooling, all disposals of an asset on one day are a single
// disposal (TCGA92/S105(1)) and give one Disposal whose Disposed time is the
// first of them.
type Disposal struct {
	Asset    string
	Quantity money.Amount
	// Proceeds are the net proceeds: the disposals' Value less Fee.
	Proceeds money.Amount
	Fee      money.Amount // already deducted from Proceeds
	Cost     money.Amount // sum of the Matches' costs
	Gain     money.Amount // Proceeds − Cost; negative for a loss
	Disposed time.Time
	// Acquired is the acquisition time when every matched unit has the same
	// one; otherwise it is zero and Various is set.
	Acquired time.Time
	Various  bool
	Term     Term
	Matches  []Match
	// Shortfall is the quantity that exceeded the holding, matched at zero
	// cost (also a RuleShortfall Match and a Warning).
	Shortfall money.Amount
	// ValueUnknown is set when the proceeds or a matched cost come from a Txn
	// whose value is unknown.
	ValueUnknown bool
	Source       TxnSource
	EventIDs     []string // the disposing events (one, or several for a UK day)
	LedgerIDs    []string // the disposing ledger entries
}

// Income is an acquisition taxed as income when received (an Acquire Txn
// with Source TxnIncome): staking and Earn rewards, airdrops, bonuses. Its
// Value is also the cost of the lot it makes.
type Income struct {
	Asset        string
	Quantity     money.Amount
	Value        money.Amount
	Time         time.Time
	ValueUnknown bool
	EventID      string
	LedgerIDs    []string
}

// Holding is what remains of one asset after all Txns.
type Holding struct {
	Asset       string
	Quantity    money.Amount
	Cost        money.Amount
	CostUnknown bool
}

// WarningCode classifies a Warning.
type WarningCode string

// Warning codes.
const (
	// WarnShortfall: a disposal exceeded the holding; the excess was matched
	// at zero cost, which overstates the gain until the missing acquisitions
	// are imported.
	WarnShortfall WarningCode = "shortfall"
	// WarnUnknownValue: a Txn has no known value; the result depends on the
	// Value assumed for it.
	WarnUnknownValue WarningCode = "unknown-value"
)

// Warning is something in a result that the user must review. Warnings never
// stop the computation, and nothing is dropped silently.
type Warning struct {
	Code      WarningCode
	Asset     string
	Time      time.Time
	Quantity  money.Amount // the shortfall, or the quantity of the Txn
	EventID   string
	LedgerIDs []string
	Message   string
}
