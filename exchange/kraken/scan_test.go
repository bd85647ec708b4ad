package kraken

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestEachMember(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string // key=value pairs
		wantErr bool
	}{
		{`{}`, nil, false},
		{` { "a" : 1 , "b":"x,}" ,"c":{"d":[1,{"e":"]"}]},"e\u0301":null} `, []string{`a=1`, `b="x,}"`, `c={"d":[1,{"e":"]"}]}`, "e\u0301=null"}, false},
		{`{"q":"a\"b"}`, []string{`q="a\"b"`}, false},
		{`[1]`, nil, true},
		{`"x"`, nil, true},
		{`{"a":1`, nil, true},
		{`{"a" 1}`, nil, true},
		{`{"a":[1}`, nil, true},
		{`{"a":"x}`, nil, true},
		{`{"a":1 "b":2}`, nil, true},
		{``, nil, true},
	}
	for _, tt := range tests {
		var got []string
		err := eachMember([]byte(tt.in), func(k []byte, v json.RawMessage) error {
			got = append(got, string(k)+"="+string(v))
			return nil
		})
		if (err != nil) != tt.wantErr {
			t.Errorf("eachMember(%s) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !equalStrings(got, tt.want) {
			t.Errorf("eachMember(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzEachMember checks the scanner against encoding/json on valid objects
// and that it never panics on anything.
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[1,2,{"c":"d"}]}`, `{"L1":{"refid":"T","amount":"-1.5"}}`, `{"a\\u0041":"\"}"}`, `{"a":1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := map[string]json.RawMessage{}
		err := eachMember(b, func(k []byte, v json.RawMessage) error {
			got[string(k)] = v
			return nil
		})
		var want map[string]json.RawMessage
		if json.Unmarshal(b, &want) != nil || want == nil {
			return // not a valid object: only "no panic" is required
		}
		if err != nil {
			t.Fatalf("%q: valid object refused: %v", b, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d members, encoding/json %d", b, len(got), len(want))
		}
		for k, w := range want {
			var c1, c2 bytes.Buffer
			if json.Compact(&c1, got[k]) != nil || json.Compact(&c2, w) != nil || c1.String() != c2.String() {
				t.Fatalf("%q: member %q = %s, encoding/json %s", b, k, got[k], w)
			}
		}
	})
}

// FuzzLedgersPage feeds arbitrary results to the Ledgers decoder: it must
// never panic, and whatever it accepts has the required fields.
func FuzzLedgersPage(f *testing.F) {
	f.Add([]byte(`{"ledger":{"L1":` + ledgerWith("amount", `"-1.5"`) + `},"count":1}`))
	f.Add([]byte(`{"ledger":{},"count":0}`))
	f.Add([]byte(`{"ledger":{"L1":{"refid":"x"}}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return // the envelope check rejects invalid JSON first
		}
		var p LedgersPage
		if err := p.decodeResult("Ledgers", b); err != nil {
			return
		}
		for _, e := range p.Entries {
			if e.ID == "" || e.RefID == "" || e.Type == "" || e.Asset == "" || len(e.Raw) == 0 {
				t.Fatalf("accepted an incomplete entry %+v from %s", e, b)
			}
		}
	})
}
