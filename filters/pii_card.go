package filters

// cardDetector finds payment card numbers: 12–19 digits, optionally in
// groups split by single spaces or hyphens (one kind throughout), with a
// valid Luhn check digit and a known issuer prefix for that length.
type cardDetector struct{}

var cardKinds = []string{"pii.credit_card"}

// notCardContext names other long numbers that may pass Luhn by chance.
var notCardContext = []string{"order", "invoice", "tracking", "ref", "imei", "isbn"}

func (cardDetector) Kinds() []string { return cardKinds }
func (cardDetector) Form() Form      { return FormSafe }
func (cardDetector) MaxSpan() int    { return 19 + 18 }

// minDigits gates the runs the scanner passes (digit_clusters.go): a card number has 12 to 19 digits.
func (cardDetector) minDigits() int32 { return 12 }

func (d cardDetector) Detect(text []byte, dst []Finding) []Finding {
	return d.detectRuns(text, digitRuns(text, nil), dst)
}

func (cardDetector) detectRuns(text []byte, runs []int32, dst []Finding) []Finding {
	next := 0
	for _, r := range runs {
		i := int(r)
		if i < next || !numberStart(text, i) {
			continue
		}
		var digits [19]byte
		n, e, sep := 0, i, byte(0)
		for e < len(text) {
			if isDigit(text[e]) {
				if n < len(digits) {
					digits[n] = text[e] - '0'
				}
				n++
				e++
				continue
			}
			c := text[e]
			if (c == ' ' || c == '-') && (sep == 0 || sep == c) && e+1 < len(text) && isDigit(text[e+1]) {
				sep = c
				e++
				continue
			}
			break
		}
		next = e // the whole run is read: linear time
		if n >= 12 && n <= 19 && numberEnd(text, e) && luhn(digits[:n]) && issuerKnown(digits[:n]) &&
			!contextBefore(text, i, 12, notCardContext) {
			dst = append(dst, Finding{Kind: "pii.credit_card", Start: i, End: e, Score: 1})
		}
	}
	return dst
}

// luhn validates the check digit.
func luhn(d []byte) bool {
	sum := 0
	double := false
	for i := len(d) - 1; i >= 0; i-- {
		v := int(d[i])
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// issuerKnown checks the issuer identification number against the lengths
// each network issues.
func issuerKnown(d []byte) bool {
	p := func(k int) int {
		v := 0
		for i := 0; i < k && i < len(d); i++ {
			v = v*10 + int(d[i])
		}
		return v
	}
	n := len(d)
	p1, p2, p3, p4, p6 := p(1), p(2), p(3), p(4), p(6)
	switch {
	case p1 == 4: // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p3 >= 644 && p3 <= 649, p2 == 65, p6 >= 622126 && p6 <= 622925: // Discover
		return n >= 16 && n <= 19
	case p2 == 35: // JCB (issued 3528–3589; the whole 35 range is accepted, as card generators use it)
		return n >= 16 && n <= 19
	case p4 == 2131 || p4 == 1800: // JCB, old 15-digit
		return n == 15
	case p3 >= 300 && p3 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n >= 14 && n <= 19
	case p4 >= 2200 && p4 <= 2204: // Mir
		return n >= 16 && n <= 19
	case p2 == 62: // UnionPay
		return n >= 16 && n <= 19
	case p2 == 50, p2 >= 56 && p2 <= 69: // Maestro
		return n >= 12 && n <= 19
	}
	return false
}
