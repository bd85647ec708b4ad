package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

// PutTrades implements cointally.TradeStore.
func (db *DB) PutTrades(ctx context.Context, accountID int64, trades []cointally.Trade, cp *cointally.Checkpoint) (int, error) {
	const op = "sqlstore: put trades"
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return 0, wrap(op, err)
		}
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO trades (account_id, id, order_id, pair, time, side, order_type,
			price, volume, cost, fee, ledger_ids, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i := range trades {
			t := &trades[i]
			switch {
			case t.ID == "":
				return invalid("a trade has no ID")
			case t.AccountID != 0 && t.AccountID != accountID:
				return invalid("trade %s belongs to account %d, not %d", t.ID, t.AccountID, accountID)
			case t.Time.IsZero():
				return invalid("trade %s has no time", t.ID)
			}
			ids := t.LedgerIDs
			if ids == nil {
				ids = []string{}
			}
			lids, err := json.Marshal(ids)
			if err != nil {
				return err
			}
			r, err := ins.ExecContext(ctx, accountID, t.ID, t.OrderID, t.Pair, t.Time.UnixNano(), t.Side, t.OrderType,
				t.Price.String(), t.Volume.String(), t.Cost.String(), t.Fee.String(), string(lids), raw(t.Raw))
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			added += int(n)
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
	const op = "sqlstore: trades"
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, id, order_id, pair, time, side, order_type, price, volume,
		cost, fee, ledger_ids, raw FROM trades WHERE account_id = ? ORDER BY time, id`, accountID)
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
	const op = "sqlstore: put orders"
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return 0, wrap(op, err)
		}
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		var err error
		added, err = tx.putOrders(ctx, accountID, orders)
		if err != nil {
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

func (tx *tx) putOrders(ctx context.Context, accountID int64, orders []cointally.Order) (int, error) {
	if err := tx.accountExists(ctx, accountID); err != nil {
		return 0, err
	}
	// A closed order is final: the update applies unless the stored order is
	// closed and the offered one is open or pending.
	ups, err := tx.PrepareContext(ctx, `INSERT INTO orders (account_id, id, status, pair, side, order_type, opened,
		closed, volume, vol_exec, cost, fee, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, id) DO UPDATE SET status = excluded.status, pair = excluded.pair,
			side = excluded.side, order_type = excluded.order_type, opened = excluded.opened,
			closed = excluded.closed, volume = excluded.volume, vol_exec = excluded.vol_exec,
			cost = excluded.cost, fee = excluded.fee, raw = excluded.raw
		WHERE orders.status IN ('open', 'pending') OR excluded.status NOT IN ('open', 'pending')`)
	if err != nil {
		return 0, err
	}
	defer ups.Close()
	exists, err := tx.PrepareContext(ctx, `SELECT count(*) FROM orders WHERE account_id = ? AND id = ?`)
	if err != nil {
		return 0, err
	}
	defer exists.Close()
	added := 0
	for i := range orders {
		o := &orders[i]
		switch {
		case o.ID == "":
			return 0, invalid("an order has no ID")
		case o.AccountID != 0 && o.AccountID != accountID:
			return 0, invalid("order %s belongs to account %d, not %d", o.ID, o.AccountID, accountID)
		case o.Status == "":
			return 0, invalid("order %s has no status", o.ID)
		}
		var n int
		if err := exists.QueryRowContext(ctx, accountID, o.ID).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			added++
		}
		if _, err := ups.ExecContext(ctx, accountID, o.ID, o.Status, o.Pair, o.Side, o.OrderType, sqlrow.TS(o.Opened),
			sqlrow.TS(o.Closed), o.Volume.String(), o.VolExec.String(), o.Cost.String(), o.Fee.String(), raw(o.Raw)); err != nil {
			return 0, err
		}
	}
	return added, nil
}

// ReplaceOpenOrders implements cointally.TradeStore.
func (db *DB) ReplaceOpenOrders(ctx context.Context, accountID int64, open []cointally.Order) error {
	return db.update(ctx, "sqlstore: replace open orders", func(tx *tx) error {
		keep := make(map[string]bool, len(open))
		for _, o := range open {
			keep[o.ID] = true
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM orders WHERE account_id = ? AND status IN ('open', 'pending')`, accountID)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range gone {
			if _, err := tx.ExecContext(ctx, `DELETE FROM orders WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
				return err
			}
		}
		_, err = tx.putOrders(ctx, accountID, open)
		return err
	})
}

// Orders implements cointally.TradeStore.
func (db *DB) Orders(ctx context.Context, accountID int64, fn func(*cointally.Order) error) error {
	const op = "sqlstore: orders"
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, id, status, pair, side, order_type, opened, closed,
		volume, vol_exec, cost, fee, raw FROM orders WHERE account_id = ? ORDER BY opened, id`, accountID)
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
