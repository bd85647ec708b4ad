package web_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"testing"
	"time"

	"github.com/cointally/cointally"
)

func TestSweepSessions(t *testing.T) {
	t.Parallel()
	e := setup(t)
	alice := e.addUser("alice", "alice-password-1", false)
	now := e.now
	sessions := map[string]*cointally.Session{
		"live":    {LastSeen: now.Add(-time.Hour), Expires: now.Add(24 * time.Hour)},
		"expired": {LastSeen: now.Add(-time.Minute), Expires: now.Add(-time.Second)},
		"idle":    {LastSeen: now.Add(-13 * time.Hour), Expires: now.Add(24 * time.Hour)},
	}
	for name, s := range sessions {
		h := sha256.Sum256([]byte(name))
		s.TokenHash, s.UserID, s.CSRFToken, s.Created = h[:], alice.ID, "csrf-"+name, now.Add(-14*time.Hour)
		if err := e.store.CreateSession(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		_, err := e.store.Session(t.Context(), sessions[name].TokenHash)
		if err != nil && !cointally.IsNotFound(err) {
			t.Fatal(err)
		}
		return err == nil
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.srv.SweepSessions(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(5 * time.Second)
	for exists("expired") || exists("idle") {
		if time.Now().After(deadline) {
			t.Fatal("ended sessions were not deleted within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !exists("live") {
		t.Error("the sweeper deleted a live session")
	}
	// Sessions that end later are swept on a later tick.
	e.advance(25 * time.Hour)
	for exists("live") {
		if time.Now().After(deadline) {
			t.Fatal("a session that ended later was not deleted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("SweepSessions returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("SweepSessions did not stop after its context ended")
	}
}
