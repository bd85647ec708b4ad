package kraken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/cointally/cointally/money"
)

// This file holds the decoding helpers. Results whose entries the app
// stores (ledger entries, trades, orders) are decoded field by field with a
// fieldReader, which knows which fields are required and names the entry
// and field of any failure. Other results are decoded by encoding/json into
// typed structs; on failure locate finds the entry and field that failed.

var errMissing = errors.New("missing")

// fieldReader decodes the fields of one entry and keeps the first error.
type fieldReader struct {
	endpoint string
	entry    string
	err      error
}

func (r *fieldReader) fail(field string, err error) {
	if r.err == nil {
		r.err = &DecodeError{Endpoint: r.endpoint, Entry: r.entry, Field: field, Err: err}
	}
}

// present reports whether raw holds a non-null value, failing if it is
// required but missing or null.
func (r *fieldReader) present(field string, raw json.RawMessage, required bool) bool {
	if len(raw) == 0 {
		if required {
			r.fail(field, errMissing)
		}
		return false
	}
	if raw[0] == 'n' {
		if required {
			r.fail(field, errors.New("null, want a value"))
		}
		return false
	}
	return true
}

func (r *fieldReader) str(field string, raw json.RawMessage, required bool) string {
	if !r.present(field, raw, required) {
		return ""
	}
	if raw[0] != '"' {
		r.fail(field, fmt.Errorf("want a string, got %s", jsonKind(raw)))
		return ""
	}
	// Fast path: no escapes.
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		r.fail(field, err)
	}
	return s
}

// nonEmpty is str for identifiers that must not be "".
func (r *fieldReader) nonEmpty(field string, raw json.RawMessage) string {
	s := r.str(field, raw, true)
	if s == "" && len(raw) > 0 && raw[0] == '"' {
		r.fail(field, errors.New("empty string"))
	}
	return s
}

func (r *fieldReader) amount(field string, raw json.RawMessage, required bool) money.Amount {
	if !r.present(field, raw, required) {
		return money.Zero
	}
	if c := raw[0]; c != '"' && c != '-' && (c < '0' || c > '9') {
		r.fail(field, fmt.Errorf("want a decimal, got %s", jsonKind(raw)))
		return money.Zero
	}
	var a money.Amount
	if err := a.UnmarshalJSON(raw); err != nil {
		r.fail(field, err)
	}
	return a
}

func (r *fieldReader) time(field string, raw json.RawMessage, required bool) Timestamp {
	if !r.present(field, raw, required) {
		return Timestamp{}
	}
	var t Timestamp
	if err := t.UnmarshalJSON(raw); err != nil {
		r.fail(field, err)
	}
	return t
}

func (r *fieldReader) int(field string, raw json.RawMessage, required bool) int64 {
	if !r.present(field, raw, required) {
		return 0
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		r.fail(field, fmt.Errorf("want an integer, got %s", jsonKind(raw)))
	}
	return n
}

func (r *fieldReader) bool(field string, raw json.RawMessage) bool {
	if !r.present(field, raw, false) {
		return false
	}
	switch string(raw) {
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(field, fmt.Errorf("want true or false, got %s", jsonKind(raw)))
	return false
}

func (r *fieldReader) strings(field string, raw json.RawMessage) []string {
	if !r.present(field, raw, false) {
		return nil
	}
	var s []string
	if err := json.Unmarshal(raw, &s); err != nil {
		r.fail(field, fmt.Errorf("want a list of strings, got %s", jsonKind(raw)))
	}
	return s
}

// jsonKind describes a JSON value for error messages, quoting short values.
func jsonKind(raw json.RawMessage) string {
	kind := "a number"
	switch raw[0] {
	case '"':
		kind = "a string"
	case '{':
		return "an object"
	case '[':
		return "a list"
	case 't', 'f':
		kind = "a boolean"
	case 'n':
		return "null"
	}
	return kind + " " + truncate(string(raw), 40)
}

// member is one key and raw value of a JSON object.
type member struct {
	key string
	val json.RawMessage
}

// keyedEntries splits a JSON object keyed by ID into its members, sorted by
// key (so errors are reported deterministically; a repeated key keeps its
// last value, as encoding/json does). An empty list or null is accepted as
// an empty object.
func keyedEntries(endpoint string, raw json.RawMessage) ([]member, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "[]" {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, &DecodeError{Endpoint: endpoint, Err: fmt.Errorf("want an object keyed by ID, got %s", jsonKind(raw))}
	}
	var out []member
	err := eachMember(raw, func(key []byte, val json.RawMessage) error {
		if len(key) == 0 {
			return errors.New("an entry has an empty ID")
		}
		out = append(out, member{string(key), val})
		return nil
	})
	if err != nil {
		return nil, &DecodeError{Endpoint: endpoint, Err: err}
	}
	slices.SortStableFunc(out, func(a, b member) int { return strings.Compare(a.key, b.key) })
	// Drop all but the last of repeated keys.
	w := 0
	for i := range out {
		if i+1 < len(out) && out[i+1].key == out[i].key {
			continue
		}
		out[w] = out[i]
		w++
	}
	return out[:w], nil
}

// sortedKeys returns m's keys in order, so errors are reported
// deterministically.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// decodeJSON decodes raw into out with encoding/json and, on failure,
// returns a *DecodeError naming the entry and field that failed.
func decodeJSON(endpoint string, raw []byte, out any) error {
	err := json.Unmarshal(raw, out)
	if err == nil {
		return nil
	}
	t := reflect.TypeOf(out).Elem()
	path, cause := locate(raw, t)
	if cause == nil {
		cause = err
	}
	de := &DecodeError{Endpoint: endpoint, Err: cause}
	if len(path) > 0 && (t.Kind() == reflect.Map || t.Kind() == reflect.Slice) {
		de.Entry, path = path[0], path[1:]
	}
	de.Field = strings.Join(path, ".")
	return de
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// locate finds the innermost value in raw that does not decode into type
// t and returns its path (map keys, list indexes, JSON field names) and
// error. It returns a nil error if raw decodes.
func locate(raw []byte, t reflect.Type) ([]string, error) {
	v := reflect.New(t)
	err := json.Unmarshal(raw, v.Interface())
	if err == nil {
		return nil, nil
	}
	if t.Implements(unmarshalerType) || v.Type().Implements(unmarshalerType) {
		return nil, err
	}
	switch t.Kind() {
	case reflect.Pointer:
		return locate(raw, t.Elem())
	case reflect.Map:
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, err
		}
		for _, k := range sortedKeys(m) {
			if p, e := locate(m[k], t.Elem()); e != nil {
				return append([]string{k}, p...), e
			}
		}
	case reflect.Slice, reflect.Array:
		var a []json.RawMessage
		if json.Unmarshal(raw, &a) != nil {
			return nil, err
		}
		for i, el := range a {
			if p, e := locate(el, t.Elem()); e != nil {
				return append([]string{strconv.Itoa(i)}, p...), e
			}
		}
	case reflect.Struct:
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return nil, err
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if fr, ok := m[name]; ok {
				if p, e := locate(fr, f.Type); e != nil {
					return append([]string{name}, p...), e
				}
			}
		}
	}
	return nil, err
}
