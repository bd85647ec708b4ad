package pgstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/jackc/pgx/v5/pgconn"
)

// PutPrices implements cointally.PriceStore. Points go in chunks of array
// parameters; a point repeated in one chunk is upserted one at a time
// (one multi-row ON CONFLICT DO UPDATE may not touch a row twice).
func (db *DB) PutPrices(ctx context.Context, points []cointally.PricePoint) (int, error) {
	const op = "pgstore: put prices"
	for i := range points {
		if err := points[i].Check(); err != nil {
			return 0, wrap(op, err)
		}
	}
	const chunk = 5000
	added := 0
	err := db.update(ctx, op, func(tx *tx) error {
		added = 0
		for start := 0; start < len(points); start += chunk {
			part := points[start:min(start+chunk, len(points))]
			n, err := tx.putPrices(ctx, part)
			if err != nil {
				return err
			}
			added += n
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

const upsertPricesSQL = `INSERT INTO prices (base, quote, time, source, price, missing)
	SELECT * FROM unnest($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::bool[])
	ON CONFLICT (base, quote, time, source) DO UPDATE SET price = excluded.price, missing = excluded.missing
	RETURNING xmax = 0`

func (tx *tx) putPrices(ctx context.Context, part []cointally.PricePoint) (int, error) {
	type key struct {
		base, quote, source string
		at                  int64
	}
	seen := make(map[key]bool, len(part))
	unique := true
	n := len(part)
	bases, quotes, sources, prices := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	times, missing := make([]int64, n), make([]bool, n)
	for i := range part {
		p := &part[i]
		k := key{p.Base, p.Quote, p.Source, p.Time.UnixNano()}
		if seen[k] {
			unique = false
		}
		seen[k] = true
		price := p.Price.String()
		if p.Missing {
			price = "0"
		}
		bases[i], quotes[i], times[i], sources[i], prices[i], missing[i] = p.Base, p.Quote, k.at, p.Source, price, p.Missing
	}
	count := func(rows interface {
		Next() bool
		Scan(...any) error
		Err() error
		Close()
	}) (int, error) {
		defer rows.Close()
		added := 0
		for rows.Next() {
			var inserted bool
			if err := rows.Scan(&inserted); err != nil {
				return 0, err
			}
			if inserted {
				added++
			}
		}
		return added, rows.Err()
	}
	if unique {
		rows, err := tx.Query(ctx, upsertPricesSQL, bases, quotes, times, sources, prices, missing)
		if err != nil {
			return 0, err
		}
		return count(rows)
	}
	added := 0
	for i := range part {
		rows, err := tx.Query(ctx, upsertPricesSQL, bases[i:i+1], quotes[i:i+1], times[i:i+1], sources[i:i+1],
			prices[i:i+1], missing[i:i+1])
		if err != nil {
			return 0, err
		}
		n, err := count(rows)
		if err != nil {
			return 0, err
		}
		added += n
	}
	return added, nil
}

// Prices implements cointally.PriceStore.
func (db *DB) Prices(ctx context.Context, f cointally.PriceFilter, fn func(*cointally.PricePoint) error) error {
	const op = "pgstore: prices"
	var (
		conds []string
		args  []any
	)
	add := func(c string, v any) {
		args = append(args, v)
		conds = append(conds, strings.ReplaceAll(c, "?", "$"+strconv.Itoa(len(args))))
	}
	if len(f.Sources) > 0 {
		add("source = ANY(?::text[])", f.Sources)
	}
	if f.Base != "" {
		add("base = ?", f.Base)
	}
	if f.Quote != "" {
		add("quote = ?", f.Quote)
	}
	if !f.From.IsZero() {
		add("time >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("time < ?", f.To.UnixNano())
	}
	q := `SELECT base, quote, time, source, price, missing FROM prices`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	q += " ORDER BY base, quote, time, source"
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var (
		base, quote, source, price string
		at                         int64
		missing                    bool
		lastBase, lastQuote        string
		lastSource                 string
	)
	// Consecutive rows mostly share base, quote and source: reuse the
	// strings instead of keeping a copy per point.
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
	const op = "pgstore: delete prices"
	var n int64
	err := db.update(ctx, op, func(tx *tx) error {
		var (
			tag pgconn.CommandTag
			err error
		)
		if source == "" {
			tag, err = tx.Exec(ctx, `DELETE FROM prices`)
		} else {
			tag, err = tx.Exec(ctx, `DELETE FROM prices WHERE source = $1`, source)
		}
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
