// Package sqlrow is what the two SQL stores (sqlstore on SQLite, pgstore on
// PostgreSQL) share about their rows: the column lists of the tables both
// read the same way, and the decoding of such a row into cointally's types.
// Both schemas keep times as int64 Unix nanoseconds (NULL: not set),
// amounts as canonical decimal text, lists as JSON text and raw records as
// bytes, so one decoder serves both drivers (database/sql rows and pgx rows
// both scan into sql.Scanner destinations).
package sqlrow

import (
	"database/sql"
	"encoding/json"
	"time"

	"github.com/cointally/cointally"
)

// Row is a row to decode: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows.
type Row interface {
	Scan(dest ...any) error
}

// TS converts t to its stored form: Unix nanoseconds, or NULL (nil) for the
// zero time.
func TS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// FromTS converts a stored time back; NULL is the zero time.
func FromTS(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// JSONList encodes a list of strings as stored: a JSON array, "[]" when
// empty.
func JSONList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

// UserColumns are the columns User reads, in order.
const UserColumns = `id, name, admin, password_hash, created`

// User decodes a row of UserColumns.
func User(row Row) (*cointally.User, error) {
	var (
		u       cointally.User
		created sql.NullInt64
	)
	if err := row.Scan(&u.ID, &u.Name, &u.Admin, &u.PasswordHash, &created); err != nil {
		return nil, err
	}
	u.Created = FromTS(created)
	return &u, nil
}

// AccountColumns are the columns Account reads, in order.
const AccountColumns = `id, user_id, name, exchange, key_hint, tier, permissions, risk_accepted,
	status, status_reason, added, key_added, key_last_used, last_sync, sync_interval`

// Account decodes a row of AccountColumns.
func Account(row Row) (*cointally.Account, error) {
	var (
		a                                      cointally.Account
		perms                                  string
		added, keyAdded, keyLastUsed, lastSync sql.NullInt64
		interval                               int64
	)
	err := row.Scan(&a.ID, &a.UserID, &a.Name, &a.Exchange, &a.KeyHint, &a.Tier, &perms, &a.RiskAccepted,
		&a.Status, &a.StatusReason, &added, &keyAdded, &keyLastUsed, &lastSync, &interval)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(perms), &a.Permissions); err != nil {
		return nil, err
	}
	a.Added, a.KeyAdded, a.KeyLastUsed, a.LastSync = FromTS(added), FromTS(keyAdded), FromTS(keyLastUsed), FromTS(lastSync)
	a.SyncInterval = time.Duration(interval)
	return &a, nil
}

// SessionColumns are the columns Session reads, in order.
const SessionColumns = `token_hash, user_id, csrf_token, created, last_seen, expires, address, user_agent`

// Session decodes a row of SessionColumns.
func Session(row Row) (*cointally.Session, error) {
	var (
		s                      cointally.Session
		created, seen, expires sql.NullInt64
	)
	if err := row.Scan(&s.TokenHash, &s.UserID, &s.CSRFToken, &created, &seen, &expires, &s.Address, &s.UserAgent); err != nil {
		return nil, err
	}
	s.Created, s.LastSeen, s.Expires = FromTS(created), FromTS(seen), FromTS(expires)
	return &s, nil
}

// RunColumns are the columns Run reads, in order.
const RunColumns = `id, account_id, started, ended, calls, new_entries, errors, outcome, reconciled, summary`

// Run decodes a row of RunColumns.
func Run(row Row) (cointally.SyncRun, error) {
	var (
		r              cointally.SyncRun
		started, ended sql.NullInt64
		errs           string
	)
	if err := row.Scan(&r.ID, &r.AccountID, &started, &ended, &r.Calls, &r.NewEntries, &errs, &r.Outcome,
		&r.Reconciled, &r.Summary); err != nil {
		return r, err
	}
	r.Started, r.Ended = FromTS(started), FromTS(ended)
	if err := json.Unmarshal([]byte(errs), &r.Errors); err != nil {
		return r, err
	}
	if len(r.Errors) == 0 {
		r.Errors = nil
	}
	return r, nil
}

// TradeColumns are the columns Trade reads, in order.
const TradeColumns = `account_id, id, order_id, pair, time, side, order_type, price, volume, cost, fee, ledger_ids, raw`

// Trade decodes a row of TradeColumns.
func Trade(row Row) (*cointally.Trade, error) {
	var (
		t    cointally.Trade
		tns  int64
		lids string
	)
	if err := row.Scan(&t.AccountID, &t.ID, &t.OrderID, &t.Pair, &tns, &t.Side, &t.OrderType, &t.Price,
		&t.Volume, &t.Cost, &t.Fee, &lids, &t.Raw); err != nil {
		return nil, err
	}
	t.Time = time.Unix(0, tns).UTC()
	if err := json.Unmarshal([]byte(lids), &t.LedgerIDs); err != nil {
		return nil, err
	}
	return &t, nil
}

// OrderColumns are the columns Order reads, in order.
const OrderColumns = `account_id, id, status, pair, side, order_type, opened, closed, volume, vol_exec, cost, fee, raw`

// Order decodes a row of OrderColumns.
func Order(row Row) (*cointally.Order, error) {
	var (
		o              cointally.Order
		opened, closed sql.NullInt64
	)
	if err := row.Scan(&o.AccountID, &o.ID, &o.Status, &o.Pair, &o.Side, &o.OrderType, &opened, &closed,
		&o.Volume, &o.VolExec, &o.Cost, &o.Fee, &o.Raw); err != nil {
		return nil, err
	}
	o.Opened, o.Closed = FromTS(opened), FromTS(closed)
	return &o, nil
}

// FundingColumns are the columns Funding reads, in order.
const FundingColumns = `account_id, refid, kind, asset, method, network, amount, fee, time, status, txid, info, raw`

// Funding decodes a row of FundingColumns.
func Funding(row Row) (*cointally.Funding, error) {
	var (
		f  cointally.Funding
		at sql.NullInt64
	)
	if err := row.Scan(&f.AccountID, &f.RefID, &f.Kind, &f.Asset, &f.Method, &f.Network, &f.Amount, &f.Fee,
		&at, &f.Status, &f.TxID, &f.Info, &f.Raw); err != nil {
		return nil, err
	}
	f.Time = FromTS(at)
	return &f, nil
}

// CheckpointColumns are the columns Checkpoint reads, in order.
const CheckpointColumns = `stream, walk_start, walk_end, next_offset, seen_count, done, state`

// Checkpoint decodes a row of CheckpointColumns of the account's checkpoints.
func Checkpoint(row Row, accountID int64) (*cointally.Checkpoint, error) {
	cp := cointally.Checkpoint{AccountID: accountID}
	if err := row.Scan(&cp.Stream, &cp.Start, &cp.Window, &cp.Offset, &cp.Count, &cp.Done, &cp.State); err != nil {
		return nil, err
	}
	return &cp, nil
}

// GrantColumns are the columns Grant reads, in order.
const GrantColumns = `owner_id, viewer_id, created`

// Grant decodes a row of GrantColumns.
func Grant(row Row) (cointally.Grant, error) {
	var (
		g       cointally.Grant
		created sql.NullInt64
	)
	err := row.Scan(&g.OwnerID, &g.ViewerID, &created)
	g.Created = FromTS(created)
	return g, err
}
