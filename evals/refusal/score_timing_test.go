package refusal

import (
	"strings"
	"testing"
)

func BenchmarkScore(b *testing.B) {
	short := "I'm sorry, but I can't assist with that."
	long := strings.Repeat("Here is a detailed answer that explains each step of the process in turn. ", 20)
	for _, c := range []struct{ name, text string }{{"short", short}, {"long", long}} {
		b.Run(c.name, func(b *testing.B) {
			Default()
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				Score(c.text)
			}
		})
	}
}
