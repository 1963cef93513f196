package drift

import (
	"math"
	"math/rand/v2"
	"sort"
)

// numBins is the number of baseline-quantile bins for PSI and JS.
const numBins = 10

// Numeric statistics, in the order numericStats fills them.
var numericStatNames = []string{"psi", "js", "ks", "wasserstein"}

// numericSample is one numeric feature of both windows, pooled and sorted,
// with a label per value (true = current). The permutation test shuffles
// the labels and calls stats again: sorting happens once.
type numericSample struct {
	vals   []float64
	cur    []bool
	nb, nc int
	std    float64   // pooled standard deviation: Wasserstein in units of it
	gap    []float64 // vals[i+1]−vals[i] after the last of a run of ties, else −1
	edges  []float64
	bc, cc [numBins + 1]int // bin 0 holds values below the baseline's minimum
}

func newNumericSample(base, cur []float64) *numericSample {
	n := len(base) + len(cur)
	type lv struct {
		v float64
		c bool
	}
	all := make([]lv, 0, n)
	var sum, sq float64
	for _, v := range base {
		all = append(all, lv{v, false})
		sum += v
	}
	for _, v := range cur {
		all = append(all, lv{v, true})
		sum += v
	}
	mean := sum / float64(n)
	sort.SliceStable(all, func(i, j int) bool { return all[i].v < all[j].v })
	s := &numericSample{vals: make([]float64, n), cur: make([]bool, n), nb: len(base), nc: len(cur)}
	for i, x := range all {
		s.vals[i], s.cur[i] = x.v, x.c
		sq += (x.v - mean) * (x.v - mean)
	}
	s.std = math.Sqrt(sq / float64(n))
	s.gap = make([]float64, n)
	for i := range s.gap {
		switch {
		case i+1 == n:
			s.gap[i] = 0
		case s.vals[i+1] == s.vals[i]:
			s.gap[i] = -1
		default:
			s.gap[i] = s.vals[i+1] - s.vals[i]
		}
	}
	s.edges = make([]float64, 0, numBins)
	return s
}

// stats fills out with PSI, JS distance, KS D and Wasserstein-1 / pooled
// std of the current labelling, in one pass over the sorted values. Bins
// are the baseline's deciles (ties merge bins: a count feature that is
// mostly 0 gets fewer bins, never empty duplicates).
func (s *numericSample) stats(out []float64) {
	// Baseline deciles: the baseline's values appear in sorted order.
	s.edges = s.edges[:0]
	minBase, haveMin := 0.0, false
	j, k := 0, 1
	target := (k*s.nb + numBins - 1) / numBins
	for i, v := range s.vals {
		if s.cur[i] {
			continue
		}
		if !haveMin {
			minBase, haveMin = v, true
		}
		j++
		for k < numBins && j >= target {
			if len(s.edges) == 0 || v > s.edges[len(s.edges)-1] {
				s.edges = append(s.edges, v)
			}
			k++
			target = (k*s.nb + numBins - 1) / numBins
		}
	}
	s.bc, s.cc = [numBins + 1]int{}, [numBins + 1]int{}
	// CDF differences in integers: |cb·nc − cc·nb| / (nb·nc).
	b, cb, cc := 1, 0, 0
	var ksInt int
	var w float64
	nb, nc := s.nb, s.nc
	for i, v := range s.vals {
		for b <= len(s.edges) && v > s.edges[b-1] {
			b++
		}
		bin := b
		if v < minBase {
			bin = 0
		}
		if s.cur[i] {
			s.cc[bin]++
			cc++
		} else {
			s.bc[bin]++
			cb++
		}
		if g := s.gap[i]; g >= 0 { // the last of its ties
			d := cb*nc - cc*nb
			if d < 0 {
				d = -d
			}
			ksInt = max(ksInt, d)
			w += float64(d) * g
		}
	}
	scale := 1 / (float64(nb) * float64(nc))
	ks, w := float64(ksInt)*scale, w*scale
	nBins := len(s.edges) + 2
	out[0] = psi(s.bc[:nBins], s.cc[:nBins], s.nb, s.nc)
	out[1] = jsDistance(s.bc[:nBins], s.cc[:nBins], s.nb, s.nc)
	out[2] = ks
	if s.std > 0 {
		out[3] = w / s.std
	} else {
		out[3] = 0
	}
}

// psi is the population stability index of two histograms, with add-½
// smoothing so an empty bin is not an infinite shift.
func psi(base, cur []int, nb, nc int) float64 {
	k := float64(len(base))
	var sum float64
	for i := range base {
		p := (float64(base[i]) + 0.5) / (float64(nb) + 0.5*k)
		q := (float64(cur[i]) + 0.5) / (float64(nc) + 0.5*k)
		sum += (q - p) * math.Log(q/p)
	}
	return sum
}

// jsDistance is the Jensen–Shannon distance (square root of the
// divergence, base 2: 0 … 1) of two histograms.
func jsDistance(base, cur []int, nb, nc int) float64 {
	var d float64
	for i := range base {
		p := float64(base[i]) / float64(nb)
		q := float64(cur[i]) / float64(nc)
		m := (p + q) / 2
		if p > 0 {
			d += p * math.Log2(p/m) / 2
		}
		if q > 0 {
			d += q * math.Log2(q/m) / 2
		}
	}
	return math.Sqrt(max(d, 0))
}

func (s *numericSample) shuffle(rng *rand.Rand) { shuffleBools(rng, s.cur) }
