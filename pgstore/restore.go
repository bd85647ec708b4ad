package pgstore

import (
	"context"
	"errors"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// This file holds what copying another store into this one needs beyond
// cointally.Store (cointally migrate-store): writing rows with their
// original IDs and timestamps, and telling an empty database from a used
// one. Each Restore method is idempotent, so an interrupted copy can be
// run again: a row already restored with the same identity is left alone,
// and one whose ID is taken by something else is a KindConflict.

// restoredTables are the tables IsEmpty looks at.
var restoredTables = []string{"users", "accounts", "ledger_entries", "prices", "sessions"}

// IsEmpty reports whether the store holds no users, accounts, entries,
// prices or sessions.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	for _, table := range restoredTables {
		var found bool
		if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+`)`).Scan(&found); err != nil {
			return false, wrap("pgstore: is empty", err)
		}
		if found {
			return false, nil
		}
	}
	return true, nil
}

// syncSequence moves the identity sequence of table past its largest ID,
// so rows created later do not collide with restored IDs.
func (tx *tx) syncSequence(ctx context.Context, table string) error {
	_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), greatest((SELECT max(id) FROM `+table+`), 1))`)
	return err
}

// RestoreUser stores u with its ID, name, admin flag, password hash and
// creation time. KindConflict if the ID or the name belongs to another user.
func (db *DB) RestoreUser(ctx context.Context, u *cointally.User) error {
	const op = "pgstore: restore user"
	if u.ID <= 0 || u.Name == "" {
		return wrap(op, invalid("a restored user needs an ID and a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		created := u.Created
		if created.IsZero() {
			created = tx.now
		}
		tag, err := tx.Exec(ctx, `INSERT INTO users (id, name, admin, password_hash, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, u.ID, u.Name, u.Admin, u.PasswordHash, created.UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var name string
			err := tx.QueryRow(ctx, `SELECT name FROM users WHERE id = $1`, u.ID).Scan(&name)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && name != u.Name) {
				return conflict("user %d (%s) clashes with a user stored already", u.ID, u.Name)
			}
			return err
		}
		return tx.syncSequence(ctx, "users")
	})
}

// RestoreAccount stores a with its ID and every field, and c (if not nil)
// with its sealed bytes and nonce high-water mark exactly as given.
// KindConflict if the ID or the user's account name is taken by another
// account; KindNotFound if the user does not exist.
func (db *DB) RestoreAccount(ctx context.Context, a *cointally.Account, c *cointally.Credential) error {
	const op = "pgstore: restore account"
	if a.ID <= 0 || a.Name == "" || a.Exchange == "" || a.Status == "" {
		return wrap(op, invalid("a restored account needs an ID, a name, an exchange and a status"))
	}
	if c != nil {
		if err := c.Check(); err != nil {
			return wrap(op, err)
		}
	}
	return db.update(ctx, op, func(tx *tx) error {
		added := a.Added
		if added.IsZero() {
			added = tx.now
		}
		tag, err := tx.Exec(ctx, `INSERT INTO accounts (id, user_id, name, exchange, key_hint, tier, permissions,
			risk_accepted, status, status_reason, added, key_added, key_last_used, last_sync, sync_interval)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT DO NOTHING`,
			a.ID, a.UserID, a.Name, a.Exchange, a.KeyHint, a.Tier, sqlrow.JSONList(a.Permissions), a.RiskAccepted,
			a.Status, a.StatusReason, added.UnixNano(), sqlrow.TS(a.KeyAdded), sqlrow.TS(a.KeyLastUsed), sqlrow.TS(a.LastSync), int64(a.SyncInterval))
		if pgCode(err) == pgForeignKeyViolation {
			return notFound("no user %d", a.UserID)
		}
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var (
				userID int64
				name   string
			)
			err := tx.QueryRow(ctx, `SELECT user_id, name FROM accounts WHERE id = $1`, a.ID).Scan(&userID, &name)
			if errors.Is(err, pgx.ErrNoRows) || (err == nil && (userID != a.UserID || name != a.Name)) {
				return conflict("account %d (%s) clashes with an account stored already", a.ID, a.Name)
			}
			if err != nil {
				return err
			}
		}
		if c != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO credentials (account_id, api_key_sealed, private_key_sealed, nonce_high_water, updated)
				VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (account_id) DO UPDATE SET api_key_sealed = excluded.api_key_sealed,
					private_key_sealed = excluded.private_key_sealed,
					nonce_high_water = greatest(credentials.nonce_high_water, excluded.nonce_high_water)`,
				a.ID, c.APIKeySealed, c.PrivateKeySealed, int64(c.NonceHighWater), tx.now.UnixNano()); err != nil {
				return err
			}
		}
		return tx.syncSequence(ctx, "accounts")
	})
}

// RestoreGrant stores g with its creation time; a grant stored already is
// left alone. KindNotFound if either user does not exist.
func (db *DB) RestoreGrant(ctx context.Context, g cointally.Grant) error {
	const op = "pgstore: restore grant"
	if g.OwnerID == g.ViewerID {
		return wrap(op, invalid("a user cannot grant access to themselves"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		created := g.Created
		if created.IsZero() {
			created = tx.now
		}
		_, err := tx.Exec(ctx, `INSERT INTO grants (owner_id, viewer_id, created) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING`, g.OwnerID, g.ViewerID, created.UnixNano())
		if pgCode(err) == pgForeignKeyViolation {
			return notFound("no user %d or %d", g.OwnerID, g.ViewerID)
		}
		return err
	})
}

// RestoreRun stores r with its ID and every field; a run stored already
// with the ID is left alone. KindNotFound if the account does not exist.
func (db *DB) RestoreRun(ctx context.Context, r cointally.SyncRun) error {
	const op = "pgstore: restore run"
	if r.ID <= 0 || r.Started.IsZero() || r.Outcome == "" {
		return wrap(op, invalid("a restored run needs an ID, a start and an outcome"))
	}
	ej, err := errorsJSON(r.Errors)
	if err != nil {
		return wrap(op, err)
	}
	return db.update(ctx, op, func(tx *tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sync_runs (id, account_id, started, ended, calls, new_entries, errors,
			outcome, reconciled, summary) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING`,
			r.ID, r.AccountID, r.Started.UnixNano(), sqlrow.TS(r.Ended), r.Calls, r.NewEntries, ej, r.Outcome, r.Reconciled, r.Summary)
		if pgCode(err) == pgForeignKeyViolation {
			return notFound("no account %d", r.AccountID)
		}
		if err != nil {
			return err
		}
		return tx.syncSequence(ctx, "sync_runs")
	})
}

// RaiseLedgerVersion makes the account's ledger version at least v, so
// that after a copy it is beyond every version the source store ever
// reported (caches keyed by the version then never mistake the copy for an
// older ledger). KindNotFound if the account does not exist.
func (db *DB) RaiseLedgerVersion(ctx context.Context, accountID, v int64) error {
	return db.update(ctx, "pgstore: raise ledger version", func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET ledger_version = greatest(ledger_version, $1) WHERE id = $2`, v, accountID)
		if err != nil {
			return err
		}
		return mustAffect(tag, "no account %d", accountID)
	})
}
