package filters

import "bytes"

// ipDetector finds IPv4 addresses (four decimal octets 0–255, no leading
// zeros) and IPv6 addresses (eight hex groups, or fewer around one "::",
// optionally ending in an IPv4 part), standing alone.
type ipDetector struct{}

var ipKinds = []string{"pii.ip_address"}

func (ipDetector) Kinds() []string { return ipKinds }
func (ipDetector) Form() Form      { return FormSafe }
func (ipDetector) MaxSpan() int    { return 45 }

// minDigits gates the runs the scanner passes (digit_clusters.go): an IPv4 address has at least 4 digits (IPv6 is found from colons, not runs).
func (ipDetector) minDigits() int32 { return 4 }

func (d ipDetector) Detect(text []byte, dst []Finding) []Finding {
	return d.detectRuns(text, digitRuns(text, nil), dst)
}

// detectRuns tries IPv4 at each digit run and IPv6 around each colon.
func (ipDetector) detectRuns(text []byte, runs []int32, dst []Finding) []Finding {
	mark := len(dst)
	next := 0
	for _, r := range runs {
		i := int(r)
		if i < next || !ipStart(text, i) {
			continue
		}
		// (A ':' after an IPv4 address is a port: IPv6 only ends in IPv4.)
		if e, ok := ipv4At(text, i); ok && (ipEnd(text, e) || text[e] == ':') && !versionBefore(text, i) {
			dst = append(dst, Finding{Kind: "pii.ip_address", Start: i, End: e, Score: 0.9})
			next = e
		}
	}
	// IPv6: back from each colon to the start of its hex-and-colon run.
	v4 := dst[mark:]
	next = 0
	for from := 0; ; {
		k := bytes.IndexByte(text[from:], ':')
		if k < 0 {
			break
		}
		c := from + k
		from = c + 1
		if c < next {
			continue
		}
		s := c
		for s > 0 && c-s < 40 && (isHex(text[s-1]) || text[s-1] == ':') {
			s--
		}
		if s < next || !ipStart(text, s) || overlapsAny(v4, s) {
			continue
		}
		if e, ok := ipv6At(text, s); ok && ipEnd(text, e) {
			dst = append(dst, Finding{Kind: "pii.ip_address", Start: s, End: e, Score: 0.9})
			next, from = e, max(e, c+1)
		}
	}
	return dst
}

func ipStart(text []byte, i int) bool {
	return i == 0 || !(isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == ':' || text[i-1] == '_')
}

func overlapsAny(fs []Finding, p int) bool {
	for _, f := range fs {
		if p >= f.Start && p < f.End {
			return true
		}
	}
	return false
}

func ipEnd(text []byte, e int) bool {
	if e == len(text) {
		return true
	}
	c := text[e]
	if isAlnum(c) || c == '_' || c == ':' && e+1 < len(text) && isHex(text[e+1]) {
		return false
	}
	return !(c == '.' && e+1 < len(text) && isDigit(text[e+1]))
}

// versionBefore rejects "v1.2.3.4" and "version 1.2.3.4".
func versionBefore(text []byte, i int) bool {
	return i > 0 && (text[i-1] == 'v' || text[i-1] == 'V') || contextBefore(text, i, 10, []string{"version", "ver."})
}

// ipv4At reads a dotted quad at i.
func ipv4At(text []byte, i int) (int, bool) {
	p := i
	for part := 0; part < 4; part++ {
		if part > 0 {
			if p >= len(text) || text[p] != '.' {
				return 0, false
			}
			p++
		}
		s, v := p, 0
		for p < len(text) && isDigit(text[p]) && p-s < 4 {
			v = v*10 + int(text[p]-'0')
			p++
		}
		if p == s || p-s > 3 || v > 255 || p-s > 1 && text[s] == '0' {
			return 0, false
		}
	}
	return p, true
}

// ipv6At reads an IPv6 address at i.
func ipv6At(text []byte, i int) (int, bool) {
	p, groups, compressed := i, 0, false
	end := i
	for p < len(text) && groups <= 8 {
		if p+1 < len(text) && text[p] == ':' && text[p+1] == ':' {
			if compressed {
				return 0, false
			}
			compressed = true
			p += 2
			end = p
			continue
		}
		if text[p] == ':' {
			if p == i || p+1 >= len(text) || !isHex(text[p+1]) {
				break
			}
			p++
		}
		// An embedded IPv4 tail.
		if groups <= 6 {
			if e, ok := ipv4At(text, p); ok && (compressed || groups == 6) && p > i && text[p-1] == ':' {
				groups += 2
				end = e
				p = e
				break
			}
		}
		s := p
		for p < len(text) && isHex(text[p]) && p-s < 5 {
			p++
		}
		if p == s || p-s > 4 {
			return 0, false
		}
		groups++
		end = p
		if p >= len(text) || text[p] != ':' {
			break
		}
	}
	if compressed {
		return end, groups <= 7 && end-i >= 3
	}
	return end, groups == 8
}
