package tokenizer

import "testing"

// BenchmarkMergeSmall times the quadratic merge loop alone, on the pieces of
// the sample prompts that reach it (3..smallPiece bytes, not one token):
// the loop lastMerge shares must not cost the hot path. Compare runs with
// -count and the minimum; its cpu-MB/s is of the pieces' bytes.
func BenchmarkMergeSmall(b *testing.B) {
	for _, input := range []string{"prose", "code", "cjk"} {
		text := benchText(b, input)
		e := encoderFor(b, CL100KBase).enc
		var pieces [][]byte
		bytes := 0
		for i := 0; i < len(text); {
			j := e.split(text, i)
			if p := text[i:j]; len(p) > 2 && len(p) <= smallPiece && e.rank(p) == noRank {
				pieces = append(pieces, p)
				bytes += len(p)
			}
			i = j
		}
		b.Run(input, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(bytes))
			s := new(scratch)
			loopWithCPU(b, bytes, func() {
				for _, p := range pieces {
					sink += len(e.mergeSmall(p, s))
				}
			})
		})
	}
}
