package filters

import "bytes"

// emailDetector finds addresses by their '@': local part to the left,
// a dotted domain with an alphabetic TLD to the right.
type emailDetector struct{}

var emailKinds = []string{"pii.email"}

func (emailDetector) Kinds() []string { return emailKinds }
func (emailDetector) Form() Form      { return FormSafe }
func (emailDetector) MaxSpan() int    { return 254 } // RFC 5321 path limit

var emailLocal = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isAlnum(byte(c))
	}
	for _, c := range []byte(".!#$%&'*+/=?^_`{|}~-") {
		t[c] = true
	}
	return t
}()

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (emailDetector) Detect(text []byte, dst []Finding) []Finding {
	from := 0
	for {
		k := bytes.IndexByte(text[from:], '@')
		if k < 0 {
			return dst
		}
		at := from + k
		from = at + 1
		// Local part: at most 64 bytes, no leading, trailing or double dot.
		s := at
		for s > 0 && at-s < 64 && emailLocal[text[s-1]] {
			s--
		}
		for s < at && (text[s] == '.' || !isAlnum(text[s]) && text[s] != '_') {
			s++
		}
		if s == at || text[at-1] == '.' || bytes.Contains(text[s:at], []byte("..")) {
			continue
		}
		e, ok := domainEnd(text, at+1)
		if !ok {
			continue
		}
		dst = append(dst, Finding{Kind: "pii.email", Start: s, End: e, Score: 0.95})
		from = e
	}
}

// domainEnd reads dot-separated labels from i (letters, digits, inner
// hyphens, 1–63 bytes each) and returns where the domain ends; it needs at
// least two labels and an alphabetic last label of two or more letters.
func domainEnd(text []byte, i int) (int, bool) {
	labels, end, lastAlpha, lastLen := 0, i, false, 0
	for p := i; p < len(text) && p-i < 253; {
		q := p
		alpha := true
		for q < len(text) && (isAlnum(text[q]) || text[q] == '-') && q-p < 63 {
			alpha = alpha && isAlpha(text[q])
			q++
		}
		if q == p || text[p] == '-' || text[q-1] == '-' {
			break
		}
		labels++
		end, lastAlpha, lastLen = q, alpha, q-p
		if q+1 < len(text) && text[q] == '.' && isAlnum(text[q+1]) {
			p = q + 1
			continue
		}
		break
	}
	return end, labels >= 2 && lastAlpha && lastLen >= 2
}
