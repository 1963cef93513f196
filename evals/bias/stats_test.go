package bias

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestHolm(t *testing.T) {
	// Worked example: p = (0.01, 0.04, 0.03, 0.005), m = 4.
	got := holm([]float64{0.01, 0.04, 0.03, 0.005})
	want := []float64{0.03, 0.06, 0.06, 0.02}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("holm = %v, want %v", got, want)
		}
	}
	if got := holm([]float64{0.5, 0.9}); got[0] != 1 || got[1] != 1 {
		t.Fatalf("holm caps at 1: %v", got)
	}
}

func TestBootstrapEdgeCases(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	if e := bootstrapMean([]float64{0, 0, 0, 0}, 500, rng); e.value != 0 || e.p != 1 || e.lo != 0 || e.hi != 0 {
		t.Fatalf("all zero: %+v", e)
	}
	if e := bootstrapMean([]float64{0.5, 0.5, 0.5}, 500, rng); e.value != 0.5 || e.p != 0 {
		t.Fatalf("constant nonzero: %+v", e)
	}
	if e := bootstrapMean(nil, 500, rng); e.p != 1 {
		t.Fatalf("empty: %+v", e)
	}
	// A clear shift: mean 1, sd 0.1, n 30.
	d := make([]float64, 30)
	for i := range d {
		d[i] = 1 + 0.1*rng.NormFloat64()
	}
	e := bootstrapMean(d, 2000, rng)
	if !(e.lo < e.value && e.value < e.hi && e.lo > 0.9 && e.hi < 1.1 && e.p < 1e-6) {
		t.Fatalf("shift: %+v", e)
	}
}

// Under H0 the bootstrap p-value is roughly uniform: about 5% below 0.05.
func TestBootstrapPValueCalibration(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	below := 0
	const runs = 400
	for r := 0; r < runs; r++ {
		d := make([]float64, 24)
		for i := range d {
			d[i] = rng.NormFloat64()
		}
		if bootstrapMean(d, 400, rng).p < 0.05 {
			below++
		}
	}
	// Expected 20 ± 4.4; allow up to 8%.
	if below > runs*8/100 {
		t.Fatalf("%d of %d null runs below p=0.05", below, runs)
	}
}

func TestStudentT(t *testing.T) {
	// Reference values: two-sided p of t with df degrees of freedom.
	for _, c := range []struct{ t, df, p float64 }{
		{2.228, 10, 0.05}, {3.169, 10, 0.01}, {1.96, 1e6, 0.05}, {0, 5, 1}, {12.706, 1, 0.05},
	} {
		if got := studentTwoSided(c.t, c.df); math.Abs(got-c.p) > 0.0005 {
			t.Errorf("P(|T_%g| > %g) = %.5f, want %.4f", c.df, c.t, got, c.p)
		}
	}
}
