package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestServeWebRotateAndRemove drives the account page of `cointally serve`
// against krakensim: a key of another Kraken account and a key that can
// withdraw are refused, a second key of the same account replaces the
// first, and removing the key keeps the history.
func TestServeWebRotateAndRemove(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustRun("alice-web-password\n", "user", "add", "alice")
	srv := startServe(t, h)
	fetch := srv.fetch
	fetch("GET", "/login", nil)
	if code, _ := fetch("POST", "/login", url.Values{"username": {"alice"}, "password": {"alice-web-password"}}); code != 200 {
		t.Fatalf("login: %d", code)
	}
	fetch("GET", "/accounts/new", nil)
	first := "alice-read-only-key-0001"
	code, body := fetch("POST", "/accounts/new", url.Values{"name": {"alice"}, "api_key": {first}, "private_key": {secretOf(first)}, "tier": {"pro"}, "action": {"save"}})
	if code != 200 || !strings.HasPrefix(body, "/accounts/") {
		t.Fatalf("add: %d\n%s", code, body)
	}
	page := strings.SplitN(body, "\n", 2)[0]
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(body, `data-running="false"`) || !strings.Contains(body, "status-ok\">ok</span></td>") {
		if time.Now().After(deadline) {
			t.Fatalf("the first import did not finish:\n%s", body)
		}
		time.Sleep(200 * time.Millisecond)
		_, body = fetch("GET", page, nil)
	}
	rotate := func(key string) (int, string) {
		return fetch("POST", page+"/rotate", url.Values{"api_key": {key}, "private_key": {secretOf(key)}, "tier": {"pro"}, "action": {"save"}})
	}
	for _, tt := range []struct {
		key    string
		status int
		want   string
	}{
		{"bob-read-only-key-0007", http.StatusConflict, "different Kraken account"},
		{"alice-withdraw-key-0003", http.StatusBadRequest, "The key was not stored"},
		{"alice-second-key-0002", http.StatusOK, "The new key is stored"},
	} {
		code, body := rotate(tt.key)
		if code != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("rotate to %s: %d, want %d with %q\n%s", tt.key, code, tt.status, tt.want, body)
		}
	}
	if _, body := fetch("GET", page, nil); !strings.Contains(body, "<code>alic…0002</code>") {
		t.Errorf("the account does not show the new key's hint:\n%s", body)
	}
	// The new key works: a sync with it succeeds.
	fetch("POST", page+"/sync", url.Values{})
	deadline = time.Now().Add(60 * time.Second)
	for {
		_, body = fetch("GET", page, nil)
		if strings.Contains(body, `data-running="false"`) && strings.Count(body, "status-ok\">ok</span></td>") >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sync with the new key did not finish:\n%s", body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := fetch("POST", page+"/remove", url.Values{}); code != 200 || !strings.Contains(body, "Remove only the key") {
		t.Fatalf("remove, first step: %d\n%s", code, body)
	}
	if code, body := fetch("POST", page+"/remove", url.Values{"confirm": {"yes"}, "data": {"keep"}}); code != 200 || !strings.Contains(body, "The key is removed") || !strings.Contains(body, "status-no-key") {
		t.Fatalf("remove, keep data: %d\n%s", code, body)
	}
	for _, k := range []string{first, "alice-second-key-0002", "alice-withdraw-key-0003", "bob-read-only-key-0007"} {
		if strings.Contains(srv.all.String(), secretOf(k)) {
			t.Errorf("a response contained the private key of %s", k)
		}
	}
	srv.stop()
}
