package cointally

import (
	"context"
	"time"
)

// Session is a logged-in browser. The browser holds a random token; the
// store keeps only its SHA-256 hash, so a copy of the database does not let
// anyone log in.
type Session struct {
	// TokenHash is the SHA-256 of the token in the browser's cookie (32
	// bytes); it identifies the session.
	TokenHash []byte
	UserID    int64
	// CSRFToken is the token every state-changing form of the session must
	// carry (random, not derived from the session token).
	CSRFToken string
	Created   time.Time
	LastSeen  time.Time // for the idle timeout
	Expires   time.Time // the absolute end of the session
	// Address and UserAgent are where the session was opened from, shown
	// to the user; they are not checked.
	Address   string
	UserAgent string
}

// SessionStore keeps web sessions and failed login attempts, so several
// processes serving the same store share them.
type SessionStore interface {
	// CreateSession stores s. It sets s.Created and s.LastSeen (from the
	// store's clock when zero). KindInvalid if s.TokenHash is not 32 bytes,
	// s.CSRFToken is empty or s.Expires is zero; KindNotFound if the user
	// does not exist; KindConflict if the hash is stored already.
	CreateSession(ctx context.Context, s *Session) error

	// Session returns the session with the token hash; KindNotFound if there
	// is none. It does not judge expiry: the caller compares Expires and
	// LastSeen with its clock and policy.
	Session(ctx context.Context, tokenHash []byte) (*Session, error)

	// TouchSession sets the session's LastSeen to at; KindNotFound if there
	// is no such session.
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error

	// DeleteSession removes the session (logout). No such session is not
	// an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error

	// DeleteUserSessions removes every session of the user (password
	// change, user removed) and returns how many it removed.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)

	// DeleteExpiredSessions removes the sessions whose Expires is before
	// now, or whose LastSeen is before now minus idle, and returns how many
	// it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)

	// AddLoginFailure records a failed login for key (such as "user:alice"
	// or "addr:192.0.2.1") at time at, and forgets failures older than a
	// day. KindInvalid if key is empty.
	AddLoginFailure(ctx context.Context, key string, at time.Time) error

	// LoginFailures returns the number of failed logins recorded for key
	// at or after since (0 if none).
	LoginFailures(ctx context.Context, key string, since time.Time) (int, error)

	// ClearLoginFailures forgets the failures recorded for key (after a
	// successful login). None is not an error.
	ClearLoginFailures(ctx context.Context, key string) error
}
