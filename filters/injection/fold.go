package injection

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

// The featuriser reads a folded form of the text: lowercase ASCII, one space
// for any run of white space, invisible characters dropped, look-alike
// letters (fullwidth, mathematical, Cyrillic, Greek, Latin with diacritics)
// read as their ASCII letter, and leetspeak read as letters. The fold is
// idempotent and a superset of the scanner's folded form, so raw text and
// text the scanner already normalised give the same features: training and
// serving always agree whatever the caller did first.

// asciiFold maps each ASCII byte to its folded byte; 0 marks white space.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	for _, c := range []byte{' ', '\t', '\n', '\r', '\v', '\f'} {
		t[c] = 0
	}
	for from, to := range map[byte]byte{
		'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b',
		'@': 'a', '$': 's', 'l': 'i', 'L': 'i', '!': 'i', '|': 'i',
	} {
		t[from] = to
	}
	return t
}()

// runeFold maps non-ASCII runes that read as an ASCII byte. Lowercase forms
// only: runes are lowercased before the lookup.
var runeFold = map[rune]byte{
	// Cyrillic and Greek look-alikes.
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h',
	'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'i', 'ɡ': 'g', 'ɑ': 'a', 'ı': 'i',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'γ': 'y', 'μ': 'u', 'ς': 's',
	// Latin letters with diacritics.
	'à': 'a', 'á': 'a', 'â': 'a', 'ã': 'a', 'ä': 'a', 'å': 'a', 'ā': 'a', 'ă': 'a', 'ą': 'a',
	'ç': 'c', 'ć': 'c', 'č': 'c', 'ď': 'd', 'è': 'e', 'é': 'e', 'ê': 'e', 'ë': 'e', 'ē': 'e',
	'ę': 'e', 'ě': 'e', 'ì': 'i', 'í': 'i', 'î': 'i', 'ï': 'i', 'ī': 'i', 'ñ': 'n', 'ń': 'n',
	'ň': 'n', 'ò': 'o', 'ó': 'o', 'ô': 'o', 'õ': 'o', 'ö': 'o', 'ø': 'o', 'ō': 'o', 'ő': 'o',
	'ř': 'r', 'ś': 's', 'š': 's', 'ş': 's', 'ť': 't', 'ù': 'u', 'ú': 'u', 'û': 'u', 'ü': 'u',
	'ū': 'u', 'ů': 'u', 'ű': 'u', 'ý': 'y', 'ÿ': 'y', 'ź': 'z', 'ż': 'z', 'ž': 'z', 'ł': 'i',
	// Typographic punctuation.
	'‘': '\'', '’': '\'', '‚': '\'', '‛': '\'', '“': '"', '”': '"', '„': '"', '«': '"', '»': '"',
	'–': '-', '—': '-', '‐': '-', '‑': '-', '−': '-', '…': '.', '¡': 'i',
}

// foldRune returns how r appears in the folded form: skip (invisible),
// space, an ASCII byte b, or keep (append the lowercased rune lr). Two-byte
// characters (Latin with diacritics, Greek, Cyrillic) come from a table
// built by foldRuneSlow; TestFoldRuneTable holds the two together.
func foldRune(r rune) (b byte, lr rune, kind foldKind) {
	if r < twoByteRunes {
		e := runeFoldTable[r]
		return byte(e), rune(e & 0x1fffff), foldKind(e >> 24)
	}
	return foldRuneSlow(r)
}

// twoByteRunes bounds the characters runeFoldTable holds (all of UTF-8's
// two-byte ones, 8 KB).
const twoByteRunes = 0x800

// runeFoldTable[r] is foldRuneSlow(r): the kind in the top byte, the ASCII
// byte or the lowercased rune below.
var runeFoldTable = func() (t [twoByteRunes]uint32) {
	for r := range rune(twoByteRunes) {
		b, lr, kind := foldRuneSlow(r)
		v := uint32(lr)
		if kind == foldByte {
			v = uint32(b)
		}
		t[r] = uint32(kind)<<24 | v
	}
	return t
}()

// foldRuneSlow is foldRune's definition.
func foldRuneSlow(r rune) (b byte, lr rune, kind foldKind) {
	switch {
	case r == utf8.RuneError:
		return 0, 0, foldSpace
	case r == 0xAD || r >= 0x200B && r <= 0x200F || r >= 0x202A && r <= 0x202E ||
		r >= 0x2060 && r <= 0x206F || r == 0xFEFF || r == 0x180E || r >= 0xFE00 && r <= 0xFE0F:
		return 0, 0, foldSkip
	case r == 0xA0 || r == 0x1680 || r >= 0x2000 && r <= 0x200A || r == 0x2028 || r == 0x2029 ||
		r == 0x202F || r == 0x205F || r == 0x3000 || r == 0x85:
		return 0, 0, foldSpace
	case r >= 0xFF01 && r <= 0xFF5E: // fullwidth ASCII
		return foldASCII(byte(r - 0xFEE0))
	case r >= 0x1D400 && r <= 0x1D6A3: // mathematical alphanumeric letters, 52 per style
		k := (r - 0x1D400) % 52
		if k < 26 {
			return foldASCII(byte('a' + k))
		}
		return foldASCII(byte('a' + k - 26))
	case r >= 0x1D7CE && r <= 0x1D7FF: // mathematical digits, 10 per style
		return foldASCII(byte('0' + (r-0x1D7CE)%10))
	case r >= 0x24D0 && r <= 0x24E9: // circled small letters
		return foldASCII(byte('a' + r - 0x24D0))
	case r >= 0x24B6 && r <= 0x24CF: // circled capital letters
		return foldASCII(byte('a' + r - 0x24B6))
	}
	lr = unicode.ToLower(r)
	if b, ok := runeFold[lr]; ok {
		return foldASCII(b)
	}
	if unicode.IsSpace(lr) {
		return 0, 0, foldSpace
	}
	return 0, lr, foldKeep
}

func foldASCII(c byte) (byte, rune, foldKind) {
	b := asciiFold[c]
	if b == 0 {
		return 0, 0, foldSpace
	}
	return b, 0, foldByte
}

type foldKind uint8

const (
	foldByte foldKind = iota
	foldSpace
	foldSkip
	foldKeep
)

// fold writes the folded form of text to s.buf and, for every folded
// offset that is a multiple of stride (where windows start and end), the
// offset of the original byte it came from to s.orig. Leading white space
// is dropped and runs of it become one space.
//
// Most text is ASCII with single spaces between words: 8 such bytes are
// folded by table with no branch per byte (ascii8), and anything else
// (other white space, two spaces in a row, a control byte, a byte of a
// multi-byte rune) goes byte by byte through foldSlow, the definition.
// TestFoldFastPath holds the two to the same output.
func (s *scratch) fold(text []byte, stride int) {
	// A rune's lowercase form is at most one byte longer than the rune
	// (2 bytes to 3), and every other case shrinks or keeps the length.
	if need := len(text) + len(text)/2 + 8; cap(s.buf) < need {
		s.buf = make([]byte, need)
	}
	buf := s.buf[:cap(s.buf)]
	orig := s.orig[:0]
	mask := stride - 1
	j := 0
	space := true // drop leading space
	i := 0
	if stride >= 8 {
		for i+8 <= len(text) && j+8 <= len(buf) {
			x := binary.LittleEndian.Uint64(text[i:])
			last, ok := ascii8(x, space)
			if !ok {
				// Fold these 8 bytes one by one (a rune may run past them).
				i, j, space, orig = foldSlow(text, i, i+8, buf, j, space, orig, mask)
				continue
			}
			t, o := text[i:i+8], buf[j:j+8]
			o[0], o[1], o[2], o[3] = foldTable[t[0]], foldTable[t[1]], foldTable[t[2]], foldTable[t[3]]
			o[4], o[5], o[6], o[7] = foldTable[t[4]], foldTable[t[5]], foldTable[t[6]], foldTable[t[7]]
			if k := (stride - j&mask) & mask; k < 8 {
				orig = append(orig, int32(i+k))
			}
			i, j, space = i+8, j+8, last
		}
	}
	i, j, _, orig = foldSlow(text, i, len(text), buf, j, space, orig, mask)
	s.buf, s.orig = buf[:j], orig
}

// foldTable is asciiFold with ' ' for the space (the only white space
// ascii8 lets through).
var foldTable = func() (t [256]byte) {
	copy(t[:], asciiFold[:])
	t[' '] = ' '
	return t
}()

const (
	ones8 = 0x0101010101010101
	high8 = 0x8080808080808080
	low7  = 0x7f7f7f7f7f7f7f7f
)

// ascii8 reports whether the 8 bytes in x fold byte for byte by foldTable:
// all ASCII, none below 0x20 (control bytes and white space other than
// ' '), and no space that the fold drops (one after another, or a first
// one after white space: space is the folder's state). last reports that
// the 8th byte is a space.
func ascii8(x uint64, space bool) (last, ok bool) {
	// The high bit of each byte that is non-ASCII or below 0x20 (a borrow
	// only ever marks more bytes after a byte that is marked anyway).
	odd := (x | (x-ones8*0x20)&^x) & high8
	t := x ^ ones8*' '
	sp := ^((t&low7 + low7) | t) & high8 // exactly the spaces
	double := sp & (sp << 8)
	if space {
		double |= sp & 0x80
	}
	return sp>>63 != 0, odd|double == 0
}

// foldSlow folds text[i:] one byte or rune at a time until it reaches end
// (or passes it, when a rune straddles end), writing from buf[j].
func foldSlow(text []byte, i, end int, buf []byte, j int, space bool, orig []int32, mask int) (int, int, bool, []int32) {
	for i < end {
		c := text[i]
		if c < utf8.RuneSelf {
			f := asciiFold[c]
			if f == 0 {
				if space {
					i++
					continue
				}
				f, space = ' ', true
			} else {
				space = false
			}
			if j&mask == 0 {
				orig = append(orig, int32(i))
			}
			buf[j] = f
			j++
			i++
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		b, lr, kind := foldRune(r)
		switch kind {
		case foldByte, foldSpace:
			if kind == foldSpace {
				if space {
					break
				}
				b, space = ' ', true
			} else {
				space = false
			}
			if j&mask == 0 {
				orig = append(orig, int32(i))
			}
			buf[j] = b
			j++
		case foldKeep:
			for k := utf8.EncodeRune(buf[j:], lr); k > 0; k-- {
				if j&mask == 0 {
					orig = append(orig, int32(i))
				}
				j++
			}
			space = false
		}
		i += n
	}
	return i, j, space, orig
}
