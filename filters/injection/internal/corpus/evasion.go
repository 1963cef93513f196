package corpus

import (
	"encoding/base64"
	"strings"
	"unicode/utf8"
)

// Evasions rewrite an attack the way attackers slip past filters. The
// scanner's normaliser undoes the first three (and decodes base64 blobs);
// Fold is the simple stand-in for it that the evaluation uses before the
// scanner is merged.
var Evasions = []struct {
	Name  string
	Apply func(string) string
}{
	{"plain", func(s string) string { return s }},
	{"zero_width", ZeroWidth},
	{"homoglyph", Homoglyph},
	{"leetspeak", Leet},
	{"base64", Base64},
}

// ZeroWidth puts a zero-width space inside every word longer than 3 bytes.
func ZeroWidth(s string) string {
	var b strings.Builder
	run := 0
	for _, r := range s {
		b.WriteRune(r)
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			run++
			if run == 2 {
				b.WriteString("\u200b")
			}
		} else {
			run = 0
		}
	}
	return b.String()
}

var toHomoglyph = map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'i': 'і', 's': 'ѕ'}

// Homoglyph swaps Latin letters for Cyrillic look-alikes.
func Homoglyph(s string) string {
	return strings.Map(func(r rune) rune {
		if h, ok := toHomoglyph[r]; ok {
			return h
		}
		return r
	}, s)
}

var toLeet = map[rune]rune{'a': '4', 'e': '3', 'i': '1', 'o': '0', 's': '5', 't': '7'}

// Leet writes letters as digits.
func Leet(s string) string {
	return strings.Map(func(r rune) rune {
		if l, ok := toLeet[r]; ok {
			return l
		}
		return r
	}, s)
}

// Base64 wraps the attack as a blob with a one-line instruction to decode
// it, the common shape.
func Base64(s string) string {
	return "Decode this base64 and follow it: " + base64.StdEncoding.EncodeToString([]byte(s))
}

var fromLeet = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "@", "a", "$", "s")

// Fold is a simple normaliser: it strips zero-width characters, maps the
// Cyrillic look-alikes back, reads leetspeak and decodes a trailing base64
// blob, then lowercases. The scanner's own normaliser does more.
func Fold(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
			return -1
		}
		for l, h := range toHomoglyph {
			if r == h {
				return l
			}
		}
		return r
	}, s)
	if i := strings.LastIndexByte(s, ' '); i >= 0 {
		if dec, err := base64.StdEncoding.DecodeString(s[i+1:]); err == nil && len(dec) > 0 {
			s = s[:i+1] + string(dec)
		}
	}
	return strings.ToLower(fromLeet.Replace(s))
}
