// Package money provides Amount, the exact decimal value type that every
// quantity, price, fee and balance in cointally uses, from parsing Kraken's
// strings to storage and output.
//
// An Amount never passes through float64. Addition, subtraction and
// multiplication are exact. Division and rounding always take an explicit
// number of decimal places and a rounding mode, so no package-level precision
// setting can change a result.
package money

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is an exact decimal number. The zero value is 0 and ready to use.
// Amounts are immutable values: every operation returns a new Amount.
type Amount struct {
	d decimal.Decimal
}

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
	if body[0] == '-' || body[0] == '+' {
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
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Amount{}, &ParseError{Text: s, Reason: err.Error()}
	}
	return Amount{d: d}, nil
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
func FromInt(n int64) Amount { return Amount{d: decimal.NewFromInt(n)} }

// New returns coefficient × 10^exp, e.g. New(12345, -2) is 123.45.
func New(coefficient int64, exp int32) Amount { return Amount{d: decimal.New(coefficient, exp)} }

// Add returns a + b.
func (a Amount) Add(b Amount) Amount { return Amount{d: a.d.Add(b.d)} }

// Sub returns a - b.
func (a Amount) Sub(b Amount) Amount { return Amount{d: a.d.Sub(b.d)} }

// Mul returns a × b, exactly.
func (a Amount) Mul(b Amount) Amount { return Amount{d: a.d.Mul(b.d)} }

// Neg returns -a.
func (a Amount) Neg() Amount { return Amount{d: a.d.Neg()} }

// Abs returns |a|.
func (a Amount) Abs() Amount { return Amount{d: a.d.Abs()} }

// Cmp returns -1, 0 or +1 as a is less than, equal to or greater than b.
func (a Amount) Cmp(b Amount) int { return a.d.Cmp(b.d) }

// Equal reports whether a and b are the same number (1.50 equals 1.5).
func (a Amount) Equal(b Amount) bool { return a.d.Equal(b.d) }

// Sign returns -1, 0 or +1.
func (a Amount) Sign() int { return a.d.Sign() }

// IsZero reports whether a is 0.
func (a Amount) IsZero() bool { return a.d.IsZero() }

// IsNegative reports whether a < 0.
func (a Amount) IsNegative() bool { return a.d.Sign() < 0 }

// IsPositive reports whether a > 0.
func (a Amount) IsPositive() bool { return a.d.Sign() > 0 }

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
	if a.d.IsZero() {
		return 0
	}
	c := new(big.Int).Set(a.d.Coefficient())
	exp := a.d.Exponent()
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
	switch mode {
	case HalfUp:
		return Amount{d: a.d.Round(places)}
	case Down:
		return Amount{d: a.d.Truncate(places)}
	case Up:
		return Amount{d: a.d.RoundUp(places)}
	default:
		return Amount{d: a.d.RoundBank(places)}
	}
}

// ErrDivisionByZero is returned by Div when the divisor is zero.
var ErrDivisionByZero = errors.New("division by zero")

// Div returns a ÷ b rounded to places decimal places with mode. Division is
// the one operation that can lose digits, so the precision is always explicit.
// The quotient is computed exactly with integers and rounded once.
func (a Amount) Div(b Amount, places int32, mode RoundingMode) (Amount, error) {
	if b.d.IsZero() {
		return Amount{}, ErrDivisionByZero
	}
	// a/b × 10^places = (ca × 10^(ea-eb+places)) / cb
	num := new(big.Int).Set(a.d.Coefficient())
	den := new(big.Int).Set(b.d.Coefficient())
	shift := int64(a.d.Exponent()) - int64(b.d.Exponent()) + int64(places)
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
	return Amount{d: decimal.NewFromBigInt(q, -places)}, nil
}

// MulDiv returns a × num ÷ den rounded to places with mode: the share of a
// that num/den represents (cost of a part of a lot, for example).
func (a Amount) MulDiv(num, den Amount, places int32, mode RoundingMode) (Amount, error) {
	return a.Mul(num).Div(den, places, mode)
}

// String returns the canonical text of a: no exponent, no trailing zeros
// after the decimal point, "-" for negatives ("0.15", "-24.5", "12").
func (a Amount) String() string { return a.d.String() }

// StringFixed returns a with exactly places decimal places, rounding half
// even if a has more ("1.5" with 4 places is "1.5000").
func (a Amount) StringFixed(places int32) string { return a.d.StringFixedBank(places) }

// MarshalJSON encodes a as a JSON string, as Kraken does.
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + a.String() + `"`), nil
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
		*a = Amount{d: d}
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
