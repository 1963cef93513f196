package policy

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// appendFloat's micro-dollar path writes exactly what strconv writes, for
// every kind of value: micro amounts of every magnitude and sign, values
// one ulp off them, integers, tiny and huge values, and random floats.
func TestAppendFloatMatchesStrconv(t *testing.T) {
	check := func(f float64) {
		t.Helper()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return
		}
		want := strconv.FormatFloat(f, 'g', -1, 64)
		if got := string(appendFloat(nil, f)); got != want {
			t.Fatalf("appendFloat(%v) = %q, strconv %q", f, got, want)
		}
	}
	edges := []float64{0, 1, -1, 0.5, 1e-6, -1e-6, 1e-5, 1e-4, 0.001, 0.0063, 0.1, 0.123456, 999999.999999,
		1e6, 1e6 + 0.5, 123456.5, 1234567.5, 999999999.000001, 1e9 - 1e-6, 189.75, 999987.654321, 2.5, 100,
		1e-7, 5e-7, 1.5e-6, 0.30000000000000004, 1e14, 1e15, 1e15 + 1, 1e21, 1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64}
	for _, f := range edges {
		check(f)
		check(-f)
		check(math.Nextafter(f, math.Inf(1)))
		check(math.Nextafter(f, math.Inf(-1)))
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 200000 {
		scale := math.Pow(10, float64(r.IntN(16)))
		m := float64(r.Int64N(int64(scale)) + 1)
		f := m / 1e6 // a micro amount, up to 10^15 micros
		if r.IntN(2) == 0 {
			f = -f
		}
		check(f)
		check(math.Nextafter(f, 0))
		check(r.Float64() * scale)
		check(math.Float64frombits(r.Uint64()))
	}
}

func BenchmarkAppendFloat(b *testing.B) {
	buf := make([]byte, 0, 32)
	for _, f := range []float64{0.0063, 999987.654321} {
		b.Run(strconv.FormatFloat(f, 'g', -1, 64), func(b *testing.B) {
			b.Run("strconv", func(b *testing.B) {
				for b.Loop() {
					buf = strconv.AppendFloat(buf[:0], f, 'g', -1, 64)
				}
			})
			b.Run("appendFloat", func(b *testing.B) {
				for b.Loop() {
					buf = appendFloat(buf[:0], f)
				}
			})
		})
	}
}
