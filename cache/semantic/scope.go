package semantic

import (
	"math"
	"sync"
)

// maxDimOnStack is the largest query dimension normalised without allocating (text-embedding-3-large has 3072).
const maxDimOnStack = 4096

// segments is how many parts search splits a vector into, checking the bound after each one but the last.
const segments = 4

// boundSlack absorbs float32 rounding in the pruning bound, so pruning never drops a vector that reaches it.
const boundSlack = 1e-4

// scope holds one scope's unit vectors in one contiguous matrix (a row per vector, in no particular order) with,
// per row, the lengths of its tail after each segment boundary: the bound search prunes with.
type scope struct {
	name string
	mu   sync.RWMutex // writers also hold Index.mu, so code under Index.mu may read without it
	dim  int
	cuts [segments + 1]int // segment boundaries: 0 = cuts[0] < … < cuts[segments] = dim (or fewer when dim is small)
	vecs []float32         // row i is vecs[i*dim : (i+1)*dim]
	tail []float32         // row i's tail lengths: tail[i*(segments-1)+k] = |row[cuts[k+1]:]|
	keys []string
	tags []uint64 // Guard tags (GuardTag); 0 when added without one
	seqs []uint64
	pos  map[string]int
	old  fifo[scopeRef] // insertion order, for the per-scope bound
}

type scopeRef struct {
	key string
	seq uint64
}

func newScope(name string, dim int) *scope {
	s := &scope{name: name, pos: map[string]int{}}
	s.reset(dim)
	return s
}

// reset empties the scope for vectors of dim components.
func (s *scope) reset(dim int) {
	s.dim = dim
	s.vecs, s.tail, s.keys, s.tags, s.seqs = s.vecs[:0], s.tail[:0], s.keys[:0], s.tags[:0], s.seqs[:0]
	clear(s.pos)
	s.old = fifo[scopeRef]{}
	// Segment boundaries on multiples of 8 (dot's unrolling); a vector too short to split is one segment, whose
	// "boundaries" then all sit at dim and whose tails are 0.
	step := (dim / segments) &^ 7
	for k := range s.cuts {
		s.cuts[k] = min(k*step, dim)
		if step == 0 && k > 0 {
			s.cuts[k] = dim
		}
	}
	s.cuts[segments] = dim
}

func (s *scope) len() int { return len(s.keys) }

// bytes is what the scope's vector components take.
func (s *scope) bytes() int { return 4 * len(s.vecs) }

// holds reports whether key is in the scope as added with seq (and not replaced since).
func (s *scope) holds(key string, seq uint64) bool {
	i, ok := s.pos[key]
	return ok && s.seqs[i] == seq
}

// put stores the unit vector v under key with tag, replacing the key's row if it has one.
func (s *scope) put(key string, v []float32, tag, seq uint64) {
	i, ok := s.pos[key]
	if !ok {
		i = len(s.keys)
		s.keys = append(s.keys, key)
		s.tags = append(s.tags, 0)
		s.seqs = append(s.seqs, 0)
		s.vecs = append(s.vecs, v...)
		s.tail = append(s.tail, make([]float32, segments-1)...)
		s.pos[key] = i
	} else {
		copy(s.vecs[i*s.dim:], v)
	}
	s.tags[i], s.seqs[i] = tag, seq
	s.setTails(i, v)
	s.old.push(scopeRef{key: key, seq: seq})
	s.old.compact(s.len(), func(r scopeRef) bool { return s.holds(r.key, r.seq) })
}

func (s *scope) setTails(i int, v []float32) {
	t := s.tail[i*(segments-1) : (i+1)*(segments-1)]
	tailLengths(t, v, &s.cuts)
}

// tailLengths sets t[k] to the length of v after boundary cuts[k+1].
func tailLengths(t, v []float32, cuts *[segments + 1]int) {
	var sum float64
	for k := segments - 1; k >= 1; k-- {
		for _, x := range v[cuts[k]:cuts[k+1]] {
			sum += float64(x) * float64(x)
		}
		t[k-1] = float32(math.Sqrt(sum))
	}
}

// remove deletes key's row, moving the last row into its place.
func (s *scope) remove(key string) {
	i, ok := s.pos[key]
	if !ok {
		return
	}
	last := len(s.keys) - 1
	if i != last {
		copy(s.vecs[i*s.dim:(i+1)*s.dim], s.vecs[last*s.dim:])
		copy(s.tail[i*(segments-1):(i+1)*(segments-1)], s.tail[last*(segments-1):])
		s.keys[i], s.tags[i], s.seqs[i] = s.keys[last], s.tags[last], s.seqs[last]
		s.pos[s.keys[i]] = i
	}
	s.keys[last] = ""
	s.keys, s.tags, s.seqs = s.keys[:last], s.tags[:last], s.seqs[:last]
	s.vecs, s.tail = s.vecs[:last*s.dim], s.tail[:last*(segments-1)]
	delete(s.pos, key)
}

// evictOldest removes the scope's oldest live row.
func (s *scope) evictOldest() {
	for {
		r, ok := s.old.pop()
		if !ok {
			return
		}
		if s.holds(r.key, r.seq) {
			s.remove(r.key)
			return
		}
	}
}

// search returns the row most similar to the unit vector q, if at least threshold, among the rows tagged tag
// (or all rows when anyTag). Exact: after each segment, the
// partial dot product plus |q's tail|·|row's tail| bounds the full one (Cauchy-Schwarz), and a row whose bound is
// under the best score so far (or the threshold) is skipped. Unrelated vectors have small partial products and
// tails of length below 1, so with a threshold near 0.9 most rows stop after the first quarter.
func (s *scope) search(q []float32, threshold float32, tag uint64, anyTag bool) (key string, score float32, ok bool) {
	if len(q) != s.dim {
		return "", 0, false
	}
	var qt [segments - 1]float32
	tailLengths(qt[:], q, &s.cuts)
	c := &s.cuts
	best, found := threshold, false
	dim := s.dim
	for i := range s.keys {
		if !anyTag && s.tags[i] != tag {
			continue
		}
		row := s.vecs[i*dim : (i+1)*dim]
		rt := s.tail[i*(segments-1) : (i+1)*(segments-1)]
		var sum float32
		pruned := false
		for k := 0; k < segments-1; k++ {
			sum += dot(q[c[k]:c[k+1]], row[c[k]:c[k+1]])
			if sum+qt[k]*rt[k] < best-boundSlack {
				pruned = true
				break
			}
		}
		if pruned {
			continue
		}
		sum += dot(q[c[segments-1]:], row[c[segments-1]:])
		if sum >= threshold && (!found || sum > best) {
			best, found, key = sum, true, s.keys[i]
		}
	}
	if !found {
		return "", 0, false
	}
	return key, best, true
}

// normaliseInto appends the unit-length form of v to dst; nil when v cannot be normalised (see normalised).
func normaliseInto(dst, v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if len(v) == 0 || sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
		return nil
	}
	scale := float32(1 / math.Sqrt(sum))
	for _, x := range v {
		dst = append(dst, x*scale)
	}
	return dst
}
