package drift

import (
	"math"
	"math/rand/v2"
	"sort"
	"unicode"
	"unicode/utf8"
)

// The domain classifier tells baseline texts from current ones: hashed
// word unigrams, word bigrams and character 3-grams (binary, L2-normed)
// into a logistic regression trained by SGD. Its k-fold cross-validated
// AUC is the drift statistic: 0.5 when the windows cannot be told apart.
const (
	hashBits   = 18
	hashDim    = 1 << hashBits
	classFolds = 5
	sgdEpochs  = 4
	sgdRate    = 0.5
)

// doc is one text as sorted, deduplicated feature indices; each has the
// value 1/sqrt(len(idx)).
type doc struct {
	idx []uint32
	val float32
}

const fnvOffset, fnvPrime = 14695981039346656037, 1099511628211

func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

// featurize hashes text into a doc; buf is scratch.
func featurize(text string, buf []uint32) (doc, []uint32) {
	buf = buf[:0]
	// Lowercased words of letters and digits; everything else separates.
	var words []string
	lower := make([]byte, 0, len(text))
	start := -1
	for i, r := range text {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = len(lower)
			}
			lower = utf8.AppendRune(lower, unicode.ToLower(r))
			continue
		}
		_ = i
		if start >= 0 {
			words = append(words, string(lower[start:]))
			start = -1
		}
		if len(lower) > 0 && lower[len(lower)-1] != ' ' {
			lower = append(lower, ' ')
		}
	}
	if start >= 0 {
		words = append(words, string(lower[start:]))
	}
	for i, w := range words {
		h := hashBytes(fnvOffset^1, []byte(w))
		buf = append(buf, uint32(h>>(64-hashBits)))
		if i > 0 {
			h = hashBytes(hashBytes(fnvOffset^2, []byte(words[i-1])), []byte(w))
			buf = append(buf, uint32(h>>(64-hashBits)))
		}
	}
	for i := 0; i+3 <= len(lower); i++ {
		h := hashBytes(fnvOffset^3, lower[i:i+3])
		buf = append(buf, uint32(h>>(64-hashBits)))
	}
	sort.Slice(buf, func(i, j int) bool { return buf[i] < buf[j] })
	n := 0
	for i, v := range buf {
		if i == 0 || v != buf[n-1] {
			buf[n] = v
			n++
		}
	}
	d := doc{idx: append([]uint32(nil), buf[:n]...)}
	if n > 0 {
		d.val = float32(1 / math.Sqrt(float64(n)))
	}
	return d, buf
}

// textSample is one text feature of both windows, featurized.
type textSample struct {
	docs   []doc
	cur    []bool
	nb, nc int
}

func newTextSample(base, cur []string) *textSample {
	s := &textSample{nb: len(base), nc: len(cur)}
	var buf []uint32
	var d doc
	for _, t := range base {
		d, buf = featurize(t, buf)
		s.docs = append(s.docs, d)
		s.cur = append(s.cur, false)
	}
	for _, t := range cur {
		d, buf = featurize(t, buf)
		s.docs = append(s.docs, d)
		s.cur = append(s.cur, true)
	}
	return s
}

// crossValidate trains one classifier per stratified fold and returns the
// out-of-fold scores and each sample's fold.
func (s *textSample) crossValidate(rng *rand.Rand) (scores []float64, fold []int) {
	n := len(s.docs)
	fold = make([]int, n)
	for _, want := range []bool{false, true} {
		var idx []int
		for i, c := range s.cur {
			if c == want {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		for p, i := range idx {
			fold[i] = p % classFolds
		}
	}
	scores = make([]float64, n)
	w := make([]float32, hashDim)
	order := make([]int, 0, n)
	// Class weights: each class carries half the loss however unequal
	// the windows.
	wb, wc := float64(n)/(2*float64(s.nb)), float64(n)/(2*float64(s.nc))
	for f := 0; f < classFolds; f++ {
		clear(w)
		var bias float64
		order = order[:0]
		for i := range s.docs {
			if fold[i] != f {
				order = append(order, i)
			}
		}
		t := 0
		for e := 0; e < sgdEpochs; e++ {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, i := range order {
				d := &s.docs[i]
				z := bias
				for _, k := range d.idx {
					z += float64(w[k] * d.val)
				}
				y, cw := 0.0, wb
				if s.cur[i] {
					y, cw = 1, wc
				}
				g := (sigmoid(z) - y) * cw * sgdRate / (1 + float64(t)/float64(len(order)))
				t++
				bias -= g
				gv := float32(g) * d.val
				for _, k := range d.idx {
					w[k] -= gv
				}
			}
		}
		for i := range s.docs {
			if fold[i] != f {
				continue
			}
			d := &s.docs[i]
			z := bias
			for _, k := range d.idx {
				z += float64(w[k] * d.val)
			}
			scores[i] = z
		}
	}
	return scores, fold
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// aucSample is the permutation view of a cross-validated classifier: the
// out-of-fold scores as ranks; permuting labels within folds keeps each
// fold's balance (the scores came from models that never saw that fold).
type aucSample struct {
	ranks  []float64
	cur    []bool
	byFold [classFolds][]int
	nb, nc int
}

func newAUCSample(s *textSample, rng *rand.Rand) *aucSample {
	scores, fold := s.crossValidate(rng)
	a := &aucSample{ranks: averageRanks(scores), cur: append([]bool(nil), s.cur...), nb: s.nb, nc: s.nc}
	for i, f := range fold {
		a.byFold[f] = append(a.byFold[f], i)
	}
	return a
}

// stats fills out[0] with the AUC of current against baseline.
func (a *aucSample) stats(out []float64) {
	var r float64
	for i, c := range a.cur {
		if c {
			r += a.ranks[i]
		}
	}
	nc, nb := float64(a.nc), float64(a.nb)
	out[0] = (r - nc*(nc+1)/2) / (nc * nb)
}

// shuffle permutes the labels within each fold.
func (a *aucSample) shuffle(rng *rand.Rand) {
	for f := 0; f < classFolds; f++ {
		idx := a.byFold[f]
		for i := len(idx) - 1; i > 0; i-- {
			j := rng.IntN(i + 1)
			a.cur[idx[i]], a.cur[idx[j]] = a.cur[idx[j]], a.cur[idx[i]]
		}
	}
}

// averageRanks ranks x from 1, ties sharing their mean rank.
func averageRanks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(i, j int) bool { return x[idx[i]] < x[idx[j]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}
