package injection

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

// foldBytewise folds text with the byte-by-byte path alone.
func (s *scratch) foldBytewise(text []byte, stride int) {
	s.buf = make([]byte, len(text)+len(text)/2+8)
	_, j, _, orig := foldSlow(text, 0, len(text), s.buf, 0, true, nil, stride-1)
	s.buf, s.orig = s.buf[:j], orig
}

// The 8-bytes-a-step path gives the same bytes and offsets as folding one
// byte at a time, on texts dense in what it must hand to the slow path.
func TestFoldFastPath(t *testing.T) {
	alphabet := []string{"a", "b", "l", "L", "Z", "A", "q", " ", " ", "  ", "\t", "\n", "0", "1", "2", "9", "@", "$", "!",
		"|", ".", ",", "'", "_", "\x00", "\x7f", "\x1f", "é", "Ⱥ", "\u200b", "ｆ", "\xff", "[", "`", "{", "~"}
	rng := rand.New(rand.NewPCG(1, 2))
	texts := [][]byte{[]byte(attackPhrase)}
	for _, b := range benignTexts {
		texts = append(texts, []byte(b))
	}
	for range 3000 {
		var b bytes.Buffer
		n := rng.IntN(80)
		plain := rng.IntN(2) == 0 // mostly letters and single spaces: the fast path
		for range n {
			if plain && rng.IntN(8) != 0 {
				b.WriteString(alphabet[rng.IntN(7)])
			} else {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
		}
		texts = append(texts, b.Bytes())
	}
	for _, text := range texts {
		for _, stride := range []int{1, 8, 16, 256} {
			var fast, slow scratch
			fast.fold(text, stride)
			slow.foldBytewise(text, stride)
			if !bytes.Equal(fast.buf, slow.buf) || !slices.Equal(fast.orig, slow.orig) {
				t.Fatalf("stride %d, %q:\nfast %q %v\nslow %q %v", stride, text, fast.buf, fast.orig, slow.buf, slow.orig)
			}
		}
	}
}
