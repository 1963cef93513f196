package rollouts

import "math"

// zOneSided is the normal quantile of a one-sided bound at level alpha.
func zOneSided(alpha float64) float64 { return math.Sqrt2 * math.Erfinv(1-2*alpha) }

// wilson bounds a proportion k/n with the Wilson score interval, each side
// at the confidence z stands for.
func wilson(k, n int64, z float64) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	c := (p + z2/(2*nf)) / den
	h := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	return math.Max(0, c-h), math.Min(1, c+h)
}

// rateDiff bounds p1−p2 with Newcombe's hybrid score method (Wilson
// intervals of each rate combined): unlike the Wald interval it holds up
// at small counts and rates near 0, where error and refusal rates live.
func rateDiff(k1, n1, k2, n2 int64, z float64) (d, lo, hi float64) {
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	l1, u1 := wilson(k1, n1, z)
	l2, u2 := wilson(k2, n2, z)
	d = p1 - p2
	lo = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return d, lo, hi
}

// moments accumulates a mean and variance; mergeable across replicas.
type moments struct {
	N   int64   `json:"n"`
	Sum float64 `json:"s"`
	Sq  float64 `json:"q"`
}

func (m *moments) add(x float64) { m.N++; m.Sum += x; m.Sq += x * x }

func (m *moments) merge(o moments) { m.N += o.N; m.Sum += o.Sum; m.Sq += o.Sq }

func (m moments) mean() float64 {
	if m.N == 0 {
		return 0
	}
	return m.Sum / float64(m.N)
}

// meanBounds is mean ± z·s/√n (the central limit theorem; the windows
// judged hold at least min_samples values).
func (m moments) meanBounds(z float64) (mean, lo, hi float64) {
	mean = m.mean()
	if m.N < 2 {
		return mean, math.Inf(-1), math.Inf(1)
	}
	n := float64(m.N)
	v := (m.Sq - m.Sum*m.Sum/n) / (n - 1)
	h := z * math.Sqrt(math.Max(v, 0)/n)
	return mean, mean - h, mean + h
}
