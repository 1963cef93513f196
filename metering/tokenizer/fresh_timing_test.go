package tokenizer

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkCountFresh counts a different text on every call (64 shuffles of
// the corpus's runes, same length), so per-scratch memos cannot carry
// answers over from the previous call as they do in BenchmarkCount. Random
// character soup is also far harder than language: it is a lower bound.
func BenchmarkCountFresh(b *testing.B) {
	for _, input := range []string{"prose", "cjk"} {
		base := []rune(string(benchText(b, input)))
		r := rand.New(rand.NewPCG(1, 2))
		texts := make([][]byte, 64)
		n := 0
		for i := range texts {
			rs := append([]rune(nil), base...)
			r.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
			texts[i] = []byte(string(rs))
			n += len(texts[i])
		}
		avg := n / len(texts)
		b.Run("ours/"+input, func(b *testing.B) {
			e := encoderFor(b, CL100KBase)
			b.ReportAllocs()
			b.SetBytes(int64(avg))
			i := 0
			for b.Loop() {
				sink = e.Count(texts[i%len(texts)])
				i++
			}
		})
		b.Run("tiktoken/"+input, func(b *testing.B) {
			tk := reference(b, CL100KBase)
			strs := make([]string, len(texts))
			for i, t := range texts {
				strs[i] = string(t)
			}
			b.SetBytes(int64(avg))
			i := 0
			for b.Loop() {
				sink = len(tk.EncodeOrdinary(strs[i%len(strs)]))
				i++
			}
		})
	}
}
