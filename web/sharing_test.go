package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cointally/cointally"
	"github.com/cointally/cointally/web"
)

// shareSetup: alice owns an account; bob is her accountant; carol is
// nobody to her.
func shareSetup(t *testing.T) (e *env, rep *portfolioReports, rc *rotatingConnector, alice, bob *cointally.User, acct *cointally.Account) {
	t.Helper()
	rep = &portfolioReports{view: readyPortfolio()}
	e, rc, _, alice, acct = accountSetup(t, func(c *web.Config) { c.Reports = rep })
	bob = e.addUser("bob", "bob-password-12", false)
	e.addUser("carol", "carol-password", false)
	return e, rep, rc, alice, bob, acct
}

func TestSharingGrantAndRevoke(t *testing.T) {
	t.Parallel()
	e, _, _, alice, bob, _ := shareSetup(t)
	a := e.browser()
	a.mustLogin("alice", "alice-password-1")
	wantStatus(t, a.get("/sharing"), http.StatusOK, "sharing page")
	for _, tt := range []struct {
		name, user string
		status     int
		want       string
	}{
		{"empty", "", http.StatusBadRequest, "Type the user name"},
		{"unknown", "mallory", http.StatusBadRequest, "There is no user named &#34;mallory&#34;"},
		{"local user", cointally.LocalUserName, http.StatusBadRequest, "who can log in"},
		{"self", "alice", http.StatusBadRequest, "You can see your own data already."},
		{"bob", "bob", http.StatusSeeOther, ""},
		{"bob again", "bob", http.StatusSeeOther, ""},
	} {
		if tt.user == cointally.LocalUserName {
			if _, err := e.store.EnsureLocalUser(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		w := a.post("/sharing/grant", url.Values{"username": {tt.user}})
		wantStatus(t, w, tt.status, "grant "+tt.name)
		if tt.want != "" && !strings.Contains(w.Body.String(), tt.want) {
			t.Errorf("grant %s: page lacks %q", tt.name, tt.want)
		}
	}
	grants, err := e.store.GrantsBy(t.Context(), alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(grants) != 1 || grants[0].ViewerID != bob.ID {
		t.Fatalf("grants %+v", grants)
	}
	if !strings.Contains(a.get("/sharing?done=granted").Body.String(), "<td>bob</td>") {
		t.Error("alice's sharing page does not list bob")
	}
	b := e.browser()
	b.mustLogin("bob", "bob-password-12")
	if body := b.get("/sharing").Body.String(); !strings.Contains(body, fmt.Sprintf(`href="/?as=%d"`, alice.ID)) || !strings.Contains(body, "<strong>alice</strong>") {
		t.Error("bob's sharing page does not offer alice's data")
	}
	wantStatus(t, b.get(fmt.Sprintf("/?as=%d", alice.ID)), http.StatusOK, "bob views alice's dashboard")
	// Bob cannot take the grant back himself (it is alice's), nor grant
	// alice's data onwards: his grants concern his own data only.
	b.get("/sharing")
	wantStatus(t, b.post("/sharing/revoke", url.Values{"viewer": {fmt.Sprint(bob.ID)}}), http.StatusSeeOther, "bob revokes a grant he does not own")
	if g, _ := e.store.GrantsBy(t.Context(), alice.ID); len(g) != 1 {
		t.Error("bob removed alice's grant")
	}
	a.get("/sharing")
	wantStatus(t, a.post("/sharing/revoke", url.Values{"viewer": {fmt.Sprint(bob.ID)}}), http.StatusSeeOther, "alice revokes")
	wantStatus(t, a.post("/sharing/revoke", url.Values{"viewer": {"x"}}), http.StatusBadRequest, "revoke without a viewer")
	wantStatus(t, b.get(fmt.Sprintf("/?as=%d", alice.ID)), http.StatusNotFound, "bob after the revocation")
}

// TestSharingReadOnly: with a grant the viewer reads the owner's dashboard
// and accounts, sees no action, and every state-changing route refuses.
func TestSharingReadOnly(t *testing.T) {
	t.Parallel()
	e, rep, rc, alice, bob, acct := shareSetup(t)
	if err := e.store.PutGrant(t.Context(), alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.mustLogin("bob", "bob-password-12")
	dash := b.get(fmt.Sprintf("/?as=%d", alice.ID))
	wantStatus(t, dash, http.StatusOK, "alice's dashboard for bob")
	body := dash.Body.String()
	for _, want := range []string{"alice-kraken", "€12,345.68", "You are viewing <strong>alice</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("bob's view of alice's dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, `href="/accounts/new"`) && strings.Contains(body, "Add an exchange") {
		t.Error("the read-only dashboard offers to add an exchange")
	}
	if got, want := rep.lastCall(), fmt.Sprintf("%d/EUR", alice.ID); got != want {
		t.Errorf("Portfolio called as %q, want alice's %q", got, want)
	}
	// Bob's own dashboard does not show alice's account.
	if strings.Contains(b.get("/").Body.String(), "alice-kraken") {
		t.Error("bob's own dashboard shows alice's account")
	}

	page := fmt.Sprintf("/accounts/%d", acct.ID)
	w := b.get(page)
	wantStatus(t, w, http.StatusOK, "alice's account for bob")
	body = w.Body.String()
	for _, bad := range []string{page + "/sync", page + "/rotate", page + "/remove", "Sync now"} {
		if strings.Contains(body, bad) {
			t.Errorf("the read-only account page offers %q", bad)
		}
	}
	wantStatus(t, b.get(page+"/progress"), http.StatusOK, "progress for bob")

	// Every state-changing route refuses, with a valid CSRF token.
	form := url.Values{"api_key": {"K"}, "private_key": {goodPrivate}, "tier": {"pro"}, "action": {"save"}, "confirm": {"yes"}, "data": {"delete"}}
	for _, path := range []string{page + "/sync", page + "/rotate", page + "/remove"} {
		b.get("/")
		w := b.post(path, form)
		wantStatus(t, w, http.StatusForbidden, "bob POST "+path)
		if strings.Contains(w.Body.String(), goodPrivate) {
			t.Errorf("POST %s sent the private key back", path)
		}
	}
	for _, path := range []string{"/sharing/grant", "/sharing/revoke", "/accounts/new"} {
		b.get("/")
		wantStatus(t, b.post(fmt.Sprintf("%s?as=%d", path, alice.ID), url.Values{"username": {"carol"}, "viewer": {fmt.Sprint(bob.ID)}, "name": {"x"}, "api_key": {"K"}, "private_key": {goodPrivate}, "tier": {"pro"}}),
			http.StatusForbidden, "bob POST "+path+"?as=alice")
	}
	if len(e.syncer.started) != 0 {
		t.Errorf("bob started syncs: %v", e.syncer.started)
	}
	if len(rc.rotated) != 0 {
		t.Errorf("bob rotated keys: %v", rc.rotated)
	}
	if _, err := e.store.AccountByID(t.Context(), acct.ID); err != nil {
		t.Errorf("alice's account is gone: %v", err)
	}
	if g, _ := e.store.GrantsBy(t.Context(), bob.ID); len(g) != 0 {
		t.Errorf("bob granted access through ?as: %+v", g)
	}
}

// TestSharingIsolation: without a grant nothing of the owner's shows, and
// every answer is the same 404 as for something that does not exist.
func TestSharingIsolation(t *testing.T) {
	t.Parallel()
	e, rep, _, alice, bob, acct := shareSetup(t)
	// alice shares with bob, not with carol; carol shares with alice,
	// which gives bob nothing of carol's.
	if err := e.store.PutGrant(t.Context(), alice.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	c.mustLogin("carol", "carol-password")
	missing := c.get("/accounts/999999").Body.String()
	page := fmt.Sprintf("/accounts/%d", acct.ID)
	for _, path := range []string{
		fmt.Sprintf("/?as=%d", alice.ID), fmt.Sprintf("/?as=%d", bob.ID), "/?as=999999", "/?as=abc",
		page, page + "/progress", page + "/events",
	} {
		w := c.get(path)
		wantStatus(t, w, http.StatusNotFound, "carol GET "+path)
		if strings.Contains(w.Body.String(), "alice") {
			t.Errorf("carol GET %s shows alice's data", path)
		}
	}
	if got := c.get(page).Body.String(); got != missing {
		t.Error("alice's account answers carol differently from a missing one")
	}
	for _, path := range []string{page + "/sync", page + "/rotate", page + "/remove"} {
		c.get("/")
		wantStatus(t, c.post(path, url.Values{"confirm": {"yes"}, "data": {"delete"}}), http.StatusNotFound, "carol POST "+path)
	}
	rep.mu.Lock()
	defer rep.mu.Unlock()
	for _, call := range rep.calls {
		if strings.HasPrefix(call, fmt.Sprintf("%d/", alice.ID)) {
			t.Errorf("alice's portfolio was computed for carol (%s)", call)
		}
	}
}
