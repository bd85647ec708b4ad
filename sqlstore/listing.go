package sqlstore

import (
	"context"
	"database/sql"
	"sort"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

// This file lists what cointally.Store reads only one at a time, for a
// copy of the whole store (cointally migrate-store).

// Checkpoints returns all of the account's checkpoints, ordered by stream;
// an empty slice if there are none.
func (db *DB) Checkpoints(ctx context.Context, accountID int64) ([]cointally.Checkpoint, error) {
	const op = "sqlstore: checkpoints"
	rows, err := db.r.QueryContext(ctx, `SELECT `+sqlrow.CheckpointColumns+`
		FROM checkpoints WHERE account_id = ? ORDER BY stream`, accountID)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	list := []cointally.Checkpoint{}
	for rows.Next() {
		cp, err := sqlrow.Checkpoint(rows, accountID)
		if err != nil {
			return nil, wrap(op, err)
		}
		list = append(list, *cp)
	}
	return list, wrap(op, rows.Err())
}

// BalanceHistory calls fn with each of the account's balance snapshots,
// oldest first, each set ordered by asset, stopping at the first error fn
// returns, which it returns unchanged.
func (db *DB) BalanceHistory(ctx context.Context, accountID int64, fn func(at time.Time, balances []cointally.BalanceSnapshot) error) error {
	const op = "sqlstore: balance history"
	rows, err := db.r.QueryContext(ctx, `SELECT s.time, b.asset, b.amount FROM balance_snapshots s
		LEFT JOIN balances b ON b.snapshot_id = s.id WHERE s.account_id = ? ORDER BY s.time, b.asset`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	// Read them all before calling fn, which may write to another store
	// while this one's reader would hold its snapshot open.
	type set struct {
		at   time.Time
		list []cointally.BalanceSnapshot
	}
	var sets []*set
	for rows.Next() {
		var (
			tns    int64
			asset  sql.NullString
			amount nullAmount
		)
		if err := rows.Scan(&tns, &asset, &amount); err != nil {
			rows.Close()
			return wrap(op, err)
		}
		at := time.Unix(0, tns).UTC()
		if len(sets) == 0 || !sets[len(sets)-1].at.Equal(at) {
			sets = append(sets, &set{at: at, list: []cointally.BalanceSnapshot{}})
		}
		if asset.Valid {
			s := sets[len(sets)-1]
			s.list = append(s.list, cointally.BalanceSnapshot{AccountID: accountID, Time: at, Asset: asset.String, Amount: amount.a})
		}
	}
	if err := rows.Close(); err != nil {
		return wrap(op, err)
	}
	for _, s := range sets {
		sort.Slice(s.list, func(i, j int) bool { return s.list[i].Asset < s.list[j].Asset })
		if err := fn(s.at, s.list); err != nil {
			return err
		}
	}
	return nil
}

// AllSessions calls fn with every user's sessions, oldest first, stopping
// at the first error fn returns, which it returns unchanged.
func (db *DB) AllSessions(ctx context.Context, fn func(*cointally.Session) error) error {
	const op = "sqlstore: sessions"
	rows, err := db.r.QueryContext(ctx, `SELECT `+sqlrow.SessionColumns+` FROM sessions ORDER BY created, token_hash`)
	if err != nil {
		return wrap(op, err)
	}
	var list []*cointally.Session
	for rows.Next() {
		s, err := sqlrow.Session(rows)
		if err != nil {
			rows.Close()
			return wrap(op, err)
		}
		list = append(list, s)
	}
	if err := rows.Close(); err != nil {
		return wrap(op, err)
	}
	for _, s := range list {
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}
