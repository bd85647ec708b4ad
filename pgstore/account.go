package pgstore

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// CreateAccount implements cointally.AccountStore.
func (db *DB) CreateAccount(ctx context.Context, a *cointally.Account, c *cointally.Credential) error {
	const op = "pgstore: create account"
	switch {
	case a.Name == "":
		return wrap(op, invalid("an account needs a name"))
	case a.Exchange == "":
		return wrap(op, invalid("account %q needs an exchange", a.Name))
	}
	if c != nil {
		if err := c.Check(); err != nil {
			return wrap(op, err)
		}
	}
	return db.update(ctx, op, func(tx *tx) error {
		added, keyAdded, status := a.Added, a.KeyAdded, a.Status
		if added.IsZero() {
			added = tx.now
		}
		if c != nil && keyAdded.IsZero() {
			keyAdded = tx.now
		}
		if status == "" {
			status = cointally.StatusNoKey
			if c != nil {
				status = cointally.StatusOK
			}
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO accounts (user_id, name, exchange, key_hint, tier, permissions,
			risk_accepted, status, status_reason, added, key_added, key_last_used, last_sync, sync_interval)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			a.UserID, a.Name, a.Exchange, a.KeyHint, a.Tier, sqlrow.JSONList(a.Permissions), a.RiskAccepted,
			status, a.StatusReason, sqlrow.TS(added), sqlrow.TS(keyAdded), sqlrow.TS(a.KeyLastUsed), sqlrow.TS(a.LastSync), int64(a.SyncInterval)).Scan(&id)
		switch pgCode(err) {
		case pgUniqueViolation:
			return conflict("an account named %q exists already", a.Name)
		case pgForeignKeyViolation:
			return notFound("no user %d", a.UserID)
		}
		if err != nil {
			return err
		}
		if c != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO credentials (account_id, api_key_sealed, private_key_sealed, nonce_high_water, updated)
				VALUES ($1, $2, $3, $4, $5)`, id, c.APIKeySealed, c.PrivateKeySealed, int64(c.NonceHighWater), tx.now.UnixNano()); err != nil {
				return err
			}
			c.AccountID = id
		}
		a.ID, a.Added, a.KeyAdded, a.Status = id, added.UTC(), keyAdded.UTC(), status
		if keyAdded.IsZero() {
			a.KeyAdded = time.Time{}
		}
		return nil
	})
}

// Account implements cointally.AccountStore.
func (db *DB) Account(ctx context.Context, userID int64, name string) (*cointally.Account, error) {
	const op = "pgstore: account"
	a, err := sqlrow.Account(db.pool.QueryRow(ctx, `SELECT `+sqlrow.AccountColumns+` FROM accounts WHERE user_id = $1 AND name = $2`, userID, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("no account named %q", name))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return a, nil
}

// AccountByID implements cointally.AccountStore.
func (db *DB) AccountByID(ctx context.Context, id int64) (*cointally.Account, error) {
	const op = "pgstore: account"
	a, err := sqlrow.Account(db.pool.QueryRow(ctx, `SELECT `+sqlrow.AccountColumns+` FROM accounts WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("no account %d", id))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return a, nil
}

// Accounts implements cointally.AccountStore.
func (db *DB) Accounts(ctx context.Context, userID int64) ([]*cointally.Account, error) {
	return db.accounts(ctx, `WHERE user_id = $1 ORDER BY name`, userID)
}

// AllAccounts implements cointally.AccountStore.
func (db *DB) AllAccounts(ctx context.Context) ([]*cointally.Account, error) {
	return db.accounts(ctx, `ORDER BY id`)
}

func (db *DB) accounts(ctx context.Context, tail string, args ...any) ([]*cointally.Account, error) {
	const op = "pgstore: accounts"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.AccountColumns+` FROM accounts `+tail, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	list := []*cointally.Account{}
	for rows.Next() {
		a, err := sqlrow.Account(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}

// UpdateAccount implements cointally.AccountStore.
func (db *DB) UpdateAccount(ctx context.Context, a *cointally.Account) error {
	const op = "pgstore: update account"
	if a.Name == "" {
		return wrap(op, invalid("an account needs a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET name = $1, key_hint = $2, tier = $3, permissions = $4,
			risk_accepted = $5, status = $6, status_reason = $7, key_added = $8, key_last_used = $9, last_sync = $10,
			sync_interval = $11 WHERE id = $12`,
			a.Name, a.KeyHint, a.Tier, sqlrow.JSONList(a.Permissions), a.RiskAccepted, a.Status, a.StatusReason,
			sqlrow.TS(a.KeyAdded), sqlrow.TS(a.KeyLastUsed), sqlrow.TS(a.LastSync), int64(a.SyncInterval), a.ID)
		if pgCode(err) == pgUniqueViolation {
			return conflict("an account named %q exists already", a.Name)
		}
		if err != nil {
			return err
		}
		return mustAffect(tag, "no account %d", a.ID)
	})
}

// DeleteAccount implements cointally.AccountStore.
func (db *DB) DeleteAccount(ctx context.Context, id int64, keepData bool) error {
	const op = "pgstore: delete account"
	return db.update(ctx, op, func(tx *tx) error {
		if !keepData {
			tag, err := tx.Exec(ctx, `DELETE FROM accounts WHERE id = $1`, id)
			if err != nil {
				return err
			}
			return mustAffect(tag, "no account %d", id)
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET key_hint = '', permissions = '[]', status = $1,
			status_reason = '', key_added = NULL WHERE id = $2`, cointally.StatusNoKey, id)
		if err != nil {
			return err
		}
		if err := mustAffect(tag, "no account %d", id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM credentials WHERE account_id = $1`, id)
		return err
	})
}

// Credential implements cointally.AccountStore.
func (db *DB) Credential(ctx context.Context, accountID int64) (*cointally.Credential, error) {
	const op = "pgstore: credential"
	c := cointally.Credential{AccountID: accountID}
	var nonce int64
	err := db.pool.QueryRow(ctx, `SELECT api_key_sealed, private_key_sealed, nonce_high_water
		FROM credentials WHERE account_id = $1`, accountID).Scan(&c.APIKeySealed, &c.PrivateKeySealed, &nonce)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("account %d has no key", accountID))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	c.NonceHighWater = uint64(nonce)
	return &c, nil
}

// PutCredential implements cointally.AccountStore.
func (db *DB) PutCredential(ctx context.Context, c *cointally.Credential) error {
	const op = "pgstore: put credential"
	if err := c.Check(); err != nil {
		return wrap(op, err)
	}
	return db.update(ctx, op, func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE accounts SET key_added = $1 WHERE id = $2`, tx.now.UnixNano(), c.AccountID)
		if err != nil {
			return err
		}
		if err := mustAffect(tag, "no account %d", c.AccountID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO credentials (account_id, api_key_sealed, private_key_sealed, nonce_high_water, updated)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id) DO UPDATE SET api_key_sealed = excluded.api_key_sealed,
				private_key_sealed = excluded.private_key_sealed,
				nonce_high_water = greatest(credentials.nonce_high_water, excluded.nonce_high_water),
				updated = excluded.updated`,
			c.AccountID, c.APIKeySealed, c.PrivateKeySealed, int64(c.NonceHighWater), tx.now.UnixNano())
		return err
	})
}

// AdvanceNonce implements cointally.AccountStore. One UPDATE ... RETURNING
// raises and reads the mark under the row's lock, so it is atomic across
// connections and processes.
func (db *DB) AdvanceNonce(ctx context.Context, accountID int64, n uint64) (uint64, error) {
	const op = "pgstore: advance nonce"
	if n > math.MaxInt64 {
		return 0, wrap(op, invalid("nonce %d is out of range", n))
	}
	var high int64
	err := db.update(ctx, op, func(tx *tx) error {
		err := tx.QueryRow(ctx, `UPDATE credentials SET nonce_high_water = greatest(nonce_high_water, $1)
			WHERE account_id = $2 RETURNING nonce_high_water`, int64(n), accountID).Scan(&high)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("account %d has no key", accountID)
		}
		return err
	})
	return uint64(high), err
}
