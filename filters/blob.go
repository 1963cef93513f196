package filters

import (
	"encoding/base64"
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

// Blobs: attackers and careless users paste base64 or hex. The scanner
// decodes each long run once (never recursively), and when the bytes read
// as text it scans them with every detector; a finding inside reports the
// whole run in the original text, since no smaller original span holds it.

const (
	minBase64Blob = 12 // shorter runs are ordinary words; longer ones that decode to binary are skipped
	minHexBlob    = 32
	maxBlobs      = 32 // per text: bounds the work a crafted text can cause
)

var b64Class = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = 1
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['+'], t['/'] = 2, 2 // standard alphabet
	t['-'], t['_'] = 3, 3 // URL alphabet
	return t
}()

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// scanBlobs finds base64 and hex runs in the safe view and scans what they
// decode to.
func (s *Scanner) scanBlobs(sc *scratch, dst []Finding) []Finding {
	b := sc.safe.b
	blobs := 0
	for i := 0; i < len(b) && blobs < maxBlobs; {
		if b64Class[b[i]] == 0 {
			i++
			continue
		}
		j := i
		for j < len(b) && b64Class[b[j]] != 0 {
			j++
		}
		end := j
		for end < len(b) && end-j < 2 && b[end] == '=' {
			end++
		}
		n := j - i
		// A padded run ("c2x1dA==") is base64 beyond doubt, so it may be short.
		if n < minBase64Blob && !(end > j && n >= 6) || n > s.maxBlob {
			i = end
			continue
		}
		std, url, hexOnly := false, false, true
		for _, c := range b[i:j] {
			switch b64Class[c] {
			case 2:
				std = true
			case 3:
				url = true
			}
			hexOnly = hexOnly && isHex(c)
		}
		if std && url {
			i = end
			continue
		}
		if hexOnly && n >= minHexBlob && n%2 == 0 {
			sc.blob = appendHex(sc.blob[:0], b[i:j])
		} else {
			enc := base64.RawStdEncoding
			if url {
				enc = base64.RawURLEncoding
			}
			m := n - n%4
			if n%4 > 1 {
				m = n
			}
			sc.blob = appendBase64(sc.blob[:0], enc, b[i:i+m])
		}
		if len(sc.blob) > 0 && looksLikeText(sc.blob) {
			blobs++
			os, oe := sc.safe.span(i, end)
			mark := len(dst)
			dst = s.scan(sc.inner, sc.blob, dst, false)
			dst = spanBlob(dst, mark, os, oe)
		}
		i = end
	}
	return dst
}

func appendHex(dst, src []byte) []byte {
	n := len(src) / 2
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	if _, err := hex.Decode(dst, src); err != nil {
		return dst[:0]
	}
	return dst
}

func appendBase64(dst []byte, enc *base64.Encoding, src []byte) []byte {
	n := enc.DecodedLen(len(src))
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	dst = dst[:n]
	m, err := enc.Decode(dst, src)
	if err != nil {
		return dst[:0]
	}
	return dst[:m]
}

// looksLikeText reports decoded bytes that are valid UTF-8 and mostly
// printable: keys, hashes and images decode to binary and are skipped.
func looksLikeText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	bad, n := 0, 0
	for _, r := range string(b) {
		n++
		if !(unicode.IsPrint(r) || r == '\n' || r == '\t' || r == '\r') {
			bad++
		}
	}
	return bad*20 <= n // at most 5% control characters
}

// spanBlob gives the findings from mark on the blob's span, keeping one per
// kind (the highest score).
func spanBlob(dst []Finding, mark, start, end int) []Finding {
	n := mark
	for i := mark; i < len(dst); i++ {
		f := dst[i]
		f.Start, f.End = start, end
		dup := false
		for j := mark; j < n; j++ {
			if dst[j].Kind == f.Kind {
				dst[j].Score = max(dst[j].Score, f.Score)
				dup = true
				break
			}
		}
		if !dup {
			dst[n] = f
			n++
		}
	}
	return dst[:n]
}
