package filters

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// view is one normalised form of a text plus the way back: every byte of b
// came from the original span [start[i], end[i]). Detectors scan b; the
// scanner maps their spans back with span, so findings are always reported
// in the caller's bytes. An identity view (ASCII input, nothing removed)
// keeps no maps at all: that is the common case and costs nothing.
type view struct {
	b        []byte
	own      []byte // b's own storage while b borrows the caller's text
	start    []int32
	end      []int32
	identity bool
}

func (v *view) reset() {
	if v.identity && v.own != nil {
		v.b = v.own
	}
	v.b = v.b[:0]
	v.start = v.start[:0]
	v.end = v.end[:0]
	v.identity = false
}

// span maps [s,e) over v.b back to the text v was built from.
func (v *view) span(s, e int) (int, int) {
	if v.identity {
		return s, e
	}
	if e <= s {
		p := int(v.start[s])
		if s == len(v.b) {
			p = int(v.end[s-1])
		}
		return p, p
	}
	return int(v.start[s]), int(v.end[e-1])
}

func (v *view) add(c byte, s, e int) {
	v.b = append(v.b, c)
	v.start = append(v.start, int32(s))
	v.end = append(v.end, int32(e))
}

func (v *view) addBytes(p []byte, s, e int) {
	for _, c := range p {
		v.add(c, s, e)
	}
}

// makeIdentity turns a view that mapped 1:1 into the cheap identity form.
func (v *view) setIdentity(b []byte) {
	v.own = v.b[:0]
	v.b = b
	v.start = v.start[:0]
	v.end = v.end[:0]
	v.identity = true
}

// isIgnorable reports the invisible characters attackers insert to split a
// word or token: zero-width spaces and joiners, word joiner, invisible math
// operators, the byte order mark, soft hyphen, Mongolian vowel separator,
// variation selectors and every bidirectional control. Removing them never
// changes what a reader sees.
func isIgnorable(r rune) bool {
	switch {
	case r == 0x00AD, r == 0x034F, r == 0x061C, r == 0x115F, r == 0x1160, r == 0x17B4, r == 0x17B5,
		r == 0x180E, r == 0x3164, r == 0xFEFF, r == 0xFFA0:
		return true
	case r >= 0x200B && r <= 0x200F: // ZWSP, ZWNJ, ZWJ, LRM, RLM
		return true
	case r >= 0x202A && r <= 0x202E: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2060 && r <= 0x206F: // word joiner, invisible operators, LRI…PDI, deprecated format chars
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0000 && r <= 0xE0FFF: // variation selectors, tags
		return true
	case r >= 0x1D173 && r <= 0x1D17A:
		return true
	}
	return false
}

// normalizeSafe builds the "safe" form of src into v: Unicode NFKC
// (fullwidth digits and letters become ASCII, ligatures split), ignorable
// characters removed, Cyrillic and Greek letters that look Latin replaced
// by the Latin letter of the same case (so "jаne@ехample.com" with
// Cyrillic а, е, х is an address again), invalid UTF-8 bytes replaced by a space each (a
// separator, so they can neither join nor hide a token). Case, digits and
// punctuation are kept: the structured detectors (cards, phones, IBANs,
// keys) need them exactly. Time is linear in len(src): ASCII is copied in
// runs, and only non-ASCII stretches go through the NFKC iterator.
func normalizeSafe(v *view, src []byte) {
	v.reset()
	i := 0
	for i < len(src) && src[i] < utf8.RuneSelf {
		i++
	}
	if i == len(src) {
		v.setIdentity(src)
		return
	}
	// Keep the ASCII prefix, minus its last byte: a combining mark after it
	// may compose with it.
	asciiEnd := i
	if asciiEnd > 0 {
		asciiEnd--
	}
	for k := 0; k < asciiEnd; k++ {
		v.add(src[k], k, k+1)
	}
	i = asciiEnd
	var it norm.Iter
	for i < len(src) {
		if src[i] < utf8.RuneSelf && (i+1 == len(src) || src[i+1] < utf8.RuneSelf) {
			v.add(src[i], i, i+1)
			i++
			continue
		}
		// A non-ASCII stretch: from here to the next ASCII byte followed by
		// ASCII (or the end), so that ASCII letters with combining marks
		// after them compose.
		j := i + 1
		for j < len(src) && !(src[j] < utf8.RuneSelf && (j+1 == len(src) || src[j+1] < utf8.RuneSelf)) {
			j++
		}
		normalizeStretch(v, &it, src, i, j)
		i = j
	}
}

// normalizeStretch runs NFKC over src[from:to] segment by segment; a segment
// whose output differs from its input maps every output byte to the whole
// input segment, an unchanged one maps byte for byte.
func normalizeStretch(v *view, it *norm.Iter, src []byte, from, to int) {
	it.Init(norm.NFKC, src[from:to])
	for !it.Done() {
		s := from + it.Pos()
		seg := it.Next()
		e := from + it.Pos()
		same := len(seg) == e-s && string(seg) == string(src[s:e])
		for k := 0; k < len(seg); {
			c := seg[k]
			if c < utf8.RuneSelf {
				if same {
					v.add(c, s+k, s+k+1)
				} else {
					v.add(c, s, e)
				}
				k++
				continue
			}
			r, n := utf8.DecodeRune(seg[k:])
			switch {
			case r == utf8.RuneError && n <= 1:
				if same {
					v.add(' ', s+k, s+k+1)
				} else {
					v.add(' ', s, e)
				}
			case isIgnorable(r):
			case homoglyphOf(r) != 0:
				if same {
					v.add(homoglyphOf(r), s+k, s+k+n)
				} else {
					v.add(homoglyphOf(r), s, e)
				}
			default:
				if same {
					for q := 0; q < n; q++ {
						v.add(seg[k+q], s+k, s+k+n)
					}
				} else {
					v.addBytes(seg[k:k+n], s, e)
				}
			}
			k += n
		}
	}
}
