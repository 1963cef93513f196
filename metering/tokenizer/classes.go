package tokenizer

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Character classes used by the pre-tokenizers. They are built from the same
// Go unicode tables regexp2 (tiktoken-go's regex engine) consults, so \p{L},
// \p{N}, \s and o200k's case classes agree rune for rune.
const (
	clsL     uint8 = 1 << iota // \p{L}
	clsN                       // \p{N}
	clsSpace                   // \s (unicode.IsSpace)
	clsUpper                   // o200k: [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
	clsLower                   // o200k: [\p{Ll}\p{Lm}\p{Lo}\p{M}]
)

const blockBits = 7 // runes per block of the two-level table: 128

var (
	classOnce   sync.Once
	asciiClass  [256]uint8 // indexed by any byte (no bounds check); 128 and up unused
	blockIndex  []uint16   // rune>>blockBits → block number
	blockValues []uint8    // block number<<blockBits | low bits → class
)

// classOf returns the class bits of r. buildClasses must have run.
func classOf(r rune) uint8 {
	if r < 128 {
		return asciiClass[r]
	}
	if r > unicode.MaxRune {
		return 0
	}
	return blockValues[int(blockIndex[r>>blockBits])<<blockBits|int(r&(1<<blockBits-1))]
}

// buildClasses fills the tables once: a flat table is filled from the unicode
// range tables, then deduplicated into 128-rune blocks (a few dozen KiB).
func buildClasses() {
	classOnce.Do(func() {
		flat := make([]uint8, unicode.MaxRune+1)
		set := func(t *unicode.RangeTable, bit uint8) {
			for _, r := range t.R16 {
				for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
					flat[c] |= bit
				}
			}
			for _, r := range t.R32 {
				for c := rune(r.Lo); c <= rune(r.Hi); c += rune(r.Stride) {
					flat[c] |= bit
				}
			}
		}
		set(unicode.L, clsL)
		set(unicode.N, clsN)
		set(unicode.White_Space, clsSpace) // equals unicode.IsSpace (checked in tests)
		for _, t := range []*unicode.RangeTable{unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M} {
			set(t, clsUpper)
		}
		for _, t := range []*unicode.RangeTable{unicode.Ll, unicode.Lm, unicode.Lo, unicode.M} {
			set(t, clsLower)
		}
		copy(asciiClass[:], flat[:128])
		blocks := int(unicode.MaxRune+1) >> blockBits
		blockIndex = make([]uint16, blocks)
		seen := make(map[string]uint16)
		for b := 0; b < blocks; b++ {
			blk := flat[b<<blockBits : (b+1)<<blockBits]
			id, ok := seen[string(blk)]
			if !ok {
				id = uint16(len(blockValues) >> blockBits)
				blockValues = append(blockValues, blk...)
				seen[string(blk)] = id
			}
			blockIndex[b] = id
		}
	})
}

// decode returns the rune at t[i] and its width. Text is valid UTF-8 here
// (sanitized before splitting), so an ASCII fast path suffices.
func decode(t []byte, i int) (rune, int) {
	if c := t[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRune(t[i:])
}

// classAt returns the class bits and width of the rune at t[i]. t is valid
// UTF-8, so 2- and 3-byte sequences (Latin, Cyrillic, CJK…) decode inline.
func classAt(t []byte, i int) (uint8, int) {
	c := t[i]
	switch {
	case c < utf8.RuneSelf:
		return asciiClass[c], 1
	case c < 0xe0 && i+1 < len(t):
		return classOf(rune(c&0x1f)<<6 | rune(t[i+1]&0x3f)), 2
	case c < 0xf0 && i+2 < len(t):
		return classOf(rune(c&0x0f)<<12 | rune(t[i+1]&0x3f)<<6 | rune(t[i+2]&0x3f)), 3
	}
	r, n := utf8.DecodeRune(t[i:])
	return classOf(r), n
}

// classAtFrom is classAt for b == t[i], with ASCII answered inline (small
// enough to inline: it calls nothing for ASCII).
func classAtFrom(t []byte, i int, b byte) (uint8, int) {
	if b < utf8.RuneSelf {
		return asciiClass[b], 1
	}
	return classAt(t, i)
}

// runOf returns the end of the maximal run of runes starting at i that have
// any of the bits in mask.
func runOf(t []byte, i int, mask uint8) int {
	for i < len(t) {
		if b := t[i]; b < utf8.RuneSelf { // ASCII without a call
			if asciiClass[b]&mask == 0 {
				return i
			}
			i++
			continue
		}
		c, n := classAt(t, i)
		if c&mask == 0 {
			return i
		}
		i += n
	}
	return i
}

// sanitize appends text to dst with every byte of an invalid UTF-8 sequence
// replaced by U+FFFD, exactly as Go's []rune conversion (and so tiktoken-go)
// does.
func sanitize(dst, text []byte) []byte {
	for i := 0; i < len(text); {
		if text[i] < utf8.RuneSelf {
			dst = append(dst, text[i])
			i++
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, text[i:i+n]...)
		}
		i += n
	}
	return dst
}
