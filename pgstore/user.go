package pgstore

import (
	"context"
	"errors"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// EnsureLocalUser implements cointally.UserStore.
func (db *DB) EnsureLocalUser(ctx context.Context) (*cointally.User, error) {
	const op = "pgstore: ensure local user"
	err := db.update(ctx, op, func(tx *tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (name, admin, password_hash, created) VALUES ($1, true, '', $2)
			ON CONFLICT (name) DO NOTHING`, cointally.LocalUserName, tx.now.UnixNano())
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.userWhere(ctx, op, `name = $1`, cointally.LocalUserName)
}

// CreateUser implements cointally.UserStore.
func (db *DB) CreateUser(ctx context.Context, u *cointally.User) error {
	const op = "pgstore: create user"
	if u.Name == "" {
		return wrap(op, invalid("a user needs a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		created := u.Created
		if created.IsZero() {
			created = tx.now
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO users (name, admin, password_hash, created) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING RETURNING id`,
			u.Name, u.Admin, u.PasswordHash, created.UnixNano()).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return conflict("the user name %q is taken", u.Name)
		}
		if err != nil {
			return err
		}
		u.ID, u.Created = id, created.UTC()
		return nil
	})
}

// User implements cointally.UserStore.
func (db *DB) User(ctx context.Context, id int64) (*cointally.User, error) {
	return db.userWhere(ctx, "pgstore: user", `id = $1`, id)
}

// UserByName implements cointally.UserStore.
func (db *DB) UserByName(ctx context.Context, name string) (*cointally.User, error) {
	return db.userWhere(ctx, "pgstore: user", `name = $1`, name)
}

func (db *DB) userWhere(ctx context.Context, op, where string, arg any) (*cointally.User, error) {
	u, err := sqlrow.User(db.pool.QueryRow(ctx, `SELECT `+sqlrow.UserColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("no user %v", arg))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return u, nil
}

// Users implements cointally.UserStore.
func (db *DB) Users(ctx context.Context) ([]*cointally.User, error) {
	const op = "pgstore: users"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.UserColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	users := []*cointally.User{}
	for rows.Next() {
		u, err := sqlrow.User(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return users, nil
}

// UpdateUser implements cointally.UserStore.
func (db *DB) UpdateUser(ctx context.Context, u *cointally.User) error {
	const op = "pgstore: update user"
	if u.Name == "" {
		return wrap(op, invalid("a user needs a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET name = $1, admin = $2, password_hash = $3 WHERE id = $4`,
			u.Name, u.Admin, u.PasswordHash, u.ID)
		if pgCode(err) == pgUniqueViolation {
			return conflict("the user name %q is taken", u.Name)
		}
		if err != nil {
			return err
		}
		return mustAffect(tag, "no user %d", u.ID)
	})
}

// Settings implements cointally.SettingStore.
func (db *DB) Settings(ctx context.Context, userID int64) (map[string]string, error) {
	const op = "pgstore: settings"
	rows, err := db.pool.Query(ctx, `SELECT key, value FROM settings WHERE user_id = $1`, userID)
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
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return m, nil
}

// PutSetting implements cointally.SettingStore.
func (db *DB) PutSetting(ctx context.Context, userID int64, key, value string) error {
	const op = "pgstore: put setting"
	switch {
	case key == "":
		return wrap(op, invalid("a setting needs a key"))
	case cointally.HasControl(key) || cointally.HasControl(value):
		return wrap(op, invalid("setting %q holds a control character", key))
	}
	return db.update(ctx, op, func(tx *tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE`, userID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no user %d", userID)
		}
		if err != nil {
			return err
		}
		if value == "" {
			_, err = tx.Exec(ctx, `DELETE FROM settings WHERE user_id = $1 AND key = $2`, userID, key)
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO settings (user_id, key, value) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value`, userID, key, value)
		return err
	})
}

// PutGrant implements cointally.GrantStore.
func (db *DB) PutGrant(ctx context.Context, ownerID, viewerID int64) error {
	const op = "pgstore: put grant"
	if ownerID == viewerID {
		return wrap(op, invalid("a user cannot grant access to themselves"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO grants (owner_id, viewer_id, created) VALUES ($1, $2, $3)
			ON CONFLICT (owner_id, viewer_id) DO NOTHING`, ownerID, viewerID, tx.now.UnixNano())
		if pgCode(err) == pgForeignKeyViolation {
			return notFound("no user %d or %d", ownerID, viewerID)
		}
		return err
	})
}

// DeleteGrant implements cointally.GrantStore.
func (db *DB) DeleteGrant(ctx context.Context, ownerID, viewerID int64) error {
	return db.update(ctx, "pgstore: delete grant", func(tx *tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM grants WHERE owner_id = $1 AND viewer_id = $2`, ownerID, viewerID)
		return err
	})
}

// GrantsBy implements cointally.GrantStore.
func (db *DB) GrantsBy(ctx context.Context, ownerID int64) ([]cointally.Grant, error) {
	return db.grants(ctx, `WHERE owner_id = $1 ORDER BY viewer_id`, ownerID)
}

// GrantsTo implements cointally.GrantStore.
func (db *DB) GrantsTo(ctx context.Context, viewerID int64) ([]cointally.Grant, error) {
	return db.grants(ctx, `WHERE viewer_id = $1 ORDER BY owner_id`, viewerID)
}

func (db *DB) grants(ctx context.Context, tail string, id int64) ([]cointally.Grant, error) {
	const op = "pgstore: grants"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.GrantColumns+` FROM grants `+tail, id)
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
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return list, nil
}
