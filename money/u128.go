package money

import (
	"math/bits"
	"strconv"
)

// Unsigned 128- and 256-bit helpers for the fast form of Amount. Every
// function reports overflow instead of wrapping, so a caller can fall back to
// big arithmetic and never lose a digit.

type u128 struct{ lo, hi uint64 }

func (x u128) isZero() bool { return x.lo|x.hi == 0 }

func cmp128(x, y u128) int {
	switch {
	case x.hi != y.hi:
		if x.hi < y.hi {
			return -1
		}
		return 1
	case x.lo != y.lo:
		if x.lo < y.lo {
			return -1
		}
		return 1
	}
	return 0
}

func add128(x, y u128) (u128, bool) {
	lo, c := bits.Add64(x.lo, y.lo, 0)
	hi, c := bits.Add64(x.hi, y.hi, c)
	return u128{lo, hi}, c == 0
}

// sub128 returns x − y for x >= y.
func sub128(x, y u128) u128 {
	lo, b := bits.Sub64(x.lo, y.lo, 0)
	hi, _ := bits.Sub64(x.hi, y.hi, b)
	return u128{lo, hi}
}

func mul128x64(x u128, y uint64) (u128, bool) {
	h0, l0 := bits.Mul64(x.lo, y)
	h1, l1 := bits.Mul64(x.hi, y)
	hi, c := bits.Add64(h0, l1, 0)
	return u128{l0, hi}, h1 == 0 && c == 0
}

func mul128(x, y u128) (u128, bool) {
	if x.hi != 0 && y.hi != 0 {
		return u128{}, false
	}
	if x.hi != 0 {
		x, y = y, x
	}
	// x fits in 64 bits.
	return mul128x64(y, x.lo)
}

// pow10 holds 10^0 .. 10^38, the powers of ten below 2^128.
var pow10 = func() (t [39]u128) {
	t[0] = u128{lo: 1}
	for i := 1; i < len(t); i++ {
		t[i], _ = mul128x64(t[i-1], 10)
	}
	return t
}()

// mulPow10 returns x × 10^n.
func mulPow10(x u128, n int32) (u128, bool) {
	if n == 0 || x.isZero() {
		return x, true
	}
	if n < 0 || n >= int32(len(pow10)) {
		return u128{}, false
	}
	return mul128(x, pow10[n])
}

// div128x64 returns x ÷ y and the remainder; y > 0.
func div128x64(x u128, y uint64) (q u128, r uint64) {
	q.hi, r = bits.Div64(0, x.hi, y)
	q.lo, r = bits.Div64(r, x.lo, y)
	return q, r
}

// u256 is a little-endian 256-bit magnitude.
type u256 [4]uint64

func u256of(x u128) u256 { return u256{x.lo, x.hi} }

func mul128full(x, y u128) u256 {
	var z u256
	h, l := bits.Mul64(x.lo, y.lo)
	z[0] = l
	z[1] = h
	h, l = bits.Mul64(x.lo, y.hi)
	var c uint64
	z[1], c = bits.Add64(z[1], l, 0)
	z[2], c = bits.Add64(z[2], h, c)
	z[3] += c
	h, l = bits.Mul64(x.hi, y.lo)
	z[1], c = bits.Add64(z[1], l, 0)
	z[2], c = bits.Add64(z[2], h, c)
	z[3] += c
	h, l = bits.Mul64(x.hi, y.hi)
	z[2], c = bits.Add64(z[2], l, 0)
	z[3], _ = bits.Add64(z[3], h, c)
	return z
}

func mul256x64(x u256, y uint64) (u256, bool) {
	var z u256
	var carry uint64
	for i := range x {
		h, l := bits.Mul64(x[i], y)
		var c uint64
		z[i], c = bits.Add64(l, carry, 0)
		carry = h + c
	}
	return z, carry == 0
}

// mul256Pow10 returns x × 10^n for 0 <= n <= 38.
func mul256Pow10(x u256, n int32) (u256, bool) {
	ok := true
	for n > 0 && ok {
		k := min(n, 19)
		x, ok = mul256x64(x, pow10[k].lo)
		n -= k
	}
	return x, ok
}

// div256x64 returns x ÷ y and the remainder; y > 0.
func div256x64(x u256, y uint64) (q u256, r uint64) {
	for i := 3; i >= 0; i-- {
		q[i], r = bits.Div64(r, x[i], y)
	}
	return q, r
}

// roundUp reports whether the truncated magnitude quotient of a division
// with remainder r by d (0 <= r < d) must grow by one unit under mode; qOdd
// says whether that quotient is odd. Rounding is symmetric: the sign is
// applied afterwards.
func roundUp(mode RoundingMode, qOdd bool, r, d uint64) bool {
	if r == 0 {
		return false
	}
	switch mode {
	case Down:
		return false
	case Up:
		return true
	}
	half := d - r // 2r vs d  <=>  r vs d − r
	switch mode {
	case HalfUp:
		return r >= half
	default: // HalfEven
		return r > half || (r == half && qOdd)
	}
}

// appendU128 appends the decimal digits of x.
func appendU128(b []byte, x u128) []byte {
	if x.hi == 0 {
		return strconv.AppendUint(b, x.lo, 10)
	}
	const e19 = 10_000_000_000_000_000_000
	q, r := div128x64(x, e19)
	b = appendU128(b, q)
	var tmp [20]byte
	s := strconv.AppendUint(tmp[:0], r, 10)
	for i := len(s); i < 19; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}
