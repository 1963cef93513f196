// Package jsonw appends JSON to byte slices without reflection or
// allocations: the hot path builds small documents (errors, model lists)
// by hand, VictoriaMetrics-style (dst in, dst out).
package jsonw

import (
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
)

const hex = "0123456789abcdef"

// String appends s as a quoted JSON string. Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON.
func String(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start, i := 0, 0
	for i+8 <= len(s) && plain8(word(s[i:])) { // a plain ASCII prefix (most strings are one), 8 bytes a step
		i += 8
	}
	for i < len(s) {
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

// Masks of every byte of a word, for plain8.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// word is the first 8 bytes of s (len(s) ≥ 8) as one little-endian load.
func word(s string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
}

// plain8 reports whether the 8 bytes of w are ASCII that JSON writes as
// they are: none below 0x20, no '"' or '\\', none with the high bit set.
// The classic SWAR tests on one word: (w - n·ones) &^ w has a byte's high
// bit set where some byte is below n (exact as a whole: a borrow comes
// only from a byte that is itself below n), so n = 1 on w XOR c finds a c.
func plain8(w uint64) bool {
	quote, backslash := w^('"'*ones), w^('\\'*ones)
	special := (w-0x20*ones)&^w | (quote-ones)&^quote | (backslash-ones)&^backslash
	return (special|w)&highs == 0
}

// Bytes is String for a byte slice.
func Bytes(dst, s []byte) []byte { return String(dst, b2s(s)) }
