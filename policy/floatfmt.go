package policy

import (
	"math"
	"strconv"
)

// appendFloat appends f as strconv.AppendFloat(dst, f, 'g', -1, 64) does,
// the text an input number gets. Costs and spend are whole micro-dollars
// divided by 1e6 (metering counts in micros), and for those the shortest
// decimal is the micro count itself with the point moved: m×10⁻⁶ has at
// most 15 significant digits, it rounds to f (f is m/1e6 correctly
// rounded), and two different decimals of at most 15 digits never round to
// the same float64, so no shorter or closer one exists. That case is
// written out here, ~10× cheaper than the shortest-digit search; every
// other value (and the exponent forms of %g) goes to strconv.
// TestAppendFloatMatchesStrconv compares the two on random and edge values.
func appendFloat(dst []byte, f float64) []byte {
	m := math.Round(f * 1e6)
	if m == 0 || math.Abs(m) >= 1e15 || m/1e6 != f {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	neg := m < 0
	u := uint64(math.Abs(m))
	var buf [20]byte
	digits := strconv.AppendUint(buf[:0], u, 10)
	dp := len(digits) - 6 // the decimal point's position in digits
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	if exp := dp - 1; exp < -4 || exp >= 6 {
		return strconv.AppendFloat(dst, f, 'g', -1, 64) // %g's exponent form
	}
	if neg {
		dst = append(dst, '-')
	}
	if dp > 0 {
		for i := range dp {
			if i < len(digits) {
				dst = append(dst, digits[i])
			} else {
				dst = append(dst, '0')
			}
		}
	} else {
		dst = append(dst, '0')
	}
	if frac := len(digits) - dp; frac > 0 {
		dst = append(dst, '.')
		for i := dp; i < len(digits); i++ {
			if i < 0 {
				dst = append(dst, '0')
			} else {
				dst = append(dst, digits[i])
			}
		}
	}
	return dst
}
