package rollouts

import (
	"encoding/json"
	"math"
)

// A sketch is a log-bucketed histogram of positive values: 4 % wide
// buckets from 1e-3 to 1e7 (latency in ms, tokens, tokens/s), mergeable
// across replicas by adding counts. Quantiles and their confidence bounds
// come from order statistics: the ranks a quantile's interval spans, read
// at the buckets' edges (so the bounds are conservative by one bucket).
type sketch struct {
	n      int64
	counts []uint32 // lazily allocated; bucket 0 holds values ≤ sketchMin
}

const (
	sketchGrowth = 1.04
	sketchMin    = 1e-3
	sketchMax    = 1e7
)

var (
	sketchLogG    = math.Log(sketchGrowth)
	sketchBuckets = int(math.Ceil(math.Log(sketchMax/sketchMin)/sketchLogG)) + 2
)

func sketchIndex(v float64) int {
	if !(v > sketchMin) { // also NaN
		return 0
	}
	i := int(math.Log(v/sketchMin)/sketchLogG) + 1
	return min(i, sketchBuckets-1)
}

// sketchEdges are bucket i's value range.
func sketchEdges(i int) (lo, hi float64) {
	if i == 0 {
		return 0, sketchMin
	}
	return sketchMin * math.Pow(sketchGrowth, float64(i-1)), sketchMin * math.Pow(sketchGrowth, float64(i))
}

func (s *sketch) add(v float64) {
	if s.counts == nil {
		s.counts = make([]uint32, sketchBuckets)
	}
	s.counts[sketchIndex(v)]++
	s.n++
}

func (s *sketch) merge(o *sketch) {
	if o.n == 0 {
		return
	}
	if s.counts == nil {
		s.counts = make([]uint32, sketchBuckets)
	}
	for i, c := range o.counts {
		s.counts[i] += c
	}
	s.n += o.n
}

// bucketAt is the bucket of the r-th smallest value (1-based).
func (s *sketch) bucketAt(r int64) int {
	var cum int64
	for i, c := range s.counts {
		cum += int64(c)
		if cum >= r {
			return i
		}
	}
	return len(s.counts) - 1
}

// quantile is the q-quantile's estimate (the bucket's geometric middle)
// and bounds: the ranks n·q ∓ z·√(n·q·(1−q)) read at the lower and upper
// edges of their buckets. With few values the ranks run off the ends and
// the bound is 0 or +Inf: the check stays inconclusive.
func (s *sketch) quantile(q, z float64) (est, lo, hi float64) {
	if s.n == 0 {
		return 0, 0, math.Inf(1)
	}
	n := float64(s.n)
	l, h := sketchEdges(s.bucketAt(max(1, int64(math.Ceil(n*q)))))
	est = math.Sqrt(l * h)
	spread := z * math.Sqrt(n*q*(1-q))
	rl := int64(math.Floor(n*q - spread))
	rh := int64(math.Ceil(n*q+spread)) + 1
	lo, hi = 0, math.Inf(1)
	if rl >= 1 {
		lo, _ = sketchEdges(s.bucketAt(rl))
	}
	if rh <= s.n {
		_, hi = sketchEdges(s.bucketAt(rh))
	}
	return est, lo, hi
}

// sketchJSON is the sparse wire form: bucket indexes and their counts.
type sketchJSON struct {
	B []int    `json:"b,omitempty"`
	C []uint32 `json:"c,omitempty"`
}

func (s sketch) MarshalJSON() ([]byte, error) {
	var w sketchJSON
	for i, c := range s.counts {
		if c > 0 {
			w.B = append(w.B, i)
			w.C = append(w.C, c)
		}
	}
	return json.Marshal(w)
}

func (s *sketch) UnmarshalJSON(b []byte) error {
	var w sketchJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = sketch{}
	for j, i := range w.B {
		if i < 0 || i >= sketchBuckets || j >= len(w.C) {
			continue
		}
		if s.counts == nil {
			s.counts = make([]uint32, sketchBuckets)
		}
		s.counts[i] += w.C[j]
		s.n += int64(w.C[j])
	}
	return nil
}
