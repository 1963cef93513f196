package sentiment

import "testing"

func BenchmarkScore(b *testing.B) {
	text := "The plot was good, but the characters are uncompelling and the dialog is not great. Still, I really liked the ending!"
	Score(text)
	b.ReportAllocs()
	for b.Loop() {
		Score(text)
	}
}
