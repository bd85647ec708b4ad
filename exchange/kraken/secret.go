package kraken

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

const redacted = "[redacted]"

// Secret holds a credential: the decoded private key, a one-time password or
// a WebSockets token. Its value never appears when it is printed with any
// fmt verb, logged through log/slog or encoded as JSON or text; only Reveal
// returns it.
//
// The zero Secret is empty.
type Secret struct {
	// The bytes sit behind a pointer: fmt prints unexported fields of an
	// enclosing struct by reflection without calling Format, and a pointer
	// is printed as an address, never as the bytes.
	p *secretBytes
}

type secretBytes struct{ b []byte }

func newSecretBytes(b []byte) *Secret { return &Secret{p: &secretBytes{b: b}} }

// NewSecret wraps s, for one-time passwords and tokens. Private keys are read
// with ParsePrivateKey, which also checks their format.
func NewSecret(s string) *Secret { return newSecretBytes([]byte(s)) }

// Reveal returns the secret's value. Call it only where the value is sent.
func (s *Secret) Reveal() string {
	if s == nil {
		return ""
	}
	return string(s.bytes())
}

// IsZero reports whether s is nil or empty.
func (s *Secret) IsZero() bool { return len(s.bytes()) == 0 }

func (s *Secret) bytes() []byte {
	if s == nil || s.p == nil {
		return nil
	}
	return s.p.b
}

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns a redacted Go-syntax form, for %#v.
func (s Secret) GoString() string { return "kraken.Secret{" + redacted + "}" }

// Format writes "[redacted]" for every verb, so %x or %d cannot print the bytes.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler with the redacted form, so a
// Secret inside a struct never leaks through JSON or text encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// privateKeyLen is the decoded length of a Kraken private key (88 base64
// characters).
const privateKeyLen = 64

// CredentialError reports a malformed API key, private key or one-time
// password given to NewClient. It names the field and says what is wrong; it
// never contains the value.
type CredentialError struct {
	Field  string // "API key", "private key" or "one-time password"
	Reason string
}

func (e *CredentialError) Error() string {
	return "kraken: the " + e.Field + " is malformed: " + e.Reason
}

// UserMessage says what is wrong and how to fix it.
func (e *CredentialError) UserMessage() string {
	msg := "The " + e.Field + " is malformed: " + e.Reason + "."
	switch e.Field {
	case "private key":
		msg += " Paste the Private Key that Kraken showed when the key was created (88 characters, usually ending in \"==\")."
	case "API key":
		msg += " Paste the API Key from Kraken's API settings page (the shorter of the two values)."
	}
	return msg
}

// ParsePrivateKey checks and decodes a private key as Kraken shows it:
// standard base64 of 64 bytes. Surrounding white space (from copy and
// paste) is ignored. The error is a *CredentialError that says why the text
// is not a private key without repeating any of it.
func ParsePrivateKey(text string) (*Secret, error) {
	s := strings.TrimSpace(text)
	bad := func(format string, args ...any) (*Secret, error) {
		return nil, &CredentialError{Field: "private key", Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return bad("it is empty")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return bad("it contains a space or line break at character %d; copy it again as one line", i+1)
		case c == '-' || c == '_':
			return bad("it contains '-' or '_' at character %d, which a Kraken private key (standard base64) never contains", i+1)
		case !isBase64Char(c):
			return bad("it contains a character that is not base64 at character %d (quotes or other text copied along?)", i+1)
		}
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return bad("it is not complete base64 (%d characters; a Kraken private key has 88)", len(s))
	}
	if len(b) != privateKeyLen {
		if len(s) == 56 {
			return bad("it has 56 characters like an API key; the API key and private key may be swapped")
		}
		return bad("it decodes to %d bytes instead of %d (%d characters; a Kraken private key has 88), so it was probably copied incompletely", len(b), privateKeyLen, len(s))
	}
	return newSecretBytes(b), nil
}

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// checkAPIKey validates the public API key. Kraken's keys are 56 base64
// characters, but emulators use other forms, so only obvious mistakes are
// refused.
func checkAPIKey(text string) (string, error) {
	s := strings.TrimSpace(text)
	bad := func(reason string) (string, error) {
		return "", &CredentialError{Field: "API key", Reason: reason}
	}
	if s == "" {
		return bad("it is empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return bad(fmt.Sprintf("it contains a space, line break or non-ASCII character at character %d", i+1))
		}
	}
	if len(s) == 88 {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == privateKeyLen {
			return bad("it looks like a private key (88 characters); the API key and private key may be swapped")
		}
	}
	return s, nil
}

// redactKey shortens an API key for logs and String: the first 4 characters.
func redactKey(k string) string {
	if len(k) <= 4 {
		return "…"
	}
	return k[:4] + "…"
}
