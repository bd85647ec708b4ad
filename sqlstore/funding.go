package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sort"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

// PutFunding implements cointally.FundingStore.
func (db *DB) PutFunding(ctx context.Context, accountID int64, items []cointally.Funding) (int, error) {
	const op = "sqlstore: put funding"
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		for i := range items {
			f := &items[i]
			switch {
			case f.RefID == "":
				return invalid("a funding item has no refid")
			case f.AccountID != 0 && f.AccountID != accountID:
				return invalid("funding item %s belongs to account %d, not %d", f.RefID, f.AccountID, accountID)
			case f.Kind == "":
				return invalid("funding item %s has no kind", f.RefID)
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM funding WHERE account_id = ? AND refid = ?`,
				accountID, f.RefID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				added++
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO funding (account_id, refid, kind, asset, method, network, amount,
				fee, time, status, txid, info, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account_id, refid) DO UPDATE SET kind = excluded.kind, asset = excluded.asset,
					method = excluded.method, network = excluded.network, amount = excluded.amount,
					fee = excluded.fee, time = excluded.time, status = excluded.status, txid = excluded.txid,
					info = excluded.info, raw = excluded.raw`,
				accountID, f.RefID, f.Kind, f.Asset, f.Method, f.Network, f.Amount.String(), f.Fee.String(),
				sqlrow.TS(f.Time), f.Status, f.TxID, f.Info, raw(f.Raw))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// Funding implements cointally.FundingStore.
func (db *DB) Funding(ctx context.Context, accountID int64, fn func(*cointally.Funding) error) error {
	const op = "sqlstore: funding"
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, refid, kind, asset, method, network, amount, fee, time,
		status, txid, info, raw FROM funding WHERE account_id = ? ORDER BY time, refid`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := sqlrow.Funding(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// PutBalances implements cointally.BalanceStore.
func (db *DB) PutBalances(ctx context.Context, accountID int64, at time.Time, balances []cointally.BalanceSnapshot) error {
	const op = "sqlstore: put balances"
	if at.IsZero() {
		return wrap(op, invalid("a balance snapshot needs a time"))
	}
	seen := make(map[string]bool, len(balances))
	for _, b := range balances {
		if b.Asset == "" {
			return wrap(op, invalid("a balance has no asset"))
		}
		if seen[b.Asset] {
			return wrap(op, invalid("asset %s appears twice in one snapshot", b.Asset))
		}
		seen[b.Asset] = true
	}
	return db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM balance_snapshots WHERE account_id = ? AND time = ?`,
			accountID, at.UnixNano()); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO balance_snapshots (account_id, time) VALUES (?, ?) RETURNING id`,
			accountID, at.UnixNano()).Scan(&id); err != nil {
			return err
		}
		for _, b := range balances {
			if _, err := tx.ExecContext(ctx, `INSERT INTO balances (snapshot_id, asset, amount) VALUES (?, ?, ?)`,
				id, b.Asset, b.Amount.String()); err != nil {
				return err
			}
		}
		return nil
	})
}

// LatestBalances implements cointally.BalanceStore.
func (db *DB) LatestBalances(ctx context.Context, accountID int64) ([]cointally.BalanceSnapshot, error) {
	const op = "sqlstore: latest balances"
	rtx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rtx.Rollback() //nolint:errcheck // read-only
	var (
		id  int64
		tns int64
	)
	err = rtx.QueryRowContext(ctx, `SELECT id, time FROM balance_snapshots WHERE account_id = ?
		ORDER BY time DESC LIMIT 1`, accountID).Scan(&id, &tns)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap(op, notFound("account %d has no balance snapshot", accountID))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	at := time.Unix(0, tns).UTC()
	rows, err := rtx.QueryContext(ctx, `SELECT asset, amount FROM balances WHERE snapshot_id = ?`, id)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	list := []cointally.BalanceSnapshot{}
	for rows.Next() {
		b := cointally.BalanceSnapshot{AccountID: accountID, Time: at}
		if err := rows.Scan(&b.Asset, &b.Amount); err != nil {
			return nil, wrap(op, err)
		}
		list = append(list, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	// Ordered in Go: SQLite and PostgreSQL collations may order differently.
	sort.Slice(list, func(i, j int) bool { return list[i].Asset < list[j].Asset })
	return list, nil
}
