package filters

import (
	"bytes"
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
	// maxDecodedBlob bounds one decoded run (64 KiB of base64). Runs up to
	// it are scanned; MaxSpan (the stream window) still holds back only
	// Config.MaxSpan, so in a stream a finding in a longer blob may come
	// after the blob's start was released.
	maxDecodedBlob = 64 << 10
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
	var f blobFinder
	for i := 0; blobs < maxBlobs; {
		var j, end int
		if i, j, end = f.next(b, i); i < 0 {
			break
		}
		n := j - i
		if n > s.maxBlob {
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

// blobFinder finds the maximal runs of base64 characters that may be
// blobs: at least minBase64Blob long, or (padded: "c2x1dA==", base64
// beyond doubt) at least 6 followed by '='. Prose is made of shorter runs
// (words), so it looks only at every minBase64Blob-th byte for long runs
// (a run that long covers one of them) and only before each '=' (found
// with bytes.IndexByte) for padded ones, instead of classifying every byte.
type blobFinder struct {
	long, padded [3]int // the next candidate of each kind: start, end, end with padding; start -1: none left
	init         bool
}

// next returns the first candidate run [i,j) starting at or after from,
// with end past its '=' padding (at most two), or i = -1.
func (f *blobFinder) next(b []byte, from int) (i, j, end int) {
	if !f.init || f.long[0] >= 0 && f.long[0] < from {
		f.long = nextLongRun(b, from)
	}
	if !f.init || f.padded[0] >= 0 && f.padded[0] < from {
		f.padded = nextPaddedRun(b, from)
	}
	f.init = true
	c := f.long
	if c[0] < 0 || f.padded[0] >= 0 && f.padded[0] < c[0] {
		c = f.padded
	}
	return c[0], c[1], c[2]
}

// runAround returns the maximal run of base64 characters holding b[q],
// not starting before from, and its end past up to two '='.
func runAround(b []byte, from, q int) [3]int {
	i, j := q, q+1
	for i > from && b64Class[b[i-1]] != 0 {
		i--
	}
	for j < len(b) && b64Class[b[j]] != 0 {
		j++
	}
	end := j
	for end < len(b) && end-j < 2 && b[end] == '=' {
		end++
	}
	return [3]int{i, j, end}
}

// nextLongRun finds the first run of at least minBase64Blob characters
// starting at or after from.
func nextLongRun(b []byte, from int) [3]int {
	for q := from + minBase64Blob - 1; q < len(b); q += minBase64Blob {
		if b64Class[b[q]] == 0 {
			continue
		}
		r := runAround(b, from, q)
		if r[1]-r[0] >= minBase64Blob {
			return r
		}
		from = r[1] // the next run starts after this one
		q = from - 1
	}
	return [3]int{-1, -1, -1}
}

// nextPaddedRun finds the first run of 6 to minBase64Blob-1 characters
// followed by '=' starting at or after from (longer ones nextLongRun finds).
func nextPaddedRun(b []byte, from int) [3]int {
	for e := from; ; e++ {
		k := bytes.IndexByte(b[e:], '=')
		if k < 0 {
			return [3]int{-1, -1, -1}
		}
		e += k
		if e-from >= 6 && b64Class[b[e-1]] != 0 {
			r := runAround(b, from, e-1)
			if n := r[1] - r[0]; n >= 6 && n < minBase64Blob {
				return r
			}
		}
	}
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
