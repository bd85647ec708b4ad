package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/sqlrow"
)

// Inserting is the fast path: a fresh import meets no stored IDs, so the
// entries go in chunks of up to entryChunk rows per execution of a prepared
// multi-row INSERT OR IGNORE, inside the batch's one transaction. SQLite then
// sets up its cursors once per chunk rather than once per row, and since
// nothing in the statement can abort (OR IGNORE, a deferred foreign key) it
// keeps no statement journal. When a chunk inserts fewer rows than it holds,
// some IDs were stored already (or repeat within the batch), and only that
// chunk takes the slow path (mergeChunk): read the stored rows, compare, and
// replace those whose offered source ranks higher. PutEntries validates every
// entry first, so OR IGNORE can only skip a row for its key.
const (
	entryChunk      = 200 // rows per INSERT; 15 parameters each, well under SQLite's 32766
	apiPage         = 50  // entries per page of Kraken's Ledgers call
	insertEntryCols = `INSERT OR IGNORE INTO ledger_entries (account_id, id, refid, time, type, subtype, aclass, asset,
		wallet, amount, fee, balance, source, unknown, raw) VALUES `
	insertEntryRow = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	storedEntrySQL = `SELECT id, refid, time, type, subtype, aclass, asset, wallet, amount, fee, balance, source, unknown
		FROM ledger_entries WHERE account_id = ?`
	replaceEntrySQL = `UPDATE ledger_entries SET refid = ?, time = ?, type = ?, subtype = ?, aclass = ?, asset = ?,
		wallet = CASE WHEN ? = '' THEN wallet ELSE ? END,
		amount = ?, fee = ?, balance = ?, source = ?, unknown = ?, raw = ?
		WHERE account_id = ? AND id = ?`
)

// accountExists returns NotFound unless the account exists.
func (tx *tx) accountExists(ctx context.Context, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("no account %d", id)
	}
	return err
}

func balanceValue(e *cointally.Entry) any {
	if !e.HasBalance {
		return nil
	}
	return e.Balance.String()
}

func raw(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// PutEntries implements cointally.LedgerStore.
func (db *DB) PutEntries(ctx context.Context, accountID int64, entries []cointally.Entry, cp *cointally.Checkpoint) (cointally.PutResult, error) {
	const op = "sqlstore: put entries"
	var res cointally.PutResult
	if cp != nil {
		if err := cp.CheckFor(accountID); err != nil {
			return res, wrap(op, err)
		}
	}
	err := db.update(ctx, op, func(tx *tx) error {
		res = cointally.PutResult{}
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		args := make([]any, 0, 15*min(len(entries), entryChunk))
		for start := 0; start < len(entries); start += entryChunk {
			chunk := entries[start:min(start+entryChunk, len(entries))]
			args = args[:0]
			for i := range chunk {
				e := &chunk[i]
				// Checked here, not before the transaction, so that a bad
				// entry late in a batch undoes the ones before it.
				if err := e.CheckFor(accountID); err != nil {
					return err
				}
				args = append(args, accountID, e.ID, e.RefID, e.Time.UnixNano(), e.Type, e.Subtype, e.Aclass,
					e.Asset, e.Wallet, e.Amount.String(), e.Fee.String(), balanceValue(e), e.Source, e.Unknown, raw(e.Raw))
			}
			ins, err := tx.insertEntriesStmt(ctx, len(chunk))
			if err != nil {
				return err
			}
			r, err := ins.ExecContext(ctx, args...)
			ins.Close()
			if err != nil {
				return err
			}
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			res.Added += int(n)
			if int(n) == len(chunk) {
				continue
			}
			if err := tx.mergeChunk(ctx, accountID, chunk, &res); err != nil {
				return err
			}
		}
		if res.Added > 0 || res.Replaced > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET ledger_version = ledger_version + 1 WHERE id = ?`, accountID); err != nil {
				return err
			}
		}
		if err := tx.hook("entries"); err != nil {
			return err
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

// insertEntriesStmt returns the INSERT statement for n entries, for use in
// tx; the caller closes it. The sizes that recur (full chunks and API pages)
// were prepared on the writer by Open, since parsing a 200-row INSERT costs
// more than running it for a page of 50; tx.StmtContext reuses them on the
// writer's connection. Other sizes are prepared in tx.
func (tx *tx) insertEntriesStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if stmt, ok := tx.db.insertStmts[n]; ok {
		return tx.StmtContext(ctx, stmt), nil
	}
	return tx.PrepareContext(ctx, insertEntriesSQL(n))
}

// prepareInserts prepares the recurring ledger INSERT sizes on the writer.
func (db *DB) prepareInserts(ctx context.Context) error {
	for _, n := range []int{entryChunk, apiPage} {
		stmt, err := db.w.PrepareContext(ctx, insertEntriesSQL(n))
		if err != nil {
			return err
		}
		db.insertStmts[n] = stmt
	}
	return nil
}

// insertEntriesSQL returns the INSERT statement for n entries.
func insertEntriesSQL(n int) string {
	var b strings.Builder
	b.Grow(len(insertEntryCols) + n*(len(insertEntryRow)+2))
	b.WriteString(insertEntryCols)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(insertEntryRow)
	}
	return b.String()
}

// mergeChunk handles a chunk in which some entries' IDs were stored already:
// by another source, by an earlier entry of the batch, or by the entry
// itself just now (then the two read back the same and nothing happens).
// The stored rows of the chunk are read in one query.
func (tx *tx) mergeChunk(ctx context.Context, accountID int64, chunk []cointally.Entry, res *cointally.PutResult) error {
	args := make([]any, 0, len(chunk)+1)
	args = append(args, accountID)
	for i := range chunk {
		args = append(args, chunk[i].ID)
	}
	rows, err := tx.QueryContext(ctx, storedEntrySQL+` AND id IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	stored := make(map[string]*cointally.Entry, len(chunk))
	for rows.Next() {
		old := &cointally.Entry{AccountID: accountID}
		var (
			tns int64
			bal nullAmount
		)
		if err := rows.Scan(&old.ID, &old.RefID, &tns, &old.Type, &old.Subtype, &old.Aclass, &old.Asset, &old.Wallet,
			&old.Amount, &old.Fee, &bal, &old.Source, &old.Unknown); err != nil {
			return err
		}
		old.Time = time.Unix(0, tns).UTC()
		old.Balance, old.HasBalance = bal.a, bal.valid
		stored[old.ID] = old
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()

	for i := range chunk {
		e := &chunk[i]
		old, ok := stored[e.ID]
		if !ok {
			return fmt.Errorf("entry %s was neither inserted nor found", e.ID)
		}
		fields := old.DiffFields(e)
		replace := cointally.SourceRank(e.Source) > cointally.SourceRank(old.Source)
		if replace {
			_, err := tx.ExecContext(ctx, replaceEntrySQL, e.RefID, e.Time.UnixNano(), e.Type, e.Subtype, e.Aclass,
				e.Asset, e.Wallet, e.Wallet, e.Amount.String(), e.Fee.String(), balanceValue(e), e.Source, e.Unknown,
				raw(e.Raw), accountID, e.ID)
			if err != nil {
				return err
			}
			res.Replaced++
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
	return nil
}

// nullAmount scans a nullable amount column.
type nullAmount struct {
	a     money.Amount
	valid bool
}

func (n *nullAmount) Scan(src any) error {
	if src == nil {
		n.a, n.valid = money.Zero, false
		return nil
	}
	n.valid = true
	return n.a.Scan(src)
}

// Checkpoint implements cointally.LedgerStore.
func (db *DB) Checkpoint(ctx context.Context, accountID int64, stream string) (*cointally.Checkpoint, error) {
	const op = "sqlstore: checkpoint"
	cp, err := sqlrow.Checkpoint(db.r.QueryRowContext(ctx, `SELECT `+sqlrow.CheckpointColumns+`
		FROM checkpoints WHERE account_id = ? AND stream = ?`, accountID, stream), accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap(op, notFound("no %s checkpoint for account %d", stream, accountID))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return cp, nil
}

// PutCheckpoint implements cointally.LedgerStore.
func (db *DB) PutCheckpoint(ctx context.Context, cp *cointally.Checkpoint) error {
	const op = "sqlstore: put checkpoint"
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
	_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (account_id, stream, walk_start, walk_end, next_offset,
		seen_count, done, state, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id, stream) DO UPDATE SET walk_start = excluded.walk_start, walk_end = excluded.walk_end,
			next_offset = excluded.next_offset, seen_count = excluded.seen_count, done = excluded.done,
			state = excluded.state, updated = excluded.updated`,
		accountID, cp.Stream, cp.Start, cp.Window, cp.Offset, cp.Count, cp.Done, cp.State, tx.now.UnixNano())
	return err
}

// ClearCheckpoints implements cointally.LedgerStore.
func (db *DB) ClearCheckpoints(ctx context.Context, accountID int64) error {
	return db.update(ctx, "sqlstore: clear checkpoints", func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE account_id = ?`, accountID)
		return err
	})
}
