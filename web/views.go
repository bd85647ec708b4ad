package web

import (
	"context"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// KeyInput is an exchange key as a user typed it into the add form.
type KeyInput struct {
	Name       string // the account's name
	APIKey     string
	PrivateKey string // never stored by this package, never sent back
	Tier       string // rate-limit tier: starter, intermediate, pro
	AllowRisky bool   // store a key with dangerous permissions (with a warning)
}

// Connector tests exchange keys and creates accounts with them. The command
// implements it with the exchange clients and the vault.
type Connector interface {
	// TestKey connects with the key and audits its permissions without
	// storing anything. KindInvalid if a half of the key is malformed;
	// KindUnauthorized if the exchange rejects it; KindUnavailable if the
	// exchange cannot be reached. Error messages are in the user's words
	// and never contain the key.
	TestKey(ctx context.Context, k KeyInput) (*AuditView, error)

	// AddAccount audits the key and, if the audit accepts it, seals it and
	// stores a new account for the user. It returns the audit in both
	// cases. Errors as for TestKey, plus KindInvalid when the audit refuses
	// the key (the audit says why) and KindConflict when the user has an
	// account with that name already.
	AddAccount(ctx context.Context, userID int64, k KeyInput) (*cointally.Account, *AuditView, error)
}

// Syncer runs and watches syncs. The command implements it with the sync
// engine.
type Syncer interface {
	// SyncNow starts a sync of the account in the background and returns
	// at once; the sync outlives the request (it stops when the server
	// does). KindConflict if a sync of the account is already running;
	// KindNotFound if the account does not exist.
	SyncNow(ctx context.Context, accountID int64) error

	// Progress returns how the running sync of the account is getting on;
	// Running is false when none runs.
	Progress(accountID int64) ProgressView

	// Reconcile checks the account's stored ledger. KindNotFound if the
	// account does not exist.
	Reconcile(ctx context.Context, accountID int64) (*ReconcileView, error)
}

// AuditView is a key's permission audit, ready to show.
type AuditView struct {
	Method string // how the permissions were found
	Rows   []PermissionRow
	// Problems are why the key is refused; Warnings stay with the account;
	// Notes are facts worth knowing.
	Problems, Warnings, Notes []string
	Risky                     bool // a dangerous permission is present
	Refused                   bool // the key must not be stored
}

// Verdict is the audit's conclusion in plain words.
func (a *AuditView) Verdict() string {
	switch {
	case a.Refused:
		return "This key cannot be used. See the problems below."
	case a.Risky:
		return "This key works, but it can do more than read: it would be stored with a standing warning."
	}
	return "This key is read-only and has what cointally needs."
}

// PermissionRow is one permission of an audit.
type PermissionRow struct {
	Setting string // the checkbox on the exchange's key page
	Present string // "yes", "no" or "not verified"
	Need    string // "required", "optional", "not needed" or "never"
	Verdict string // plain words
	OK      bool
}

// ProgressView is a running sync's state, as the account page polls it.
type ProgressView struct {
	Running bool          `json:"running"`
	Stream  string        `json:"stream,omitempty"`
	Phase   string        `json:"phase,omitempty"`
	Items   int           `json:"items"`
	Added   int           `json:"added"`
	Total   int           `json:"total"` // 0 when unknown
	ETA     time.Duration `json:"-"`
	// Text is the state in one line for the page.
	Text string `json:"text"`
	// Percent is Items/Total in whole percent, -1 when Total is unknown.
	Percent int `json:"percent"`
}

// ReconcileView is the completeness proof of one account.
type ReconcileView struct {
	OK      bool
	Summary string
	Entries int
	Skipped int
	LiveAt  time.Time
	Count   *CountView // nil when the exchange gave no count
	Chains  []ChainView
}

// CountView compares the exchange's count of ledger entries with the
// entries stored.
type CountView struct {
	Exchange, Stored int
	Through          time.Time
	OK               bool
}

// ChainView is the running-balance chain of one asset of an account.
type ChainView struct {
	Asset  string // the code as the exchange writes it
	Base   string // the asset it counts towards in totals (BTC for XXBT, XBT.F, ...)
	Wallet string
	// Entries in the chain and Breaks (gaps) found in it.
	Entries, Breaks int
	Ledger          money.Amount
	Live            *money.Amount // nil without a live balance
	Difference      *money.Amount // live - ledger, nil without a live balance
}

// OK reports whether the chain has no gap and matches the live balance.
func (c ChainView) OK() bool {
	return c.Breaks == 0 && (c.Difference == nil || c.Difference.IsZero())
}
