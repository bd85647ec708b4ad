package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
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
	var stdout, stderr syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return h.vars[k] }, stdinIsTerminal: func() bool { return false },
		readPassword: func() ([]byte, error) { return nil, errors.New("no terminal") }, now: time.Now}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0", "--sync-interval", "24h"}, e) }()
	var addr string
	for addr == "" {
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if out := stdout.String(); strings.Contains(out, "http://") {
			addr = strings.Fields(out[strings.Index(out, "http://"):])[0]
		}
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	var all strings.Builder
	csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	var csrf string
	fetch := func(method, path string, form url.Values) (int, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if method == "POST" {
			form.Set("csrf_token", csrf)
			resp, err = client.PostForm(addr+path, form)
		} else {
			resp, err = client.Get(addr + path)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if m := csrfRE.FindSubmatch(b); m != nil {
			csrf = strings.ReplaceAll(string(m[1]), "&#43;", "+")
		}
		all.Write(b)
		return resp.StatusCode, resp.Request.URL.RequestURI() + "\n" + string(b)
	}
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
		if strings.Contains(all.String(), secretOf(k)) {
			t.Errorf("a response contained the private key of %s", k)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
}
