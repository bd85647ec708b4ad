package money

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "-24.5000", want: "-24.5"},
		{in: "0.0490", want: "0.049"},
		{in: "1011.1908877900", want: "1011.19088779"},
		{in: "12", want: "12"},
		{in: "+3.1", want: "3.1"},
		{in: "1000000000000.123456789012345678", want: "1000000000000.123456789012345678"},
		{in: "0.000000000000000000001", want: "0.000000000000000000001"},
		{in: "", wantErr: "empty"},
		{in: "-", wantErr: "sign without digits"},
		{in: ".5", wantErr: "no digit before"},
		{in: "5.", wantErr: "no digit after"},
		{in: "1,234.56", wantErr: "comma"},
		{in: "1e5", wantErr: "exponent"},
		{in: "1 000", wantErr: "space"},
		{in: "1.2.3", wantErr: "more than one decimal point"},
		{in: "abc", wantErr: "unexpected character"},
		{in: "NaN", wantErr: "unexpected character"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want *ParseError containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Fatalf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestArithmeticIsExact(t *testing.T) {
	t.Parallel()
	a := MustParse("589735030408323.123456789012345678")
	b := MustParse("0.000000000000000001")
	if got := a.Add(b).String(); got != "589735030408323.123456789012345679" {
		t.Fatalf("add = %s", got)
	}
	if got := MustParse("0.1").Add(MustParse("0.2")).String(); got != "0.3" {
		t.Fatalf("0.1+0.2 = %s", got)
	}
	if got := MustParse("1000000000000.123456789012345678").Mul(MustParse("0.000012345678901234")).String(); got != "12345678.901235524157875323813554032028766652" {
		t.Fatalf("mul = %s", got)
	}
	if got := MustParse("997.4067").Add(MustParse("2.5933")).String(); got != "1000" {
		t.Fatalf("fee sum = %s", got)
	}
}

func TestDiv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b   string
		places int32
		mode   RoundingMode
		want   string
	}{
		{"1", "3", 18, HalfEven, "0.333333333333333333"},
		{"2", "3", 4, HalfEven, "0.6667"},
		{"2", "3", 4, Down, "0.6666"},
		{"-2", "3", 4, Down, "-0.6666"},
		{"-2", "3", 4, HalfUp, "-0.6667"},
		{"1", "8", 2, HalfEven, "0.12"}, // 0.125 ties to even
		{"3", "8", 2, HalfEven, "0.38"}, // 0.375 ties to even
		{"1", "8", 2, HalfUp, "0.13"},
		{"1", "3", 2, Up, "0.34"},
		{"-1", "3", 2, Up, "-0.34"},
		{"10", "4", 0, HalfEven, "2"},
		// expected values computed independently with Python decimal at 100 digits
		{"5334.4567", "0.12345678", 8, HalfEven, "43209.10281315"},
		{"0.00012345", "43210.1234", 18, HalfEven, "0.000000002856969393"},
		{"1.5", "0.5", 0, HalfEven, "3"},
	}
	for _, tt := range tests {
		got, err := MustParse(tt.a).Div(MustParse(tt.b), tt.places, tt.mode)
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != MustParse(tt.want).String() {
			t.Errorf("%s / %s (%d, mode %d) = %s, want %s", tt.a, tt.b, tt.places, tt.mode, got, tt.want)
		}
	}
	if _, err := FromInt(1).Div(Zero, 2, HalfEven); !errors.Is(err, ErrDivisionByZero) {
		t.Fatalf("div by zero err = %v", err)
	}
}

func TestRoundAndFormat(t *testing.T) {
	t.Parallel()
	x := MustParse("2.345")
	if got := x.Round(2, HalfEven).String(); got != "2.34" {
		t.Errorf("half even = %s", got)
	}
	if got := x.Round(2, HalfUp).String(); got != "2.35" {
		t.Errorf("half up = %s", got)
	}
	if got := x.Round(2, Down).String(); got != "2.34" {
		t.Errorf("down = %s", got)
	}
	if got := x.Round(1, Up).String(); got != "2.4" {
		t.Errorf("up = %s", got)
	}
	if got := MustParse("1.5").StringFixed(4); got != "1.5000" {
		t.Errorf("fixed = %s", got)
	}
	if got := MustParse("0.15000").Places(); got != 2 {
		t.Errorf("places = %d", got)
	}
	if got := MustParse("1200").Places(); got != 0 {
		t.Errorf("places(1200) = %d", got)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	var v struct {
		S Amount `json:"s"`
		N Amount `json:"n"`
		E Amount `json:"e"`
	}
	if err := json.Unmarshal([]byte(`{"s":"1.24350000","n":1.24350000,"e":1e-3}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.S.String() != "1.2435" || v.N.String() != "1.2435" || v.E.String() != "0.001" {
		t.Fatalf("got %s %s %s", v.S, v.N, v.E)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"s":"1.2435","n":"1.2435","e":"0.001"}` {
		t.Fatalf("marshal = %s", out)
	}
	var bad struct{ A Amount }
	if err := json.Unmarshal([]byte(`{"A":"12,5"}`), &bad); err == nil {
		t.Fatal("want error for 12,5")
	}
	if err := json.Unmarshal([]byte(`{"A":null}`), &bad); err == nil {
		t.Fatal("want error for null")
	}
}

func TestSQL(t *testing.T) {
	t.Parallel()
	a := MustParse("-0.0000000001")
	v, err := a.Value()
	if err != nil || v != "-0.0000000001" {
		t.Fatalf("Value = %v, %v", v, err)
	}
	var b Amount
	for _, src := range []any{"-0.0000000001", []byte("-0.0000000001")} {
		if err := b.Scan(src); err != nil || !b.Equal(a) {
			t.Fatalf("Scan(%v) = %s, %v", src, b, err)
		}
	}
	if err := b.Scan(int64(7)); err != nil || b.String() != "7" {
		t.Fatalf("Scan int = %s, %v", b, err)
	}
	if err := b.Scan(nil); err == nil {
		t.Fatal("Scan(nil) should fail")
	}
	if err := b.Scan(1.5); err == nil {
		t.Fatal("Scan(float64) should fail")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "-24.5000", "1.2.3", "1e5", "", "+0.00", "99999999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		// A parsed value round-trips through its canonical text.
		b, err := Parse(a.String())
		if err != nil {
			t.Fatalf("canonical text %q of %q does not parse: %v", a.String(), s, err)
		}
		if !a.Equal(b) {
			t.Fatalf("round trip changed %q: %s != %s", s, a, b)
		}
		// x + (-x) == 0 exactly.
		if !a.Add(a.Neg()).IsZero() {
			t.Fatalf("%s + -%s != 0", a, a)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		_, _ = Parse("1011.1908877900")
	}
}
