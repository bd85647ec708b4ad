package sqlstore_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlstore"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlstore.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &cointally.User{Name: "alice", PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	hash := bytes.Repeat([]byte{7}, 32)
	s := &cointally.Session{TokenHash: hash, UserID: u.ID, CSRFToken: "c", Created: t0, Expires: t0.Add(time.Hour), Address: "127.0.0.1"}
	for _, bad := range []*cointally.Session{
		{TokenHash: hash[:5], UserID: u.ID, CSRFToken: "c", Expires: t0},
		{TokenHash: hash, UserID: u.ID, Expires: t0},
		{TokenHash: hash, UserID: u.ID, CSRFToken: "c"},
	} {
		if err := db.CreateSession(ctx, bad); cointally.KindOf(err) != cointally.KindInvalid {
			t.Errorf("CreateSession(%+v) = %v, want invalid", bad, err)
		}
	}
	if err := db.CreateSession(ctx, &cointally.Session{TokenHash: bytes.Repeat([]byte{8}, 32), UserID: 999, CSRFToken: "c", Expires: t0}); !cointally.IsNotFound(err) {
		t.Errorf("session of a missing user: %v", err)
	}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSession(ctx, s); cointally.KindOf(err) != cointally.KindConflict {
		t.Errorf("duplicate session: %v", err)
	}
	got, err := db.Session(ctx, hash)
	if err != nil || got.UserID != u.ID || !got.LastSeen.Equal(t0) || !got.Expires.Equal(t0.Add(time.Hour)) || got.CSRFToken != "c" {
		t.Fatalf("Session = %+v, %v", got, err)
	}
	if err := db.TouchSession(ctx, hash, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Session(ctx, hash); !got.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Errorf("LastSeen after touch = %v", got.LastSeen)
	}
	if n, err := db.DeleteExpiredSessions(ctx, t0.Add(30*time.Minute), time.Hour); n != 0 || err != nil {
		t.Errorf("DeleteExpiredSessions early = %d, %v", n, err)
	}
	if n, err := db.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour), 24*time.Hour); n != 1 || err != nil {
		t.Errorf("DeleteExpiredSessions late = %d, %v", n, err)
	}
	if _, err := db.Session(ctx, hash); !cointally.IsNotFound(err) {
		t.Errorf("expired session still found: %v", err)
	}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteUserSessions(ctx, u.ID); n != 1 || err != nil {
		t.Errorf("DeleteUserSessions = %d, %v", n, err)
	}
	if err := db.DeleteSession(ctx, hash); err != nil {
		t.Errorf("deleting a missing session: %v", err)
	}
	if err := db.TouchSession(ctx, hash, t0); !cointally.IsNotFound(err) {
		t.Errorf("touching a missing session: %v", err)
	}

	// Login failures.
	for i := range 3 {
		if err := db.AddLoginFailure(ctx, "user:alice", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.AddLoginFailure(ctx, "", t0); cointally.KindOf(err) != cointally.KindInvalid {
		t.Errorf("empty key: %v", err)
	}
	if n, _ := db.LoginFailures(ctx, "user:alice", t0.Add(time.Minute)); n != 2 {
		t.Errorf("LoginFailures since +1m = %d, want 2", n)
	}
	if n, _ := db.LoginFailures(ctx, "user:bob", t0); n != 0 {
		t.Errorf("LoginFailures of bob = %d", n)
	}
	// A failure a day later forgets the old ones.
	if err := db.AddLoginFailure(ctx, "addr:x", t0.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.LoginFailures(ctx, "user:alice", t0); n != 0 {
		t.Errorf("failures older than a day kept: %d", n)
	}
	if err := db.ClearLoginFailures(ctx, "addr:x"); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.LoginFailures(ctx, "addr:x", t0); n != 0 {
		t.Errorf("after clear: %d", n)
	}
}
