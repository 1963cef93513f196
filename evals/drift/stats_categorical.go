package drift

import "math/rand/v2"

// Categorical statistics, in the order categoricalSample.stats fills them.
var categoricalStatNames = []string{"psi", "js", "chi2"}

// categoricalSample is one categorical feature of both windows as
// category codes with a label per value (true = current).
type categoricalSample struct {
	codes  []int
	cur    []bool
	k      int
	nb, nc int
	bc, cc []int
}

func newCategoricalSample(base, cur []string) *categoricalSample {
	ids := map[string]int{}
	s := &categoricalSample{nb: len(base), nc: len(cur)}
	add := func(v string, c bool) {
		id, ok := ids[v]
		if !ok {
			id = len(ids)
			ids[v] = id
		}
		s.codes = append(s.codes, id)
		s.cur = append(s.cur, c)
	}
	for _, v := range base {
		add(v, false)
	}
	for _, v := range cur {
		add(v, true)
	}
	s.k = len(ids)
	s.bc, s.cc = make([]int, s.k), make([]int, s.k)
	return s
}

// stats fills out with PSI, JS distance and the chi-square statistic of
// the 2×k table of the current labelling.
func (s *categoricalSample) stats(out []float64) {
	clear(s.bc)
	clear(s.cc)
	for i, c := range s.codes {
		if s.cur[i] {
			s.cc[c]++
		} else {
			s.bc[c]++
		}
	}
	out[0] = psi(s.bc, s.cc, s.nb, s.nc)
	out[1] = jsDistance(s.bc, s.cc, s.nb, s.nc)
	n := float64(s.nb + s.nc)
	var chi float64
	for i := range s.bc {
		tot := float64(s.bc[i] + s.cc[i])
		eb := tot * float64(s.nb) / n
		ec := tot * float64(s.nc) / n
		db, dc := float64(s.bc[i])-eb, float64(s.cc[i])-ec
		chi += db*db/eb + dc*dc/ec
	}
	out[2] = chi
}

func (s *categoricalSample) shuffle(rng *rand.Rand) { shuffleBools(rng, s.cur) }
