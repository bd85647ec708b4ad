package cointally

import (
	"time"

	"github.com/cointally/cointally/money"
)

// Entry sources.
const (
	SourceAPI    = "api"    // fetched from the exchange's API
	SourceExport = "export" // from an export report requested through the API
	SourceCSV    = "csv"    // imported from a file the user downloaded
)

// Entry is one ledger entry of an exchange account: a single balance change
// of one asset, kept both raw (as received) and parsed.
type Entry struct {
	AccountID int64
	ID        string // the exchange's ledger ID, unique per account
	RefID     string // groups the entries of one transaction
	Time      time.Time
	Type      string // "trade", "deposit", "earn", ...; unknown types are kept
	Subtype   string
	Aclass    string
	Asset     string // the exchange's asset code, e.g. "XXBT", "DOT.S"
	Wallet    string // "spot / main", "earn / flexible", ... when known
	Amount    money.Amount
	Fee       money.Amount
	// Balance is the asset's balance after the entry. HasBalance is false for
	// rows that carry none (pending CSV deposit rows).
	Balance    money.Amount
	HasBalance bool
	Source     string
	Raw        []byte // the entry exactly as received (JSON object or CSV row as JSON)
	// Unknown is set when the type/subtype pair is not one cointally knows;
	// such entries are kept and flagged, never dropped.
	Unknown bool
}

// Trade is one fill as the exchange reports it, kept raw beside its parsed
// fields. Ledger IDs link it to the entries it produced.
type Trade struct {
	AccountID int64
	ID        string
	OrderID   string
	Pair      string
	Time      time.Time
	Side      string // "buy" | "sell"
	OrderType string
	Price     money.Amount
	Volume    money.Amount
	Cost      money.Amount
	Fee       money.Amount
	LedgerIDs []string
	Raw       []byte
}

// Order is a closed or open order, kept raw beside its main parsed fields.
type Order struct {
	AccountID int64
	ID        string
	Status    string
	Pair      string
	Side      string
	OrderType string
	Opened    time.Time
	Closed    time.Time // zero while open
	Volume    money.Amount
	VolExec   money.Amount
	Cost      money.Amount
	Fee       money.Amount
	Raw       []byte
}

// Funding is the status of a deposit or withdrawal: what the ledger lacks
// (on-chain transaction ID, address, network).
type Funding struct {
	AccountID int64
	RefID     string // the ledger refid
	Kind      string // "deposit" | "withdrawal"
	Asset     string
	Method    string
	Network   string
	Amount    money.Amount
	Fee       money.Amount
	Time      time.Time
	Status    string
	TxID      string
	Info      string // address or reference
	Raw       []byte
}

// BalanceSnapshot is the live balance of one asset at one moment.
type BalanceSnapshot struct {
	AccountID int64
	Time      time.Time
	Asset     string
	Amount    money.Amount
}
