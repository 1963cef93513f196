package tokenizer

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// heapTokens returns the tokens of p by the heap merge, the reference for
// the backtracking encoder (the heap is checked against tiktoken-go).
func heapTokens(e *encoding, p []byte) []int32 {
	s := new(scratch)
	e.mergeLarge(p, s)
	var out []int32
	for i := int32(0); int(i) < len(p); i = s.next[i] {
		out = append(out, e.rank(p[i:s.next[i]]))
	}
	return out
}

func TestBacktrackMatchesHeapMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabets := []string{"a", "ab", "abc", "aab ", "etaoinshrdlu", "0123456789", "日本語", "!?.,", "\xe2\x80\x99s", "xyzXYZ"}
	var inputs [][]byte
	for _, alpha := range alphabets {
		for _, n := range []int{65, 100, 300, 1000, 3000} {
			b := make([]byte, n)
			for i := range b {
				b[i] = alpha[rng.IntN(len(alpha))]
			}
			inputs = append(inputs, b)
		}
	}
	for i := 0; i < 200; i++ {
		b := make([]byte, 65+rng.IntN(500))
		for k := range b {
			b[k] = byte(rng.IntN(256))
		}
		inputs = append(inputs, b)
	}
	prose, _ := readTestdata("prose.txt")
	inputs = append(inputs, []byte(strings.ReplaceAll(prose, " ", "")), []byte(strings.Repeat("a", 10_000)))
	for _, name := range allEncodings {
		e := encoderFor(t, name).enc
		for _, in := range inputs {
			s := new(scratch)
			n := e.backtrackEncode(in, s)
			want := heapTokens(e, in)
			if n != len(want) || !slices.Equal(s.toks, want) {
				t.Fatalf("%s %q: backtrack %v (%d), heap %v", name, prefix(string(in)), s.toks, n, want)
			}
		}
	}
}
