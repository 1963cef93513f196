package semantic

import (
	"sync"
)

// Index bounds.
const (
	DefaultMaxPerScope = 4096
	DefaultMaxTotal    = 100_000
	DefaultMaxBytes    = 128 << 20 // 21,845 vectors of 1536 dimensions, 131,072 of 256
)

// IndexOptions bound an Index. Zero fields take the defaults.
type IndexOptions struct {
	MaxPerScope int // vectors kept per scope; adding one more evicts the scope's oldest
	MaxTotal    int // vectors kept over all scopes; over it, the oldest of any scope is evicted
	MaxBytes    int // bytes of vector components (4 per dimension) over all scopes; likewise
}

// Index is an in-memory nearest-neighbour index of unit vectors, partitioned by scope (the cache stage's
// tenant, model, parameters and conversation context). It is an exact search, with a Cauchy-Schwarz bound that
// skips the rest of a vector as soon as it can no longer reach the threshold (see scope.search): measured against
// coder/hnsw v0.6.1 (docs/cache.md), exact search at the bounded scope size was both fast enough and never missed,
// where HNSW's recall@1 was 0.15-0.4. Safe for concurrent use.
type Index struct {
	maxPerScope, maxTotal, maxBytes int

	mu     sync.RWMutex // guards scopes, order, total, bytes, seq; taken before any scope's lock, never after
	scopes map[string]*scope
	order  fifo[indexRef] // insertion order over all scopes, for the overall bounds
	total  int
	bytes  int
	seq    uint64
}

// indexRef names one added vector in the overall order; stale when its key was removed or added again since.
type indexRef struct {
	s   *scope
	key string
	seq uint64
}

// NewIndex returns an empty index.
func NewIndex(o IndexOptions) *Index {
	if o.MaxPerScope <= 0 {
		o.MaxPerScope = DefaultMaxPerScope
	}
	if o.MaxTotal <= 0 {
		o.MaxTotal = DefaultMaxTotal
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	return &Index{maxPerScope: o.MaxPerScope, maxTotal: o.MaxTotal, maxBytes: o.MaxBytes, scopes: map[string]*scope{}}
}

// Add stores vec (normalised; a copy is kept) under key in scope, replacing the key's previous vector. A vector of
// another dimension than the scope's replaces the whole scope (the embedding model changed). A zero, NaN or empty
// vector is ignored. Over a bound, the oldest vectors are evicted.
func (x *Index) Add(scopeName, key string, vec []float32) { x.AddTagged(scopeName, key, vec, 0) }

// AddTagged is Add with a tag (GuardTag of the text the vector embeds) that SearchTagged must match.
func (x *Index) AddTagged(scopeName, key string, vec []float32, tag uint64) {
	unit := normalised(vec)
	if unit == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.scopes[scopeName]
	if s == nil {
		s = newScope(scopeName, len(unit))
		x.scopes[scopeName] = s
	}
	x.seq++
	s.mu.Lock()
	before, beforeBytes := s.len(), s.bytes()
	if s.dim != len(unit) {
		s.reset(len(unit))
	}
	if _, exists := s.pos[key]; !exists && s.len() >= x.maxPerScope {
		s.evictOldest()
	}
	s.put(key, unit, tag, x.seq)
	x.total += s.len() - before
	x.bytes += s.bytes() - beforeBytes
	s.mu.Unlock()
	x.order.push(indexRef{s: s, key: key, seq: x.seq})
	for x.total > x.maxTotal || (x.bytes > x.maxBytes && x.total > 1) {
		x.evictOldest()
	}
	x.order.compact(x.total, func(r indexRef) bool { return r.s.holds(r.key, r.seq) })
}

// evictOldest removes the oldest live vector of any scope. x.mu is held.
func (x *Index) evictOldest() {
	for {
		r, ok := x.order.pop()
		if !ok {
			return
		}
		r.s.mu.Lock()
		live := r.s.holds(r.key, r.seq)
		if live {
			r.s.remove(r.key)
			x.bytes -= 4 * r.s.dim
		}
		empty := r.s.len() == 0
		r.s.mu.Unlock()
		if live {
			x.total--
			if empty {
				x.dropScope(r.s)
			}
			return
		}
	}
}

func (x *Index) dropScope(s *scope) {
	if x.scopes[s.name] == s {
		delete(x.scopes, s.name)
	}
}

// Remove deletes key's vector from scope, if there.
func (x *Index) Remove(scopeName, key string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	s := x.scopes[scopeName]
	if s == nil {
		return
	}
	s.mu.Lock()
	_, ok := s.pos[key]
	if ok {
		s.remove(key)
	}
	empty := s.len() == 0
	s.mu.Unlock()
	if ok {
		x.total--
		x.bytes -= 4 * s.dim
	}
	if empty {
		x.dropScope(s)
	}
}

// Search returns the key of scope's vector most similar to vec (cosine), if its similarity is at least threshold.
// It does not allocate.
func (x *Index) Search(scopeName string, vec []float32, threshold float32) (key string, score float32, ok bool) {
	return x.search(scopeName, vec, threshold, 0, true)
}

// SearchTagged is Search among the vectors added with tag: the best vector that also passes Guard, rather than the
// best vector, which Guard might then reject while a slightly less similar one would have passed.
func (x *Index) SearchTagged(scopeName string, vec []float32, threshold float32, tag uint64) (key string, score float32, ok bool) {
	return x.search(scopeName, vec, threshold, tag, false)
}

func (x *Index) search(scopeName string, vec []float32, threshold float32, tag uint64, anyTag bool) (key string, score float32, ok bool) {
	x.mu.RLock()
	s := x.scopes[scopeName]
	x.mu.RUnlock()
	if s == nil {
		return "", 0, false
	}
	var buf [maxDimOnStack]float32
	q := normaliseInto(buf[:0], vec)
	if q == nil {
		return "", 0, false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.search(q, threshold, tag, anyTag)
}

// Bytes returns the bytes of vector components the index holds.
func (x *Index) Bytes() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.bytes
}

// Len returns the number of vectors in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.total
}

// ScopeLen returns the number of vectors in one scope.
func (x *Index) ScopeLen(scopeName string) int {
	x.mu.RLock()
	s := x.scopes[scopeName]
	x.mu.RUnlock()
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.len()
}
