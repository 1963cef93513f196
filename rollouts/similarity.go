package rollouts

import (
	"hash/maphash"
	"math"
	"strings"
	"unicode"
)

// agreement scores a shadow pair in [0, 1]: when either answer called a
// tool, whether both called the same one; otherwise the cosine similarity
// of the two texts' word unigrams and bigrams (lower-cased, hashed). Two
// paraphrases score around 0.3–0.6, the same answer 1, unrelated ones ~0.
func agreement(stable, candidate *Observation) float64 {
	if stable.ToolCall != "" || candidate.ToolCall != "" {
		if stable.ToolCall == candidate.ToolCall {
			return 1
		}
		return 0
	}
	if stable.Text == "" && candidate.Text == "" {
		return 1
	}
	return cosine(ngrams(stable.Text), ngrams(candidate.Text))
}

var ngramSeed = maphash.MakeSeed()

// maxSimilarityBytes caps the text compared per answer: the head of an
// answer says what it is, and a pair of long essays must not stall the
// worker.
const maxSimilarityBytes = 8 << 10

func ngrams(text string) map[uint64]float64 {
	if len(text) > maxSimilarityBytes {
		text = text[:maxSimilarityBytes]
	}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := make(map[uint64]float64, 2*len(words))
	for i, w := range words {
		out[maphash.String(ngramSeed, w)]++
		if i > 0 {
			out[maphash.String(ngramSeed, words[i-1]+" "+w)]++
		}
	}
	return out
}

func cosine(a, b map[uint64]float64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var dot, na, nb float64
	for k, x := range a {
		na += x * x
		dot += x * b[k]
	}
	for _, y := range b {
		nb += y * y
	}
	return dot / math.Sqrt(na*nb)
}
