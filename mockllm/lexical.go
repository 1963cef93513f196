package mockllm

import (
	"math"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// Embedding modes (Options.Embeddings, x-mock-embeddings).
const (
	// EmbeddingsRandom (the default) gives every distinct input its own pseudo-random unit vector: equal inputs are
	// equal, any two different inputs are nearly orthogonal.
	EmbeddingsRandom = "random"
	// EmbeddingsLexical hashes the input's word uni-grams and bi-grams (lowercased, punctuation stripped) into the
	// vector's components, so texts that share words and word pairs get similar vectors: the cosine of two inputs
	// is close to the share of features they have in common. For testing semantic caches.
	EmbeddingsLexical = "lexical"
)

// Features hash with these salts so that a uni-gram and a bi-gram never share a bucket by construction.
const (
	lexUnigramSalt = 0x6c65780000000001
	lexBigramSalt  = 0x6c65780000000002
)

// vecPool holds the float accumulators of lexical vectors, so a warm server embeds without allocating.
var vecPool = sync.Pool{New: func() any { v := make([]float32, 0, DefaultDimensions); return &v }}

// lexicalVector fills vec (its length is the dimension) with text's hashed features, L2-normalised.
// seed is mixed into every feature hash. An input without a single word (only punctuation) falls back to one
// feature: the hash of its raw bytes.
func lexicalVector(vec []float32, text []byte, seed uint64) {
	clear(vec)
	var prev uint64
	words := 0
	for i := 0; i < len(text); {
		w, next, ok := nextWord(text, i)
		i = next
		if !ok {
			continue
		}
		addFeature(vec, mix64(w^seed^lexUnigramSalt))
		if words > 0 {
			addFeature(vec, mix64(mix64(prev^lexBigramSalt)^w^seed))
		}
		prev = w
		words++
	}
	if words == 0 {
		addFeature(vec, mix64(hashBytes(fnvOffset64, text)^seed))
	}
	normalise(vec)
}

// lexicalTokenVector is lexicalVector for an input given as token ids (already validated): each id is a word.
func lexicalTokenVector(vec []float32, ids []*fastjson.Value, seed uint64) {
	clear(vec)
	var prev uint64
	for i, id := range ids {
		w := mix64(uint64(id.GetInt64()) + golden64)
		addFeature(vec, mix64(w^seed^lexUnigramSalt))
		if i > 0 {
			addFeature(vec, mix64(mix64(prev^lexBigramSalt)^w^seed))
		}
		prev = w
	}
	normalise(vec)
}

// lexicalInput fills vec with the lexical vector of input i of an embeddings request (parseEmbedding checked its
// shape): a string, one of an array of strings or token-id arrays, or a single token-id array.
func lexicalInput(vec []float32, input *fastjson.Value, i int, seed uint64) {
	if input.Type() == fastjson.TypeString {
		lexicalVector(vec, input.GetStringBytes(), seed)
		return
	}
	arr, _ := input.Array()
	if arr[0].Type() == fastjson.TypeNumber {
		lexicalTokenVector(vec, arr, seed)
		return
	}
	if e := arr[i]; e.Type() == fastjson.TypeString {
		lexicalVector(vec, e.GetStringBytes(), seed)
	} else {
		ids, _ := e.Array()
		lexicalTokenVector(vec, ids, seed)
	}
}

// nextWord hashes the word starting at or after i: a run of letters and digits, lowercased, in which apostrophes
// are dropped ("Don't" and "dont" are one word); everything else separates words. ok is false when only separators
// were left.
func nextWord(text []byte, i int) (hash uint64, next int, ok bool) {
	h := uint64(fnvOffset64)
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(text[i:])
		}
		switch {
		case r < utf8.RuneSelf && ('a' <= r && r <= 'z' || '0' <= r && r <= '9'):
			h = (h ^ uint64(r)) * fnvPrime64
			ok = true
		case r < utf8.RuneSelf && 'A' <= r && r <= 'Z':
			h = (h ^ uint64(r+'a'-'A')) * fnvPrime64
			ok = true
		case r == '\'' || r == '’':
			// dropped inside a word
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			h = (h ^ uint64(unicode.ToLower(r))) * fnvPrime64
			ok = true
		default:
			if ok {
				return h, i + size, true
			}
		}
		i += size
	}
	return h, i, ok
}

// addFeature adds ±1 to the bucket of feature f: signed hashing keeps collisions from only ever adding up.
func addFeature(vec []float32, f uint64) {
	b := int(f % uint64(len(vec)))
	if f>>63 == 0 {
		vec[b]++
	} else {
		vec[b]--
	}
}

func normalise(vec []float32) {
	var sum float64
	for _, x := range vec {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		vec[0] = 1 // every feature cancelled out: still a unit vector
		return
	}
	scale := float32(1 / math.Sqrt(sum))
	for i := range vec {
		vec[i] *= scale
	}
}
