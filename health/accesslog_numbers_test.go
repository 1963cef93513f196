package health

import (
	"math/rand/v2"
	"testing"
)

// appendScaled writes exactly what the float path wrote for the same
// value (latencies in µs → ms, costs in micro-USD → USD).
func TestAppendScaledMatchesFloat(t *testing.T) {
	check := func(v int64, dec int) {
		t.Helper()
		want := string(appendFloat(nil, float64(v)/pow10[dec]))
		if got := string(appendScaled(nil, v, dec)); got != want {
			t.Fatalf("appendScaled(%d, %d) = %s; want %s", v, dec, got, want)
		}
	}
	rnd := rand.New(rand.NewPCG(11, 12))
	for _, dec := range []int{3, 6} {
		for v := int64(-2_000_000); v <= 2_000_000; v++ {
			check(v, dec)
		}
		for _, v := range []int64{maxScaled - 1, maxScaled, maxScaled + 1, -maxScaled + 1, -maxScaled, 1<<63 - 1, -1 << 63} {
			check(v, dec)
		}
		for range 2_000_000 {
			v := rnd.Int64N(maxScaled)
			if rnd.IntN(2) == 0 {
				v = -v
			}
			check(v, dec)
		}
	}
}
