package vault

import (
	"fmt"
	"log/slog"
)

// redacted is what a Secret prints, logs and marshals as.
const redacted = "[redacted]"

// Secret holds a secret value, such as an API private key, in memory. It
// never shows the value by accident: printed with any fmt verb (%v, %+v,
// %#v, %s, %q, %x, ...), logged with log/slog, or marshalled to JSON or
// text, it reads [redacted]. Only [Secret.Reveal] returns the bytes.
//
// The bytes sit behind a pointer, so a Secret in an unexported struct
// field, which fmt prints by reflection without calling its methods, shows
// as an address, not as the bytes. Copies of a Secret share the bytes, so
// [Secret.Wipe] on one wipes them all. The zero Secret is empty.
type Secret struct {
	p *secretBytes
}

type secretBytes struct {
	b []byte
}

// NewSecret returns a Secret holding b. It takes ownership of b: the
// caller must not change or keep b, and [Secret.Wipe] zeroes it.
func NewSecret(b []byte) Secret {
	return Secret{p: &secretBytes{b: b}}
}

// Reveal returns the secret bytes, or nil for the zero or a wiped Secret.
// The slice is the Secret's own storage: do not change it, and do not keep
// it beyond the use at hand (such as computing one signature).
func (s Secret) Reveal() []byte {
	if s.p == nil {
		return nil
	}
	return s.p.b
}

// Len returns the length of the secret in bytes.
func (s Secret) Len() int {
	return len(s.Reveal())
}

// Wipe overwrites the secret bytes with zeros and empties the Secret and
// all its copies. Go may still hold other copies made before (for example
// by a string conversion), so wiping is a best effort.
func (s Secret) Wipe() {
	if s.p == nil {
		return
	}
	clear(s.p.b)
	s.p.b = nil
}

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (s Secret) GoString() string { return redacted }

// Format writes "[redacted]" for every verb and flag, so that no verb,
// not %x nor %d, prints the bytes.
func (s Secret) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(redacted))
}

// LogValue implements [slog.LogValuer]: a Secret logs as "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns the JSON string "[redacted]". A Secret is never
// written out in the clear; seal it with [Vault.Seal] to store it.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// Hint returns a short form of an API key to show the user which key is
// stored: its first and last four characters, as "abcd…wxyz". Keys
// shorter than 16 characters would show more than half of themselves, so
// they give "****" instead; the empty key gives "". Use Hint only for the
// public API key, never for the private key.
func Hint(apiKey string) string {
	r := []rune(apiKey)
	switch {
	case len(r) == 0:
		return ""
	case len(r) < 16:
		return "****"
	}
	return string(r[:4]) + "…" + string(r[len(r)-4:])
}
