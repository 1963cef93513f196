package drift

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCompare500 is one CLI-default comparison of two 500-sample
// windows with prompts, answers, latency and finish reasons.
func BenchmarkCompare500(b *testing.B) {
	p := loadPools(b)
	rng := rand.New(rand.NewPCG(1, 2))
	base, cur := scenarios[0].draw(p, rng, 500)
	b.ResetTimer()
	for b.Loop() {
		Compare(base, cur, nil, Options{})
	}
}
