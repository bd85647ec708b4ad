package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

var (
	_ cointally.SettingStore = (*DB)(nil)
	_ cointally.GrantStore   = (*DB)(nil)
)

// LedgerVersion implements cointally.LedgerStore.
func (db *DB) LedgerVersion(ctx context.Context, accountID int64) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, `SELECT ledger_version FROM accounts WHERE id = ?`, accountID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, wrap("sqlstore: ledger version", notFound("no account %d", accountID))
	}
	return v, wrap("sqlstore: ledger version", err)
}

// Settings implements cointally.SettingStore.
func (db *DB) Settings(ctx context.Context, userID int64) (map[string]string, error) {
	const op = "sqlstore: settings"
	rows, err := db.r.QueryContext(ctx, `SELECT key, value FROM user_settings WHERE user_id = ?`, userID)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, wrap(op, err)
		}
		m[k] = v
	}
	return m, wrap(op, rows.Err())
}

// PutSetting implements cointally.SettingStore.
func (db *DB) PutSetting(ctx context.Context, userID int64, key, value string) error {
	const op = "sqlstore: put setting"
	switch {
	case key == "":
		return wrap(op, invalid("a setting needs a name"))
	case cointally.HasControl(key) || cointally.HasControl(value):
		return wrap(op, invalid("setting %q holds a control character", key))
	}
	return db.update(ctx, op, func(tx *tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM users WHERE id = ?`, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("no user %d", userID)
		}
		if err != nil {
			return err
		}
		if value == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM user_settings WHERE user_id = ? AND key = ?`, userID, key)
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO user_settings (user_id, key, value) VALUES (?, ?, ?)
			ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value`, userID, key, value)
		return err
	})
}

// PutGrant implements cointally.GrantStore.
func (db *DB) PutGrant(ctx context.Context, ownerID, viewerID int64) error {
	const op = "sqlstore: put grant"
	if ownerID == viewerID {
		return wrap(op, invalid("a user cannot grant access to themselves"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO grants (owner_id, viewer_id, created) VALUES (?, ?, ?)
			ON CONFLICT (owner_id, viewer_id) DO NOTHING`, ownerID, viewerID, tx.now.UnixNano())
		if isConstraint(err, sqliteConstraintFK) {
			return notFound("no user %d or %d", ownerID, viewerID)
		}
		return err
	})
}

// DeleteGrant implements cointally.GrantStore.
func (db *DB) DeleteGrant(ctx context.Context, ownerID, viewerID int64) error {
	return db.update(ctx, "sqlstore: delete grant", func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE owner_id = ? AND viewer_id = ?`, ownerID, viewerID)
		return err
	})
}

// GrantsBy implements cointally.GrantStore.
func (db *DB) GrantsBy(ctx context.Context, ownerID int64) ([]cointally.Grant, error) {
	return db.grants(ctx, "sqlstore: grants by", `WHERE owner_id = ? ORDER BY viewer_id`, ownerID)
}

// GrantsTo implements cointally.GrantStore.
func (db *DB) GrantsTo(ctx context.Context, viewerID int64) ([]cointally.Grant, error) {
	return db.grants(ctx, "sqlstore: grants to", `WHERE viewer_id = ? ORDER BY owner_id`, viewerID)
}

func (db *DB) grants(ctx context.Context, op, where string, id int64) ([]cointally.Grant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+sqlrow.GrantColumns+` FROM grants `+where, id)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	list := []cointally.Grant{}
	for rows.Next() {
		g, err := sqlrow.Grant(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		list = append(list, g)
	}
	return list, wrap(op, rows.Err())
}
