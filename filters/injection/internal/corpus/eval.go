package corpus

import (
	"fmt"
	"math"
	"sort"
)

// Rate is k of n with a Wilson 95% interval.
type Rate struct{ K, N int }

func (r Rate) Value() float64 {
	if r.N == 0 {
		return math.NaN()
	}
	return float64(r.K) / float64(r.N)
}

// Wilson returns the 95% Wilson score interval.
func (r Rate) Wilson() (lo, hi float64) {
	if r.N == 0 {
		return math.NaN(), math.NaN()
	}
	const z = 1.96
	n, p := float64(r.N), r.Value()
	c := (p + z*z/(2*n)) / (1 + z*z/n)
	h := z * math.Sqrt(p*(1-p)/n+z*z/(4*n*n)) / (1 + z*z/n)
	return c - h, c + h
}

func (r Rate) String() string {
	lo, hi := r.Wilson()
	return fmt.Sprintf("%.3f (%d/%d, 95%% CI %.3f–%.3f)", r.Value(), r.K, r.N, lo, hi)
}

// Flagged counts, per source, the items scoring at or above threshold.
func Flagged(items []Item, score func(string) float64, threshold float64) map[string]Rate {
	out := map[string]Rate{}
	for _, it := range items {
		r := out[it.Source]
		r.N++
		if score(it.Text) >= threshold {
			r.K++
		}
		out[it.Source] = r
	}
	return out
}

// Total sums rates over sources.
func Total(m map[string]Rate) Rate {
	var t Rate
	for _, r := range m {
		t.K += r.K
		t.N += r.N
	}
	return t
}

// ThresholdForFPR returns the lowest threshold at which at most maxFPR of
// the negative scores reach it.
func ThresholdForFPR(neg []float64, maxFPR float64) float64 {
	s := append([]float64(nil), neg...)
	sort.Sort(sort.Reverse(sort.Float64Slice(s)))
	allowed := int(math.Floor(maxFPR * float64(len(s))))
	if allowed >= len(s) {
		return 0
	}
	// Scores >= t are flagged: t just above the (allowed+1)-th highest.
	return math.Nextafter(s[allowed], math.Inf(1))
}

// SortedSources returns the keys of m in order.
func SortedSources(m map[string]Rate) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
