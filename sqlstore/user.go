package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

// EnsureLocalUser implements cointally.UserStore.
func (db *DB) EnsureLocalUser(ctx context.Context) (*cointally.User, error) {
	const op = "sqlstore: ensure local user"
	err := db.update(ctx, op, func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (name, admin, password_hash, created) VALUES (?, 1, '', ?)
			ON CONFLICT (name) DO NOTHING`, cointally.LocalUserName, tx.now.UnixNano())
		return err
	})
	if err != nil {
		return nil, err
	}
	return db.userWhere(ctx, op, `name = ?`, cointally.LocalUserName)
}

// CreateUser implements cointally.UserStore.
func (db *DB) CreateUser(ctx context.Context, u *cointally.User) error {
	const op = "sqlstore: create user"
	if u.Name == "" {
		return wrap(op, invalid("a user needs a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		created := u.Created
		if created.IsZero() {
			created = tx.now
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (name, admin, password_hash, created) VALUES (?, ?, ?, ?) RETURNING id`,
			u.Name, u.Admin, u.PasswordHash, created.UnixNano()).Scan(&u.ID)
		if isConstraint(err, sqliteConstraintUnique) {
			return conflict("the user name %q is taken", u.Name)
		}
		if err != nil {
			return err
		}
		u.Created = created.UTC()
		return nil
	})
}

// User implements cointally.UserStore.
func (db *DB) User(ctx context.Context, id int64) (*cointally.User, error) {
	return db.userWhere(ctx, "sqlstore: user", `id = ?`, id)
}

// UserByName implements cointally.UserStore.
func (db *DB) UserByName(ctx context.Context, name string) (*cointally.User, error) {
	return db.userWhere(ctx, "sqlstore: user", `name = ?`, name)
}

func (db *DB) userWhere(ctx context.Context, op, where string, arg any) (*cointally.User, error) {
	u, err := sqlrow.User(db.r.QueryRowContext(ctx, `SELECT `+sqlrow.UserColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap(op, notFound("no user %v", arg))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return u, nil
}

// Users implements cointally.UserStore.
func (db *DB) Users(ctx context.Context) ([]*cointally.User, error) {
	const op = "sqlstore: users"
	rows, err := db.r.QueryContext(ctx, `SELECT `+sqlrow.UserColumns+` FROM users ORDER BY id`)
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
	const op = "sqlstore: update user"
	if u.Name == "" {
		return wrap(op, invalid("a user needs a name"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET name = ?, admin = ?, password_hash = ? WHERE id = ?`,
			u.Name, u.Admin, u.PasswordHash, u.ID)
		if isConstraint(err, sqliteConstraintUnique) {
			return conflict("the user name %q is taken", u.Name)
		}
		if err != nil {
			return err
		}
		return mustAffect(res, "no user %d", u.ID)
	})
}

// mustAffect returns a NotFound error built from format and args if res
// changed no row.
func mustAffect(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound(format, args...)
	}
	return nil
}
