package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

var _ cointally.PriceStore = (*DB)(nil)

// PutPrices implements cointally.PriceStore.
func (db *DB) PutPrices(ctx context.Context, points []cointally.PricePoint) (int, error) {
	const op = "sqlstore: put prices"
	for i := range points {
		if err := points[i].Check(); err != nil {
			return 0, wrap(op, err)
		}
	}
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO prices (base, quote, time, source, price, missing) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		upd, err := tx.PrepareContext(ctx, `UPDATE prices SET price = ?, missing = ? WHERE base = ? AND quote = ? AND time = ? AND source = ?`)
		if err != nil {
			return err
		}
		defer upd.Close()
		for i := range points {
			p := &points[i]
			price := p.Price.String()
			if p.Missing {
				price = "0"
			}
			res, err := ins.ExecContext(ctx, p.Base, p.Quote, p.Time.UnixNano(), p.Source, price, p.Missing)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				added++
				continue
			}
			if _, err := upd.ExecContext(ctx, price, p.Missing, p.Base, p.Quote, p.Time.UnixNano(), p.Source); err != nil {
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

// Prices implements cointally.PriceStore.
func (db *DB) Prices(ctx context.Context, f cointally.PriceFilter, fn func(*cointally.PricePoint) error) error {
	const op = "sqlstore: prices"
	var (
		conds []string
		args  []any
	)
	if len(f.Sources) > 0 {
		conds = append(conds, "source IN (?"+strings.Repeat(", ?", len(f.Sources)-1)+")")
		for _, s := range f.Sources {
			args = append(args, s)
		}
	}
	if f.Base != "" {
		conds, args = append(conds, "base = ?"), append(args, f.Base)
	}
	if f.Quote != "" {
		conds, args = append(conds, "quote = ?"), append(args, f.Quote)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "time >= ?"), append(args, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "time < ?"), append(args, f.To.UnixNano())
	}
	q := `SELECT base, quote, time, source, price, missing FROM prices`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY base, quote, time, source"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var (
		base, quote, source, price string
		at                         int64
		missing                    bool
	)
	// Consecutive rows mostly share base, quote and source: reuse the
	// strings instead of allocating them per row.
	var lastBase, lastQuote, lastSource string
	intern := func(s string, last *string) string {
		if s == *last {
			return *last
		}
		*last = s
		return s
	}
	for rows.Next() {
		if err := rows.Scan(&base, &quote, &at, &source, &price, &missing); err != nil {
			return wrap(op, err)
		}
		amt, err := money.Parse(price)
		if err != nil {
			return wrap(op, err)
		}
		p := &cointally.PricePoint{Base: intern(base, &lastBase), Quote: intern(quote, &lastQuote),
			Time: time.Unix(0, at).UTC(), Price: amt, Source: intern(source, &lastSource), Missing: missing}
		if err := fn(p); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// DeletePrices implements cointally.PriceStore.
func (db *DB) DeletePrices(ctx context.Context, source string) (int, error) {
	const op = "sqlstore: delete prices"
	var n int64
	err := db.update(ctx, op, func(tx *tx) error {
		var (
			res sql.Result
			err error
		)
		if source == "" {
			res, err = tx.ExecContext(ctx, `DELETE FROM prices`)
		} else {
			res, err = tx.ExecContext(ctx, `DELETE FROM prices WHERE source = ?`, source)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
