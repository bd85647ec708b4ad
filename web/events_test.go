package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/sqlstore"
)

// busySyncer reports a sync that never ends.
type busySyncer struct{ Syncer }

func (busySyncer) Progress(int64) ProgressView {
	return ProgressView{Running: true, Stream: "ledger", Phase: "paging", Items: 7}
}

type noConnector struct{ Connector }

// TestEventsLifetime: a stream of a sync that never ends is closed after
// its lifetime, with heartbeats in between.
func TestEventsLifetime(t *testing.T) {
	t.Parallel()
	st, err := sqlstore.Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(Config{Store: st, Sessions: st, Connector: noConnector{}, Syncer: busySyncer{}})
	if err != nil {
		t.Fatal(err)
	}
	u := &cointally.User{Name: "alice"}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	a := &cointally.Account{UserID: u.ID, Name: "k", Exchange: "kraken"}
	if err := st.CreateAccount(t.Context(), a, nil); err != nil {
		t.Fatal(err)
	}
	p := newAccountPages(s)
	p.tick, p.heartbeat, p.life = 5*time.Millisecond, 20*time.Millisecond, 200*time.Millisecond
	req := httptest.NewRequestWithContext(context.WithValue(t.Context(), requestKey, &request{user: u}), "GET", "/accounts/"+strconv.FormatInt(a.ID, 10)+"/events", nil)
	req.SetPathValue("id", strconv.FormatInt(a.ID, 10))
	w := httptest.NewRecorder()
	start := time.Now()
	p.events(w, req)
	took := time.Since(start)
	if took < p.life || took > p.life+2*time.Second {
		t.Errorf("the stream lived %s, want about %s", took, p.life)
	}
	body := w.Body.String()
	if n := strings.Count(body, "event: progress"); n != 1 {
		t.Errorf("%d progress events for a state that did not change, want 1:\n%s", n, body)
	}
	if n := strings.Count(body, ": keep-alive"); n < 3 {
		t.Errorf("%d heartbeats in %s, want several", n, took)
	}
	if strings.Contains(body, "event: done") {
		t.Error("a stream that timed out says done")
	}
	if w.Code != http.StatusOK || !strings.HasPrefix(body, "retry: 2000\n\n") {
		t.Errorf("status %d, body starts %q", w.Code, body[:min(len(body), 20)])
	}
}
