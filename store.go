package cointally

import (
	"context"
	"time"
)

// This file holds the storage contracts. Every method takes a context and
// fails with an *Error whose Kind says what went wrong:
//
//   - KindNotFound: the named user, account, credential, run, checkpoint or
//     snapshot does not exist. A lookup never answers (nil, nil).
//   - KindConflict: a name is taken, or a lock is held by someone else.
//   - KindInvalid: the input breaks a rule stated on the method (an empty
//     name, an unknown entry source, a value out of range); nothing is stored.
//   - KindOther: the storage itself failed (disk full, corrupt file, a bug);
//     the message wraps the cause.
//
// Writes are atomic: a method that returns an error has stored nothing.
// Times are stored in UTC and returned in UTC, to the nanosecond; a zero
// time.Time is stored as "not set" and returned as the zero time.

// LocalUserName is the name of the built-in user that the command line acts
// as when no one logs in.
const LocalUserName = "local"

// User is a person who uses cointally. The single-user CLI acts as the
// built-in local user.
type User struct {
	ID    int64
	Name  string // unique
	Admin bool
	// PasswordHash is the encoded password hash (algorithm and parameters
	// included); empty means the user cannot log in with a password.
	PasswordHash string
	Created      time.Time
}

// UserStore keeps users.
type UserStore interface {
	// EnsureLocalUser returns the built-in local user (named LocalUserName,
	// an admin), creating it the first time. Calls from several processes at
	// once create it only once.
	EnsureLocalUser(ctx context.Context) (*User, error)

	// CreateUser stores a new user and sets u.ID and u.Created (from the
	// store's clock when zero). KindInvalid if u.Name is empty; KindConflict
	// if the name is taken.
	CreateUser(ctx context.Context, u *User) error

	// User returns the user with the ID; KindNotFound if there is none.
	User(ctx context.Context, id int64) (*User, error)

	// UserByName returns the user with the name; KindNotFound if there is
	// none.
	UserByName(ctx context.Context, name string) (*User, error)

	// Users returns every user ordered by ID; an empty slice if there are
	// none.
	Users(ctx context.Context) ([]*User, error)

	// UpdateUser stores u's Name, Admin and PasswordHash. KindNotFound if
	// u.ID does not exist, KindInvalid if the name is empty, KindConflict if
	// the new name is taken.
	UpdateUser(ctx context.Context, u *User) error
}

// AccountStore keeps exchange accounts and their sealed API credentials.
// A credential holds only bytes the vault sealed; the store never sees a
// plaintext key.
type AccountStore interface {
	// CreateAccount stores a new account for a.UserID together with its
	// credential (nil for an account fed by file imports only) in one
	// transaction. It sets a.ID, a.Added (from the store's clock when zero),
	// a.KeyAdded (likewise, when c is given), a.Status (when empty: StatusOK
	// with a credential, StatusNoKey without) and c.AccountID. KindInvalid if a.Name or a.Exchange is empty, or c is
	// given with an empty sealed half or a nonce above math.MaxInt64;
	// KindNotFound if the user does not exist; KindConflict if the user
	// already has an account with that name.
	CreateAccount(ctx context.Context, a *Account, c *Credential) error

	// Account returns the user's account with the name; KindNotFound if the
	// user has none by that name.
	Account(ctx context.Context, userID int64, name string) (*Account, error)

	// AccountByID returns the account; KindNotFound if there is none.
	AccountByID(ctx context.Context, id int64) (*Account, error)

	// Accounts returns the user's accounts ordered by name; an empty slice if
	// the user has none or does not exist.
	Accounts(ctx context.Context, userID int64) ([]*Account, error)

	// AllAccounts returns every user's accounts ordered by ID, for the
	// scheduler; an empty slice if there are none.
	AllAccounts(ctx context.Context) ([]*Account, error)

	// UpdateAccount stores every field of a except ID, UserID, Exchange and
	// Added. KindNotFound if a.ID does not exist, KindInvalid if the name is
	// empty, KindConflict if the user has another account with the new name.
	UpdateAccount(ctx context.Context, a *Account) error

	// DeleteAccount removes the account's key. With keepData false it removes
	// the account and everything stored for it (ledger, trades, orders,
	// funding, balances, runs, checkpoints). With keepData true the account
	// and its data stay, read-only: its credential is deleted, KeyHint and
	// Permissions are cleared and Status becomes StatusNoKey.
	// KindNotFound if the account does not exist.
	DeleteAccount(ctx context.Context, id int64, keepData bool) error

	// Credential returns the account's sealed key pair and nonce high-water
	// mark; KindNotFound if the account does not exist or has no key.
	Credential(ctx context.Context, accountID int64) (*Credential, error)

	// PutCredential stores c as the account's key pair, replacing any
	// previous one (key rotation), and sets the account's KeyAdded to the
	// store's clock. The stored nonce high-water mark becomes the larger of
	// the previous one and c.NonceHighWater, so nonces never go back.
	// KindInvalid if a sealed half is empty or the nonce is above
	// math.MaxInt64; KindNotFound if the account does not exist.
	PutCredential(ctx context.Context, c *Credential) error

	// AdvanceNonce atomically raises the account's persisted nonce high-water
	// mark to n if n is larger, and returns the mark after the call (n, or
	// the larger value already stored, which the caller must then exceed).
	// Concurrent calls, from any process, never lower it. KindNotFound if the
	// account has no credential; KindInvalid if n is above math.MaxInt64.
	AdvanceNonce(ctx context.Context, accountID int64, n uint64) (uint64, error)
}

// PutResult tells what PutEntries did with a batch.
type PutResult struct {
	Added    int // entries whose ID was not stored before
	Replaced int // stored entries from a weaker source replaced (CSV by API)
	// Diffs lists the offered entries whose ID was stored already with a
	// different asset, time, amount, fee or balance, whether or not the
	// offered entry replaced the stored one.
	Diffs []EntryDiff
}

// EntryDiff is a ledger ID stored with values that differ from an entry
// offered again, as found by PutEntries.
type EntryDiff struct {
	ID     string
	Fields []string // among "asset", "time", "amount", "fee", "balance", in that order
	Stored Entry    // as it was stored before the call (Raw left out)
	// Offered is the entry as offered in the call.
	Offered Entry
	// Replaced is true when the offered entry replaced the stored one.
	Replaced bool
}

// SourceRank orders entry sources by trust: an entry from a higher-ranked
// source replaces a stored one from a lower-ranked source, never the reverse.
// API entries rank above export reports, which rank above user files.
// An unknown source ranks 0.
func SourceRank(source string) int {
	switch source {
	case SourceAPI:
		return 3
	case SourceExport:
		return 2
	case SourceCSV:
		return 1
	}
	return 0
}

// EntryFilter selects ledger entries for FindEntries.
type EntryFilter struct {
	UserID    int64  // required: only this user's accounts are searched
	AccountID int64  // if set, only this account (none if the user does not own it)
	Asset     string // if set, only this asset code
	Type      string // if set, only this entry type
	ID        string // if set, only the entry with this ledger ID
	RefID     string // if set, only entries with this refid
	From, To  time.Time
	// Limit caps the number of entries returned (0: no cap); Offset skips
	// that many first.
	Limit, Offset int
	// Descending returns the newest entries first.
	Descending bool
}

// LedgerStore keeps raw ledger entries and the checkpoints of paged walks.
type LedgerStore interface {
	// PutEntries stores entries under accountID (each Entry.AccountID must be
	// 0 or accountID) and, if cp is not nil, the checkpoint cp, in one
	// transaction: either the whole batch and its checkpoint are stored, or
	// nothing is.
	//
	// Entries are keyed by (account, ledger ID). An ID stored already is
	// never duplicated: the offered entry replaces the stored one only when
	// its source ranks higher (see SourceRank; an API entry replaces a CSV
	// one, a CSV entry never replaces an API one); a replacement keeps the
	// stored Wallet when the offered one is empty. When values differ (asset,
	// time, amount, fee, or balance where both have one) the ID is reported
	// in the result's Diffs either way. A later entry in the batch with the
	// ID of an earlier one is handled the same way.
	//
	// KindInvalid if an entry has an empty ID or asset, a zero time, an
	// unknown source, or an ASCII control character in a text field (ID,
	// RefID, Type, Subtype, Aclass, Asset, Wallet; Raw may hold anything),
	// or cp names another account or no stream; KindNotFound if the account
	// does not exist.
	PutEntries(ctx context.Context, accountID int64, entries []Entry, cp *Checkpoint) (PutResult, error)

	// Entries calls fn for each of the account's entries in ascending order
	// of (time, ID), stopping at the first error fn returns, which Entries
	// returns unchanged. fn gets a fresh Entry each call and may keep it. fn
	// must not write through the store. No entries (or no such account) is
	// not an error.
	Entries(ctx context.Context, accountID int64, fn func(*Entry) error) error

	// UserEntries is Entries across all of the user's accounts, in ascending
	// order of (time, ID, account ID).
	UserEntries(ctx context.Context, userID int64, fn func(*Entry) error) error

	// FindEntries returns one page of the entries matching f, ordered by
	// (time, ID, account) (reversed if f.Descending), and the number of
	// matching entries ignoring Limit and Offset. KindInvalid if f.UserID is
	// 0 or Limit or Offset is negative. No match is an empty slice.
	FindEntries(ctx context.Context, f EntryFilter) ([]*Entry, int, error)

	// EntryCount returns the number of the account's entries (0 if none).
	EntryCount(ctx context.Context, accountID int64) (int, error)

	// NewestEntry returns the account's entry that comes last in (time, ID)
	// order; KindNotFound if the account has no entries.
	NewestEntry(ctx context.Context, accountID int64) (*Entry, error)

	// Checkpoint returns the account's checkpoint for stream; KindNotFound if
	// there is none.
	Checkpoint(ctx context.Context, accountID int64, stream string) (*Checkpoint, error)

	// PutCheckpoint stores cp, replacing the one for its account and stream.
	// KindInvalid if cp.Stream is empty; KindNotFound if the account does not
	// exist.
	PutCheckpoint(ctx context.Context, cp *Checkpoint) error

	// ClearCheckpoints deletes all of the account's checkpoints, so the next
	// sync walks every stream from the start. No checkpoints is not an error.
	ClearCheckpoints(ctx context.Context, accountID int64) error

	// LedgerVersion returns a number that changes whenever the account's
	// stored entries change: it grows by at least one with every PutEntries
	// call that adds or replaces an entry, and never goes back while the
	// account exists. Caches of anything computed from the ledger keep it to
	// know when they are stale. 0 for an account with no entries ever stored;
	// KindNotFound if the account does not exist.
	LedgerVersion(ctx context.Context, accountID int64) (int64, error)
}

// TradeStore keeps trades (fills) and orders.
type TradeStore interface {
	// PutTrades stores trades under accountID (each Trade.AccountID must be 0
	// or accountID) and, if cp is not nil, the checkpoint, in one
	// transaction. Trades are keyed by (account, trade ID) and never change:
	// a trade stored already is left as it is. It returns how many were new.
	// KindInvalid if a trade has an empty ID or a zero time, or cp names
	// another account or no stream; KindNotFound if the account does not
	// exist.
	PutTrades(ctx context.Context, accountID int64, trades []Trade, cp *Checkpoint) (added int, err error)

	// Trades calls fn for each of the account's trades in ascending order of
	// (time, ID), stopping at the first error fn returns, which Trades
	// returns unchanged. fn must not write through the store.
	Trades(ctx context.Context, accountID int64, fn func(*Trade) error) error

	// PutOrders stores orders under accountID (each Order.AccountID must be 0
	// or accountID) and, if cp is not nil, the checkpoint, in one
	// transaction. Orders are keyed by (account, order ID): a stored order is
	// updated (an open order that has since closed), except that a closed
	// order (any status but "open" or "pending") is final and is never
	// replaced by an open or pending one. It returns how many were new.
	// KindInvalid if an order has an empty ID or status, or cp names another
	// account or no stream; KindNotFound if the account does not exist.
	PutOrders(ctx context.Context, accountID int64, orders []Order, cp *Checkpoint) (added int, err error)

	// ReplaceOpenOrders makes open the account's complete set of open or
	// pending orders: stored open or pending orders not in it are deleted (a
	// later PutOrders brings them back closed), and the others are stored as
	// PutOrders does. KindInvalid and KindNotFound as for PutOrders.
	ReplaceOpenOrders(ctx context.Context, accountID int64, open []Order) error

	// Orders calls fn for each of the account's orders in ascending order of
	// (opening time, ID), stopping at the first error fn returns, which
	// Orders returns unchanged. fn must not write through the store.
	Orders(ctx context.Context, accountID int64, fn func(*Order) error) error
}

// FundingStore keeps the status of deposits and withdrawals.
type FundingStore interface {
	// PutFunding stores items under accountID (each AccountID must be 0 or
	// accountID), keyed by (account, refid): a stored item is updated (a
	// pending deposit that has since succeeded). It returns how many were
	// new. KindInvalid if an item has an empty RefID or Kind; KindNotFound if
	// the account does not exist.
	PutFunding(ctx context.Context, accountID int64, items []Funding) (added int, err error)

	// Funding calls fn for each of the account's items in ascending order of
	// (time, refid), stopping at the first error fn returns, which Funding
	// returns unchanged. fn must not write through the store.
	Funding(ctx context.Context, accountID int64, fn func(*Funding) error) error
}

// BalanceStore keeps snapshots of live balances.
type BalanceStore interface {
	// PutBalances stores the set of balances seen at time at (one per asset;
	// each snapshot's AccountID and Time are ignored), replacing any set
	// stored for the same account and time. An empty set is a valid
	// snapshot: the account held nothing. KindInvalid if at is zero or an
	// asset is empty or repeated; KindNotFound if the account does not exist.
	PutBalances(ctx context.Context, accountID int64, at time.Time, balances []BalanceSnapshot) error

	// LatestBalances returns the most recent set, ordered by asset; an empty
	// slice if that set was empty. KindNotFound if the account has none.
	LatestBalances(ctx context.Context, accountID int64) ([]BalanceSnapshot, error)
}

// SyncRunStore keeps the record of syncs and the per-account sync lock.
type SyncRunStore interface {
	// StartRun records a new run of r.AccountID with Outcome running and
	// sets r.ID, r.Outcome and r.Started (from the store's clock when zero).
	// KindNotFound if the account does not exist.
	StartRun(ctx context.Context, r *SyncRun) error

	// FinishRun stores r's Ended (from the store's clock when zero, and set
	// in r), Calls, NewEntries, Errors, Outcome, Reconciled and Summary.
	// KindInvalid if r.Outcome is empty or OutcomeRunning; KindNotFound if
	// run r.ID does not exist.
	FinishRun(ctx context.Context, r *SyncRun) error

	// Runs returns the account's most recent runs, newest first, at most
	// limit of them (limit <= 0: all); an empty slice if there are none.
	Runs(ctx context.Context, accountID int64, limit int) ([]SyncRun, error)

	// InterruptStaleRuns marks as OutcomeInterrupted (ended now) every run
	// still recorded as running whose account is not locked by a live
	// holder: the process that ran it died. Call it at start-up. It returns
	// how many runs it marked.
	InterruptStaleRuns(ctx context.Context) (int, error)

	// TryLockAccount takes the account's sync lock for owner (a name for the
	// process and job, shown to whoever is refused) until ttl from now. The
	// lock holds across processes sharing the store. Calling it again with
	// the same owner while holding the lock extends it. It returns unlock,
	// which releases the lock if owner still holds it; unlock is safe to call
	// more than once and works after ctx is canceled. KindConflict if
	// another owner holds an unexpired lock (an expired lock is taken over);
	// KindInvalid if owner is empty or ttl is not positive; KindNotFound if
	// the account does not exist.
	TryLockAccount(ctx context.Context, accountID int64, owner string, ttl time.Duration) (unlock func(), err error)
}

// Store is everything cointally keeps. Implementations are safe for
// concurrent use by multiple goroutines.
type Store interface {
	UserStore
	AccountStore
	LedgerStore
	TradeStore
	FundingStore
	BalanceStore
	SyncRunStore
	PriceStore
	SessionStore
	SettingStore
	GrantStore
	// Close releases the store's resources. Calls made after Close fail.
	Close() error
}
