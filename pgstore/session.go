package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlrow"
	"github.com/jackc/pgx/v5"
)

// CreateSession implements cointally.SessionStore.
func (db *DB) CreateSession(ctx context.Context, s *cointally.Session) error {
	const op = "pgstore: create session"
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
		_, err := tx.Exec(ctx, `INSERT INTO sessions (`+sqlrow.SessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			s.TokenHash, s.UserID, s.CSRFToken, created.UnixNano(), seen.UnixNano(), s.Expires.UnixNano(), s.Address, s.UserAgent)
		switch pgCode(err) {
		case pgForeignKeyViolation:
			return notFound("no user %d", s.UserID)
		case pgUniqueViolation:
			return conflict("the session exists already")
		}
		if err != nil {
			return err
		}
		s.Created, s.LastSeen = created.UTC(), seen.UTC()
		return nil
	})
}

// Session implements cointally.SessionStore.
func (db *DB) Session(ctx context.Context, tokenHash []byte) (*cointally.Session, error) {
	const op = "pgstore: session"
	s, err := sqlrow.Session(db.pool.QueryRow(ctx, `SELECT `+sqlrow.SessionColumns+` FROM sessions WHERE token_hash = $1`, tokenHash))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, wrap(op, notFound("no such session"))
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	return s, nil
}

// AllSessions calls fn for every stored session, oldest first. (For
// copying a store: the interface has no listing.)
func (db *DB) AllSessions(ctx context.Context, fn func(*cointally.Session) error) error {
	const op = "pgstore: sessions"
	rows, err := db.pool.Query(ctx, `SELECT `+sqlrow.SessionColumns+` FROM sessions ORDER BY created, token_hash`)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		s, err := sqlrow.Session(rows)
		if err != nil {
			return wrap(op, err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// TouchSession implements cointally.SessionStore.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return db.update(ctx, "pgstore: touch session", func(tx *tx) error {
		tag, err := tx.Exec(ctx, `UPDATE sessions SET last_seen = $1 WHERE token_hash = $2`, at.UnixNano(), tokenHash)
		if err != nil {
			return err
		}
		return mustAffect(tag, "no such session")
	})
}

// DeleteSession implements cointally.SessionStore.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.update(ctx, "pgstore: delete session", func(tx *tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
		return err
	})
}

// DeleteUserSessions implements cointally.SessionStore.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	var n int64
	err := db.update(ctx, "pgstore: delete user sessions", func(tx *tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// DeleteExpiredSessions implements cointally.SessionStore.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	var n int64
	err := db.update(ctx, "pgstore: delete expired sessions", func(tx *tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires < $1 OR last_seen < $2`,
			now.UnixNano(), now.Add(-idle).UnixNano())
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// AddLoginFailure implements cointally.SessionStore.
func (db *DB) AddLoginFailure(ctx context.Context, key string, at time.Time) error {
	const op = "pgstore: add login failure"
	if key == "" {
		return wrap(op, invalid("a login failure needs a key"))
	}
	return db.update(ctx, op, func(tx *tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE time < $1`, at.Add(-24*time.Hour).UnixNano()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO login_failures (key, time) VALUES ($1, $2)`, key, at.UnixNano())
		return err
	})
}

// LoginFailures implements cointally.SessionStore.
func (db *DB) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM login_failures WHERE key = $1 AND time >= $2`, key, since.UnixNano()).Scan(&n)
	if err != nil {
		return 0, wrap("pgstore: login failures", err)
	}
	return n, nil
}

// ClearLoginFailures implements cointally.SessionStore.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	return db.update(ctx, "pgstore: clear login failures", func(tx *tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM login_failures WHERE key = $1`, key)
		return err
	})
}
