package kraken

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		class    Class
		sentinel error
		category string
		message  string
		extra    string
	}{
		{"EAPI:Invalid key", ClassInvalidKey, ErrInvalidKey, "API", "Invalid key", ""},
		{"EAPI:Invalid signature", ClassInvalidSignature, ErrInvalidSignature, "API", "Invalid signature", ""},
		{"EAPI:Invalid nonce", ClassNonce, ErrInvalidNonce, "API", "Invalid nonce", ""},
		{"EAPI:Rate limit exceeded", ClassRateLimit, ErrRateLimited, "API", "Rate limit exceeded", ""},
		{"EGeneral:Too many requests", ClassRateLimit, ErrRateLimited, "General", "Too many requests", ""},
		{"EAuth:Too many requests", ClassRateLimit, ErrRateLimited, "Auth", "Too many requests", ""},
		{"EService: Throttled: 1688669448", ClassThrottled, ErrRateLimited, "Service", "Throttled", "1688669448"},
		{"EService:Unavailable", ClassTransient, ErrUnavailable, "Service", "Unavailable", ""},
		{"EService:Busy", ClassTransient, ErrUnavailable, "Service", "Busy", ""},
		{"EGeneral:Internal error:12345", ClassTransient, ErrUnavailable, "General", "Internal error", "12345"},
		{"EDatabase:Internal error", ClassTransient, ErrUnavailable, "Database", "Internal error", ""},
		{"EGeneral:Temporary lockout", ClassLockout, ErrLockout, "General", "Temporary lockout", ""},
		{"EGeneral:Permission denied", ClassPermissionDenied, ErrPermissionDenied, "General", "Permission denied", ""},
		{"EGeneral:Invalid arguments:ordertype", ClassInvalidArguments, ErrInvalidArguments, "General", "Invalid arguments", "ordertype"},
		{"EQuery:Unknown asset pair", ClassInvalidArguments, ErrInvalidArguments, "Query", "Unknown asset pair", ""},
		{"EGeneral:Unknown method", ClassUnknownMethod, ErrUnknownMethod, "General", "Unknown method", ""},
		{"EAuth:Account temporary disabled", ClassAccountRestricted, ErrAccountRestricted, "Auth", "Account temporary disabled", ""},
		{"ETrade:User Locked", ClassAccountRestricted, ErrAccountRestricted, "Trade", "User Locked", ""},
		{"EOrder:Insufficient funds", ClassRejected, ErrRejected, "Order", "Insufficient funds", ""},
		{"EOrder:Reduce only:Non-PC", ClassRejected, ErrRejected, "Order", "Reduce only", "Non-PC"},
		{"EEarnings:Permission denied:The user's tier is not high enough", ClassRejected, ErrRejected, "Earnings", "Permission denied", "The user's tier is not high enough"},
		{"ENew:Something", ClassUnknown, nil, "New", "Something", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			e := newAPIError("Ledgers", 200, []string{tt.in})
			if e.Class != tt.class || e.Category != tt.category || e.Message != tt.message || e.Extra != tt.extra || e.Severity != "E" {
				t.Errorf("got class %v %q/%q/%q, want %v %q/%q/%q", e.Class, e.Category, e.Message, e.Extra, tt.class, tt.category, tt.message, tt.extra)
			}
			if tt.sentinel != nil && !errors.Is(e, tt.sentinel) {
				t.Errorf("errors.Is(%v) = false", tt.sentinel)
			}
			for _, other := range []error{ErrInvalidKey, ErrPermissionDenied, ErrInvalidNonce, ErrRateLimited, ErrUnavailable, ErrLockout, ErrUnknownMethod} {
				if other != tt.sentinel && errors.Is(e, other) {
					t.Errorf("also matches %v", other)
				}
			}
			if e.UserMessage() == "" {
				t.Error("empty UserMessage")
			}
		})
	}
}

func TestThrottledRetryAt(t *testing.T) {
	t.Parallel()
	e := newAPIError("Balance", 200, []string{"EService: Throttled: 1688669448"})
	if want := time.Unix(1688669448, 0).UTC(); !e.RetryAt.Equal(want) {
		t.Errorf("RetryAt = %v, want %v", e.RetryAt, want)
	}
	if !strings.Contains(e.UserMessage(), "Thu, 06 Jul 2023") {
		t.Errorf("UserMessage %q does not say until when", e.UserMessage())
	}
}

// Every documented error string gets a class, so none falls through to
// "unknown".
func TestDocumentedErrorsAreClassified(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"spot-errors.txt", "earn-errors.txt", "rest-ratelimit-errors.txt"} {
		sc := bufio.NewScanner(bytes.NewReader(example(t, file)))
		lines := 0
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			lines++
			// Expand the docs' placeholders.
			line = strings.ReplaceAll(line, "[:<code>]", ":123")
			line = strings.ReplaceAll(line, "[UNIX timestamp]", "1688669448")
			if e := newAPIError("X", 200, []string{line}); e.Class == ClassUnknown {
				t.Errorf("%s: %q is not classified", file, line)
			}
		}
		if lines == 0 {
			t.Errorf("%s: no lines", file)
		}
	}
}

func TestWarningsOnlyIsNoError(t *testing.T) {
	t.Parallel()
	if e := newAPIError("X", 200, []string{"WDatabase:No change"}); e != nil {
		t.Errorf("warnings only gave error %v", e)
	}
	e := newAPIError("X", 200, []string{"WDatabase:No change", "EAPI:Invalid key"})
	if e.Class != ClassInvalidKey || len(e.Warnings) != 1 || len(e.Errors) != 1 {
		t.Errorf("mixed: %+v", e)
	}
}

func TestUserMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		endpoint, in string
		want         []string
	}{
		{"Balance", "EAPI:Invalid key", []string{"pasted the API key", "revoked"}},
		{"Balance", "EAPI:Invalid signature", []string{"private key does not belong to this API key", "copied incompletely"}},
		{"Ledgers", "EGeneral:Permission denied", []string{`"Query Ledger Entries"`, "Ledgers"}},
		{"TradesHistory", "EGeneral:Permission denied", []string{`"Query Closed Orders & Trades"`}},
		{"Balance", "EGeneral:Permission denied", []string{`"Query Funds"`}},
		{"RetrieveExport", "EGeneral:Permission denied", []string{`"Export Data"`}},
		{"Balance", "EAPI:Invalid nonce", []string{"another program is using this API key", "one API key per service"}},
		{"Balance", "EGeneral:Temporary lockout", []string{"15 minutes"}},
		{"Balance", "EAPI:Rate limit exceeded", []string{"rate limit"}},
		{"Balance", "EService:Unavailable", []string{"temporarily unavailable"}},
		{"Ledgers", "EGeneral:Invalid arguments", []string{"date range"}},
		{"GetApiKeyInfo", "EGeneral:Unknown method", []string{"does not offer GetApiKeyInfo"}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint+" "+tt.in, func(t *testing.T) {
			t.Parallel()
			msg := newAPIError(tt.endpoint, 200, []string{tt.in}).UserMessage()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("UserMessage %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func TestRequiredPermission(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]string{
		"Ledgers":        `"Query Ledger Entries"`,
		"QueryLedgers":   `"Query Ledger Entries"`,
		"ClosedOrders":   `"Query Closed Orders & Trades"`,
		"TradeBalance":   `"Query Open Orders & Trades"`,
		"DepositMethods": `"Query Funds" and "Deposit Funds"`,
		"GetApiKeyInfo":  "",
	} {
		if got := RequiredPermission(method); got != want {
			t.Errorf("RequiredPermission(%s) = %q, want %q", method, got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	t.Parallel()
	html := "<!DOCTYPE html>\n<html><head><title>api.kraken.com | 520: Web server is returning an unknown error</title></head><body>...</body></html>"
	if got, want := snippet([]byte(html)), "api.kraken.com | 520: Web server is returning an unknown error"; got != want {
		t.Errorf("snippet(html) = %q, want %q", got, want)
	}
	long := strings.Repeat("a b\x00\n", 200)
	if got := snippet([]byte(long)); len(got) > 170 || strings.ContainsAny(got, "\x00\n") {
		t.Errorf("snippet(long) = %q", got)
	}
}

// Responses that are not a Kraken answer, end to end.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	cloudflare := "<!DOCTYPE html><html><head><title>api.kraken.com | 520: Web server is returning an unknown error</title></head><body>cf</body></html>"
	tests := []struct {
		name       string
		status     int
		body       string
		hijack     bool
		wantStatus int
		wantReason string
		temporary  bool
	}{
		{"cloudflare 520", 520, cloudflare, false, 520, "HTML page", true},
		{"truncated JSON", 200, `{"error":[],"result":{"ledger":{"L1":{"refid":"T`, false, 200, "truncated", true},
		{"plain 502", 502, "Bad Gateway", false, 502, "not JSON", true},
		{"empty 200", 200, "", false, 200, "empty response", true},
		{"404 html", 404, "<html>nope</html>", false, 404, "HTML page", false},
		{"5xx JSON without error", 503, `{"error":[]}`, false, 503, "HTTP 503", true},
		{"connection reset", 0, "", true, 0, "request failed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			h := func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				if tt.hijack {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						_ = conn.Close()
					}
					return
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}
			c, _ := setup(t, http.HandlerFunc(h), WithRetryPolicy(RetryPolicy{MaxAttempts: 1, Jitter: fixedJitter}))
			_, err := c.Balance(t.Context())
			var te *TransportError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v (%T), want *TransportError", err, err)
			}
			if te.Endpoint != "Balance" || te.HTTPStatus != tt.wantStatus || !strings.Contains(te.Reason, tt.wantReason) {
				t.Errorf("got endpoint %q status %d reason %q; want Balance, %d, %q", te.Endpoint, te.HTTPStatus, te.Reason, tt.wantStatus, tt.wantReason)
			}
			if te.Temporary() != tt.temporary || errors.Is(err, ErrUnavailable) != tt.temporary {
				t.Errorf("Temporary = %v, Is(ErrUnavailable) = %v; want %v", te.Temporary(), errors.Is(err, ErrUnavailable), tt.temporary)
			}
			if tt.name == "cloudflare 520" && !strings.Contains(err.Error(), "520: Web server") {
				t.Errorf("error %q lacks the page title", err)
			}
			if strings.Contains(err.Error(), "nonce=") {
				t.Errorf("error %q contains the request body", err)
			}
			if UserMessage(err) == "" {
				t.Error("empty UserMessage")
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d requests with MaxAttempts 1", n)
			}
		})
	}
}

func TestUnknownMethod404(t *testing.T) {
	t.Parallel()
	h := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":["EGeneral:Unknown method"]}`))
	}
	c, _ := setup(t, http.HandlerFunc(h))
	_, err := c.APIKeyInfo(t.Context())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Class != ClassUnknownMethod || ae.HTTPStatus != 404 || !errors.Is(err, ErrUnknownMethod) {
		t.Fatalf("err = %v, want an unknown-method *APIError with HTTP 404", err)
	}
	if ae.Endpoint != "GetApiKeyInfo" {
		t.Errorf("Endpoint = %q", ae.Endpoint)
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balance(t.Context()); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("Balance without credentials: %v", err)
	}
	if !strings.Contains(UserMessage(ErrNoCredentials), "No Kraken API key") {
		t.Error("UserMessage(ErrNoCredentials)")
	}
}
