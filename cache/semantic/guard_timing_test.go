package semantic

import "testing"

// BenchmarkGuard: both signatures of a typical question pair (Lookup computes one GuardTag per request).
func BenchmarkGuard(b *testing.B) {
	a, c := "How many calories are in 250 grams of chicken breast, cooked in olive oil?",
		"how many calories does 250 grams of chicken breast have when cooked in olive oil"
	b.ReportAllocs()
	for b.Loop() {
		if !Guard(a, c) {
			b.Fatal("rejected")
		}
	}
}

// BenchmarkGuardTagLong: one tag of a 4 KB message.
func BenchmarkGuardTagLong(b *testing.B) {
	text := ""
	for len(text) < 4096 {
		text += "Summarize the 3 main points of the report Alice sent on Monday, and do not include the budget. "
	}
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = GuardTag(text)
	}
}
