package kraken

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timestamp is a Kraken time: Unix seconds with an optional decimal fraction
// (ledger, trade and order times have 4 decimals, public trades up to 7).
// It is decoded from the decimal text digit by digit, never through float64,
// so 1688464484.1787 is exactly 1688464484 s + 178700000 ns.
type Timestamp struct {
	Sec  int64 // seconds since the Unix epoch
	Nsec int32 // nanoseconds, 0 ≤ Nsec < 1e9
}

// TimestampOf returns t as a Timestamp.
func TimestampOf(t time.Time) Timestamp {
	return Timestamp{Sec: t.Unix(), Nsec: int32(t.Nanosecond())}
}

// ParseTimestamp reads a non-negative decimal number of seconds with at most
// 9 decimals ("1688464484", "1688464484.1787").
func ParseTimestamp(s string) (Timestamp, error) {
	intPart, frac, hasDot := strings.Cut(s, ".")
	switch {
	case s == "":
		return Timestamp{}, errors.New("empty timestamp")
	case strings.ContainsAny(s, "eE"):
		return Timestamp{}, fmt.Errorf("timestamp %q: exponent notation is not accepted", s)
	case strings.HasPrefix(s, "-"):
		return Timestamp{}, fmt.Errorf("timestamp %q: negative", s)
	case intPart == "" || !allDigits(intPart):
		return Timestamp{}, fmt.Errorf("timestamp %q: not a decimal number of seconds", s)
	case hasDot && (frac == "" || !allDigits(frac)):
		return Timestamp{}, fmt.Errorf("timestamp %q: not a decimal number of seconds", s)
	case len(frac) > 9:
		return Timestamp{}, fmt.Errorf("timestamp %q: more than 9 decimals", s)
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec > 1<<40 {
		return Timestamp{}, fmt.Errorf("timestamp %q: out of range", s)
	}
	var nsec int64
	if frac != "" {
		nsec, _ = strconv.ParseInt(frac+"000000000"[len(frac):], 10, 64)
	}
	return Timestamp{Sec: sec, Nsec: int32(nsec)}, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Time returns t as a time.Time in UTC. The zero Timestamp gives the Unix
// epoch, not the zero time.Time; check IsZero first where 0 means "unset".
func (t Timestamp) Time() time.Time { return time.Unix(t.Sec, int64(t.Nsec)).UTC() }

// IsZero reports whether t is 0, which Kraken uses for "not set" (starttm,
// expiretm).
func (t Timestamp) IsZero() bool { return t.Sec == 0 && t.Nsec == 0 }

// Compare returns -1, 0 or +1 as t is before, equal to or after u.
func (t Timestamp) Compare(u Timestamp) int {
	switch {
	case t.Sec < u.Sec || t.Sec == u.Sec && t.Nsec < u.Nsec:
		return -1
	case t == u:
		return 0
	}
	return 1
}

// String returns the decimal text without trailing zeros: "1688464484.1787".
func (t Timestamp) String() string {
	s := strconv.FormatInt(t.Sec, 10)
	if t.Nsec == 0 {
		return s
	}
	f := strconv.FormatInt(int64(t.Nsec)+1e9, 10)[1:]
	return s + "." + strings.TrimRight(f, "0")
}

// MarshalJSON writes t as a JSON number, as Kraken does.
func (t Timestamp) MarshalJSON() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalJSON reads a JSON number. Strings are refused: Kraken sends these
// times as numbers, and a string signals a changed or broken response.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return fmt.Errorf("timestamp is a string (%s), want a number", truncate(string(b), 40))
	}
	if string(b) == "null" {
		return errors.New("timestamp is null, want a number")
	}
	v, err := ParseTimestamp(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// parseTextTimestamp reads a time sent as a JSON string holding Unix seconds
// (ExportStatus, GetApiKeyInfo) or, leniently, a number. "" means unset.
func parseTextTimestamp(raw []byte) (Timestamp, error) {
	s := string(raw)
	if s == "null" {
		return Timestamp{}, nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		if s == "" {
			return Timestamp{}, nil
		}
	}
	return ParseTimestamp(s)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
