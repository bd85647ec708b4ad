package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
)

var _ cointally.SessionStore = (*DB)(nil)

// CreateSession implements cointally.SessionStore.
func (db *DB) CreateSession(ctx context.Context, s *cointally.Session) error {
	const op = "sqlstore: create session"
	switch {
	case len(s.TokenHash) != 32:
		return wrap(op, invalid("a session token hash has 32 bytes, not %d", len(s.TokenHash)))
	case s.CSRFToken == "":
		return wrap(op, invalid("a session needs a CSRF token"))
	case s.Expires.IsZero():
		return wrap(op, invalid("a session needs an expiry"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		created, seen := s.Created, s.LastSeen
		if created.IsZero() {
			created = tx.now
		}
		if seen.IsZero() {
			seen = created
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sqlrow.SessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			s.TokenHash, s.UserID, s.CSRFToken, created.UnixNano(), seen.UnixNano(), s.Expires.UnixNano(), s.Address, s.UserAgent)
		switch {
		case isConstraint(err, sqliteConstraintFK):
			return notFound("no user %d", s.UserID)
		case isConstraint(err, sqliteConstraintPK), isConstraint(err, sqliteConstraintUnique):
			return conflict("the session exists already")
		case err != nil:
			return err
		}
		s.Created, s.LastSeen = created.UTC(), seen.UTC()
		return nil
	})
}

// Session implements cointally.SessionStore.
func (db *DB) Session(ctx context.Context, tokenHash []byte) (*cointally.Session, error) {
	const op = "sqlstore: session"
	s, err := sqlrow.Session(db.r.QueryRowContext(ctx, `SELECT `+sqlrow.SessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, wrap(op, notFound("no such session"))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return s, nil
}

// TouchSession implements cointally.SessionStore.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return db.update(ctx, "sqlstore: touch session", func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, at.UnixNano(), tokenHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no such session")
		}
		return nil
	})
}

// DeleteSession implements cointally.SessionStore.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.update(ctx, "sqlstore: delete session", func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
}

// DeleteUserSessions implements cointally.SessionStore.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := db.update(ctx, "sqlstore: delete user sessions", func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// DeleteExpiredSessions implements cointally.SessionStore.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	var n int64
	err := db.update(ctx, "sqlstore: delete expired sessions", func(tx *tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires < ? OR last_seen < ?`,
			now.UnixNano(), now.Add(-idle).UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// AddLoginFailure implements cointally.SessionStore.
func (db *DB) AddLoginFailure(ctx context.Context, key string, at time.Time) error {
	const op = "sqlstore: add login failure"
	if key == "" {
		return wrap(op, invalid("a login failure needs a key"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE time < ?`, at.Add(-24*time.Hour).UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO login_failures (key, time) VALUES (?, ?)`, key, at.UnixNano())
		return err
	})
}

// LoginFailures implements cointally.SessionStore.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM login_failures WHERE key = ? AND time >= ?`, key, since.UnixNano()).Scan(&n)
	if err != nil {
		return 0, wrap("sqlstore: login failures", err)
	}
	return n, nil
}

// ClearLoginFailures implements cointally.SessionStore.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	return db.update(ctx, "sqlstore: clear login failures", func(tx *tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
		return err
	})
}
