package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// PutEntries sends entries in chunks of up to entryChunk as 14 array
// parameters (plus the account) of one statement: INSERT ... SELECT FROM
// unnest(...) ON CONFLICT DO NOTHING, which also bumps the account's ledger
// version when it inserted anything and returns how many rows it inserted.
// A fresh import meets no stored IDs, so that is the whole cost: one round
// trip per chunk, no statement text per row, and PostgreSQL's bulk insert
// path. When a chunk inserts fewer rows than it holds, some IDs were stored
// already (or repeat within the batch), and only that chunk takes the slow
// path (mergeChunk): read the stored rows, compare, and replace those whose
// offered source ranks higher. Measured in bench_test.go.
const (
	entryChunk = 2000
	insertSQL  = `WITH ins AS (
		INSERT INTO ledger_entries (account_id, id, refid, time, type, subtype, aclass, asset, wallet, amount, fee,
			balance, source, unknown, raw)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bool[], $15::bytea[])
		ON CONFLICT (account_id, id) DO NOTHING
		RETURNING 1
	), bump AS (
		UPDATE accounts SET ledger_version = ledger_version + 1 WHERE id = $1 AND EXISTS (SELECT 1 FROM ins)
	)
	SELECT count(*) FROM ins`
	storedEntrySQL = `SELECT id, refid, time, type, subtype, aclass, asset, wallet, amount, fee, balance, source, unknown
		FROM ledger_entries WHERE account_id = $1 AND id = ANY($2::text[])`
	replaceEntrySQL = `UPDATE ledger_entries SET refid = $1, time = $2, type = $3, subtype = $4, aclass = $5, asset = $6,
		wallet = CASE WHEN $7 = '' THEN wallet ELSE $7 END,
		amount = $8, fee = $9, balance = $10, source = $11, unknown = $12, raw = $13
		WHERE account_id = $14 AND id = $15`
	entryColumns = `account_id, id, refid, time, type, subtype, aclass, asset, wallet, amount, fee, balance, source, unknown, raw`
)

func balanceValue(e *cointally.Entry) *string {
	if !e.HasBalance {
		return nil
	}
	s := e.Balance.String()
	return &s
}

// entryArrays is a chunk of entries as the column arrays of insertSQL.
type entryArrays struct {
	id, refid, typ, subtype, aclass, asset, wallet, amount, fee, source []string
	time                                                                []int64
	balance                                                             []*string
	unknown                                                             []bool
	raw                                                                 [][]byte
}

func newEntryArrays(chunk []cointally.Entry) *entryArrays {
	n := len(chunk)
	a := &entryArrays{
		id: make([]string, n), refid: make([]string, n), typ: make([]string, n), subtype: make([]string, n),
		aclass: make([]string, n), asset: make([]string, n), wallet: make([]string, n), amount: make([]string, n),
		fee: make([]string, n), source: make([]string, n), time: make([]int64, n), balance: make([]*string, n),
		unknown: make([]bool, n), raw: make([][]byte, n),
	}
	for i := range chunk {
		e := &chunk[i]
		a.id[i], a.refid[i], a.typ[i], a.subtype[i], a.aclass[i] = e.ID, e.RefID, e.Type, e.Subtype, e.Aclass
		a.asset[i], a.wallet[i], a.amount[i], a.fee[i], a.source[i] = e.Asset, e.Wallet, e.Amount.String(), e.Fee.String(), e.Source
		a.time[i], a.balance[i], a.unknown[i], a.raw[i] = e.Time.UnixNano(), balanceValue(e), e.Unknown, raw(e.Raw)
	}
	return a
}

// PutEntries implements cointally.LedgerStore.
func (db *DB) PutEntries(ctx context.Context, accountID int64, entries []cointally.Entry, cp *cointally.Checkpoint) (cointally.PutResult, error) {
	const op = "pgstore: put entries"
	var res cointally.PutResult
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return res, wrap(op, err)
		}
	}
	var chunks []*entryArrays
	for start := 0; start < len(entries); start += entryChunk {
		chunks = append(chunks, newEntryArrays(entries[start:min(start+entryChunk, len(entries))]))
	}
	err := db.update(ctx, op, func(tx *tx) error {
		res = cointally.PutResult{}
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		// Checked before anything is sent (after the account, whose
		// absence comes first): a bad entry stores nothing.
		for i := range entries {
			if err := entries[i].CheckFor(accountID); err != nil {
				return err
			}
		}
		for ci, a := range chunks {
			var n int
			if err := tx.QueryRow(ctx, insertSQL, accountID, a.id, a.refid, a.time, a.typ, a.subtype, a.aclass, a.asset,
				a.wallet, a.amount, a.fee, a.balance, a.source, a.unknown, a.raw).Scan(&n); err != nil {
				return err
			}
			res.Added += n
			if n == len(a.id) {
				continue
			}
			start := ci * entryChunk
			if err := tx.mergeChunk(ctx, accountID, entries[start:start+len(a.id)], a.id, &res); err != nil {
				return err
			}
		}
		if cp != nil {
			return tx.putCheckpoint(ctx, accountID, cp)
		}
		return nil
	})
	if err != nil {
		return cointally.PutResult{}, err
	}
	return res, nil
}

// mergeChunk handles a chunk in which some entries' IDs were stored already:
// by another source, by an earlier entry of the batch, or by the entry
// itself just now (then the two read back the same and nothing happens).
// The stored rows of the chunk are read in one query.
func (tx *tx) mergeChunk(ctx context.Context, accountID int64, chunk []cointally.Entry, ids []string, res *cointally.PutResult) error {
	rows, err := tx.Query(ctx, storedEntrySQL, accountID, ids)
	if err != nil {
		return err
	}
	stored := make(map[string]*cointally.Entry, len(chunk))
	for rows.Next() {
		old := &cointally.Entry{AccountID: accountID}
		var (
			tns               int64
			amount, fee       string
			bal               *string
			errAmt, errFee, e error
		)
		if err := rows.Scan(&old.ID, &old.RefID, &tns, &old.Type, &old.Subtype, &old.Aclass, &old.Asset, &old.Wallet,
			&amount, &fee, &bal, &old.Source, &old.Unknown); err != nil {
			rows.Close()
			return err
		}
		old.Time = time.Unix(0, tns).UTC()
		old.Amount, errAmt = money.Parse(amount)
		old.Fee, errFee = money.Parse(fee)
		if bal != nil {
			old.Balance, e = money.Parse(*bal)
			old.HasBalance = true
		}
		if err := errors.Join(errAmt, errFee, e); err != nil {
			rows.Close()
			return fmt.Errorf("ledger entry %s: %w", old.ID, err)
		}
		stored[old.ID] = old
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	replaced := 0
	for i := range chunk {
		e := &chunk[i]
		old, ok := stored[e.ID]
		if !ok {
			return fmt.Errorf("entry %s was neither inserted nor found", e.ID)
		}
		fields := old.DiffFields(e)
		replace := cointally.SourceRank(e.Source) > cointally.SourceRank(old.Source)
		if replace {
			if _, err := tx.Exec(ctx, replaceEntrySQL, e.RefID, e.Time.UnixNano(), e.Type, e.Subtype, e.Aclass,
				e.Asset, e.Wallet, e.Amount.String(), e.Fee.String(), balanceValue(e), e.Source, e.Unknown,
				raw(e.Raw), accountID, e.ID); err != nil {
				return err
			}
			replaced++
			now := *e
			now.AccountID, now.Raw = accountID, nil
			if now.Wallet == "" {
				now.Wallet = old.Wallet
			}
			stored[e.ID] = &now // what a later entry with this ID meets
		}
		if len(fields) > 0 {
			res.Diffs = append(res.Diffs, cointally.EntryDiff{ID: e.ID, Fields: fields, Stored: *old, Offered: *e, Replaced: replace})
		}
	}
	if replaced > 0 {
		res.Replaced += replaced
		if _, err := tx.Exec(ctx, `UPDATE accounts SET ledger_version = ledger_version + 1 WHERE id = $1`, accountID); err != nil {
			return err
		}
	}
	return nil
}

// LedgerVersion implements cointally.LedgerStore. The version is a counter
// on the account row, raised in the transaction that adds or replaces
// entries.
func (db *DB) LedgerVersion(ctx context.Context, accountID int64) (int64, error) {
	const op = "pgstore: ledger version"
	var v int64
	err := db.pool.QueryRow(ctx, `SELECT ledger_version FROM accounts WHERE id = $1`, accountID).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, wrap(op, notFound("no account %d", accountID))
	}
	if err != nil {
		return 0, wrap(op, err)
	}
	return v, nil
}

// scanEntries runs query, whose columns are entryColumns, and calls fn for
// each entry. An error from fn is returned unchanged; others are wrapped
// with op.
func scanEntries(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, op string, fn func(*cointally.Entry) error, query string, args ...any) error {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var (
		tns         int64
		amount, fee string
		bal         *string
	)
	for rows.Next() {
		e := &cointally.Entry{}
		if err := rows.Scan(&e.AccountID, &e.ID, &e.RefID, &tns, &e.Type, &e.Subtype, &e.Aclass, &e.Asset, &e.Wallet,
			&amount, &fee, &bal, &e.Source, &e.Unknown, &e.Raw); err != nil {
			return wrap(op, err)
		}
		e.Time = time.Unix(0, tns).UTC()
		var err1, err2, err3 error
		e.Amount, err1 = money.Parse(amount)
		e.Fee, err2 = money.Parse(fee)
		if bal != nil {
			e.Balance, err3 = money.Parse(*bal)
			e.HasBalance = true
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			return wrap(op, fmt.Errorf("ledger entry %s: %w", e.ID, err))
		}
		if err := fn(e); err != nil {
			return err // the caller's own error, unchanged
		}
	}
	return wrap(op, rows.Err())
}

// Entries implements cointally.LedgerStore.
func (db *DB) Entries(ctx context.Context, accountID int64, fn func(*cointally.Entry) error) error {
	return scanEntries(ctx, db.pool, "pgstore: entries", fn,
		`SELECT `+entryColumns+` FROM ledger_entries WHERE account_id = $1 ORDER BY time, id`, accountID)
}

// UserEntries implements cointally.LedgerStore.
func (db *DB) UserEntries(ctx context.Context, userID int64, fn func(*cointally.Entry) error) error {
	return scanEntries(ctx, db.pool, "pgstore: user entries", fn,
		`SELECT `+entryColumns+` FROM ledger_entries WHERE account_id IN (SELECT id FROM accounts WHERE user_id = $1)
		ORDER BY time, id, account_id`, userID)
}

// NewestEntry implements cointally.LedgerStore.
func (db *DB) NewestEntry(ctx context.Context, accountID int64) (*cointally.Entry, error) {
	const op = "pgstore: newest entry"
	var found *cointally.Entry
	err := scanEntries(ctx, db.pool, op, func(e *cointally.Entry) error { found = e; return nil },
		`SELECT `+entryColumns+` FROM ledger_entries WHERE account_id = $1 ORDER BY time DESC, id DESC LIMIT 1`, accountID)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, wrap(op, notFound("account %d has no ledger entries", accountID))
	}
	return found, nil
}

// EntryCount implements cointally.LedgerStore.
func (db *DB) EntryCount(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE account_id = $1`, accountID).Scan(&n); err != nil {
		return 0, wrap("pgstore: entry count", err)
	}
	return n, nil
}

// FindEntries implements cointally.LedgerStore.
func (db *DB) FindEntries(ctx context.Context, f cointally.EntryFilter) ([]*cointally.Entry, int, error) {
	const op = "pgstore: find entries"
	switch {
	case f.UserID == 0:
		return nil, 0, wrap(op, invalid("an entry search needs a user"))
	case f.Limit < 0 || f.Offset < 0:
		return nil, 0, wrap(op, invalid("limit and offset cannot be negative"))
	}
	args := []any{f.UserID}
	cond := `account_id IN (SELECT id FROM accounts WHERE user_id = $1)`
	add := func(c string, v any) {
		args = append(args, v)
		cond += " AND " + strings.ReplaceAll(c, "?", "$"+strconv.Itoa(len(args)))
	}
	if f.AccountID != 0 {
		add(`account_id = ?`, f.AccountID)
	}
	if f.Asset != "" {
		add(`asset = ?`, f.Asset)
	}
	if f.Type != "" {
		add(`type = ?`, f.Type)
	}
	if f.ID != "" {
		add(`id = ?`, f.ID)
	}
	if f.RefID != "" {
		add(`refid = ?`, f.RefID)
	}
	if !f.From.IsZero() {
		add(`time >= ?`, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add(`time < ?`, f.To.UnixNano())
	}
	dir := ""
	if f.Descending {
		dir = " DESC"
	}
	query := fmt.Sprintf(`SELECT %s FROM ledger_entries WHERE %s ORDER BY time%s, id%s, account_id%s OFFSET %d`,
		entryColumns, cond, dir, dir, dir, f.Offset)
	if f.Limit > 0 {
		query += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	list := []*cointally.Entry{}
	var total int
	// One snapshot, so the count and the page agree.
	err := db.read(ctx, func(rtx pgx.Tx) error {
		if err := rtx.QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE `+cond, args...).Scan(&total); err != nil {
			return wrap(op, err)
		}
		return scanEntries(ctx, rtx, op, func(e *cointally.Entry) error {
			list = append(list, e)
			return nil
		}, query, args...)
	})
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	return list, total, nil
}

// ChainEntries implements ingest.ChainEntries: the fields of an account's
// entries that the reconciliation reads, without the raw record, in (time,
// ID) order per asset along the asset index. The assets are split between
// two connections read in parallel, each feeding a sink of its own (from
// newSink, called before any entry is read); decoding the rows is most of
// the work, so two readers take about half the time of one.
func (db *DB) ChainEntries(ctx context.Context, accountID int64, newSink func() func(*cointally.Entry) error) error {
	const op = "pgstore: chain entries"
	counts := map[string]int{}
	rows, err := db.pool.Query(ctx, `SELECT asset, count(*) FROM ledger_entries WHERE account_id = $1 GROUP BY asset`, accountID)
	if err != nil {
		return wrap(op, err)
	}
	for rows.Next() {
		var asset string
		var n int
		if err := rows.Scan(&asset, &n); err != nil {
			rows.Close()
			return wrap(op, err)
		}
		counts[asset] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrap(op, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, g := range cointally.AssetGroups(counts, 2) {
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
// (asset, time, id) order and hands each entry to sink.
func (db *DB) readChains(ctx context.Context, accountID int64, assets []string, sink func(*cointally.Entry) error) error {
	const op = "pgstore: chain entries"
	rows, err := db.pool.Query(ctx, `SELECT id, time, asset, wallet, amount, fee, balance FROM ledger_entries
		WHERE account_id = $1 AND asset = ANY($2) ORDER BY asset, time, id`, accountID, assets)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var (
		tns         int64
		amount, fee string
		bal         *string
	)
	for rows.Next() {
		e := &cointally.Entry{AccountID: accountID}
		if err := rows.Scan(&e.ID, &tns, &e.Asset, &e.Wallet, &amount, &fee, &bal); err != nil {
			return wrap(op, err)
		}
		e.Time = time.Unix(0, tns).UTC()
		var err1, err2, err3 error
		e.Amount, err1 = money.Parse(amount)
		e.Fee, err2 = money.Parse(fee)
		if bal != nil {
			e.Balance, err3 = money.Parse(*bal)
			e.HasBalance = true
		}
		if err := errors.Join(err1, err2, err3); err != nil {
			return wrap(op, fmt.Errorf("ledger entry %s: %w", e.ID, err))
		}
		if err := sink(e); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// Checkpoint implements cointally.LedgerStore.
func (db *DB) Checkpoint(ctx context.Context, accountID int64, stream string) (*cointally.Checkpoint, error) {
	const op = "pgstore: checkpoint"
	cp, err := sqlrow.Checkpoint(db.pool.QueryRow(ctx, `SELECT `+sqlrow.CheckpointColumns+`
		FROM checkpoints WHERE account_id = $1 AND stream = $2`, accountID, stream), accountID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("no %s checkpoint for account %d", stream, accountID))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return cp, nil
}

// Checkpoints returns all of the account's checkpoints ordered by stream;
// an empty slice if there are none. (For copying a store: the interface
// reads one stream at a time.)
func (db *DB) Checkpoints(ctx context.Context, accountID int64) ([]cointally.Checkpoint, error) {
	const op = "pgstore: checkpoints"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.CheckpointColumns+`
		FROM checkpoints WHERE account_id = $1 ORDER BY stream`, accountID)
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
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}

// PutCheckpoint implements cointally.LedgerStore.
func (db *DB) PutCheckpoint(ctx context.Context, cp *cointally.Checkpoint) error {
	const op = "pgstore: put checkpoint"
	if err := cp.CheckFor(cp.AccountID); err != nil {
		return wrap(op, err)
	}
	return db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, cp.AccountID); err != nil {
			return err
		}
		return tx.putCheckpoint(ctx, cp.AccountID, cp)
	})
}

func (tx *tx) putCheckpoint(ctx context.Context, accountID int64, cp *cointally.Checkpoint) error {
	_, err := tx.Exec(ctx, `INSERT INTO checkpoints (account_id, stream, walk_start, walk_end, next_offset,
		seen_count, done, state, updated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (account_id, stream) DO UPDATE SET walk_start = excluded.walk_start, walk_end = excluded.walk_end,
			next_offset = excluded.next_offset, seen_count = excluded.seen_count, done = excluded.done,
			state = excluded.state, updated = excluded.updated`,
		accountID, cp.Stream, cp.Start, cp.Window, cp.Offset, cp.Count, cp.Done, cp.State, tx.now.UnixNano())
	if pgCode(err) == pgForeignKeyViolation {
		return notFound("no account %d", accountID)
	}
	return err
}

// ClearCheckpoints implements cointally.LedgerStore.
func (db *DB) ClearCheckpoints(ctx context.Context, accountID int64) error {
	return db.update(ctx, "pgstore: clear checkpoints", func(tx *tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM checkpoints WHERE account_id = $1`, accountID)
		return err
	})
}
