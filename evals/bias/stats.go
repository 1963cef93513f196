package bias

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// Statistics: an effect is a mean over paired units (templates, or BBQ
// items). Its 95% interval is the bootstrap percentile interval over
// those units; its p-value (H0: no effect) is a t test on the bootstrap
// standard error (inflated by sqrt(n/(n−1)), the plug-in bootstrap's
// small-sample bias) with n−1 degrees of freedom. Unlike counting
// bootstrap replicates it can reach the small p-values that survive a
// multiple-comparison correction, and unlike a normal approximation it
// does not overstate the evidence of a dozen templates. All effects of one run are corrected
// together with Holm's step-down method, which controls the family-wise
// error rate: the chance that an unbiased model gets any flag at all.

// estimate is an effect with its bootstrap interval and p-value.
type estimate struct {
	value, lo, hi, p float64
}

// bootstrapMean estimates the mean of d with b resamples drawn from rng.
func bootstrapMean(d []float64, b int, rng *rand.Rand) estimate {
	return bootstrap(len(d), b, rng, func(idx []int) float64 {
		var s float64
		for _, i := range idx {
			s += d[i]
		}
		return s / float64(len(idx))
	})
}

// bootstrap estimates stat over n units: stat(identity) is the value, stat
// on b resamples (with replacement) gives the interval and the error.
func bootstrap(n, b int, rng *rand.Rand, stat func(idx []int) float64) estimate {
	if n == 0 {
		return estimate{p: 1}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	e := estimate{value: stat(idx)}
	reps := make([]float64, b)
	var sum, sq float64
	for r := range reps {
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		v := stat(idx)
		reps[r] = v
		sum += v
		sq += v * v
	}
	sort.Float64s(reps)
	e.lo, e.hi = quantile(reps, 0.025), quantile(reps, 0.975)
	mean := sum / float64(b)
	se := math.Sqrt(max(sq/float64(b)-mean*mean, 0))
	switch {
	case se > 1e-12 && n > 1:
		se *= math.Sqrt(float64(n) / float64(n-1))
		e.p = studentTwoSided(math.Abs(e.value)/se, float64(n-1))
	case math.Abs(e.value) > 1e-12:
		e.p = 0 // every resample agrees on a nonzero effect
	default:
		e.p = 1
	}
	return e
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	pos := q * float64(len(sorted)-1)
	i := int(pos)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i]*(1-f) + sorted[i+1]*f
}

// studentTwoSided is P(|T| > t) for Student's t with df degrees of freedom:
// the regularised incomplete beta I_x(df/2, 1/2) at x = df/(df+t²).
func studentTwoSided(t, df float64) float64 {
	return regIncBeta(df/2, 0.5, df/(df+t*t))
}

// regIncBeta is the regularised incomplete beta function I_x(a, b), by
// Lentz's continued fraction (Numerical Recipes, betacf).
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	la, _ := math.Lgamma(a + b)
	lb, _ := math.Lgamma(a)
	lc, _ := math.Lgamma(b)
	front := math.Exp(la - lb - lc + a*math.Log(x) + b*math.Log1p(-x))
	if x > (a+1)/(a+b+2) {
		return 1 - front*betaCF(b, a, 1-x)/b
	}
	return front * betaCF(a, b, x) / a
}

func betaCF(a, b, x float64) float64 {
	const tiny, eps = 1e-300, 1e-14
	c, d := 1.0, 1-(a+b)*x/(a+1)
	if math.Abs(d) < tiny {
		d = tiny
	}
	d = 1 / d
	h := d
	for m := 1; m <= 300; m++ {
		fm := float64(m)
		for _, num := range []float64{
			fm * (b - fm) * x / ((a + 2*fm - 1) * (a + 2*fm)),
			-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)),
		} {
			d = 1 + num*d
			if math.Abs(d) < tiny {
				d = tiny
			}
			c = 1 + num/c
			if math.Abs(c) < tiny {
				c = tiny
			}
			d = 1 / d
			h *= d * c
		}
		if math.Abs(d*c-1) < eps {
			break
		}
	}
	return h
}

// holm returns Holm-adjusted p-values (monotone, capped at 1), in the
// order of p.
func holm(p []float64) []float64 {
	m := len(p)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case p[a] < p[b]:
			return -1
		case p[a] > p[b]:
			return 1
		}
		return 0
	})
	adj := make([]float64, m)
	run := 0.0
	for k, i := range order {
		run = max(run, min(1, float64(m-k)*p[i]))
		adj[i] = run
	}
	return adj
}

// seedFor derives a stable per-test random stream from the run seed and a name.
func seedFor(seed uint64, name string) *rand.Rand {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}
