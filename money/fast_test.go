package money

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// These tests hold the inline (machine-word) form of Amount to the big form:
// every operation must give the same exact result whichever form its operands
// are in, and the same result as shopspring decimal (the implementation
// before the inline form existed).

// forceBig returns a in the big form, whatever its size.
func forceBig(a Amount) Amount {
	d := a.dec()
	return Amount{big: &d}
}

// refDiv is Div as it was before the inline form: exact integer quotient,
// rounded once.
func refDiv(a, b decimal.Decimal, places int32, mode RoundingMode) string {
	num := new(big.Int).Set(a.Coefficient())
	den := new(big.Int).Set(b.Coefficient())
	shift := int64(a.Exponent()) - int64(b.Exponent()) + int64(places)
	if shift >= 0 {
		num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(shift), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(-shift), nil))
	}
	neg := num.Sign()*den.Sign() < 0
	num.Abs(num)
	den.Abs(den)
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() != 0 {
		c := new(big.Int).Lsh(r, 1).Cmp(den)
		up := false
		switch mode {
		case Down:
		case Up:
			up = true
		case HalfUp:
			up = c >= 0
		default:
			up = c > 0 || (c == 0 && q.Bit(0) == 1)
		}
		if up {
			q.Add(q, big.NewInt(1))
		}
	}
	if neg {
		q.Neg(q)
	}
	return decimal.NewFromBigInt(q, -places).String()
}

func refRound(d decimal.Decimal, places int32, mode RoundingMode) decimal.Decimal {
	switch mode {
	case HalfUp:
		return d.Round(places)
	case Down:
		return d.Truncate(places)
	case Up:
		return d.RoundUp(places)
	default:
		return d.RoundBank(places)
	}
}

func refPlaces(d decimal.Decimal) int32 {
	if d.IsZero() {
		return 0
	}
	c := d.Coefficient()
	exp := d.Exponent()
	ten := big.NewInt(10)
	for exp < 0 {
		q, m := new(big.Int).QuoRem(c, ten, new(big.Int))
		if m.Sign() != 0 {
			break
		}
		c = q
		exp++
	}
	return max(0, -exp)
}

// checkPair compares every operation on a and b in both forms with the
// reference.
func checkPair(t *testing.T, a, b Amount, places int32, mode RoundingMode) {
	t.Helper()
	da, db := a.dec(), b.dec()
	forms := []struct {
		name string
		a, b Amount
	}{
		{"inline", a, b},
		{"big", forceBig(a), forceBig(b)},
		{"mixed", a, forceBig(b)},
		{"mixed2", forceBig(a), b},
	}
	for _, f := range forms {
		check := func(op, got, want string) {
			t.Helper()
			if got != want {
				t.Fatalf("%s %s (%s): a=%s b=%s places=%d mode=%d: got %s, want %s", f.name, op, form(f.a)+"/"+form(f.b), da, db, places, mode, got, want)
			}
		}
		check("String a", f.a.String(), da.String())
		check("Add", f.a.Add(f.b).String(), da.Add(db).String())
		check("Sub", f.a.Sub(f.b).String(), da.Sub(db).String())
		check("Mul", f.a.Mul(f.b).String(), da.Mul(db).String())
		check("Cmp", fmt.Sprint(f.a.Cmp(f.b)), fmt.Sprint(da.Cmp(db)))
		check("Equal", fmt.Sprint(f.a.Equal(f.b)), fmt.Sprint(da.Equal(db)))
		check("Sign", fmt.Sprint(f.a.Sign()), fmt.Sprint(da.Sign()))
		check("Neg", f.a.Neg().String(), da.Neg().String())
		check("Abs", f.a.Abs().String(), da.Abs().String())
		check("Places", fmt.Sprint(f.a.Places()), fmt.Sprint(refPlaces(da)))
		check("Round", f.a.Round(places, mode).String(), refRound(da, places, mode).String())
		check("StringFixed", f.a.StringFixed(places), da.StringFixedBank(places))
		if !db.IsZero() {
			q, err := f.a.Div(f.b, places, mode)
			if err != nil {
				t.Fatal(err)
			}
			check("Div", q.String(), refDiv(da, db, places, mode))
			// a × a ÷ b
			md, err := f.a.MulDiv(f.a, f.b, places, mode)
			if err != nil {
				t.Fatal(err)
			}
			check("MulDiv", md.String(), refDiv(da.Mul(da), db, places, mode))
		} else if _, err := f.a.Div(f.b, places, mode); err != ErrDivisionByZero {
			t.Fatalf("Div by zero: err = %v", err)
		}
		j, err := f.a.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		check("JSON", string(j), `"`+da.String()+`"`)
		// Parsing the canonical text gives the same number back.
		p, err := Parse(f.a.String())
		if err != nil {
			t.Fatalf("Parse(%q): %v", f.a.String(), err)
		}
		check("Parse", p.String(), da.String())
	}
}

func form(a Amount) string {
	if a.big != nil {
		return "big"
	}
	return "inline"
}

// amountOf builds an Amount from 96 bits of coefficient, a sign and a scale,
// through the big form so the inline form is only what fromDec chooses.
func amountOf(lo uint64, hi uint64, neg bool, scale int32) Amount {
	c := new(big.Int).SetUint64(hi)
	c.Lsh(c, 64)
	c.Or(c, new(big.Int).SetUint64(lo))
	if neg {
		c.Neg(c)
	}
	return fromDec(decimal.NewFromBigInt(c, -scale))
}

func TestInlineMatchesBig(t *testing.T) {
	t.Parallel()
	max96 := amountOf(math.MaxUint64, 1<<32-1, false, 0)
	cases := []struct{ a, b string }{
		{"0", "0"}, {"0", "1"}, {"1", "0"}, {"-0", "0.000"},
		{"1.5", "1.50"}, {"-2.5", "2.5"}, {"0.125", "-8"},
		{"79228162514264337593543950335", "1"},    // 2^96 − 1: largest inline
		{"79228162514264337593543950336", "1"},    // 2^96: big
		{"7922816251426433759354395033.5", "0.5"}, // sum carries past 96 bits
		{"9999999999999999999999999999", "0.000000000000000000000000000001"},
		{"1000000000000.123456789012345678", "0.000012345678901234"},
		{"-9223372036854775808", "9223372036854775807"},
		{"0.1", "0.2"}, {"997.4067", "2.5933"},
		{"1", "3"}, {"2", "3"}, {"-2", "3"}, {"10", "4"},
		{"5334.4567", "0.12345678"}, {"0.00012345", "43210.1234"},
		{"123.456", "0.0000000000000000000000000000000000000001"}, // scale difference beyond 10^38
		{"0.0000000000000000000000000000000000000001", "123.456"},
	}
	for _, c := range cases {
		for places := int32(-2); places <= 20; places += 2 {
			for mode := HalfEven; mode <= Up; mode++ {
				checkPair(t, MustParse(c.a), MustParse(c.b), places, mode)
			}
		}
	}
	checkPair(t, max96, max96, 18, HalfEven)
	checkPair(t, max96.Neg(), FromInt(math.MinInt64), 0, HalfUp)
	if form(max96) != "inline" || form(max96.Add(FromInt(1))) != "big" {
		t.Fatalf("forms: max96 %s, max96+1 %s", form(max96), form(max96.Add(FromInt(1))))
	}
	// A big result that fits again comes back inline.
	if back := max96.Add(FromInt(1)).Sub(FromInt(1)); form(back) != "inline" || !back.Equal(max96) {
		t.Fatalf("max96+1-1 = %s (%s)", back, form(back))
	}
}

func TestInlineEdges(t *testing.T) {
	t.Parallel()
	if got := FromInt(math.MinInt64).String(); got != "-9223372036854775808" {
		t.Errorf("MinInt64 = %s", got)
	}
	if got := New(-5, 3).String(); got != "-5000" {
		t.Errorf("New(-5, 3) = %s", got)
	}
	if got := New(12345, -2).String(); got != "123.45" {
		t.Errorf("New(12345, -2) = %s", got)
	}
	if got := New(math.MaxInt64, 40).String(); got != "9223372036854775807"+"0000000000000000000000000000000000000000" {
		t.Errorf("New(max, 40) = %s", got)
	}
	// Negative zero never shows.
	for _, z := range []Amount{MustParse("-0"), MustParse("-0.00"), FromInt(1).Sub(FromInt(1)).Neg(), MustParse("-0.001").Round(2, HalfEven)} {
		if z.String() != "0" || z.Sign() != 0 || z.IsNegative() {
			t.Errorf("negative zero: %q sign %d", z.String(), z.Sign())
		}
	}
	if got := MustParse("-0.001").StringFixed(2); got != "0.00" {
		t.Errorf("StringFixed(-0.001, 2) = %q", got)
	}
	// Scales beyond 255 places go big and stay exact.
	tiny := MustParse("0." + fmt.Sprintf("%0300d", 1))
	if form(tiny) != "big" || tiny.Mul(FromInt(10)).Places() != 299 {
		t.Errorf("tiny: %s places %d", form(tiny), tiny.Mul(FromInt(10)).Places())
	}
	// The split used by costbasis: parts add up to the whole.
	cost, qty := MustParse("1000"), MustParse("1600")
	part, err := cost.MulDiv(MustParse("1500"), qty, 18, HalfEven)
	if err != nil || part.String() != "937.5" || cost.Sub(part).String() != "62.5" {
		t.Errorf("split = %s, %v", part, err)
	}
	third, _ := FromInt(100).MulDiv(FromInt(1), FromInt(3), 18, HalfEven)
	if third.String() != "33.333333333333333333" {
		t.Errorf("100/3 = %s", third)
	}
	if _, err := FromInt(1).MulDiv(FromInt(1), Zero, 2, HalfEven); err != ErrDivisionByZero {
		t.Errorf("MulDiv by zero: %v", err)
	}
}

// TestInlineRandom compares the forms on seeded random operands of every
// size, around the 64- and 96-bit boundaries included.
func TestInlineRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() || raceEnabled {
		n = 1500
	}
	for range n {
		checkPair(t, randAmount(r), randAmount(r), int32(r.IntN(24))-2, RoundingMode(r.IntN(4)))
	}
}

func randAmount(r *rand.Rand) Amount {
	var lo, hi uint64
	switch r.IntN(5) {
	case 0: // small
		lo = uint64(r.IntN(1000))
	case 1: // a typical amount
		lo = r.Uint64() >> r.IntN(64)
	case 2: // full 64 bits
		lo = r.Uint64()
	case 3: // up to 96 bits
		lo, hi = r.Uint64(), r.Uint64()>>(32+r.IntN(33))
	default: // beyond 96 bits
		lo, hi = r.Uint64(), r.Uint64()>>r.IntN(32)
	}
	scale := int32(r.IntN(30))
	if r.IntN(20) == 0 {
		scale = int32(r.IntN(300)) - 20
	}
	return amountOf(lo, hi, r.IntN(2) == 0, scale)
}

func FuzzInlineMatchesBig(f *testing.F) {
	f.Add(uint64(15), uint32(0), false, uint8(1), uint64(3), uint32(0), true, uint8(0), int8(2), uint8(0))
	f.Add(uint64(math.MaxUint64), uint32(math.MaxUint32), false, uint8(18), uint64(1), uint32(0), false, uint8(0), int8(18), uint8(1))
	f.Add(uint64(1), uint32(0), true, uint8(200), uint64(7), uint32(9), false, uint8(3), int8(-1), uint8(3))
	f.Fuzz(func(t *testing.T, alo uint64, ahi uint32, aneg bool, ascale uint8, blo uint64, bhi uint32, bneg bool, bscale uint8, places int8, mode uint8) {
		a := amountOf(alo, uint64(ahi), aneg, int32(ascale))
		b := amountOf(blo, uint64(bhi), bneg, int32(bscale))
		checkPair(t, a, b, int32(places%40), RoundingMode(mode%4))
	})
}

func BenchmarkAdd(b *testing.B) {
	x, y := MustParse("12345.678901234567890123"), MustParse("0.26")
	for b.Loop() {
		x.Add(y)
	}
}

func BenchmarkMulDiv(b *testing.B) {
	cost, part, qty := MustParse("45123.45"), MustParse("0.12345678"), MustParse("1.23456789")
	for b.Loop() {
		_, _ = cost.MulDiv(part, qty, 18, HalfEven)
	}
}

func BenchmarkAddBig(b *testing.B) {
	x, y := forceBig(MustParse("12345.678901234567890123")), forceBig(MustParse("0.26"))
	for b.Loop() {
		x.Add(y)
	}
}

func BenchmarkMulDivBig(b *testing.B) {
	cost, part, qty := forceBig(MustParse("45123.45")), forceBig(MustParse("0.12345678")), forceBig(MustParse("1.23456789"))
	for b.Loop() {
		_, _ = cost.MulDiv(part, qty, 18, HalfEven)
	}
}

// FuzzParseMatchesDecimal: whatever Parse accepts, it reads as shopspring
// does, inline or not.
func FuzzParseMatchesDecimal(f *testing.F) {
	for _, s := range []string{"0", "-0.000", "1011.1908877900", "79228162514264337593543950335", "79228162514264337593543950336", "0.0000000000000000000000000001", "+12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("Parse accepted %q, decimal refused: %v", s, err)
		}
		if a.String() != d.String() || a.Cmp(fromDec(d)) != 0 {
			t.Fatalf("Parse(%q) = %s, decimal %s", s, a, d)
		}
	})
}
