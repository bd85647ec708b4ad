package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/money"
	"github.com/cointally/cointally/web"
)

// rotatingConnector is the harness's connector that can also rotate keys:
// goodPrivate is accepted, otherPrivate is a key of another Kraken
// account, riskyPrivate and anything else fail as in the add form.
type rotatingConnector struct {
	*fakeConnector
	mu      sync.Mutex
	rotated []int64
}

const otherPrivate = "OTHER-ACCOUNT-PRIVATE-KEY-YW5vdGhlciBrcmFrZW4gYWNjb3VudA"

func (c *rotatingConnector) RotateKey(ctx context.Context, accountID int64, k web.KeyInput) (*cointally.Account, *web.AuditView, error) {
	if k.PrivateKey == otherPrivate {
		return nil, &web.AuditView{Method: "fake"}, &cointally.Error{Kind: cointally.KindConflict, Message: "The new key belongs to a different Kraken account."}
	}
	a, err := c.audit(k)
	if err != nil {
		return nil, nil, err
	}
	if a.Refused {
		return nil, a, &cointally.Error{Kind: cointally.KindInvalid, Message: "The key was not stored."}
	}
	acct, err := c.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, a, err
	}
	acct.KeyHint, acct.Status, acct.StatusReason = "new…", cointally.StatusOK, ""
	if err := c.store.UpdateAccount(ctx, acct); err != nil {
		return nil, a, err
	}
	c.mu.Lock()
	c.rotated = append(c.rotated, accountID)
	c.mu.Unlock()
	return acct, a, nil
}

// accountSetup is the harness with a rotating connector and a counting
// syncer, and a user alice with one account.
func accountSetup(t *testing.T, mod ...func(*web.Config)) (*env, *rotatingConnector, *countingSyncer, *cointally.User, *cointally.Account) {
	t.Helper()
	var rc *rotatingConnector
	var cs *countingSyncer
	e := setup(t, append([]func(*web.Config){func(c *web.Config) {
		rc = &rotatingConnector{fakeConnector: c.Connector.(*fakeConnector)}
		c.Connector = rc
		cs = &countingSyncer{Syncer: c.Syncer}
		c.Syncer = cs
	}}, mod...)...)
	alice := e.addUser("alice", "alice-password-1", false)
	acct := &cointally.Account{UserID: alice.ID, Name: "alice-kraken", Exchange: "kraken", Tier: "pro",
		Status: cointally.StatusNeedsNewKey, StatusReason: "The key was revoked.", KeyHint: "old…"}
	cred := &cointally.Credential{APIKeySealed: []byte("sealed"), PrivateKeySealed: []byte("sealed")}
	if err := e.store.CreateAccount(t.Context(), acct, cred); err != nil {
		t.Fatal(err)
	}
	return e, rc, cs, alice, acct
}

func TestAccountRotateKey(t *testing.T) {
	t.Parallel()
	e, rc, _, _, acct := accountSetup(t)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	page := fmt.Sprintf("/accounts/%d", acct.ID)
	rotate := page + "/rotate"
	body := b.get(page).Body.String()
	if !strings.Contains(body, `action="`+rotate+`"`) || !strings.Contains(body, `<details class="guide" id="rotate" open>`) {
		t.Fatal("the account page of a key in need offers no unfolded rotation form")
	}
	for _, tt := range []struct {
		name    string
		form    url.Values
		status  int
		want    string
		rotated int
	}{
		{"test", url.Values{"api_key": {"NEWKEY"}, "private_key": {goodPrivate}, "tier": {"pro"}, "action": {"test"}}, http.StatusOK, "This key is read-only", 0},
		{"no private key", url.Values{"api_key": {"NEWKEY"}, "tier": {"pro"}, "action": {"save"}}, http.StatusBadRequest, "Paste both", 0},
		{"bad tier", url.Values{"api_key": {"NEWKEY"}, "private_key": {goodPrivate}, "tier": {"gold"}, "action": {"save"}}, http.StatusBadRequest, "verification tier", 0},
		{"wrong key", url.Values{"api_key": {"NEWKEY"}, "private_key": {"WRONG-" + goodPrivate}, "tier": {"pro"}, "action": {"save"}}, http.StatusForbidden, "Kraken rejected the key", 0},
		{"risky key", url.Values{"api_key": {"NEWKEY"}, "private_key": {riskyPrivate}, "tier": {"pro"}, "action": {"save"}}, http.StatusBadRequest, "The key was not stored", 0},
		{"another Kraken account", url.Values{"api_key": {"NEWKEY"}, "private_key": {otherPrivate}, "tier": {"pro"}, "action": {"save"}}, http.StatusConflict, "different Kraken account", 0},
		{"save", url.Values{"api_key": {"NEWKEY"}, "private_key": {goodPrivate}, "tier": {"pro"}, "action": {"save"}}, http.StatusSeeOther, "", 1},
	} {
		w := b.post(rotate, tt.form)
		wantStatus(t, w, tt.status, tt.name)
		got := w.Body.String()
		if tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%s: page lacks %q", tt.name, tt.want)
		}
		for _, secret := range []string{goodPrivate, riskyPrivate, otherPrivate} {
			if strings.Contains(got, secret) {
				t.Errorf("%s: the private key was sent back", tt.name)
			}
		}
		if tt.status != http.StatusSeeOther && !strings.Contains(got, `value="NEWKEY"`) {
			t.Errorf("%s: the API key typed is not kept in the form", tt.name)
		}
		rc.mu.Lock()
		n := len(rc.rotated)
		rc.mu.Unlock()
		if n != tt.rotated {
			t.Errorf("%s: %d rotations, want %d", tt.name, n, tt.rotated)
		}
	}
	a, err := e.store.AccountByID(t.Context(), acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != cointally.StatusOK || a.KeyHint != "new…" {
		t.Errorf("after rotation: status %s, hint %s", a.Status, a.KeyHint)
	}
	if !strings.Contains(b.get(page+"?rotated=1").Body.String(), "The new key is stored") {
		t.Error("no notice after the rotation")
	}
}

func TestAccountRotateUnavailable(t *testing.T) {
	t.Parallel()
	e := setup(t) // the harness's connector cannot rotate
	alice := e.addUser("alice", "alice-password-1", false)
	acct := &cointally.Account{UserID: alice.ID, Name: "k", Exchange: "kraken"}
	if err := e.store.CreateAccount(t.Context(), acct, nil); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	page := fmt.Sprintf("/accounts/%d", acct.ID)
	if strings.Contains(b.get(page).Body.String(), "/rotate") {
		t.Error("rotation offered by a connector that cannot rotate")
	}
	wantStatus(t, b.post(page+"/rotate", url.Values{"api_key": {"K"}, "private_key": {goodPrivate}, "tier": {"pro"}}), http.StatusServiceUnavailable, "rotate")
}

func TestAccountRemove(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		data     string
		status   int
		location string
		remains  bool
		syncing  bool
	}{
		{"keep data", "keep", http.StatusSeeOther, "?removed=key", true, false},
		{"delete data", "delete", http.StatusSeeOther, "/?removed=account", false, false},
		{"no choice", "", http.StatusBadRequest, "", true, false},
		{"while syncing", "delete", http.StatusConflict, "", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _, _, _, acct := accountSetup(t, func(c *web.Config) {
				if !tt.syncing {
					c.Syncer = idleSyncer{c.Syncer}
				}
			})
			b := e.browser()
			b.mustLogin("alice", "alice-password-1")
			page := fmt.Sprintf("/accounts/%d", acct.ID)
			b.get(page)
			// The first step only asks.
			w := b.post(page+"/remove", nil)
			wantStatus(t, w, http.StatusOK, "remove, first step")
			if !strings.Contains(w.Body.String(), `name="confirm" value="yes"`) || !strings.Contains(w.Body.String(), "Remove only the key") {
				t.Fatal("no confirmation step")
			}
			if _, err := e.store.AccountByID(t.Context(), acct.ID); err != nil {
				t.Fatalf("the first step removed the account: %v", err)
			}
			w = b.post(page+"/remove", url.Values{"confirm": {"yes"}, "data": {tt.data}})
			wantStatus(t, w, tt.status, "remove, confirmed")
			if tt.location != "" && !strings.HasSuffix(w.Header().Get("Location"), tt.location) {
				t.Errorf("redirect to %q, want …%s", w.Header().Get("Location"), tt.location)
			}
			a, err := e.store.AccountByID(t.Context(), acct.ID)
			if tt.remains != (err == nil) {
				t.Fatalf("account remains: %v, want %v", err == nil, tt.remains)
			}
			if tt.data == "keep" && tt.remains {
				if a.Status != cointally.StatusNoKey || a.KeyHint != "" {
					t.Errorf("kept account: status %s, hint %q", a.Status, a.KeyHint)
				}
				if _, err := e.store.Credential(t.Context(), acct.ID); !cointally.IsNotFound(err) {
					t.Errorf("the key survived: %v", err)
				}
			}
			if !tt.remains {
				wantStatus(t, b.get(page), http.StatusNotFound, "removed account")
			}
		})
	}
}

func TestAccountHistoryAndNextSync(t *testing.T) {
	t.Parallel()
	e, _, _, alice, acct := accountSetup(t)
	acct.Status, acct.StatusReason = cointally.StatusOK, ""
	acct.LastSync = time.Date(2025, 6, 1, 11, 0, 0, 0, time.UTC)
	if err := e.store.UpdateAccount(t.Context(), acct); err != nil {
		t.Fatal(err)
	}
	finishRun(t, e, acct.ID, cointally.OutcomeFailed, false, "", "Kraken could not be reached (timeout).")
	finishRun(t, e, acct.ID, cointally.OutcomeInterrupted, false, "")
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	page := fmt.Sprintf("/accounts/%d", acct.ID)
	body := b.get(page).Body.String()
	for _, want := range []string{
		"Kraken could not be reached (timeout).",
		"The sync stopped before it finished (see below); the next sync continues where it left off.",
		"The server stopped during this sync",
		"due 2025-06-01 11:15 UTC", // the server's 15 minutes
	} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	if err := e.store.PutSetting(t.Context(), alice.ID, cointally.SettingSyncInterval, "2h"); err != nil {
		t.Fatal(err)
	}
	if body := b.get(page).Body.String(); !strings.Contains(body, "due 2025-06-01 13:00 UTC") || !strings.Contains(body, "every 2h") {
		t.Error("the user's sync interval setting does not set the next sync")
	}
}

// TestAccountReconcileCached: the completeness proof and the unknown
// entries are computed once per state of the ledger and the runs, not per
// request.
func TestAccountReconcileCached(t *testing.T) {
	t.Parallel()
	e, _, cs, _, acct := accountSetup(t)
	// The harness's syncer reports a sync running; this one is idle.
	cs.Syncer = idleSyncer{cs.Syncer}
	put := func(id, typ string, unknown bool) {
		t.Helper()
		en := cointally.Entry{ID: id, RefID: "R" + id, Time: time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), Type: typ, Asset: "XXBT",
			Amount: money.MustParse("0.5"), Balance: money.MustParse("0.5"), HasBalance: true, Source: cointally.SourceAPI, Unknown: unknown}
		if _, err := e.store.PutEntries(t.Context(), acct.ID, []cointally.Entry{en}, nil); err != nil {
			t.Fatal(err)
		}
	}
	put("L-KNOWN", "deposit", false)
	put("L-ODD-1", "newfangled", true)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	page := fmt.Sprintf("/accounts/%d", acct.ID)
	for i := range 3 {
		body := b.get(page).Body.String()
		if !strings.Contains(body, "<strong>complete</strong>") {
			t.Fatalf("view %d lacks the proof", i)
		}
		if !strings.Contains(body, "<code>L-ODD-1</code>") || strings.Contains(body, "<code>L-KNOWN</code>") || !strings.Contains(body, "1 ledger entries have a type") {
			t.Errorf("view %d: the unknown entries are not listed right", i)
		}
	}
	if n := cs.count(); n != 1 {
		t.Errorf("%d reconciliations for 3 views of an unchanged account, want 1", n)
	}
	put("L-ODD-2", "newfangled", true)
	if body := b.get(page).Body.String(); !strings.Contains(body, "<code>L-ODD-2</code>") || !strings.Contains(body, "2 ledger entries have a type") {
		t.Error("a new unknown entry is not listed")
	}
	b.get(page)
	if n := cs.count(); n != 2 {
		t.Errorf("%d reconciliations after new entries, want 2", n)
	}
	finishRun(t, e, acct.ID, cointally.OutcomeOK, true, "complete")
	b.get(page)
	b.get(page)
	if n := cs.count(); n != 3 {
		t.Errorf("%d reconciliations after a new run, want 3", n)
	}
}

type idleSyncer struct{ web.Syncer }

func (idleSyncer) Progress(int64) web.ProgressView { return web.ProgressView{} }

// scriptedSyncer reports a sync that advances by one page per Progress
// call and ends after steps calls.
type scriptedSyncer struct {
	web.Syncer
	mu    sync.Mutex
	calls int
	steps int
}

func (s *scriptedSyncer) Progress(int64) web.ProgressView {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls > s.steps {
		return web.ProgressView{}
	}
	return web.ProgressView{Running: true, Stream: "ledger", Phase: "paging", Items: 50 * s.calls, Total: 50 * s.steps, ETA: 3 * time.Second}
}

// sse reads server-sent events from body until EOF or limit events.
func sse(t *testing.T, r *bufio.Reader, limit int) (names, data []string) {
	t.Helper()
	var name string
	for len(names) < limit {
		line, err := r.ReadString('\n')
		if err != nil {
			return names, data
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			names, data = append(names, name), append(data, strings.TrimPrefix(line, "data: "))
		}
	}
	return names, data
}

func TestAccountEvents(t *testing.T) {
	t.Parallel()
	script := &scriptedSyncer{steps: 3}
	e, _, _, _, acct := accountSetup(t, func(c *web.Config) {
		script.Syncer = c.Syncer
		c.Syncer = script
	})
	e.addUser("bob", "bob-password-12", false)
	srv := httptest.NewServer(e.srv) // a real server on 127.0.0.1
	t.Cleanup(srv.Close)
	open := func(who, pw string) *http.Response {
		b := e.browser()
		b.mustLogin(who, pw)
		script.mu.Lock()
		script.calls = 0 // the dashboard after login asked too
		script.mu.Unlock()
		req, err := http.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("%s/accounts/%d/events", srv.URL, acct.ID), nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range b.cookies {
			req.AddCookie(c)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	// Another user gets 404 and no stream.
	if resp := open("bob", "bob-password-12"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("bob's stream of alice's account: %d", resp.StatusCode)
	}

	start := time.Now()
	resp := open("alice", "alice-password-1")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	names, data := sse(t, bufio.NewReader(resp.Body), 10)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the stream took %s", took)
	}
	want := []string{"progress", "progress", "progress", "done"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("events %v, want %v (data %v)", names, want, data)
	}
	for i, w := range []string{`"items":50,"added":0,"total":150,"eta_seconds":3,"percent":33`, `"items":100`, `"items":150`, `"running":false`} {
		if !strings.Contains(data[i], w) {
			t.Errorf("event %d data %s lacks %s", i, data[i], w)
		}
	}
	if !strings.Contains(data[0], `"text":"Syncing ledger: paging, 50 items of 150, about 3s left."`) {
		t.Errorf("progress text: %s", data[0])
	}
}

// TestAccountEventsDisconnect: a client that goes away ends its stream.
func TestAccountEventsDisconnect(t *testing.T) {
	t.Parallel()
	e, _, _, _, acct := accountSetup(t) // the harness's syncer runs forever
	srv := httptest.NewServer(e.srv)
	t.Cleanup(srv.Close)
	b := e.browser()
	b.mustLogin("alice", "alice-password-1")
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/accounts/%d/events", srv.URL, acct.ID), nil)
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := sse(t, bufio.NewReader(resp.Body), 1)
	if len(names) != 1 || names[0] != "progress" {
		t.Fatalf("first event %v", names)
	}
	cancel()
	resp.Body.Close()
	// The server's handler returns: Close waits for every connection's
	// handler, so it would hang (and the test time out) if the stream
	// kept running.
	done := make(chan struct{})
	go func() { srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream outlived its client")
	}
}
