package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// StartRun implements cointally.SyncRunStore.
func (db *DB) StartRun(ctx context.Context, r *cointally.SyncRun) error {
	const op = "pgstore: start run"
	return db.update(ctx, op, func(tx *tx) error {
		started := r.Started
		if started.IsZero() {
			started = tx.now
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO sync_runs (account_id, started, outcome) VALUES ($1, $2, $3) RETURNING id`,
			r.AccountID, started.UnixNano(), cointally.OutcomeRunning).Scan(&id)
		if pgCode(err) == pgForeignKeyViolation {
			return notFound("no account %d", r.AccountID)
		}
		if err != nil {
			return err
		}
		r.ID, r.Started, r.Outcome = id, started.UTC(), cointally.OutcomeRunning
		return nil
	})
}

func errorsJSON(errs []string) (string, error) {
	if errs == nil {
		errs = []string{}
	}
	b, err := json.Marshal(errs)
	return string(b), err
}

// FinishRun implements cointally.SyncRunStore.
func (db *DB) FinishRun(ctx context.Context, r *cointally.SyncRun) error {
	const op = "pgstore: finish run"
	if r.Outcome == "" || r.Outcome == cointally.OutcomeRunning {
		return wrap(op, invalid("a finished run needs an outcome other than %q", r.Outcome))
	}
	ej, err := errorsJSON(r.Errors)
	if err != nil {
		return wrap(op, err)
	}
	return db.update(ctx, op, func(tx *tx) error {
		ended := r.Ended
		if ended.IsZero() {
			ended = tx.now
		}
		tag, err := tx.Exec(ctx, `UPDATE sync_runs SET ended = $1, calls = $2, new_entries = $3, errors = $4,
			outcome = $5, reconciled = $6, summary = $7 WHERE id = $8`,
			ended.UnixNano(), r.Calls, r.NewEntries, ej, r.Outcome, r.Reconciled, r.Summary, r.ID)
		if err != nil {
			return err
		}
		if err := mustAffect(tag, "no sync run %d", r.ID); err != nil {
			return err
		}
		r.Ended = ended.UTC()
		return nil
	})
}

// Runs implements cointally.SyncRunStore.
func (db *DB) Runs(ctx context.Context, accountID int64, limit int) ([]cointally.SyncRun, error) {
	const op = "pgstore: runs"
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := db.pool.Query(ctx, `SELECT id, account_id, started, ended, calls, new_entries, errors, outcome,
		reconciled, summary FROM sync_runs WHERE account_id = $1 ORDER BY started DESC, id DESC LIMIT $2`, accountID, lim)
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
	err := db.update(ctx, "pgstore: interrupt stale runs", func(tx *tx) error {
		now := tx.now.UnixNano()
		tag, err := tx.Exec(ctx, `UPDATE sync_runs SET outcome = $1, ended = $2
			WHERE outcome = $3 AND account_id NOT IN (SELECT account_id FROM locks WHERE expires > $2)`,
			cointally.OutcomeInterrupted, now, cointally.OutcomeRunning)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// accountLockKey is the advisory lock key that guards an account's lock
// row.
func accountLockKey(accountID int64) int64 { return lockNSAccount<<32 ^ accountID }

// TryLockAccount implements cointally.SyncRunStore.
//
// The lock is a row of the locks table (owner, acquired, expires), taken by
// one conditional upsert: it inserts the row, or takes it over if it
// expired or belongs to owner already; otherwise nothing changes and the
// holder is reported. The transaction first takes a transaction-level
// advisory lock on the account (pg_advisory_xact_lock), so lockers of one
// account, in any process, queue for the few milliseconds it takes and the
// holder they are told about is the one that won.
//
// Why not hold a session-level advisory lock for the whole sync instead?
// It lives on one connection, so it would pin a pooled connection per
// running sync, and it cannot express the contract: an expired lock is
// taken over although its holder's connection may still be alive, the same
// owner extends its lock from any connection, and InterruptStaleRuns must
// see who holds what. A process that dies leaves a row that expires after
// its TTL, which the syncer keeps short and renews while it runs.
func (db *DB) TryLockAccount(ctx context.Context, accountID int64, owner string, ttl time.Duration) (func(), error) {
	const op = "pgstore: lock account"
	switch {
	case owner == "":
		return nil, wrap(op, invalid("a lock needs an owner"))
	case ttl <= 0:
		return nil, wrap(op, invalid("a lock needs a positive duration, not %v", ttl))
	}
	err := db.update(ctx, op, func(tx *tx) error {
		// The advisory lock and the account's existence in one round trip
		// (the lock is taken only if the account exists).
		var locked bool
		err := tx.QueryRow(ctx, `SELECT true FROM accounts, pg_advisory_xact_lock($1) WHERE id = $2 FOR KEY SHARE OF accounts`,
			accountLockKey(accountID), accountID).Scan(&locked)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no account %d", accountID)
		}
		if err != nil {
			return err
		}
		// The clock is read once the lock is held, so the expiry counts
		// from the moment the lock is decided, not from the round trips
		// before it.
		at := db.now().UTC()
		now := at.UnixNano()
		tag, err := tx.Exec(ctx, `INSERT INTO locks (account_id, owner, acquired, expires) VALUES ($1, $2, $3, $4)
			ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires,
				acquired = CASE WHEN locks.owner = excluded.owner THEN locks.acquired ELSE excluded.acquired END
			WHERE locks.expires <= $3 OR locks.owner = excluded.owner`,
			accountID, owner, now, at.Add(ttl).UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var (
			holder  string
			expires int64
		)
		err = tx.QueryRow(ctx, `SELECT owner, expires FROM locks WHERE account_id = $1`, accountID).Scan(&holder, &expires)
		if errors.Is(err, pgx.ErrNoRows) {
			return conflict("account %d is being synced by someone else", accountID)
		}
		if err != nil {
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
				_, err := tx.Exec(uctx, `DELETE FROM locks WHERE account_id = $1 AND owner = $2`, accountID, owner)
				return err
			})
		})
	}
	return unlock, nil
}
