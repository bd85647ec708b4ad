package kraken

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Timestamp
		wantStr string
		wantErr bool
	}{
		{"1688464484.1787", ts(1688464484, 178700000), "1688464484.1787", false},
		{"1688669597.8277369", ts(1688669597, 827736900), "1688669597.8277369", false},
		{"1688669602.698379", ts(1688669602, 698379000), "1688669602.698379", false},
		{"1688671200", ts(1688671200, 0), "1688671200", false},
		{"0", ts(0, 0), "0", false},
		{"1.000000001", ts(1, 1), "1.000000001", false},
		{"1.10", ts(1, 100000000), "1.1", false},
		{"", Timestamp{}, "", true},
		{"1.", Timestamp{}, "", true},
		{".5", Timestamp{}, "", true},
		{"-1", Timestamp{}, "", true},
		{"1e9", Timestamp{}, "", true},
		{"1.0000000001", Timestamp{}, "", true},
		{"12a", Timestamp{}, "", true},
		{"99999999999999999999", Timestamp{}, "", true},
	}
	for _, tt := range tests {
		got, err := ParseTimestamp(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseTimestamp(%q) err = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseTimestamp(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if !tt.wantErr && got.String() != tt.wantStr {
			t.Errorf("String() = %q, want %q", got.String(), tt.wantStr)
		}
	}
}

func TestTimestampJSONAndTime(t *testing.T) {
	t.Parallel()
	var v struct{ T Timestamp }
	if err := json.Unmarshal([]byte(`{"T":1688464484.1787}`), &v); err != nil {
		t.Fatal(err)
	}
	if got := v.T.Time(); got.UnixNano() != 1688464484178700000 || got.Location() != time.UTC {
		t.Errorf("Time() = %v (%d ns)", got, got.UnixNano())
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"T":1688464484.1787}` {
		t.Errorf("Marshal = %s", b)
	}
	if err := json.Unmarshal([]byte(`{"T":"1688464484.1787"}`), &v); err == nil || !strings.Contains(err.Error(), "string") {
		t.Errorf("string timestamp: err = %v", err)
	}
	a, b2 := ts(1, 5), ts(1, 6)
	if a.Compare(b2) != -1 || b2.Compare(a) != 1 || a.Compare(a) != 0 || ts(2, 0).Compare(ts(1, 999999999)) != 1 {
		t.Error("Compare")
	}
	if TimestampOf(time.Unix(5, 7)) != ts(5, 7) {
		t.Error("TimestampOf")
	}
}

// FuzzParseTimestamp checks that every accepted text round-trips exactly
// (up to trailing zeros) and that the nanoseconds are the decimal digits.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"1688464484.1787", "0.000000001", "1", "1.5e3", "-0", "00012.3400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseTimestamp(s)
		if err != nil {
			return
		}
		if v.Nsec < 0 || v.Nsec >= 1e9 || v.Sec < 0 {
			t.Fatalf("%q: out of range %+v", s, v)
		}
		back, err := ParseTimestamp(v.String())
		if err != nil || back != v {
			t.Fatalf("%q: String %q does not round-trip: %+v, %v", s, v.String(), back, err)
		}
		intPart, frac, _ := strings.Cut(s, ".")
		frac = strings.TrimRight(frac, "0")
		intPart = strings.TrimLeft(intPart, "0")
		if intPart == "" {
			intPart = "0"
		}
		want := intPart
		if frac != "" {
			want += "." + frac
		}
		if v.String() != want {
			t.Fatalf("%q: String = %q, want %q", s, v.String(), want)
		}
	})
}
