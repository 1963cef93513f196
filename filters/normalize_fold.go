package filters

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The folded form serves the word detectors (blocklists, the injection
// classifier): on top of the safe form it lowercases, folds look-alike
// letters from other scripts and Latin diacritics to ASCII, and reads
// leetspeak as letters. It destroys digits ("4" becomes "a"), so the
// structured detectors never see it: they run on the safe form.
//
// Leetspeak is ambiguous ("1" is "i" or "l"), so the fold merges the
// candidates instead of guessing: "1", "!", "|" and "l" all become "i".
// Blocklist terms go through the same fold, so "he11", "hell" and "heii"
// meet on one spelling.

// asciiFold maps each ASCII byte to its folded byte.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = byte(c)
		if c >= 'A' && c <= 'Z' {
			t[c] = byte(c) + 'a' - 'A'
		}
	}
	for from, to := range map[byte]byte{
		'0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b',
		'@': 'a', '$': 's', 'l': 'i', 'L': 'i',
	} {
		t[from] = to
	}
	return t
}()

// homoglyphs folds lowercase Cyrillic and Greek letters that render like
// Latin ones (uppercase ones are lowercased first).
var homoglyphs = map[rune]byte{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h',
	'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'i', 'ɡ': 'g', 'ɑ': 'a', 'ı': 'i',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'γ': 'y', 'μ': 'u', 'ς': 's',
}

// upperHomoglyphs folds uppercase Cyrillic and Greek look-alikes.
var upperHomoglyphs = map[rune]byte{
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'Х': 'X', 'У': 'Y', 'І': 'I', 'Ј': 'J', 'Ѕ': 'S', 'Ԁ': 'D', 'Ԛ': 'Q', 'Ԝ': 'W', 'Һ': 'H', 'Ӏ': 'I',
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
}

// homoglyphOf returns the Latin letter (same case) that r imitates, or 0.
// Only letters whose shapes match in common fonts are listed, not
// sound-alikes: Cyrillic н and Greek η look like h and n only in some
// fonts, so the safe form keeps them and only the folded form maps them.
func homoglyphOf(r rune) byte {
	if r < 0x370 || r > 0x52F {
		return 0
	}
	if b, ok := upperHomoglyphs[r]; ok {
		return b
	}
	switch r {
	case 'н', 'η', 'в', 'м', 'т', 'γ', 'μ', 'β', 'ε', 'ν', 'κ', 'τ', 'ω', 'ς', 'υ', 'ι':
		return 0
	}
	return homoglyphs[r]
}

// foldRune returns the ASCII letter r folds to, or 0 to keep r (lowercased).
func foldRune(r rune) byte {
	if b, ok := homoglyphs[r]; ok {
		return b
	}
	if r >= 0xC0 && r <= 0x24F { // Latin-1 and Latin Extended: strip the diacritic
		var buf [utf8.UTFMax]byte
		n := utf8.EncodeRune(buf[:], r)
		d := norm.NFD.Properties(buf[:n]).Decomposition()
		if len(d) > 0 && d[0] < utf8.RuneSelf {
			return asciiFold[d[0]]
		}
	}
	return 0
}

// isWordByte reports whether c continues a word in the folded form:
// ASCII letters and digits, and any byte of a non-ASCII character.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf || c == '_'
}

// foldInto builds the folded form of the safe view s into f; f maps into
// s, and through it into the original text.
func foldInto(f *view, s *view) {
	f.reset()
	f.parent = s
	b := s.b
	n := asciiPrefix(b)
	f.b = growTo(f.b, n)
	copy(f.b, b[:n])
	foldASCIIRun(f.b[:n], b, 0)
	if n == len(b) {
		f.identity = true // byte for byte: no segments needed
		return
	}
	if n > 0 {
		f.segs = append(f.segs, seg{out: 0, orig: 0, ident: true})
	}
	for i := n; i < len(b); {
		if b[i] < utf8.RuneSelf {
			j := i + asciiPrefix(b[i:])
			start := len(f.b)
			f.addIdent(b[i:j], i)
			foldASCIIRun(f.b[start:], b, i)
			i = j
			continue
		}
		r, m := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && m <= 1 {
			f.addMapped(space, i, i+1)
			i++
			continue
		}
		lr := unicode.ToLower(r)
		if a := foldRune(lr); a != 0 {
			f.addMapped(asciiByte[a:][:1], i, i+m)
		} else {
			var buf [utf8.UTFMax]byte
			k := utf8.EncodeRune(buf[:], lr)
			if k == m && lr == r {
				f.addIdent(b[i:i+m], i)
			} else {
				f.addMapped(buf[:k], i, i+m)
			}
		}
		i += m
	}
}

// foldASCIIRun folds out in place; out holds a copy of src[at:at+len(out)],
// all ASCII.
func foldASCIIRun(out, src []byte, at int) {
	for i, c := range out {
		out[i] = asciiFold[c]
	}
	// "!" and "|" fold to "i" only inside a word: fix those few up.
	for i := 0; i < len(out); i++ {
		k := bytes.IndexAny(out[i:], "!|")
		if k < 0 {
			break
		}
		i += k
		out[i] = foldASCII(src, at+i, out[i])
	}
}

// growTo returns b resized to n bytes, reusing its storage.
func growTo(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n, n+n/4)
	}
	return b[:n]
}

// foldASCII folds one ASCII byte; "!" and "|" read as "i" only inside a
// word (sh!t), so a sentence's final "!" still ends the word before it.
func foldASCII(b []byte, i int, c byte) byte {
	if c == '!' || c == '|' {
		if i > 0 && i+1 < len(b) && isWordByte(b[i-1]) && isWordByte(b[i+1]) {
			return 'i'
		}
		return c
	}
	return asciiFold[c]
}

// foldString folds a blocklist term the way the text is folded.
func foldString(s string) string {
	var sv, fv view
	normalizeSafe(&sv, []byte(s))
	foldInto(&fv, &sv)
	return string(fv.b)
}
