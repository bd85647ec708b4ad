package krakensim

import (
	"strconv"
	"unicode/utf8"
)

// This file holds the append-style JSON writers. Responses are written by
// hand rather than through encoding/json so that object keys come out in the
// order Kraken uses (newest first for collections keyed by ID) and so that a
// Ledgers page costs no reflection.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string literal.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKey appends "key": (with a leading comma unless first).
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = appendString(b, key)
	return append(b, ':')
}

// appendFixed appends v, a count of 10^-places units, as a decimal with
// exactly places decimals, without allocating.
func appendFixed(b []byte, v int64, places int) []byte {
	u := uint64(v)
	if v < 0 {
		b = append(b, '-')
		u = -u
	}
	var buf [24]byte
	d := strconv.AppendUint(buf[:0], u, 10)
	if places <= 0 {
		return append(b, d...)
	}
	if len(d) <= places {
		b = append(b, '0', '.')
		for i := len(d); i < places; i++ {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	b = append(b, d[:len(d)-places]...)
	b = append(b, '.')
	return append(b, d[len(d)-places:]...)
}

// appendFixedString appends v as a JSON string holding a fixed decimal.
func appendFixedString(b []byte, v int64, places int) []byte {
	b = append(b, '"')
	b = appendFixed(b, v, places)
	return append(b, '"')
}

// appendTrimmed appends v (10^-places units) as a JSON number with trailing
// zeros of the fraction removed ("0.26", "10000000", "0.1").
func appendTrimmed(b []byte, v int64, places int) []byte {
	start := len(b)
	b = appendFixed(b, v, places)
	if places <= 0 {
		return b
	}
	end := len(b)
	for end > start && b[end-1] == '0' {
		end--
	}
	if end > start && b[end-1] == '.' {
		end--
	}
	return b[:end]
}

// appendStamp appends s as a JSON number with four decimals.
func appendStamp(b []byte, s Stamp) []byte {
	v := int64(s)
	if v < 0 {
		v = 0
	}
	return appendFixed(b, v, 4)
}

// appendStrings appends a JSON array of strings.
func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendStringOrNull appends s, or null when s is empty.
func appendStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendString(b, s)
}

// appendBool appends true or false.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, "true"...)
	}
	return append(b, "false"...)
}

// envelope wraps a result in Kraken's success envelope.
func envelope(result []byte) []byte {
	b := make([]byte, 0, len(result)+24)
	b = append(b, `{"error":[],"result":`...)
	b = append(b, result...)
	return append(b, '}')
}

// errorBody is Kraken's failure envelope: {"error":["..."]}, no result.
func errorBody(msg string) []byte {
	b := append([]byte(`{"error":[`), appendString(nil, msg)...)
	return append(b, "]}"...)
}
