package kraken

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors. Every error the client returns for a failed call matches
// at most one of them with errors.Is, so callers can branch on the kind of
// failure without parsing strings:
//
//	if errors.Is(err, kraken.ErrPermissionDenied) { ... }
var (
	ErrInvalidKey        = errors.New("kraken: invalid API key")
	ErrInvalidSignature  = errors.New("kraken: invalid signature")
	ErrPermissionDenied  = errors.New("kraken: permission denied")
	ErrInvalidNonce      = errors.New("kraken: invalid nonce")
	ErrRateLimited       = errors.New("kraken: rate limited")
	ErrUnavailable       = errors.New("kraken: unavailable")
	ErrLockout           = errors.New("kraken: temporary lockout")
	ErrUnknownMethod     = errors.New("kraken: unknown method")
	ErrInvalidArguments  = errors.New("kraken: invalid arguments")
	ErrAccountRestricted = errors.New("kraken: account restricted")
	ErrRejected          = errors.New("kraken: request rejected")
	ErrBadResponse       = errors.New("kraken: malformed response")
	ErrNoCredentials     = errors.New("kraken: no API key configured")
)

// Class groups Kraken's error strings by what the caller should do about
// them (REFERENCE §9.3).
type Class int

const (
	ClassUnknown           Class = iota // unrecognised error string; not retried
	ClassRateLimit                      // counter exceeded: back off by the counter model
	ClassThrottled                      // "EService: Throttled: <ts>": retry after RetryAt
	ClassTransient                      // service unavailable, busy, internal error: retry with back-off
	ClassNonce                          // invalid nonce: retry once with a fresh nonce
	ClassLockout                        // temporary lockout: stop for ~15 minutes
	ClassInvalidKey                     // API key unknown, revoked or expired
	ClassInvalidSignature               // private key does not match
	ClassPermissionDenied               // key lacks the permission for this method
	ClassInvalidArguments               // parameters refused (incl. EQuery errors)
	ClassUnknownMethod                  // the endpoint does not exist (HTTP 404)
	ClassAccountRestricted              // account disabled, unconfirmed, locked
	ClassRejected                       // request understood and refused (orders, funding, earn)
)

var classNames = [...]string{
	ClassUnknown:           "unknown",
	ClassRateLimit:         "rate limit",
	ClassThrottled:         "throttled",
	ClassTransient:         "transient",
	ClassNonce:             "nonce",
	ClassLockout:           "lockout",
	ClassInvalidKey:        "invalid key",
	ClassInvalidSignature:  "invalid signature",
	ClassPermissionDenied:  "permission denied",
	ClassInvalidArguments:  "invalid arguments",
	ClassUnknownMethod:     "unknown method",
	ClassAccountRestricted: "account restricted",
	ClassRejected:          "rejected",
}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// sentinel returns the sentinel error matching c, or nil.
func (c Class) sentinel() error {
	switch c {
	case ClassRateLimit, ClassThrottled:
		return ErrRateLimited
	case ClassTransient:
		return ErrUnavailable
	case ClassNonce:
		return ErrInvalidNonce
	case ClassLockout:
		return ErrLockout
	case ClassInvalidKey:
		return ErrInvalidKey
	case ClassInvalidSignature:
		return ErrInvalidSignature
	case ClassPermissionDenied:
		return ErrPermissionDenied
	case ClassInvalidArguments:
		return ErrInvalidArguments
	case ClassUnknownMethod:
		return ErrUnknownMethod
	case ClassAccountRestricted:
		return ErrAccountRestricted
	case ClassRejected:
		return ErrRejected
	}
	return nil
}

// APIError is an error reported by Kraken in the response envelope's
// "error" array, e.g. "EGeneral:Invalid arguments:type".
type APIError struct {
	Endpoint   string   // Kraken method name, e.g. "Ledgers"
	HTTPStatus int      // usually 200
	Errors     []string // every error string, as received
	Warnings   []string // warning strings ("W..."), if any

	// The first error string, split: <Severity><Category>:<Message>[:<Extra>].
	Severity string // "E"
	Category string // "General", "API", "Query", "Service", ...
	Message  string // "Invalid arguments"
	Extra    string // "type"; for Throttled, the Unix time

	Class   Class
	RetryAt time.Time // for ClassThrottled: when Kraken accepts calls again
}

func (e *APIError) Error() string {
	return "kraken: " + e.Endpoint + ": " + strings.Join(e.Errors, "; ")
}

// Is reports whether target is the sentinel error of e's class.
func (e *APIError) Is(target error) bool {
	s := e.Class.sentinel()
	return s != nil && s == target
}

// Temporary reports whether repeating the call later may succeed.
func (e *APIError) Temporary() bool {
	switch e.Class {
	case ClassRateLimit, ClassThrottled, ClassTransient, ClassNonce, ClassLockout:
		return true
	}
	return false
}

// UserMessage says in one or two plain sentences what is wrong and what to do.
func (e *APIError) UserMessage() string {
	switch e.Class {
	case ClassInvalidKey:
		return "Kraken does not recognise this API key. Check that you pasted the API key completely; " +
			"if you did, the key was deleted, revoked or has expired on Kraken (or it only allows other IP addresses), so create a new one."
	case ClassInvalidSignature:
		return "Kraken rejected the request signature: the private key does not belong to this API key, or it was copied incompletely. " +
			"Paste both values of the same key again."
	case ClassPermissionDenied:
		if p := RequiredPermission(e.Endpoint); p != "" {
			return "The API key is missing a permission needed for " + e.Endpoint + ": tick " + p +
				" for this key in Kraken's API settings (or create a new key with it)."
		}
		return "The API key is missing a permission needed for " + e.Endpoint + ". Check the key's permissions in Kraken's API settings."
	case ClassNonce:
		return "Kraken rejected the request's nonce: another program is using this API key. " +
			"Create one API key per service and use this one only in cointally."
	case ClassLockout:
		return "Kraken has temporarily locked out API access after too many failed attempts. " +
			"Wait about 15 minutes before trying again, and fix the API key first if it was rejected."
	case ClassRateLimit:
		return "Kraken's rate limit for this API key was reached. cointally slows down automatically; " +
			"if this keeps happening, set the key's verification tier to a lower one."
	case ClassThrottled:
		if !e.RetryAt.IsZero() {
			return "Kraken is throttling requests until " + e.RetryAt.UTC().Format(time.RFC1123) + "; try again after that."
		}
		return "Kraken is throttling requests; try again in a minute."
	case ClassTransient:
		return "Kraken is temporarily unavailable or busy (" + e.Message + "). Try again in a few minutes."
	case ClassInvalidArguments:
		msg := "Kraken refused the request's parameters (" + strings.Join(e.Errors, "; ") + ")."
		if e.Category == "General" {
			msg += " If the API key is limited to a query date range, the requested period may lie outside it."
		}
		return msg
	case ClassUnknownMethod:
		return "Kraken does not offer " + e.Endpoint + " (unknown method): the server address may not be Kraken's, or this version of cointally is out of date."
	case ClassAccountRestricted:
		return "Kraken reports a restriction on the account (" + e.Message + "). Check the account on kraken.com or contact Kraken support."
	}
	return "Kraken refused the request: " + strings.Join(e.Errors, "; ") + "."
}

// parseErrorString splits "EService: Throttled: 1688669448" into its parts,
// trimming the spaces Kraken puts in some strings.
func parseErrorString(s string) (severity, category, message, extra string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", "", ""
	}
	severity = s[:1]
	head, rest, _ := strings.Cut(s[1:], ":")
	category = strings.TrimSpace(head)
	message, extra, _ = strings.Cut(rest, ":")
	return severity, category, strings.TrimSpace(message), strings.TrimSpace(extra)
}

// classify maps a Kraken error to its class.
func classify(category, message string) Class {
	cat := strings.ToLower(category)
	msg := strings.ToLower(message)
	switch cat {
	case "api":
		switch msg {
		case "rate limit exceeded":
			return ClassRateLimit
		case "invalid nonce":
			return ClassNonce
		case "invalid key":
			return ClassInvalidKey
		case "invalid signature":
			return ClassInvalidSignature
		case "bad request":
			return ClassInvalidArguments
		case "feature disabled":
			return ClassRejected
		}
	case "general":
		switch msg {
		case "too many requests":
			return ClassRateLimit
		case "temporary lockout":
			return ClassLockout
		case "permission denied":
			return ClassPermissionDenied
		case "invalid arguments":
			return ClassInvalidArguments
		case "unknown method":
			return ClassUnknownMethod
		case "internal error":
			return ClassTransient
		}
	case "auth":
		switch {
		case msg == "rate limit exceeded" || msg == "too many requests":
			return ClassRateLimit
		case strings.HasPrefix(msg, "account"):
			return ClassAccountRestricted
		case msg == "failed":
			return ClassInvalidKey
		}
	case "service":
		switch msg {
		case "throttled":
			return ClassThrottled
		case "unavailable", "busy", "timeout":
			return ClassTransient
		}
		return ClassRejected // market in cancel_only mode, deadline elapsed
	case "database":
		if msg == "internal error" {
			return ClassTransient
		}
	case "query":
		return ClassInvalidArguments
	case "account":
		return ClassAccountRestricted
	case "session":
		return ClassInvalidKey
	case "trade":
		if strings.Contains(msg, "locked") {
			return ClassAccountRestricted
		}
		return ClassRejected
	case "order", "funding", "earnings", "bm":
		return ClassRejected
	}
	return ClassUnknown
}

// newAPIError builds the error for an envelope whose error array holds at
// least one "E" string. Warnings are kept but do not decide the class.
func newAPIError(endpoint string, status int, msgs []string) *APIError {
	e := &APIError{Endpoint: endpoint, HTTPStatus: status}
	for _, m := range msgs {
		if strings.HasPrefix(m, "W") {
			e.Warnings = append(e.Warnings, m)
		} else {
			e.Errors = append(e.Errors, m)
		}
	}
	if len(e.Errors) == 0 {
		return nil
	}
	e.Severity, e.Category, e.Message, e.Extra = parseErrorString(e.Errors[0])
	e.Class = classify(e.Category, e.Message)
	if e.Class == ClassThrottled {
		if sec, err := strconv.ParseInt(strings.Trim(e.Extra, "[] "), 10, 64); err == nil && sec > 0 {
			e.RetryAt = time.Unix(sec, 0).UTC()
		}
	}
	return e
}

// TransportError reports a call that did not produce a Kraken answer: a
// network failure, an HTTP error page (Cloudflare 5xx HTML), a truncated or
// non-JSON body. It never contains the request body, which holds the nonce
// and one-time password.
type TransportError struct {
	Endpoint   string
	HTTPStatus int    // 0 if no response was received
	Reason     string // e.g. "HTTP 520", "response is not JSON", "truncated JSON"
	Snippet    string // start of the response body, cleaned up for display
	Err        error  // underlying network or parse error, if any
	temporary  bool
}

func (e *TransportError) Error() string {
	var b strings.Builder
	b.WriteString("kraken: ")
	b.WriteString(e.Endpoint)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	if e.HTTPStatus != 0 && !strings.HasPrefix(e.Reason, "HTTP ") {
		fmt.Fprintf(&b, " (HTTP %d)", e.HTTPStatus)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Snippet != "" {
		b.WriteString(": body starts ")
		b.WriteString(strconv.Quote(e.Snippet))
	}
	return b.String()
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is reports whether target is ErrUnavailable (for temporary failures).
func (e *TransportError) Is(target error) bool { return target == ErrUnavailable && e.temporary }

// Temporary reports whether repeating the call later may succeed.
func (e *TransportError) Temporary() bool { return e.temporary }

// UserMessage says in plain words what went wrong.
func (e *TransportError) UserMessage() string {
	switch {
	case e.HTTPStatus == 0:
		return "Could not reach Kraken (" + e.Reason + "). Check the internet connection; Kraken may also be unavailable. Try again in a few minutes."
	case e.temporary:
		return fmt.Sprintf("Kraken is unavailable right now (it answered with an error page, HTTP %d). Try again in a few minutes.", e.HTTPStatus)
	}
	return fmt.Sprintf("The server did not answer like Kraken's API (HTTP %d, %s). Check the configured Kraken address.", e.HTTPStatus, e.Reason)
}

// DecodeError reports a response that is valid JSON but does not have the
// shape Kraken documents: a missing field, a wrong type, an amount that is
// not a decimal. It names the endpoint, the entry (ID or map key) and the
// field.
type DecodeError struct {
	Endpoint string
	Entry    string // ID of the entry, or "" for the result as a whole
	Field    string // JSON field name, or "" if the entry itself is malformed
	Err      error
}

func (e *DecodeError) Error() string {
	var b strings.Builder
	b.WriteString("kraken: ")
	b.WriteString(e.Endpoint)
	if e.Entry != "" {
		b.WriteString(": entry ")
		b.WriteString(e.Entry)
	}
	if e.Field != "" {
		b.WriteString(": field ")
		b.WriteString(strconv.Quote(e.Field))
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBadResponse.
func (e *DecodeError) Is(target error) bool { return target == ErrBadResponse }

// UserMessage says in plain words what went wrong.
func (e *DecodeError) UserMessage() string {
	where := e.Endpoint
	if e.Entry != "" {
		where += " entry " + e.Entry
	}
	if e.Field != "" {
		where += ", field " + e.Field
	}
	return "Kraken sent data that cointally cannot read (" + where + "). Nothing was imported from this response; please report the problem."
}

// snippet returns up to 160 characters of body for error messages, with
// white space collapsed and control characters dropped. For an HTML page it
// prefers the <title>.
func snippet(body []byte) string {
	const limit = 160
	s := string(body[:min(len(body), 4096)])
	lower := strings.ToLower(s)
	if i := strings.Index(lower, "<title>"); i >= 0 {
		if j := strings.Index(lower[i:], "</title>"); j > 0 {
			s = s[i+len("<title>") : i+j]
		}
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if b.Len() >= limit {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case !unicode.IsPrint(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UserMessage returns the UserMessage of the first error in err's chain
// that has one, or a generic sentence.
func UserMessage(err error) string {
	var um interface{ UserMessage() string }
	if errors.As(err, &um) {
		return um.UserMessage()
	}
	if errors.Is(err, ErrNoCredentials) {
		return "No Kraken API key is configured for this account. Add the API key and private key in the account settings."
	}
	return "The request to Kraken failed: " + err.Error()
}
