package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// PutTrades implements cointally.TradeStore. The trades go in one statement
// of array parameters, as ledger entries do.
func (db *DB) PutTrades(ctx context.Context, accountID int64, trades []cointally.Trade, cp *cointally.Checkpoint) (int, error) {
	const op = "pgstore: put trades"
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return 0, wrap(op, err)
		}
	}
	n := len(trades)
	var (
		ids, orderIDs, pairs, sides, types, prices, volumes, costs, fees, lids = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n)
		times = make([]int64, n)
		raws  = make([][]byte, n)
	)
	for i := range trades {
		t := &trades[i]
		switch {
		case t.ID == "":
			return 0, wrap(op, invalid("a trade has no ID"))
		case t.AccountID != 0 && t.AccountID != accountID:
			return 0, wrap(op, invalid("trade %s belongs to account %d, not %d", t.ID, t.AccountID, accountID))
		case t.Time.IsZero():
			return 0, wrap(op, invalid("trade %s has no time", t.ID))
		}
		ledgerIDs := t.LedgerIDs
		if ledgerIDs == nil {
			ledgerIDs = []string{}
		}
		b, err := json.Marshal(ledgerIDs)
		if err != nil {
			return 0, wrap(op, err)
		}
		ids[i], orderIDs[i], pairs[i], sides[i], types[i] = t.ID, t.OrderID, t.Pair, t.Side, t.OrderType
		prices[i], volumes[i], costs[i], fees[i], lids[i] = t.Price.String(), t.Volume.String(), t.Cost.String(), t.Fee.String(), string(b)
		times[i], raws[i] = t.Time.UnixNano(), raw(t.Raw)
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		if n > 0 {
			tag, err := tx.Exec(ctx, `INSERT INTO trades (account_id, id, order_id, pair, time, side, order_type,
				price, volume, cost, fee, ledger_ids, raw)
				SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[],
					$8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bytea[])
				ON CONFLICT (account_id, id) DO NOTHING`,
				accountID, ids, orderIDs, pairs, times, sides, types, prices, volumes, costs, fees, lids, raws)
			if err != nil {
				return err
			}
			added = int(tag.RowsAffected())
		}
		if cp != nil {
			return tx.putCheckpoint(ctx, accountID, cp)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// Trades implements cointally.TradeStore.
func (db *DB) Trades(ctx context.Context, accountID int64, fn func(*cointally.Trade) error) error {
	const op = "pgstore: trades"
	rows, err := db.pool.Query(ctx, `SELECT account_id, id, order_id, pair, time, side, order_type, price, volume,
		cost, fee, ledger_ids, raw FROM trades WHERE account_id = $1 ORDER BY time, id`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := sqlrow.Trade(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// PutOrders implements cointally.TradeStore.
func (db *DB) PutOrders(ctx context.Context, accountID int64, orders []cointally.Order, cp *cointally.Checkpoint) (int, error) {
	const op = "pgstore: put orders"
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return 0, wrap(op, err)
		}
	}
	if err := checkOrders(accountID, orders); err != nil {
		return 0, wrap(op, err)
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		var err error
		if added, err = tx.putOrders(ctx, accountID, orders); err != nil {
			return err
		}
		if cp != nil {
			return tx.putCheckpoint(ctx, accountID, cp)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

func checkOrders(accountID int64, orders []cointally.Order) error {
	for i := range orders {
		o := &orders[i]
		switch {
		case o.ID == "":
			return invalid("an order has no ID")
		case o.AccountID != 0 && o.AccountID != accountID:
			return invalid("order %s belongs to account %d, not %d", o.ID, o.AccountID, accountID)
		case o.Status == "":
			return invalid("order %s has no status", o.ID)
		}
	}
	return nil
}

// putOrders upserts orders one statement each (an order may repeat in a
// batch, which one multi-row ON CONFLICT DO UPDATE refuses). A closed order
// is final: the update applies unless the stored order is closed and the
// offered one is open or pending. xmax = 0 tells a fresh row from an
// updated one; a row left alone (the WHERE refused the update) returns
// nothing and was not new.
func (tx *tx) putOrders(ctx context.Context, accountID int64, orders []cointally.Order) (int, error) {
	if err := tx.accountExists(ctx, accountID); err != nil {
		return 0, err
	}
	added := 0
	for i := range orders {
		o := &orders[i]
		var inserted bool
		err := tx.QueryRow(ctx, `INSERT INTO orders (account_id, id, status, pair, side, order_type, opened,
			closed, volume, vol_exec, cost, fee, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (account_id, id) DO UPDATE SET status = excluded.status, pair = excluded.pair,
				side = excluded.side, order_type = excluded.order_type, opened = excluded.opened,
				closed = excluded.closed, volume = excluded.volume, vol_exec = excluded.vol_exec,
				cost = excluded.cost, fee = excluded.fee, raw = excluded.raw
			WHERE orders.status IN ('open', 'pending') OR excluded.status NOT IN ('open', 'pending')
			RETURNING xmax = 0`,
			accountID, o.ID, o.Status, o.Pair, o.Side, o.OrderType, sqlrow.TS(o.Opened), sqlrow.TS(o.Closed),
			o.Volume.String(), o.VolExec.String(), o.Cost.String(), o.Fee.String(), raw(o.Raw)).Scan(&inserted)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return 0, err
		case inserted:
			added++
		}
	}
	return added, nil
}

// ReplaceOpenOrders implements cointally.TradeStore.
func (db *DB) ReplaceOpenOrders(ctx context.Context, accountID int64, open []cointally.Order) error {
	const op = "pgstore: replace open orders"
	if err := checkOrders(accountID, open); err != nil {
		return wrap(op, err)
	}
	keep := make([]string, 0, len(open))
	for _, o := range open {
		keep = append(keep, o.ID)
	}
	return db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM orders WHERE account_id = $1 AND status IN ('open', 'pending')
			AND NOT (id = ANY($2::text[]))`, accountID, keep); err != nil {
			return err
		}
		_, err := tx.putOrders(ctx, accountID, open)
		return err
	})
}

// Orders implements cointally.TradeStore.
func (db *DB) Orders(ctx context.Context, accountID int64, fn func(*cointally.Order) error) error {
	const op = "pgstore: orders"
	rows, err := db.pool.Query(ctx, `SELECT account_id, id, status, pair, side, order_type, opened, closed,
		volume, vol_exec, cost, fee, raw FROM orders WHERE account_id = $1 ORDER BY opened NULLS FIRST, id`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := sqlrow.Order(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(x); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// PutFunding implements cointally.FundingStore.
func (db *DB) PutFunding(ctx context.Context, accountID int64, items []cointally.Funding) (int, error) {
	const op = "pgstore: put funding"
	for i := range items {
		f := &items[i]
		switch {
		case f.RefID == "":
			return 0, wrap(op, invalid("a funding item has no refid"))
		case f.AccountID != 0 && f.AccountID != accountID:
			return 0, wrap(op, invalid("funding item %s belongs to account %d, not %d", f.RefID, f.AccountID, accountID))
		case f.Kind == "":
			return 0, wrap(op, invalid("funding item %s has no kind", f.RefID))
		}
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		for i := range items {
			f := &items[i]
			var inserted bool
			err := tx.QueryRow(ctx, `INSERT INTO funding (account_id, refid, kind, asset, method, network, amount,
				fee, time, status, txid, info, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (account_id, refid) DO UPDATE SET kind = excluded.kind, asset = excluded.asset,
					method = excluded.method, network = excluded.network, amount = excluded.amount,
					fee = excluded.fee, time = excluded.time, status = excluded.status, txid = excluded.txid,
					info = excluded.info, raw = excluded.raw
				RETURNING xmax = 0`,
				accountID, f.RefID, f.Kind, f.Asset, f.Method, f.Network, f.Amount.String(), f.Fee.String(),
				sqlrow.TS(f.Time), f.Status, f.TxID, f.Info, raw(f.Raw)).Scan(&inserted)
			if err != nil {
				return err
			}
			if inserted {
				added++
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
	const op = "pgstore: funding"
	rows, err := db.pool.Query(ctx, `SELECT account_id, refid, kind, asset, method, network, amount, fee, time,
		status, txid, info, raw FROM funding WHERE account_id = $1 ORDER BY time NULLS FIRST, refid`, accountID)
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
	const op = "pgstore: put balances"
	if at.IsZero() {
		return wrap(op, invalid("a balance snapshot needs a time"))
	}
	seen := make(map[string]bool, len(balances))
	assets, amounts := make([]string, 0, len(balances)), make([]string, 0, len(balances))
	for _, b := range balances {
		if b.Asset == "" {
			return wrap(op, invalid("a balance has no asset"))
		}
		if seen[b.Asset] {
			return wrap(op, invalid("asset %s appears twice in one snapshot", b.Asset))
		}
		seen[b.Asset] = true
		assets, amounts = append(assets, b.Asset), append(amounts, b.Amount.String())
	}
	return db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM balance_snapshots WHERE account_id = $1 AND time = $2`,
			accountID, at.UnixNano()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `WITH s AS (INSERT INTO balance_snapshots (account_id, time) VALUES ($1, $2) RETURNING id)
			INSERT INTO balances (snapshot_id, asset, amount) SELECT s.id, b.asset, b.amount
			FROM s, unnest($3::text[], $4::text[]) AS b (asset, amount)`,
			accountID, at.UnixNano(), assets, amounts)
		return err
	})
}

// LatestBalances implements cointally.BalanceStore.
func (db *DB) LatestBalances(ctx context.Context, accountID int64) ([]cointally.BalanceSnapshot, error) {
	const op = "pgstore: latest balances"
	var list []cointally.BalanceSnapshot
	err := db.read(ctx, func(rtx pgx.Tx) error {
		var id, tns int64
		err := rtx.QueryRow(ctx, `SELECT id, time FROM balance_snapshots WHERE account_id = $1
			ORDER BY time DESC LIMIT 1`, accountID).Scan(&id, &tns)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("account %d has no balance snapshot", accountID)
		}
		if err != nil {
			return err
		}
		list, err = snapshotBalances(ctx, rtx, accountID, id, time.Unix(0, tns).UTC())
		return err
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}

func snapshotBalances(ctx context.Context, q pgx.Tx, accountID, id int64, at time.Time) ([]cointally.BalanceSnapshot, error) {
	rows, err := q.Query(ctx, `SELECT asset, amount FROM balances WHERE snapshot_id = $1 ORDER BY asset`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	list := []cointally.BalanceSnapshot{}
	for rows.Next() {
		b := cointally.BalanceSnapshot{AccountID: accountID, Time: at}
		var amount string
		if err := rows.Scan(&b.Asset, &amount); err != nil {
			return nil, err
		}
		if err := b.Amount.Scan(amount); err != nil {
			return nil, err
		}
		list = append(list, b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Asset < list[j].Asset })
	return list, nil
}

// BalanceHistory calls fn for each of the account's balance snapshots,
// oldest first. (For copying a store: the interface reads only the latest.)
func (db *DB) BalanceHistory(ctx context.Context, accountID int64, fn func(at time.Time, balances []cointally.BalanceSnapshot) error) error {
	const op = "pgstore: balance history"
	type snap struct {
		id int64
		at time.Time
	}
	var snaps []snap
	var sets [][]cointally.BalanceSnapshot
	err := db.read(ctx, func(rtx pgx.Tx) error {
		rows, err := rtx.Query(ctx, `SELECT id, time FROM balance_snapshots WHERE account_id = $1 ORDER BY time`, accountID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				s   snap
				tns int64
			)
			if err := rows.Scan(&s.id, &tns); err != nil {
				rows.Close()
				return err
			}
			s.at = time.Unix(0, tns).UTC()
			snaps = append(snaps, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, s := range snaps {
			list, err := snapshotBalances(ctx, rtx, accountID, s.id, s.at)
			if err != nil {
				return err
			}
			sets = append(sets, list)
		}
		return nil
	})
	if err != nil {
		return wrap(op, err)
	}
	for i, s := range snaps {
		if err := fn(s.at, sets[i]); err != nil {
			return err
		}
	}
	return nil
}
