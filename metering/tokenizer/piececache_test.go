package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// randomWords returns n distinct-ish words of 1–20 runes drawn from letters
// of both cases, digits, punctuation, accents, CJK and emoji, with and
// without a leading space: pieces of every length the cache keys (and the
// lengths around its bounds).
func randomWords(r *rand.Rand, n int) []string {
	alphabets := []string{
		"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", "!?.,;:'\"()-/_*&%$#@",
		"éèüößçñåøæœ", "日本語中文한국어", "🙂👍🏽", "\u0301", "\n\t\r ",
	}
	words := make([]string, n)
	for i := range words {
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteByte(' ')
		}
		mix := alphabets[r.IntN(2)]
		if r.IntN(4) == 0 {
			mix += alphabets[r.IntN(len(alphabets))]
		}
		runes := []rune(mix)
		for k := 1 + r.IntN(20); k > 0; k-- {
			b.WriteRune(runes[r.IntN(len(runes))])
		}
		words[i] = b.String()
	}
	return words
}

// TestPieceCacheCountMatchesTiktoken counts random texts whose words repeat
// (so most pieces are answered by the cache after their first use) and
// compares every count with tiktoken-go, for every encoding.
func TestPieceCacheCountMatchesTiktoken(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	words := randomWords(r, 400)
	texts := 300
	if testing.Short() || raceEnabled {
		texts = 60
	}
	for _, name := range allEncodings {
		ref, ours := reference(t, name), encoderFor(t, name)
		hits := 0
		for i := 0; i < texts; i++ {
			var b strings.Builder
			for k := 2 + r.IntN(40); k > 0; k-- {
				b.WriteString(words[r.IntN(len(words))])
			}
			s := b.String()
			for _, p := range pieces(ours.enc, []byte(s)) {
				if _, ok := ours.enc.pieces.get(p); ok {
					hits++
				}
			}
			if got, want := ours.CountString(s), len(ref.EncodeOrdinary(s)); got != want {
				t.Fatalf("%s Count(%q) = %d, tiktoken-go %d", name, s, got, want)
			}
		}
		if hits == 0 {
			t.Fatalf("%s: no piece was answered by the cache", name)
		}
		t.Logf("%s: %d texts, %d cached pieces met", name, texts, hits)
	}
}

func pieces(e *encoding, text []byte) [][]byte {
	var out [][]byte
	for i := 0; i < len(text); {
		j := e.split(text, i)
		out = append(out, text[i:j])
		i = j
	}
	return out
}

// TestPieceCacheConcurrent has goroutines count overlapping sets of pieces
// (more than the cache has slots, so slots are overwritten while read) and
// checks every answer against the uncached count: a reader never takes a
// slot half written for another piece. Run it with -race too.
func TestPieceCacheConcurrent(t *testing.T) {
	e := encoderFor(t, O200KBase).enc
	var keys [][]byte
	want := map[string]int{}
	s := new(scratch)
	for i := 0; len(keys) < 3<<pieceCacheBits; i++ {
		p := []byte(fmt.Sprintf(" w%x", i*7919)) // 3–16 bytes
		if len(p) > pieceMax {
			break
		}
		keys = append(keys, p)
		want[string(p)] = e.countPieceUncached(p, s)
	}
	rounds := 20
	if raceEnabled {
		rounds = 2
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := new(scratch)
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := 0; i < rounds*len(keys); i++ {
				p := keys[r.IntN(len(keys))]
				if got := e.countPiece(p, s); got != want[string(p)] {
					errs <- fmt.Sprintf("countPiece(%q) = %d, want %d", p, got, want[string(p)])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestPieceCacheKeysByLength checks that pieces differing only in trailing
// zero bytes or in length get their own entries.
func TestPieceCacheKeysByLength(t *testing.T) {
	var c pieceCache
	c.put([]byte("ab\x00"), 2)
	if _, ok := c.get([]byte("ab\x00\x00")); ok {
		t.Fatal("a 4-byte piece found a 3-byte piece's entry")
	}
	if n, ok := c.get([]byte("ab\x00")); !ok || n != 2 {
		t.Fatalf("get = %d, %v; want 2, true", n, ok)
	}
	long := []byte("0123456789abcdef")
	c.put(long, 5)
	if n, ok := c.get(long); !ok || n != 5 {
		t.Fatalf("16-byte piece: get = %d, %v; want 5, true", n, ok)
	}
}
