package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// chainFields is what a balance chain reads of an entry, packed as one
// column (see packedEntry): no raw record, which is most of a row.
const chainFields = `concat_ws('` + sep + `', id, time, asset, wallet, amount, fee, ifnull(balance, ''))`

// ChainEntries streams the fields of an account's entries that the
// reconciliation reads (ID, Time, Asset, Wallet, Amount, Fee, Balance,
// HasBalance). Each asset's entries come in ascending (time, ID) order;
// different assets may interleave. The assets are split between two
// reader connections that run in parallel, so a million entries take
// about half the time of one stream; fn is called from one goroutine at a
// time. An error from fn is returned unchanged and stops the readers.
func (db *DB) ChainEntries(ctx context.Context, accountID int64, fn func(*cointally.Entry) error) error {
	const op = "sqlstore: chain entries"
	rows, err := db.r.QueryContext(ctx, `SELECT asset, count(*) FROM ledger_entries WHERE account_id = ? GROUP BY asset`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	type assetCount struct {
		asset string
		n     int
	}
	var assets []assetCount
	for rows.Next() {
		var ac assetCount
		if err := rows.Scan(&ac.asset, &ac.n); err != nil {
			rows.Close()
			return wrap(op, err)
		}
		assets = append(assets, ac)
	}
	if err := rows.Close(); err != nil {
		return wrap(op, err)
	}
	// Two groups of about equal size, biggest assets first.
	var groups [2][]string
	var sizes [2]int
	for len(assets) > 0 {
		big := 0
		for i := range assets {
			if assets[i].n > assets[big].n {
				big = i
			}
		}
		g := 0
		if sizes[1] < sizes[0] {
			g = 1
		}
		groups[g] = append(groups[g], assets[big].asset)
		sizes[g] += assets[big].n
		assets = append(assets[:big], assets[big+1:]...)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type batch struct {
		entries []*cointally.Entry
		err     error
	}
	out := make(chan batch, 8)
	running := 0
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		running++
		go func(assets []string) {
			out <- batch{err: db.readChains(ctx, accountID, assets, func(b []*cointally.Entry) bool {
				select {
				case out <- batch{entries: b}:
					return true
				case <-ctx.Done():
					return false
				}
			})}
		}(g)
	}
	var firstErr error
	for running > 0 {
		b := <-out
		if b.entries == nil {
			running--
			if b.err != nil && firstErr == nil {
				firstErr = wrap(op, b.err)
				cancel()
			}
			continue
		}
		if firstErr != nil {
			continue
		}
		for _, e := range b.entries {
			if err := fn(e); err != nil {
				firstErr = err
				cancel()
				break
			}
		}
	}
	return firstErr
}

// readChains reads the chain fields of some assets of an account in
// (asset, time, id) order, along the asset index, and hands them over in
// batches; send reports false when the reader should stop.
func (db *DB) readChains(ctx context.Context, accountID int64, assets []string, send func([]*cointally.Entry) bool) error {
	args := []any{accountID}
	for _, a := range assets {
		args = append(args, a)
	}
	q := `SELECT ` + chainFields + ` FROM ledger_entries WHERE account_id = ? AND asset IN (?` +
		strings.Repeat(",?", len(assets)-1) + `) ORDER BY asset, time, id`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	const batchSize = 512
	b := make([]*cointally.Entry, 0, batchSize)
	var packed string
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return err
		}
		e, err := parseChainEntry(accountID, packed)
		if err != nil {
			return err
		}
		if b = append(b, e); len(b) == batchSize {
			if !send(b) {
				return ctx.Err()
			}
			b = make([]*cointally.Entry, 0, batchSize)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(b) > 0 && !send(b) {
		return ctx.Err()
	}
	return nil
}

func parseChainEntry(accountID int64, packed string) (*cointally.Entry, error) {
	var f [7]string
	rest := packed
	for i := range len(f) - 1 {
		var ok bool
		if f[i], rest, ok = strings.Cut(rest, sep); !ok {
			return nil, fmt.Errorf("malformed ledger row %.40q", packed)
		}
	}
	f[len(f)-1] = rest
	tns, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("ledger entry %s: time: %w", f[0], err)
	}
	e := &cointally.Entry{AccountID: accountID, ID: f[0], Time: time.Unix(0, tns).UTC(), Asset: f[2], Wallet: f[3]}
	if e.Amount, err = money.Parse(f[4]); err != nil {
		return nil, fmt.Errorf("ledger entry %s: amount: %w", e.ID, err)
	}
	if e.Fee, err = money.Parse(f[5]); err != nil {
		return nil, fmt.Errorf("ledger entry %s: fee: %w", e.ID, err)
	}
	if f[6] != "" {
		if e.Balance, err = money.Parse(f[6]); err != nil {
			return nil, fmt.Errorf("ledger entry %s: balance: %w", e.ID, err)
		}
		e.HasBalance = true
	}
	return e, nil
}
