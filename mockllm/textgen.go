package mockllm

// Deterministic text: a request's prompt is hashed (FNV-1a), mixed with the seeds and the choice index
// (splitmix64), and the resulting stream of random bytes picks words from vocab.

const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
	golden64    = 0x9e3779b97f4a7c15
)

// hashBytes folds b into the FNV-1a state h.
func hashBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime64
	}
	return h
}

// hashString is hashBytes for strings, without a conversion.
func hashString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}

// hashSep marks a field boundary so that ("ab","c") and ("a","bc") hash differently.
func hashSep(h uint64, sep byte) uint64 {
	return hashBytes(h, []byte{0xff, sep})
}

// mix64 is the splitmix64 finalizer: a cheap bijection with good avalanche.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// choiceSeed derives the generator seed of choice index from a prompt seed.
func choiceSeed(promptSeed uint64, index int) uint64 {
	return mix64(promptSeed + uint64(index+1)*golden64)
}

// wordGen yields vocab indexes from a splitmix64 sequence, eight words per 64-bit draw.
type wordGen struct {
	state uint64
	bits  uint64
	left  int
}

func newWordGen(seed uint64) wordGen {
	return wordGen{state: seed}
}

func (g *wordGen) next() int {
	if g.left == 0 {
		g.state += golden64
		g.bits = mix64(g.state)
		g.left = 8
	}
	w := int(g.bits & 0xff)
	g.bits >>= 8
	g.left--
	return w
}

// word returns the i-th word of a completion: the first one has no leading space, like a real model's answer.
func word(i, w int) string {
	if i == 0 {
		return vocab[w][1:]
	}
	return vocab[w]
}

// appendPlanted is appendText with a planted answer's words first; they need no JSON escaping either.
func appendPlanted(dst []byte, a *plantedAnswer, seed uint64, n int) []byte {
	g := newWordGen(seed)
	for i := 0; i < n; i++ {
		dst = append(dst, a.word(i, word(i, g.next()))...)
	}
	return dst
}

// appendText appends n words generated from seed; the words need no JSON escaping.
func appendText(dst []byte, seed uint64, n int) []byte {
	g := newWordGen(seed)
	for i := 0; i < n; i++ {
		dst = append(dst, word(i, g.next())...)
	}
	return dst
}
