package jsonw

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	f := func(in string) {
		t.Helper()
		out := String(nil, in)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q -> invalid JSON %s: %v", in, out, err)
		}
		want, _ := json.Marshal(in) // encoding/json also maps bad UTF-8 to U+FFFD
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Fatalf("%q round-tripped to %q, want %q", in, back, wantBack)
		}
	}
	f("")
	f("plain")
	f(`quote " and \ backslash`)
	f("ctl \x00\x01\x1f\n\r\t")
	f("unicode é 世界 🎉")
	f("bad \xff\xfe utf8")
}

func FuzzString(f *testing.F) {
	f.Add("a\"b\\c\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid(String(nil, s)) {
			t.Fatalf("invalid JSON for %q", s)
		}
	})
}

// stringReference is String as first written, one byte at a time: the
// word-at-a-time prefix must write exactly what it wrote.
func stringReference(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func TestStringMatchesReference(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	check := func(s string) {
		t.Helper()
		if got, want := String(nil, s), stringReference(nil, s); string(got) != string(want) {
			t.Fatalf("String(%q) = %s; want %s", s, got, want)
		}
	}
	// Every byte value at every position of a word, after plain prefixes
	// of every length.
	for b := range 256 {
		for pre := range 20 {
			for post := range 3 {
				check(strings.Repeat("a", pre) + string(rune(b))[:1] + string([]byte{byte(b)}) + strings.Repeat("z", post))
			}
		}
	}
	pool := []byte("ab \"\\\x00\x1f\x7f\x80é€\xff~")
	for range 200000 {
		n := rnd.IntN(40)
		b := make([]byte, n)
		for i := range b {
			if rnd.IntN(4) == 0 {
				b[i] = pool[rnd.IntN(len(pool))]
			} else {
				b[i] = byte(0x20 + rnd.IntN(0x5f))
			}
		}
		check(string(b))
	}
}
