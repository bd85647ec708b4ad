// Package money provides Amount, the exact decimal value type that every
// quantity, price, fee and balance in cointally uses, from parsing Kraken's
// strings to storage and output.
//
// An Amount never passes through float64. Addition, subtraction and
// multiplication are exact. Division and rounding always take an explicit
// number of decimal places and a rounding mode, so no package-level precision
// setting can change a result.
//
// # Representation
//
// An Amount whose digits fit in 96 bits (28 significant digits, with up to
// 255 decimal places) is held inline as an integer coefficient and a scale,
// and its arithmetic runs on machine words without allocating. Anything
// larger is held as a shopspring decimal, and any operation whose exact
// result does not fit the inline form falls back to it. The two forms are
// invisible from outside: every operation gives the same exact result either
// way (the tests compare them).
package money

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is an exact decimal number. The zero value is 0 and ready to use.
// Amounts are immutable values: every operation returns a new Amount.
type Amount struct {
	// Inline form (big == nil): (-1)^neg × (hi·2^64 + lo) × 10^-scale.
	// Zero is never negative.
	lo    uint64
	hi    uint32
	scale uint16
	neg   bool
	// big holds values that do not fit the inline form; it is never
	// modified once set.
	big *decimal.Decimal
}

const maxScale = 255

// Zero is the Amount 0.
var Zero = Amount{}

// RoundingMode says how a result that does not fit the requested number of
// decimal places is rounded.
type RoundingMode int

const (
	// HalfEven rounds to the nearest value and ties to the even digit
	// (banker's rounding), the default for money.
	HalfEven RoundingMode = iota
	// HalfUp rounds to the nearest value and ties away from zero.
	HalfUp
	// Down truncates towards zero.
	Down
	// Up rounds away from zero.
	Up
)

// DefaultPlaces is the number of decimal places used for quotients where the
// caller has no better precision in mind (cost per unit, proportional splits).
const DefaultPlaces = 18

// mag returns the inline coefficient's magnitude.
func (a Amount) mag() u128 { return u128{a.lo, uint64(a.hi)} }

// inline returns the inline Amount (-1)^neg × m × 10^-scale, or false if it
// does not fit.
func inline(neg bool, m u128, scale int32) (Amount, bool) {
	if m.hi > 0xFFFF_FFFF || scale < 0 || scale > maxScale {
		return Amount{}, false
	}
	return Amount{lo: m.lo, hi: uint32(m.hi), scale: uint16(scale), neg: neg && !m.isZero()}, true
}

// dec returns a as a shopspring decimal.
func (a Amount) dec() decimal.Decimal {
	if a.big != nil {
		return *a.big
	}
	var c big.Int
	if a.hi == 0 {
		c.SetUint64(a.lo)
	} else {
		c.SetUint64(uint64(a.hi))
		c.Lsh(&c, 64)
		c.Or(&c, new(big.Int).SetUint64(a.lo))
	}
	if a.neg {
		c.Neg(&c)
	}
	return decimal.NewFromBigInt(&c, -int32(a.scale))
}

var big96 = new(big.Int).Lsh(big.NewInt(1), 96)

// fromDec returns d as an Amount, inline when it fits.
func fromDec(d decimal.Decimal) Amount {
	c := d.Coefficient()
	exp := d.Exponent()
	if exp > 0 && exp < int32(len(pow10)) {
		c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
		exp = 0
	}
	if exp <= 0 && -exp <= maxScale {
		neg := c.Sign() < 0
		c.Abs(c)
		if c.Cmp(big96) < 0 {
			lo := new(big.Int).And(c, new(big.Int).SetUint64(^uint64(0))).Uint64()
			hi := new(big.Int).Rsh(c, 64).Uint64()
			a, _ := inline(neg, u128{lo, hi}, -exp)
			return a
		}
	}
	return Amount{big: &d}
}

// ParseError reports text that is not a plain decimal number.
type ParseError struct {
	Text   string
	Reason string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid decimal %q: %s", e.Text, e.Reason)
}

// Parse reads a plain decimal number: an optional sign, digits, and an
// optional fraction ("-24.5000", "0.1", "12", ".5" is refused). Exponents,
// thousands separators, spaces and anything else are refused with a
// *ParseError that says why, so a malformed value is never silently changed.
func Parse(s string) (Amount, error) {
	if s == "" {
		return Amount{}, &ParseError{Text: s, Reason: "empty"}
	}
	body := s
	neg := false
	if body[0] == '-' || body[0] == '+' {
		neg = body[0] == '-'
		body = body[1:]
	}
	if body == "" {
		return Amount{}, &ParseError{Text: s, Reason: "sign without digits"}
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" {
		return Amount{}, &ParseError{Text: s, Reason: "no digit before the decimal point"}
	}
	if hasDot && frac == "" {
		return Amount{}, &ParseError{Text: s, Reason: "no digit after the decimal point"}
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				reason := fmt.Sprintf("unexpected character %q", c)
				switch c {
				case ',':
					reason = "contains a comma (thousands separator or decimal comma); use a plain number such as 1234.56"
				case 'e', 'E':
					reason = "exponent notation is not accepted"
				case ' ', '\t':
					reason = "contains a space"
				case '.':
					reason = "more than one decimal point"
				}
				return Amount{}, &ParseError{Text: s, Reason: reason}
			}
		}
	}
	if a, ok := parseInline(neg, intPart, frac); ok {
		return a, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, &ParseError{Text: s, Reason: err.Error()}
	}
	return fromDec(d), nil
}

// parseInline reads validated digits into the inline form when they fit.
func parseInline(neg bool, intPart, frac string) (Amount, bool) {
	if len(frac) > maxScale {
		return Amount{}, false
	}
	var m u128
	digits := 0
	for _, part := range [2]string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if m.isZero() && part[i] == '0' {
				continue // leading zeros cost nothing
			}
			if digits++; digits > 28 {
				return Amount{}, false
			}
			m, _ = mul128x64(m, 10) // 28 digits < 2^96: no overflow
			m, _ = add128(m, u128{lo: uint64(part[i] - '0')})
		}
	}
	return inline(neg, m, int32(len(frac)))
}

// MustParse is Parse for constants in code and tests; it panics on bad input.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return a
}

// FromInt returns the Amount n.
func FromInt(n int64) Amount {
	if n < 0 {
		return Amount{lo: uint64(-n), neg: true} // -MinInt64 wraps to 1<<63, its magnitude
	}
	return Amount{lo: uint64(n)}
}

// New returns coefficient × 10^exp, e.g. New(12345, -2) is 123.45.
func New(coefficient int64, exp int32) Amount {
	a := FromInt(coefficient)
	if exp <= 0 && exp >= -maxScale {
		a.scale = uint16(-exp)
		return a
	}
	if exp > 0 {
		if m, ok := mulPow10(a.mag(), exp); ok {
			if r, ok := inline(a.neg, m, 0); ok {
				return r
			}
		}
	}
	return fromDec(decimal.New(coefficient, exp))
}

// align returns the magnitudes of a and b at their common (larger) scale.
func align(a, b Amount) (am, bm u128, scale uint16, ok bool) {
	am, bm, scale = a.mag(), b.mag(), a.scale
	switch {
	case a.scale < b.scale:
		scale = b.scale
		if d := b.scale - a.scale; am.hi == 0 && d <= 19 {
			am.hi, am.lo = bits.Mul64(am.lo, pow10[d].lo)
		} else if am, ok = mulPow10(am, int32(d)); !ok {
			return
		}
	case b.scale < a.scale:
		if d := a.scale - b.scale; bm.hi == 0 && d <= 19 {
			bm.hi, bm.lo = bits.Mul64(bm.lo, pow10[d].lo)
		} else if bm, ok = mulPow10(bm, int32(d)); !ok {
			return
		}
	}
	return am, bm, scale, true
}

// addInline returns a + (-1)^negB × b for inline a and b, or false if the
// sum does not fit the inline form.
func addInline(a, b Amount, negB bool) (Amount, bool) {
	bn := b.neg != negB
	am, bm, scale := a.mag(), b.mag(), a.scale
	// align, by hand: this is the hottest path of the package.
	switch {
	case a.scale < b.scale:
		scale = b.scale
		if d := b.scale - a.scale; am.hi == 0 && d <= 19 {
			am.hi, am.lo = bits.Mul64(am.lo, pow10[d].lo)
		} else {
			var ok bool
			if am, ok = mulPow10(am, int32(d)); !ok {
				return Amount{}, false
			}
		}
	case b.scale < a.scale:
		if d := a.scale - b.scale; bm.hi == 0 && d <= 19 {
			bm.hi, bm.lo = bits.Mul64(bm.lo, pow10[d].lo)
		} else {
			var ok bool
			if bm, ok = mulPow10(bm, int32(d)); !ok {
				return Amount{}, false
			}
		}
	}
	var m u128
	neg := a.neg
	if a.neg == bn {
		var c uint64
		m.lo, c = bits.Add64(am.lo, bm.lo, 0)
		m.hi, c = bits.Add64(am.hi, bm.hi, c)
		if c != 0 {
			return Amount{}, false
		}
	} else if am.hi > bm.hi || am.hi == bm.hi && am.lo >= bm.lo {
		m = sub128(am, bm)
	} else {
		m, neg = sub128(bm, am), bn
	}
	if m.hi > 0xFFFF_FFFF {
		return Amount{}, false
	}
	return Amount{lo: m.lo, hi: uint32(m.hi), scale: scale, neg: neg && m.lo|m.hi != 0}, true
}

// Add returns a + b.
func (a Amount) Add(b Amount) Amount {
	if a.big == nil && b.big == nil {
		if a.scale == b.scale && a.hi|b.hi == 0 && a.neg == b.neg {
			// Same scale, same sign, 64-bit coefficients: the common case.
			s, c := bits.Add64(a.lo, b.lo, 0)
			return Amount{lo: s, hi: uint32(c), scale: a.scale, neg: a.neg}
		}
		if r, ok := addInline(a, b, false); ok {
			return r
		}
	}
	return fromDec(a.dec().Add(b.dec()))
}

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount {
	if a.big == nil && b.big == nil {
		if a.scale == b.scale && a.hi|b.hi == 0 && a.neg == b.neg && a.lo >= b.lo {
			return Amount{lo: a.lo - b.lo, scale: a.scale, neg: a.neg && a.lo != b.lo}
		}
		if r, ok := addInline(a, b, true); ok {
			return r
		}
	}
	return fromDec(a.dec().Sub(b.dec()))
}

// Mul returns a × b, exactly.
func (a Amount) Mul(b Amount) Amount {
	if a.big == nil && b.big == nil {
		if m, ok := mul128(a.mag(), b.mag()); ok {
			if r, ok := inline(a.neg != b.neg, m, int32(a.scale)+int32(b.scale)); ok {
				return r
			}
		}
	}
	return fromDec(a.dec().Mul(b.dec()))
}

// Neg returns -a.
func (a Amount) Neg() Amount {
	if a.big != nil {
		return fromDec(a.big.Neg())
	}
	a.neg = !a.neg && a.lo|uint64(a.hi) != 0
	return a
}

// Abs returns |a|.
func (a Amount) Abs() Amount {
	if a.big != nil {
		return fromDec(a.big.Abs())
	}
	a.neg = false
	return a
}

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int {
	if a.big != nil || b.big != nil {
		return a.dec().Cmp(b.dec())
	}
	if a.neg != b.neg { // zero is never negative, so the signs differ
		if a.neg {
			return -1
		}
		return 1
	}
	var c int
	if a.scale == b.scale && a.hi|b.hi == 0 {
		switch {
		case a.lo < b.lo:
			c = -1
		case a.lo > b.lo:
			c = 1
		}
	} else if am, bm, _, ok := align(a, b); ok {
		c = cmp128(am, bm)
	} else if a.lo|uint64(a.hi) == 0 || b.lo|uint64(b.hi) == 0 {
		c = cmp128(a.mag(), b.mag()) // one is zero: scale does not matter
	} else if a.scale < b.scale {
		c = 1 // a's magnitude scaled up overflowed 128 bits, so it exceeds b's (< 2^96)
	} else {
		c = -1
	}
	if a.neg {
		return -c
	}
	return c
}

// Equal reports whether a and b are the same number (1.50 equals 1.5).
func (a Amount) Equal(b Amount) bool { return a.Cmp(b) == 0 }

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int {
	switch {
	case a.big != nil:
		return a.big.Sign()
	case a.lo|uint64(a.hi) == 0:
		return 0
	case a.neg:
		return -1
	}
	return 1
}

// IsZero reports whether a is 0.
func (a Amount) IsZero() bool { return a.Sign() == 0 }

// IsNegative reports whether a < 0.
func (a Amount) IsNegative() bool { return a.Sign() < 0 }

// IsPositive reports whether a > 0.
func (a Amount) IsPositive() bool { return a.Sign() > 0 }

// Min returns the smaller of a and b.
func Min(a, b Amount) Amount {
	if a.Cmp(b) <= 0 {
		return a
	}
	return b
}

// Max returns the larger of a and b.
func Max(a, b Amount) Amount {
	if a.Cmp(b) >= 0 {
		return a
	}
	return b
}

// Sum returns the exact sum of the amounts.
func Sum(xs ...Amount) Amount {
	s := Zero
	for _, x := range xs {
		s = s.Add(x)
	}
	return s
}

// Places returns the number of digits after the decimal point in a's exact
// representation, ignoring trailing zeros (0.1500 has 2).
func (a Amount) Places() int32 {
	if a.big == nil {
		m, places := a.mag(), int32(a.scale)
		if m.isZero() {
			return 0
		}
		for places > 0 {
			q, r := div128x64(m, 10)
			if r != 0 {
				break
			}
			m = q
			places--
		}
		return places
	}
	d := a.dec()
	if d.IsZero() {
		return 0
	}
	c := new(big.Int).Set(d.Coefficient())
	exp := d.Exponent()
	ten := big.NewInt(10)
	r := new(big.Int)
	for exp < 0 {
		q, m := new(big.Int).QuoRem(c, ten, r)
		if m.Sign() != 0 {
			break
		}
		c = q
		exp++
	}
	if exp >= 0 {
		return 0
	}
	return -exp
}

// Round rounds a to places decimal places with the given mode.
func (a Amount) Round(places int32, mode RoundingMode) Amount {
	if a.big == nil && places >= 0 {
		drop := int32(a.scale) - places
		if drop <= 0 {
			return a
		}
		if drop <= 19 {
			q, r := div128x64(a.mag(), pow10[drop].lo)
			if roundUp(mode, q.lo&1 == 1, r, pow10[drop].lo) {
				q, _ = add128(q, u128{lo: 1})
			}
			if res, ok := inline(a.neg, q, places); ok {
				return res
			}
		}
	}
	d := a.dec()
	switch mode {
	case HalfUp:
		return fromDec(d.Round(places))
	case Down:
		return fromDec(d.Truncate(places))
	case Up:
		return fromDec(d.RoundUp(places))
	default:
		return fromDec(d.RoundBank(places))
	}
}

// ErrDivisionByZero is returned by Div when the divisor is zero.
var ErrDivisionByZero = errors.New("division by zero")

// Div returns a ÷ b rounded to places decimal places with mode. Division is
// the one operation that can lose digits, so the precision is always explicit.
// The quotient is computed exactly with integers and rounded once.
func (a Amount) Div(b Amount, places int32, mode RoundingMode) (Amount, error) {
	if b.IsZero() {
		return Amount{}, ErrDivisionByZero
	}
	if a.big == nil && b.big == nil {
		if r, ok := quoInline(u256of(a.mag()), a.neg != b.neg, int32(a.scale), b.mag(), int32(b.scale), places, mode); ok {
			return r, nil
		}
	}
	return divBig(a.dec(), b.dec(), places, mode), nil
}

// MulDiv returns a × num ÷ den rounded to places with mode: the share of a
// that num/den represents (cost of a part of a lot, for example).
func (a Amount) MulDiv(num, den Amount, places int32, mode RoundingMode) (Amount, error) {
	if den.IsZero() {
		return Amount{}, ErrDivisionByZero
	}
	if a.big == nil && num.big == nil && den.big == nil {
		p := mul128full(a.mag(), num.mag())
		if r, ok := quoInline(p, a.neg != num.neg != den.neg, int32(a.scale)+int32(num.scale), den.mag(), int32(den.scale), places, mode); ok {
			return r, nil
		}
	}
	return a.Mul(num).Div(den, places, mode)
}

// quoInline returns (-1)^neg × (n × 10^-ns) ÷ (d × 10^-ds) rounded to places
// with mode, when the divisor (after scaling) fits in 64 bits and the quotient
// in the inline form.
func quoInline(n u256, neg bool, ns int32, d u128, ds int32, places int32, mode RoundingMode) (Amount, bool) {
	if places < 0 || places > maxScale {
		return Amount{}, false
	}
	// n/d × 10^(ds−ns) × 10^places
	shift := ds - ns + places
	ok := true
	switch {
	case shift > 38 || shift < -38:
		return Amount{}, false
	case shift > 0:
		n, ok = mul256Pow10(n, shift)
	case shift < 0:
		d, ok = mulPow10(d, -shift)
	}
	if !ok || d.hi != 0 || d.lo == 0 {
		return Amount{}, false
	}
	q, r := div256x64(n, d.lo)
	if q[2]|q[3] != 0 {
		return Amount{}, false
	}
	m := u128{q[0], q[1]}
	if roundUp(mode, q[0]&1 == 1, r, d.lo) {
		if m, ok = add128(m, u128{lo: 1}); !ok {
			return Amount{}, false
		}
	}
	return inline(neg, m, places)
}

// divBig is Div on big integers: the quotient is computed exactly and
// rounded once.
func divBig(a, b decimal.Decimal, places int32, mode RoundingMode) Amount {
	// a/b × 10^places = (ca × 10^(ea-eb+places)) / cb
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
		twice := new(big.Int).Lsh(r, 1)
		c := twice.Cmp(den)
		up := false
		switch mode {
		case Down:
		case Up:
			up = true
		case HalfUp:
			up = c >= 0
		default: // HalfEven
			up = c > 0 || (c == 0 && q.Bit(0) == 1)
		}
		if up {
			q.Add(q, big.NewInt(1))
		}
	}
	if neg {
		q.Neg(q)
	}
	return fromDec(decimal.NewFromBigInt(q, -places))
}

// String returns the canonical text of a: no exponent, no trailing zeros
// after the decimal point, "-" for negatives ("0.15", "-24.5", "12").
func (a Amount) String() string {
	if a.big != nil {
		return a.big.String()
	}
	var buf [48]byte
	return string(a.appendFixed(buf[:0], -1))
}

// appendFixed appends the inline a with exactly places decimals (a's scale
// is at most places), or with trailing zeros trimmed when places < 0.
func (a Amount) appendFixed(b []byte, places int32) []byte {
	if a.neg {
		b = append(b, '-')
	}
	var tmp [40]byte
	digits := appendU128(tmp[:0], a.mag())
	scale := int(a.scale)
	if places < 0 {
		for scale > 0 && digits[len(digits)-1] == '0' && len(digits) > 1 {
			digits = digits[:len(digits)-1]
			scale--
		}
		if len(digits) == 1 && digits[0] == '0' {
			scale = 0
		}
	}
	if scale == 0 {
		b = append(b, digits...)
	} else if len(digits) > scale {
		b = append(b, digits[:len(digits)-scale]...)
		b = append(b, '.')
		b = append(b, digits[len(digits)-scale:]...)
	} else {
		b = append(b, '0', '.')
		for i := len(digits); i < scale; i++ {
			b = append(b, '0')
		}
		b = append(b, digits...)
	}
	if places > int32(scale) {
		if scale == 0 {
			b = append(b, '.')
		}
		for i := int32(scale); i < places; i++ {
			b = append(b, '0')
		}
	}
	return b
}

// StringFixed returns a with exactly places decimal places, rounding half
// even if a has more ("1.5" with 4 places is "1.5000").
func (a Amount) StringFixed(places int32) string {
	if places >= 0 {
		if r := a.Round(places, HalfEven); r.big == nil {
			var buf [64]byte
			return string(r.appendFixed(buf[:0], places))
		}
	}
	return a.dec().StringFixedBank(places)
}

// MarshalJSON encodes a as a JSON string, as Kraken does.
func (a Amount) MarshalJSON() ([]byte, error) {
	if a.big != nil {
		return []byte(`"` + a.String() + `"`), nil
	}
	b := make([]byte, 0, 32)
	b = append(b, '"')
	b = a.appendFixed(b, -1)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a JSON string or a JSON number, reading the digits
// exactly as written (never through float64).
func (a *Amount) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return &ParseError{Text: s, Reason: "null where a number is required"}
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	} else if strings.ContainsAny(s, "eE") {
		// JSON numbers may use exponents; they are exact, so accept them.
		d, err := decimal.NewFromString(s)
		if err != nil {
			return &ParseError{Text: s, Reason: err.Error()}
		}
		*a = fromDec(d)
		return nil
	}
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Value stores a as its canonical text, so every database keeps it exactly.
func (a Amount) Value() (driver.Value, error) { return a.String(), nil }

// Scan reads an Amount stored as text (or bytes, or an integer).
func (a *Amount) Scan(src any) error {
	switch v := src.(type) {
	case string:
		p, err := Parse(v)
		if err != nil {
			return err
		}
		*a = p
	case []byte:
		p, err := Parse(string(v))
		if err != nil {
			return err
		}
		*a = p
	case int64:
		*a = FromInt(v)
	case nil:
		return errors.New("money: cannot scan NULL into Amount")
	default:
		return fmt.Errorf("money: cannot scan %T into Amount", src)
	}
	return nil
}
