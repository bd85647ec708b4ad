package sqlstore

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

// StartRun implements cointally.SyncRunStore.
func (db *DB) StartRun(ctx context.Context, r *cointally.SyncRun) error {
	const op = "sqlstore: start run"
	return db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, r.AccountID); err != nil {
			return err
		}
		started := r.Started
		if started.IsZero() {
			started = tx.now
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO sync_runs (account_id, started, outcome) VALUES (?, ?, ?) RETURNING id`,
			r.AccountID, started.UnixNano(), cointally.OutcomeRunning).Scan(&id); err != nil {
			return err
		}
		r.ID, r.Started, r.Outcome = id, started.UTC(), cointally.OutcomeRunning
		return nil
	})
}

// FinishRun implements cointally.SyncRunStore.
func (db *DB) FinishRun(ctx context.Context, r *cointally.SyncRun) error {
	const op = "sqlstore: finish run"
	if r.Outcome == "" || r.Outcome == cointally.OutcomeRunning {
		return wrap(op, invalid("a finished run needs an outcome other than %q", r.Outcome))
	}
	errs := r.Errors
	if errs == nil {
		errs = []string{}
	}
	ej, err := json.Marshal(errs)
	if err != nil {
		return wrap(op, err)
	}
	return db.update(ctx, op, func(tx *tx) error {
		ended := r.Ended
		if ended.IsZero() {
			ended = tx.now
		}
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET ended = ?, calls = ?, new_entries = ?, errors = ?,
			outcome = ?, reconciled = ?, summary = ? WHERE id = ?`,
			ended.UnixNano(), r.Calls, r.NewEntries, string(ej), r.Outcome, r.Reconciled, r.Summary, r.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(res, "no sync run %d", r.ID); err != nil {
			return err
		}
		r.Ended = ended.UTC()
		return nil
	})
}

// Runs implements cointally.SyncRunStore.
func (db *DB) Runs(ctx context.Context, accountID int64, limit int) ([]cointally.SyncRun, error) {
	const op = "sqlstore: runs"
	if limit <= 0 {
		limit = -1
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, account_id, started, ended, calls, new_entries, errors, outcome,
		reconciled, summary FROM sync_runs WHERE account_id = ? ORDER BY started DESC, id DESC LIMIT ?`, accountID, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	runs := []cointally.SyncRun{}
	for rows.Next() {
		r, err := sqlrow.Run(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return runs, nil
}

// InterruptStaleRuns implements cointally.SyncRunStore.
func (db *DB) InterruptStaleRuns(ctx context.Context) (int, error) {
	var n int64
	err := db.update(ctx, "sqlstore: interrupt stale runs", func(tx *tx) error {
		now := tx.now.UnixNano()
		res, err := tx.ExecContext(ctx, `UPDATE sync_runs SET outcome = ?, ended = ?
			WHERE outcome = ? AND account_id NOT IN (SELECT account_id FROM locks WHERE expires > ?)`,
			cointally.OutcomeInterrupted, now, cointally.OutcomeRunning, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// TryLockAccount implements cointally.SyncRunStore. The lock is a row in
// the locks table, taken by one conditional upsert inside an immediate
// transaction: it inserts the row, or takes it over if it expired or
// belongs to owner already; otherwise it changes nothing and the holder is
// reported.
func (db *DB) TryLockAccount(ctx context.Context, accountID int64, owner string, ttl time.Duration) (func(), error) {
	const op = "sqlstore: lock account"
	switch {
	case owner == "":
		return nil, wrap(op, invalid("a lock needs an owner"))
	case ttl <= 0:
		return nil, wrap(op, invalid("a lock needs a positive duration, not %v", ttl))
	}
	err := db.update(ctx, op, func(tx *tx) error {
		if err := tx.accountExists(ctx, accountID); err != nil {
			return err
		}
		now := tx.now.UnixNano()
		res, err := tx.ExecContext(ctx, `INSERT INTO locks (account_id, owner, acquired, expires) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires,
				acquired = CASE WHEN locks.owner = excluded.owner THEN locks.acquired ELSE excluded.acquired END
			WHERE locks.expires <= ? OR locks.owner = excluded.owner`,
			accountID, owner, now, tx.now.Add(ttl).UnixNano(), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			return nil
		}
		var (
			holder  string
			expires int64
		)
		if err := tx.QueryRowContext(ctx, `SELECT owner, expires FROM locks WHERE account_id = ?`, accountID).
			Scan(&holder, &expires); err != nil {
			return err
		}
		return conflict("account %d is being synced by %s (lock held until %s)", accountID, holder,
			time.Unix(0, expires).UTC().Format(time.RFC3339))
	})
	if err != nil {
		return nil, err
	}
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			// Released even when ctx is canceled (shutdown is when it
			// matters most); if this fails, the lock expires after ttl.
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			_ = db.update(uctx, op, func(tx *tx) error {
				_, err := tx.ExecContext(uctx, `DELETE FROM locks WHERE account_id = ? AND owner = ?`, accountID, owner)
				return err
			})
		})
	}
	return unlock, nil
}
