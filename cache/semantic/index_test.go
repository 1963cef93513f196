package semantic

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
)

// unitVec returns a pseudo-random unit vector.
func unitVec(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return normalised(v)
}

// nearVec returns a unit vector whose cosine with the unit vector v is c.
func nearVec(r *rand.Rand, v []float32, c float32) []float32 {
	n := unitVec(r, len(v))
	d := dot(n, v)
	for i := range n {
		n[i] -= d * v[i]
	}
	n = normalised(n)
	s := float32(1)
	if c < 1 {
		s = float32(math.Sqrt(float64(1 - c*c)))
	}
	out := make([]float32, len(v))
	for i := range v {
		out[i] = c*v[i] + s*n[i]
	}
	return out
}

// bruteForce is the reference search: every row, full dot products, no pruning.
func bruteForce(keys []string, vecs [][]float32, q []float32, threshold float32) (string, float32, bool) {
	best, bestKey := float32(-2), ""
	for i, v := range vecs {
		if s := dot(normalised(q), v); s > best {
			best, bestKey = s, keys[i]
		}
	}
	return bestKey, best, best >= threshold
}

func TestIndexFindsNearestAboveThreshold(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	x := NewIndex(IndexOptions{})
	a, b := unitVec(r, 64), unitVec(r, 64)
	x.Add("s", "a", a)
	x.Add("s", "b", b)
	if k, s, ok := x.Search("s", nearVec(r, a, 0.95), 0.9); !ok || k != "a" || s < 0.949 || s > 0.951 {
		t.Errorf("near a: %q %v %v", k, s, ok)
	}
	if _, _, ok := x.Search("s", nearVec(r, a, 0.85), 0.9); ok {
		t.Error("a vector under the threshold matched")
	}
	if _, _, ok := x.Search("other", a, 0.5); ok {
		t.Error("a search matched in another scope")
	}
	if _, _, ok := x.Search("s", a[:32], 0.5); ok {
		t.Error("a query of another dimension matched")
	}
	scaled := append([]float32(nil), b...)
	for i := range scaled {
		scaled[i] *= 7
	}
	if k, s, ok := x.Search("s", scaled, 0.99); !ok || k != "b" || s < 0.999 {
		t.Errorf("unnormalised query: %q %v %v", k, s, ok)
	}
	x.AddTagged("s", "a2", nearVec(r, a, 0.97), 7)
	if k, _, ok := x.SearchTagged("s", a, 0.9, 7); !ok || k != "a2" {
		t.Errorf("tagged search: %q %v, want a2 (a has tag 0)", k, ok)
	}
	if k, _, ok := x.Search("s", a, 0.9); !ok || k != "a" {
		t.Errorf("untagged search: %q %v, want a", k, ok)
	}
	if _, _, ok := x.SearchTagged("s", a, 0.9, 8); ok {
		t.Error("a search matched another tag")
	}
	x.Remove("s", "a2")
	x.Remove("s", "a")
	if k, _, ok := x.Search("s", a, 0.9); ok {
		t.Errorf("removed vector found as %q", k)
	}
	x.Add("s", "b", a) // replaces b's vector
	if k, _, ok := x.Search("s", a, 0.99); !ok || k != "b" || x.Len() != 1 {
		t.Errorf("replaced: %q %v, len %d", k, ok, x.Len())
	}
	x.Add("s", "zero", make([]float32, 64))
	if x.Len() != 1 {
		t.Error("a zero vector was added")
	}
	x.Add("s", "wide", unitVec(r, 128)) // the embedding model changed: the scope starts over
	if x.Len() != 1 || x.ScopeLen("s") != 1 {
		t.Errorf("after a dimension change: len %d", x.Len())
	}
}

// TestIndexPruningIsExact compares the pruned search with brute force on many random queries, some near a stored
// vector, some not, over dimensions that split into segments unevenly.
func TestIndexPruningIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dim := range []int{3, 8, 20, 64, 100, 256} {
		x := NewIndex(IndexOptions{})
		keys := make([]string, 300)
		vecs := make([][]float32, len(keys))
		for i := range keys {
			keys[i], vecs[i] = fmt.Sprint(i), unitVec(r, dim)
			x.Add("s", keys[i], vecs[i])
		}
		for q := 0; q < 300; q++ {
			query := unitVec(r, dim)
			if q%2 == 0 {
				query = nearVec(r, vecs[r.IntN(len(vecs))], 0.7+0.3*r.Float32())
			}
			for _, th := range []float32{-1, 0.2, 0.8, 0.9} {
				wk, ws, wok := bruteForce(keys, vecs, query, th)
				k, s, ok := x.Search("s", query, th)
				if ok != wok || (ok && (k != wk || abs32(s-ws) > 1e-5)) {
					t.Fatalf("dim %d threshold %v: got %q %v %v, brute force %q %v %v", dim, th, k, s, ok, wk, ws, wok)
				}
			}
		}
	}
}

func TestIndexBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	x := NewIndex(IndexOptions{MaxPerScope: 3, MaxTotal: 5})
	v := map[string][]float32{}
	add := func(scope, key string) {
		v[scope+key] = unitVec(r, 16)
		x.Add(scope, key, v[scope+key])
	}
	has := func(scope, key string) bool {
		k, _, ok := x.Search(scope, v[scope+key], 0.999)
		return ok && k == key
	}
	for _, k := range []string{"1", "2", "3", "4"} {
		add("a", k)
	}
	if has("a", "1") || !has("a", "2") || !has("a", "4") || x.ScopeLen("a") != 3 {
		t.Errorf("per-scope bound: the oldest must go; len %d", x.ScopeLen("a"))
	}
	add("a", "2") // refreshed: now the newest of a
	add("b", "1")
	add("b", "2")
	add("b", "3") // total 6 > 5: the oldest overall (a/3) goes
	if x.Len() != 5 || has("a", "3") || !has("a", "2") || !has("b", "1") {
		t.Errorf("overall bound: len %d, a/3 %v a/2 %v", x.Len(), has("a", "3"), has("a", "2"))
	}
	for i := 0; i < 1000; i++ { // churn: the lazy queues stay bounded
		add("c", fmt.Sprint(i%7))
	}
	x.mu.RLock()
	queued := x.order.len()
	x.mu.RUnlock()
	if x.Len() != 5 || queued > 2*5+64+1 {
		t.Errorf("after churn: len %d, %d queued", x.Len(), queued)
	}
	if x.ScopeLen("c") != 3 {
		t.Errorf("c holds %d, want its bound 3", x.ScopeLen("c"))
	}
	for i := 0; i < 7; i++ {
		x.Remove("c", fmt.Sprint(i))
	}
	x.mu.RLock()
	_, kept := x.scopes["c"]
	x.mu.RUnlock()
	if x.Len() != 2 || x.ScopeLen("c") != 0 || kept {
		t.Errorf("after emptying scope c: len %d, c %d, scope kept %v", x.Len(), x.ScopeLen("c"), kept)
	}
}

func TestIndexByteBound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	x := NewIndex(IndexOptions{MaxBytes: 10 * 4 * 64})
	for i := range 25 {
		x.Add(fmt.Sprint("s", i%3), fmt.Sprint(i), unitVec(r, 64))
	}
	if x.Len() != 10 || x.Bytes() != 10*4*64 {
		t.Errorf("len %d, %d bytes; want the newest 10 vectors of 64 dimensions", x.Len(), x.Bytes())
	}
	x.Add("s0", "wide", unitVec(r, 256)) // a scope changing dimension: its rows go, bytes follow
	x.Remove("s1", "19")
	sum := 0
	for _, s := range []string{"s0", "s1", "s2"} {
		x.mu.RLock()
		if sc := x.scopes[s]; sc != nil {
			sum += sc.bytes()
		}
		x.mu.RUnlock()
	}
	if sum != x.Bytes() || x.Bytes() > 10*4*64 {
		t.Errorf("scopes hold %d bytes, Bytes() %d", sum, x.Bytes())
	}
}

func TestIndexConcurrent(t *testing.T) {
	x := NewIndex(IndexOptions{MaxPerScope: 50, MaxTotal: 120})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < 500; i++ {
				scope := fmt.Sprint("s", r.IntN(3))
				v := unitVec(r, 32)
				x.Add(scope, fmt.Sprint(i%80), v)
				if k, _, ok := x.Search(scope, v, 0.9999); ok && k == "" {
					t.Error("empty key found")
				}
				if i%5 == 0 {
					x.Remove(scope, fmt.Sprint(r.IntN(80)))
				}
			}
		}()
	}
	wg.Wait()
	sum := 0
	for s := 0; s < 3; s++ {
		n := x.ScopeLen(fmt.Sprint("s", s))
		if n > 50 {
			t.Errorf("scope %d holds %d > 50", s, n)
		}
		sum += n
	}
	if sum != x.Len() || sum > 120 {
		t.Errorf("scopes hold %d, Len %d", sum, x.Len())
	}
}

func abs32(f float32) float32 {
	if f < 0 {
		return -f
	}
	return f
}
