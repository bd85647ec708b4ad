package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
)

// chainFields is what a balance chain reads of an entry, packed as one
// column (see packedEntry): no raw record, which is most of a row.
const chainFields = `concat_ws('` + sep + `', id, time, asset, wallet, amount, fee, ifnull(balance, ''))`

// ChainEntries streams the fields of an account's entries that the
// reconciliation reads (ID, Time, Asset, Wallet, Amount, Fee, Balance,
// HasBalance), in ascending (time, ID) order per asset. The assets are
// split between two reader connections that run in parallel, each handing
// its entries to a sink of its own (from newSink, called once per reader
// before any entry is read), so a million entries take about half the time
// of one stream and the sinks' work runs in parallel too. Each asset's
// entries all go to one sink; one sink is never called concurrently. The
// first error from a sink stops the readers and is returned unchanged.
func (db *DB) ChainEntries(ctx context.Context, accountID int64, newSink func() func(*cointally.Entry) error) error {
	const op = "sqlstore: chain entries"
	rows, err := db.r.QueryContext(ctx, `SELECT asset, count(*) FROM ledger_entries WHERE account_id = ? GROUP BY asset`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var asset string
		var n int
		if err := rows.Scan(&asset, &n); err != nil {
			rows.Close()
			return wrap(op, err)
		}
		counts[asset] = n
	}
	if err := rows.Close(); err != nil {
		return wrap(op, err)
	}
	groups := cointally.AssetGroups(counts, 2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, g := range groups {
		sink := newSink()
		wg.Go(func() {
			if err := db.readChains(ctx, accountID, g, sink); err != nil {
				// The first error wins; the others' are the cancellation.
				once.Do(func() { firstErr = err; cancel() })
			}
		})
	}
	wg.Wait()
	return firstErr
}

// readChains reads the chain fields of some assets of an account in
// (asset, time, id) order, along the chain index (which covers them, so
// the table's rows are never read), and hands each entry to sink.
func (db *DB) readChains(ctx context.Context, accountID int64, assets []string, sink func(*cointally.Entry) error) error {
	args := []any{accountID}
	for _, a := range assets {
		args = append(args, a)
	}
	q := `SELECT ` + chainFields + ` FROM ledger_entries WHERE account_id = ? AND asset IN (?` +
		strings.Repeat(",?", len(assets)-1) + `) ORDER BY asset, time, id`
	const op = "sqlstore: chain entries"
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var packed string
	for rows.Next() {
		if err := rows.Scan(&packed); err != nil {
			return wrap(op, err)
		}
		e, err := parseChainEntry(accountID, packed)
		if err != nil {
			return wrap(op, err)
		}
		if err := sink(e); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
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
