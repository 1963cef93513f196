package filters

import "bytes"

// phoneDetector finds telephone numbers: E.164 ("+44 20 7946 0958",
// "+1-212-555-0100"), international "00…" dialling, North American
// (212) 555-0100 / 212-555-0100 / 212.555.0100, and the grouped national
// formats of the UK and the EU (020 7946 0958, 06 12 34 56 78,
// 030 12345678, 03.93.92.16.85). Shapes that are something else are
// rejected: dates, IPv4 addresses, SSN-shaped 3-2-4 runs, thousands
// groupings ("1 000 000"), amounts, decimals. Bare digit runs are phones
// only with a phone word before them.
type phoneDetector struct{}

var phoneKinds = []string{"pii.phone"}

var phoneContext = []string{"phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "text me", "contact", "reach me", "dial", "landline"}

// phoneLabels name a number right after it: "416 60 039 office".
var phoneLabels = []string{"office", "fax", "mobile", "cell", "home", "work", "phone", "tel", "landline"}

// notPhoneContext names other numbers that look like phone numbers.
var notPhoneContext = []string{"license", "licence", "order", "invoice", "account", "zip", "postcode", "postal", "passport",
	"serial", "tracking", "isbn", "ticket", "reference", "ref.", "policy no", "id:", "id number"}

// contextAfter reports whether the word after e (skipping spaces, '-' and
// a comma) is one of words.
func contextAfter(text []byte, e int, words []string) bool {
	p := e
	for p < len(text) && p-e < 3 && (text[p] == ' ' || text[p] == '-' || text[p] == ',' || text[p] == '(') {
		p++
	}
	for _, w := range words {
		if p+len(w) <= len(text) && bytes.EqualFold(text[p:p+len(w)], []byte(w)) && (p+len(w) == len(text) || !isAlpha(text[p+len(w)])) {
			return true
		}
	}
	return false
}

func (phoneDetector) Kinds() []string { return phoneKinds }
func (phoneDetector) Form() Form      { return FormSafe }
func (phoneDetector) MaxSpan() int    { return 32 }

// minDigits gates the runs the scanner passes (digit_clusters.go): a phone number has at least 7 digits.
func (phoneDetector) minDigits() int32 { return 7 }

// phoneShape is what the reader saw: digit groups and their separators.
type phoneShape struct {
	groups   [12]uint8 // digits per group
	ng       int
	digits   int
	plus     bool // starts with '+'
	paren    bool // a group in parentheses
	trunk0   bool // "(0)" after the country code, not counted
	sep      byte // the one separator between plain groups (' ', '-', '.'), 0 if none
	mixedSep bool
	first    [4]byte // the first digits
}

func (d phoneDetector) Detect(text []byte, dst []Finding) []Finding {
	return d.detectRuns(text, digitRuns(text, nil), dst)
}

// detectRuns starts at each digit run, or at the '+' or '(' before it.
func (phoneDetector) detectRuns(text []byte, runs []int32, dst []Finding) []Finding {
	next := 0
	for _, r := range runs {
		i := int(r)
		if i < next {
			continue
		}
		// From the '+' or '(' before the digits, then from the digits.
		if i > 0 && (text[i-1] == '+' || text[i-1] == '(') && i-1 >= next {
			if e, score := phoneAt(text, i-1); score > 0 {
				dst = append(dst, Finding{Kind: "pii.phone", Start: i - 1, End: e, Score: score})
				next = e
				continue
			}
		}
		if e, score := phoneAt(text, i); score > 0 {
			dst = append(dst, Finding{Kind: "pii.phone", Start: i, End: e, Score: score})
			next = e
		}
	}
	return dst
}

// phoneAt reads and scores a phone number starting at i.
func phoneAt(text []byte, i int) (int, float64) {
	if !numberStart(text, i) {
		return 0, 0
	}
	var sh phoneShape
	e := readPhone(text, i, &sh)
	if e <= i {
		return 0, 0
	}
	return e, phoneScore(text, i, e, &sh)
}

// readPhone reads groups of digits from i and returns where they end
// (0 when the run is not number-shaped at its end).
func readPhone(text []byte, i int, sh *phoneShape) int {
	p := i
	if text[p] == '+' {
		sh.plus = true
		p++
	}
	end := 0
	for p < len(text) && sh.ng < len(sh.groups) {
		paren := false
		if text[p] == '(' {
			paren = true
			p++
		}
		s := p
		for p < len(text) && isDigit(text[p]) && p-s < 12 {
			if sh.digits < len(sh.first) {
				sh.first[sh.digits] = text[p]
			}
			sh.digits++
			p++
		}
		if p == s {
			return 0
		}
		if paren {
			if p >= len(text) || text[p] != ')' {
				return 0
			}
			p++
			if p-s == 2 && text[s] == '0' && sh.plus && sh.ng == 1 { // +41 (0)96 …
				sh.trunk0 = true
				sh.digits--
			} else {
				sh.paren = true
			}
		}
		sh.groups[sh.ng] = uint8(p - s)
		if paren {
			sh.groups[sh.ng] = uint8(p - s - 1)
		}
		sh.ng++
		end = p
		// Extension: x123, ext. 123
		if q := extension(text, p); q > p {
			return q
		}
		// One separator (a space may follow ')' or '-').
		if p >= len(text) {
			break
		}
		sep := text[p]
		if sep == ')' {
			break
		}
		q := p
		if sep == ' ' || sep == '-' || sep == '.' {
			q++
		} else if !(paren && (isDigit(sep) || sep == '(')) {
			break
		}
		if q < len(text) && text[q] == ' ' && sep == '-' {
			q++
		}
		if q >= len(text) || !(isDigit(text[q]) || text[q] == '(') {
			break
		}
		if !paren && q > p {
			if sh.sep != 0 && sh.sep != sep {
				sh.mixedSep = true
			}
			sh.sep = sep
		}
		p = q
	}
	if !numberEnd(text, end) {
		return 0
	}
	return end
}

// extension reads "x123", " ext 123" or " ext. 123" at p.
func extension(text []byte, p int) int {
	q := p
	if q < len(text) && text[q] == ' ' {
		q++
	}
	switch {
	case q < len(text) && text[q] == 'x':
		q++
	case q+3 <= len(text) && (string(text[q:q+3]) == "ext" || string(text[q:q+3]) == "Ext"):
		q += 3
		if q < len(text) && text[q] == '.' {
			q++
		}
		if q < len(text) && text[q] == ' ' {
			q++
		}
	default:
		return p
	}
	s := q
	for q < len(text) && isDigit(text[q]) && q-s < 6 {
		q++
	}
	if q == s || q-s > 5 || q < len(text) && isAlnum(text[q]) {
		return p
	}
	return q
}

func phoneScore(text []byte, s, e int, sh *phoneShape) float64 {
	// Mixed separators only around a country code or parentheses:
	// "+1 (555) 010-0199" yes, "12-34 56.78" no.
	if sh.digits < 7 || sh.digits > 15 || sh.mixedSep && !sh.plus && !sh.paren {
		return 0
	}
	ctx := contextBefore(text, s, 32, phoneContext) || contextAfter(text, e, phoneLabels)
	if !sh.plus && !ctx && contextBefore(text, s, 32, notPhoneContext) {
		return 0
	}
	boost := func(v float64) float64 {
		if ctx {
			return min(v+0.2, 0.95)
		}
		return v
	}
	g := sh.groups[:sh.ng]
	if sh.plus {
		if sh.first[0] == '0' || sh.digits < 8 {
			return 0
		}
		return boost(0.85)
	}
	if sh.first[0] == '0' && sh.first[1] == '0' && sh.digits >= 10 {
		return boost(0.8)
	}
	if sh.ng == 1 { // bare digits; "4596383 items" is a quantity
		if e+1 < len(text) && text[e] == ' ' && isAlpha(text[e+1]) && !contextAfter(text, e, phoneLabels) {
			return 0
		}
		if ctx && sh.digits >= 7 && sh.digits <= 12 {
			return 0.7
		}
		if sh.digits == 10 && nanpArea(sh.first[:]) {
			return 0.55
		}
		return 0
	}
	if looksLikeDate(text[s:e], g) || sh.sep == '.' && sh.ng == 4 && allAtMost(g, 3) ||
		sh.sep == '-' && sh.ng == 3 && g[0] == 3 && g[1] == 2 && g[2] == 4 ||
		sh.sep == ' ' && !sh.paren && thousands(g) || sh.sep == '.' && sh.ng == 2 {
		return 0
	}
	// Hyphens also mean minus and ranges ("1200-1000", "250-135-50"): a
	// hyphenated run is a phone number only in a phone shape.
	if sh.sep == '-' && !sh.paren && !nanpShape(sh, g) && !(len(g) == 2 && g[0] == 3 && g[1] == 4) &&
		sh.first[0] != '0' && !(len(g) >= 4 && allAtMost(g, 4)) {
		return 0
	}
	// North American 3-3-4 (with or without the leading 1).
	if nanpShape(sh, g) {
		return boost(0.85)
	}
	// Two plain groups and a word right after ("17151 2450 Crown St",
	// "03262 2437 Main St") are an address or a quantity, unless a phone
	// word is near.
	if sh.ng == 2 && !sh.paren && !ctx && e+1 < len(text) && text[e] == ' ' && isAlpha(text[e+1]) {
		return 0
	}
	if sh.first[0] == '0' || sh.paren {
		return boost(0.75)
	}
	if !ctx && e+1 < len(text) && text[e] == ' ' && isAlpha(text[e+1]) {
		return 0
	}
	if sh.sep == '-' && sh.ng == 2 && g[0] == 5 && g[1] == 3 { // Brazilian CEP postcode
		return 0
	}
	if sh.digits >= 9 {
		return boost(0.65)
	}
	return boost(0.5)
}

// nanpShape: 212-555-0100 or 1-212-555-0100.
func nanpShape(sh *phoneShape, g []uint8) bool {
	return sh.digits == 10 && len(g) == 3 && g[0] == 3 && g[1] == 3 && g[2] == 4 ||
		sh.digits == 11 && len(g) == 4 && g[0] == 1 && sh.first[0] == '1'
}

// nanpArea: a North American area code and exchange start with 2–9.
func nanpArea(first []byte) bool { return first[0] >= '2' && first[3] >= '2' }

func allAtMost(g []uint8, n uint8) bool {
	for _, v := range g {
		if v > n {
			return false
		}
	}
	return true
}

// thousands spots 1 000 000: a one-digit head and groups of three ("78
// 651 450" stays a phone number; "12 500 000 euros" is caught by the word
// after it).
func thousands(g []uint8) bool {
	if g[0] > 3 || g[0] == 3 && len(g) > 2 {
		return false
	}
	for _, v := range g[1:] {
		if v != 3 {
			return false
		}
	}
	return g[0] == 1
}

// looksLikeDate: 2024-01-31, 31.01.2024, 01-31-2024 and the like.
func looksLikeDate(b []byte, g []uint8) bool {
	if len(g) != 3 {
		return false
	}
	return g[0] == 4 && g[1] <= 2 && g[2] <= 2 || g[0] <= 2 && g[1] <= 2 && (g[2] == 4 || g[2] == 2)
}
