package injection

import "math"

// scratch is one call's working memory, pooled per model so a call
// allocates nothing once the pool is warm.
type scratch struct {
	buf    []byte  // folded text
	orig   []int32 // offset in the caller's text of folded byte k*stride
	ev     []event
	words  []word
	hits   []hit
	blocks []block
}

// block sums the events of one stride of folded text.
type block struct {
	sum  int32
	n    int32
	mask uint64 // heuristic features present
}

// Scratch larger than this is left to the garbage collector instead of the
// pool, so one megabyte prompt does not pin megabytes per pooled entry.
const maxPooledBytes = 64 << 10

func (m *Model) get() *scratch {
	if s, ok := m.pool.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

func (m *Model) put(s *scratch) {
	if cap(s.buf) > maxPooledBytes {
		return
	}
	m.pool.Put(s)
}

// Score returns the probability that text is a prompt injection or
// jailbreak attempt: the calibrated score of its highest-scoring window.
// Text may be raw or already normalised by the scanner; invalid UTF-8 is
// read as white space.
func (m *Model) Score(text []byte) float64 {
	p, _, _ := m.ScoreSpan(text)
	return p
}

// ScoreSpan is Score plus the byte span [start,end) of text covered by the
// highest-scoring window: the whole text when it fits in one window.
func (m *Model) ScoreSpan(text []byte) (p float64, start, end int) {
	s := m.get()
	s.fold(text, m.stride)
	z, ws, we := m.maxWindow(s)
	if we > ws {
		start, end = int(s.orig[ws/m.stride]), len(text)
		if we < len(s.buf) {
			end = int(s.orig[we/m.stride])
		}
	}
	m.put(s)
	return sigmoid(m.plattA*z + m.plattB), start, end
}

// analyse folds text and extracts its events, words and heuristic hits.
func (s *scratch) analyse(text []byte, bits uint, stride int) {
	s.fold(text, stride)
	s.extract(bits)
	s.hits = theMatcher.match(s.words, s.hits[:0])
}

// fillBlocks sums feature weights and heuristic hits per stride of folded
// text.
func (s *scratch) fillBlocks(bits uint, stride int, w []int8) {
	shift := uint(0)
	for 1<<shift < stride {
		shift++
	}
	nb := (len(s.buf) + stride - 1) >> shift
	if nb == 0 {
		nb = 1
	}
	if cap(s.blocks) < nb {
		s.blocks = make([]block, nb)
	}
	bl := s.blocks[:nb]
	clear(bl)
	s.sumBlocks(bits, w, stride, bl)
	s.hits = theMatcher.match(s.words, s.hits[:0])
	for _, h := range s.hits {
		bl[h.pos>>shift].mask |= 1 << h.feature
	}
	s.blocks = bl
}

// maxWindow returns the highest raw score z over the windows of the folded
// text in s and the folded span of that window.
func (m *Model) maxWindow(s *scratch) (z float64, start, end int) {
	s.fillBlocks(m.bits, m.stride, m.w)
	k := m.window / m.stride
	nb := len(s.blocks)
	z = math.Inf(-1)
	first, last := 0, nb
	if nb > k {
		last = k
	}
	for {
		var sum, n int32
		var mask uint64
		for _, b := range s.blocks[first:last] {
			sum += b.sum
			n += b.n
			mask |= b.mask
		}
		if v := m.raw(float64(sum), int(n), mask); v > z {
			z, start, end = v, first*m.stride, min(last*m.stride, len(s.buf))
		}
		if last == nb {
			break
		}
		first, last = first+1, last+1
	}
	return z, start, end
}

// raw is the linear score of one window: hashed sum scaled by its length
// normaliser, plus the weights of the heuristics present, plus the bias.
func (m *Model) raw(sum float64, n int, mask uint64) float64 {
	z := m.bias
	if n > 0 {
		z += m.scale * sum / lengthNorm(n, m.alpha)
	}
	for mask != 0 {
		f := 0
		for mask&(1<<f) == 0 {
			f++
		}
		z += m.heur[f]
		mask &^= 1 << f
	}
	return z
}

func lengthNorm(n int, alpha float64) float64 {
	switch alpha {
	case 0.5:
		return math.Sqrt(float64(n))
	case 1:
		return float64(n)
	}
	return math.Pow(float64(n), alpha)
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
