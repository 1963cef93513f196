// Package jsonw appends JSON to byte slices without reflection or
// allocations: the hot path builds small documents (errors, model lists)
// by hand, VictoriaMetrics-style (dst in, dst out).
package jsonw

import "unicode/utf8"

const hex = "0123456789abcdef"

// String appends s as a quoted JSON string. Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON.
func String(dst []byte, s string) []byte {
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

// Bytes is String for a byte slice.
func Bytes(dst, s []byte) []byte { return String(dst, b2s(s)) }
