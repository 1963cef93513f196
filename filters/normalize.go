package filters

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

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
	v.parent = nil
	i := asciiPrefix(src)
	if i == len(src) {
		v.setIdentity(src)
		return
	}
	it := &v.iter
	for i = 0; i < len(src); {
		// An ASCII run, minus its last byte when a non-ASCII byte follows
		// (a combining mark after it may compose with it).
		j := i + asciiPrefix(src[i:])
		// Fast path: a character that NFKC leaves alone and that cannot
		// combine with its neighbours (é, ß, ü, —, most of Latin, Greek,
		// Cyrillic) is copied with the ASCII before it, unless a
		// combining character follows.
		if j < len(src) {
			if n := plainRuneLen(src[j:]); n > 0 && (j+n == len(src) || src[j+n] < utf8.RuneSelf || plainRuneLen(src[j+n:]) > 0) {
				v.addIdent(src[i:j+n], i)
				i = j + n
				continue
			}
		}
		k := j
		if j < len(src) && k > i {
			k--
		}
		if k > i {
			v.addIdent(src[i:k], i)
		}
		if j == len(src) {
			break
		}
		// The non-ASCII stretch: up to the next ASCII byte or plain
		// character (or the end). Nothing before either combines with it
		// (both start a normalisation segment), so the stretch normalises
		// alone; a combining mark after it is read with it by the next
		// round, which keeps an ASCII run's last byte and a plain
		// character followed by a mark for the stretch.
		e := j + 1
		for e < len(src) && src[e] >= utf8.RuneSelf && !(src[e] >= 0xC0 && plainRuneLen(src[e:]) > 0) {
			e++
		}
		normalizeStretch(v, it, src, k, e)
		i = e
	}
}

// normalizeStretch runs NFKC over src[from:to] segment by segment; a segment
// whose output differs from its input maps every output byte to the whole
// input segment, an unchanged one maps byte for byte.
func normalizeStretch(v *view, it *norm.Iter, src []byte, from, to int) {
	// Most non-ASCII text (ü, é, ß, —) is already NFKC: then only
	// ignorables, homoglyphs and invalid bytes need work, rune by rune.
	if q := norm.NFKC.QuickSpan(src[from:to]); q > 0 {
		addRunes(v, src[from:from+q], from, from, from+q, true)
		from += q
		if from == to {
			return
		}
	}
	first := len(v.segs)
	defer fixEmptySources(v, first, to)
	it.Init(norm.NFKC, src[from:to])
	for !it.Done() {
		s := from + it.Pos()
		seg := it.Next()
		e := from + it.Pos()
		same := len(seg) == e-s && string(seg) == string(src[s:e])
		addRunes(v, seg, s, s, e, same)
	}
}

// addRunes appends the NFKC output seg, which came from src[s:e]: byte for
// byte when same (seg equals its source, starting at base), else every
// byte maps to the whole source range.
func addRunes(v *view, seg []byte, base, s, e int, same bool) {
	for k := 0; k < len(seg); {
		c := seg[k]
		if c < utf8.RuneSelf {
			if same {
				v.addIdent(seg[k:k+1], base+k)
			} else {
				v.addMapped(seg[k:k+1], s, e)
			}
			k++
			continue
		}
		r, n := utf8.DecodeRune(seg[k:])
		os, oe := s, e
		if same {
			os, oe = base+k, base+k+n
		}
		switch {
		case r == utf8.RuneError && n <= 1:
			if same {
				v.addInvalid(os)
			} else {
				v.addMapped(space, os, oe)
			}
		case isIgnorable(r):
			// removed: the next segment starts where it ended
		case homoglyphOf(r) != 0:
			h := homoglyphOf(r)
			v.addMapped(asciiByte[h:h+1], os, oe)
		default:
			if same {
				v.addIdent(seg[k:k+n], os)
			} else {
				v.addMapped(seg[k:k+n], os, oe)
			}
		}
		k += n
	}
}

// fixEmptySources: the NFKC iterator may hand out part of a segment's
// output before it advances over the input ("ǉ" gives "l", then "j"); such
// output got an empty source range and takes the range of what follows.
func fixEmptySources(v *view, first, to int) {
	for k := len(v.segs) - 1; k >= first; k-- {
		g := &v.segs[k]
		if g.ident || g.orig != g.origEnd {
			continue
		}
		if k+1 < len(v.segs) {
			n := v.segs[k+1]
			if n.ident {
				g.origEnd = n.orig + 1
			} else {
				g.origEnd = n.origEnd
			}
		} else {
			g.origEnd = int32(to)
		}
	}
}

var space = []byte{' '}

// plainRunes marks the characters below U+3000 that the safe form copies
// unchanged: NFKC-stable starters that begin a normalisation segment,
// neither ignorable nor a homoglyph. (What follows is checked separately:
// a combining mark after ü must still compose with it.)
var plainRunes = func() (t [0x3000]bool) {
	var buf [utf8.UTFMax]byte
	for r := rune(0x80); r < 0x3000; r++ {
		n := utf8.EncodeRune(buf[:], r)
		p := norm.NFKC.Properties(buf[:n])
		t[r] = !isIgnorable(r) && homoglyphOf(r) == 0 && p.BoundaryBefore() && p.CCC() == 0 &&
			norm.NFKC.IsNormal(buf[:n])
	}
	return t
}()

// plainRuneLen returns the length of the plain character at the start of
// b, or 0 when it needs the full treatment.
func plainRuneLen(b []byte) int {
	r, n := utf8.DecodeRune(b)
	if r < 0x3000 && n > 1 && plainRunes[r] {
		return n
	}
	return 0
}

// asciiByte[c:c+1] is a one-byte slice holding c, without allocating.
var asciiByte = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	return t
}()
