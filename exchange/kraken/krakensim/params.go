package krakensim

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"net/url"
	"strconv"
	"strings"
)

// apiError is an error that the API reports in its envelope, such as
// "EGeneral:Invalid arguments:type".
type apiError string

func (e apiError) Error() string { return string(e) }

// The error strings the emulator produces.
const (
	errInvalidKey       apiError = "EAPI:Invalid key"
	errInvalidSignature apiError = "EAPI:Invalid signature"
	errInvalidNonce     apiError = "EAPI:Invalid nonce"
	errPermission       apiError = "EGeneral:Permission denied"
	errRateLimit        apiError = "EAPI:Rate limit exceeded"
	errLockout          apiError = "EGeneral:Temporary lockout"
	errUnknownMethod    apiError = "EGeneral:Unknown method"
	errUnknownPair      apiError = "EQuery:Unknown asset pair"
	errUnknownAsset     apiError = "EQuery:Unknown asset"
	errUnknownOrder     apiError = "EOrder:Unknown order"
	errInternal         apiError = "EGeneral:Internal error"
	errUnavailable      apiError = "EService:Unavailable"
	errBusy             apiError = "EService:Busy"
	errBadRequest       apiError = "EAPI:Bad request"
)

// invalidArg is EGeneral:Invalid arguments:<param>.
func invalidArg(param string) apiError { return apiError("EGeneral:Invalid arguments:" + param) }

// params holds a request's parameters as strings, whatever the encoding:
// form values, or JSON values (numbers keep their text, booleans become
// "true"/"false", arrays are joined with commas).
type params struct {
	v map[string]string
}

// parseForm parses a form-encoded body or query string (first value wins).
func parseForm(p *params, raw string) error {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return err
	}
	for k, vs := range vals {
		if _, ok := p.v[k]; ok || len(vs) == 0 {
			continue
		}
		p.v[k] = vs[0]
	}
	return nil
}

// parseJSONBody parses a JSON object body.
func parseJSONBody(p *params, body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON body")
	}
	for k, v := range m {
		s, ok := jsonScalar(v)
		if !ok {
			if arr, isArr := v.([]any); isArr {
				parts := make([]string, 0, len(arr))
				for _, e := range arr {
					es, ok := jsonScalar(e)
					if !ok {
						return invalidArg(k)
					}
					parts = append(parts, es)
				}
				s = strings.Join(parts, ",")
			} else if v == nil {
				continue
			} else {
				return invalidArg(k)
			}
		}
		p.v[k] = s
	}
	return nil
}

func jsonScalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// isJSONBody reports whether a body should be read as JSON: by Content-Type,
// or, lacking one, by its first non-space byte.
func isJSONBody(contentType string, body []byte) bool {
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err == nil {
			if mt == "application/json" || strings.HasSuffix(mt, "+json") {
				return true
			}
			if mt == "application/x-www-form-urlencoded" {
				return false
			}
		}
	}
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '{'
}

func (p params) get(name string) (string, bool) {
	s, ok := p.v[name]
	return s, ok
}

// str returns the parameter or def when it is absent or empty.
func (p params) str(name, def string) string {
	if s, ok := p.v[name]; ok && s != "" {
		return s
	}
	return def
}

// boolean parses an optional boolean parameter ("true", "false", "1", "0").
func (p params) boolean(name string) (bool, error) {
	s, ok := p.v[name]
	if !ok || s == "" {
		return false, nil
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, invalidArg(name)
}

// integer parses an optional integer parameter within [lo, hi].
func (p params) integer(name string, def, lo, hi int64) (int64, error) {
	s, ok := p.v[name]
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, invalidArg(name)
	}
	return n, nil
}

// list splits a comma list, trimming spaces and dropping empty items.
func (p params) list(name string) []string {
	return splitList(p.v[name])
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, x := range parts {
		x = strings.TrimSpace(x)
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// parseStamp parses a unix time in seconds with an optional fraction
// ("1688464484", "1688464484.1787", "1688464484.17871234") into a Stamp,
// truncating below 1e-4 s. Truncation keeps both bounds exact: for integer
// stamps t, t > s ⟺ t > trunc(s) and t ≤ s ⟺ t ≤ trunc(s).
func parseStamp(s string) (Stamp, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if intPart == "" {
		intPart = "0"
	}
	for _, c := range intPart {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	if hasFrac && frac == "" && intPart == "0" {
		return 0, false
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || sec > math.MaxInt64/10_000-1 {
		return 0, false
	}
	var f int64
	for i := 0; i < 4; i++ {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	return Stamp(sec*10_000 + f), true
}
