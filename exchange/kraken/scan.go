package kraken

import (
	"encoding/json"
	"errors"
)

// A small scanner that splits JSON objects into members without decoding
// them. Responses are validated once, as a whole, when the envelope is
// decoded; the entry decoders then use this scanner instead of running
// encoding/json (and its validation pass) again on every nested object.
// It never panics on malformed input; it reports an error.

var errMalformedJSON = errors.New("malformed JSON")

// eachMember calls fn with every key and raw value of the JSON object raw,
// in document order. Keys and values alias raw (keys with escapes are
// decoded into a new slice); fn must copy what it keeps.
func eachMember(raw []byte, fn func(key []byte, val json.RawMessage) error) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return errors.New("want an object, got " + jsonKind(trimmedOrEmpty(raw)))
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return nil
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			return errMalformedJSON
		}
		end := stringEnd(raw, i)
		if end < 0 {
			return errMalformedJSON
		}
		key, err := unquote(raw[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return errMalformedJSON
		}
		i = skipSpace(raw, i+1)
		vend := valueEnd(raw, i)
		if vend < 0 {
			return errMalformedJSON
		}
		if err := fn(key, raw[i:vend:vend]); err != nil {
			return err
		}
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return errMalformedJSON
		}
		switch raw[i] {
		case '}':
			return nil
		case ',':
			i = skipSpace(raw, i+1)
		default:
			return errMalformedJSON
		}
	}
}

// pick returns the raw values of the named members of object raw (nil for
// absent ones).
func pick(raw []byte, names ...string) ([]json.RawMessage, error) {
	vals := make([]json.RawMessage, len(names))
	err := eachMember(raw, func(key []byte, val json.RawMessage) error {
		for i, n := range names {
			if n == string(key) {
				vals[i] = val
			}
		}
		return nil
	})
	return vals, err
}

func trimmedOrEmpty(raw []byte) json.RawMessage {
	i := skipSpace(raw, 0)
	if i >= len(raw) {
		return json.RawMessage("null")
	}
	return raw[i:]
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index after the string starting at b[i] == '"',
// or -1.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index after the value starting at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := stringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// unquote returns the text of the JSON string q (quotes included),
// aliasing q unless it has escapes or non-ASCII bytes (which encoding/json
// decodes, replacing invalid UTF-8).
func unquote(q []byte) ([]byte, error) {
	inner := q[1 : len(q)-1]
	for _, c := range inner {
		if c == '\\' || c >= 0x80 {
			var s string
			err := json.Unmarshal(q, &s)
			return []byte(s), err
		}
	}
	return inner, nil
}
