package semantic

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchData fills an index with n vectors of dim components in 50 clusters (each vector at cosine 0.7 from its
// cluster's centre, so two vectors of a cluster are at about 0.5: an embedding model's related-but-different texts)
// and returns the index and the vectors.
func benchData(n, dim int) (*Index, [][]float32) {
	r := rand.New(rand.NewPCG(uint64(n), uint64(dim)))
	centres := make([][]float32, 50)
	for i := range centres {
		centres[i] = unitVec(r, dim)
	}
	x := NewIndex(IndexOptions{MaxPerScope: n, MaxTotal: n})
	vecs := make([][]float32, n)
	for i := range vecs {
		vecs[i] = nearVec(r, centres[r.IntN(len(centres))], 0.7)
		x.Add("s", fmt.Sprint(i), vecs[i])
	}
	return x, vecs
}

// BenchmarkSearch: one scope of n vectors; "hit" queries sit at cosine 0.95 from a stored vector, "miss" queries
// at 0.85 (related, under the threshold 0.9); "full-scan" is the same miss without pruning (every dot product).
func BenchmarkSearch(b *testing.B) {
	for _, c := range []struct{ n, dim int }{{1000, 256}, {10_000, 256}, {100_000, 256}, {1000, 1536}, {10_000, 1536}} {
		x, vecs := benchData(c.n, c.dim)
		r := rand.New(rand.NewPCG(7, 7))
		hit, miss := nearVec(r, vecs[c.n/2], 0.95), nearVec(r, vecs[c.n/3], 0.85)
		name := fmt.Sprintf("n=%d/dim=%d", c.n, c.dim)
		b.Run(name+"/hit", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := x.Search("s", hit, 0.9); !ok {
					b.Fatal("miss")
				}
			}
		})
		b.Run(name+"/miss", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := x.Search("s", miss, 0.9); ok {
					b.Fatal("hit")
				}
			}
		})
		b.Run(name+"/full-scan", func(b *testing.B) {
			s := x.scopes["s"]
			q := normalised(miss)
			for b.Loop() {
				var best float32
				for i := range s.keys {
					best = max(best, dot(q, s.vecs[i*c.dim:(i+1)*c.dim]))
				}
				if best >= 0.9 {
					b.Fatal("hit")
				}
			}
		})
	}
}

func BenchmarkDot(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	x, y := unitVec(r, 1536), unitVec(r, 1536)
	b.Run("unrolled", func(b *testing.B) {
		for b.Loop() {
			_ = dot(x, y)
		}
	})
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			var s float32
			for i := range x {
				s += x[i] * y[i]
			}
			_ = s
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	vecs := make([][]float32, 1024)
	for i := range vecs {
		vecs[i] = unitVec(r, 1536)
	}
	x := NewIndex(IndexOptions{MaxPerScope: 4096, MaxTotal: 8192})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		x.Add(fmt.Sprint("s", i%4), fmt.Sprint(i), vecs[i%len(vecs)])
		i++
	}
}
