package cointally

import (
	"time"

	"github.com/cointally/cointally/money"
)

// This file holds Event: what happened economically, read from a group of
// ledger entries (a Kraken refid group) by the exchange's classifier. Events
// are exchange-neutral: assets are base symbols with exchange prefixes and
// suffixes folded ("XXBT" and "XBT.F" are "BTC"), and amounts are summed
// per asset. Valuation turns events into the cost-basis engine's Txns.

// EventKind classifies an Event.
type EventKind string

// Event kinds.
const (
	// EventTrade gives one asset and receives another: a spot trade (fiat
	// or crypto-crypto), or a margin position settled on spot.
	EventTrade EventKind = "trade"
	// EventConversion is an instant buy, sell or swap outside the order
	// book (Kraken spend/receive).
	EventConversion EventKind = "conversion"
	// EventDeposit brings an asset in from outside the account.
	EventDeposit EventKind = "deposit"
	// EventWithdrawal sends an asset out of the account; its fee is paid in
	// the asset.
	EventWithdrawal EventKind = "withdrawal"
	// EventInternal moves an asset between the owner's own wallets (spot,
	// staking, Earn, Futures) or renames it (staking migration, the ETH2
	// virtual conversion). It is never a disposal.
	EventInternal EventKind = "internal"
	// EventIncome is an asset received as income: staking and Earn rewards,
	// airdrops, referral bonuses.
	EventIncome EventKind = "income"
	// EventAdjustment is a change the exchange made: one leg of a forced
	// conversion after a delisting, or a correction. Legs are often unpaired
	// (different refids, days apart).
	EventAdjustment EventKind = "adjustment"
	// EventMargin is a margin position's profit or loss, or a margin or
	// rollover (financing) fee.
	EventMargin EventKind = "margin"
	// EventFeeCredit adds fee credits (Kraken KFEE), which have no market
	// value.
	EventFeeCredit EventKind = "fee-credit"
	// EventUnclassified is a group the classifier could not read: an
	// unknown type or subtype, or a known one in an unexpected shape. It is
	// quarantined: kept with its amounts, never valued or dropped silently.
	EventUnclassified EventKind = "unclassified"
)

// Event details (Event.Detail): the finer kind, for reports and tests.
const (
	DetailSpot          = "spot"            // trade: an order-book fill
	DetailSettled       = "settled"         // trade: a margin position settled on spot
	DetailInstant       = "instant"         // conversion: spend/receive
	DetailStaking       = "staking"         // internal: legacy staking move
	DetailEarn          = "earn"            // internal: Earn allocation or deallocation
	DetailMigration     = "migration"       // internal: staking to Earn migration
	DetailFutures       = "futures"         // internal: spot and Futures wallet
	DetailETH2          = "eth2-conversion" // internal: ETH2.S virtual conversion
	DetailStakingReward = "staking-reward"  // income
	DetailEarnReward    = "earn-reward"     // income
	DetailAirdrop       = "airdrop"         // income: transfer with an empty subtype (forks, airdrops)
	DetailInviteBonus   = "invite-bonus"    // income: referral reward
	DetailReward        = "reward"          // income: other rewards and dividends
	DetailDelisting     = "delisting"       // adjustment: forced conversion
	DetailMarginPL      = "pl"              // margin: profit or loss
	DetailMarginFee     = "fee"             // margin: opening or closing fee
	DetailRollover      = "rollover"        // margin: financing fee
)

// Leg is the change in one asset.
type Leg struct {
	// Asset is the base symbol ("BTC", "DOT", "EUR"); suffixed forms
	// ("DOT.S", "XBT.M") are folded into their base.
	Asset string
	// Amount is the signed change (a fee is never included): positive
	// received, negative given. In Event.Fees it is the fee paid, > 0.
	Amount money.Amount
}

// Event is one economic event read from the ledger.
type Event struct {
	// ID identifies the event: the refid of its ledger group, or, when one
	// group gives several events (margin positions), the ledger ID.
	ID string
	// RefID is the exchange's refid of the group the event was read from.
	RefID     string
	AccountID int64
	Kind      EventKind
	Detail    string
	// Time is when it happened: the time of the group's first entry (for
	// a split group, of its own entry).
	Time time.Time
	// Legs are the net changes per asset, fees excluded, in order of first
	// appearance; assets whose changes sum to zero are left out, except in
	// an EventInternal, which keeps every leg it moved.
	Legs []Leg
	// Fees are the fees paid per asset (KFEE included), each > 0.
	Fees []Leg
	// LedgerIDs are the ledger entries the event was read from, in ledger
	// order. Every lot, disposal and report line keeps them.
	LedgerIDs []string
	// Note says, for an EventUnclassified, why the group was not read, and
	// lists its type/subtype pairs and raw asset codes.
	Note string
}

// Leg returns the event's leg of asset and whether it has one.
func (e *Event) Leg(asset string) (money.Amount, bool) {
	for _, l := range e.Legs {
		if l.Asset == asset {
			return l.Amount, true
		}
	}
	return money.Amount{}, false
}

// fiatCodes are the fiat currencies cointally knows (Kraken's funding
// currencies). Fiat is money, not an asset: it has no lots.
var fiatCodes = map[string]bool{
	"EUR": true, "USD": true, "GBP": true, "CAD": true, "JPY": true, "AUD": true, "CHF": true,
	"AED": true, "NZD": true, "SEK": true, "NOK": true, "DKK": true, "PLN": true, "CZK": true,
}

// IsFiat reports whether asset (a base symbol) is a fiat currency. The
// cost-basis engine tracks crypto assets only: fiat legs value a trade,
// and fiat balances have no lots (currency gains are out of scope).
func IsFiat(asset string) bool { return fiatCodes[asset] }
