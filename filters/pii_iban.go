package filters

// ibanDetector finds International Bank Account Numbers: a country code,
// two check digits and the country's BBAN length, written solid or in
// groups of four separated by single spaces, passing the ISO 13616 mod-97
// check. Upper or lower case (never mixed within the letters).
type ibanDetector struct{}

var ibanKinds = []string{"pii.iban"}

func (ibanDetector) Kinds() []string { return ibanKinds }
func (ibanDetector) Form() Form      { return FormSafe }
func (ibanDetector) MaxSpan() int    { return 34 + 8 }

// minDigits gates the runs the scanner passes (digit_clusters.go): an IBAN starts with letters and may group digits with letters: no gate.
func (ibanDetector) minDigits() int32 { return 0 }

// ibanLengths: total IBAN length per country (SWIFT IBAN registry).
var ibanLengths = map[[2]byte]uint8{
	{'A', 'D'}: 24, {'A', 'E'}: 23, {'A', 'L'}: 28, {'A', 'T'}: 20, {'A', 'Z'}: 28, {'B', 'A'}: 20, {'B', 'E'}: 16,
	{'B', 'G'}: 22, {'B', 'H'}: 22, {'B', 'I'}: 27, {'B', 'R'}: 29, {'B', 'Y'}: 28, {'C', 'H'}: 21, {'C', 'R'}: 22,
	{'C', 'Y'}: 28, {'C', 'Z'}: 24, {'D', 'E'}: 22, {'D', 'J'}: 27, {'D', 'K'}: 18, {'D', 'O'}: 28, {'E', 'E'}: 20,
	{'E', 'G'}: 29, {'E', 'S'}: 24, {'F', 'I'}: 18, {'F', 'K'}: 18, {'F', 'O'}: 18, {'F', 'R'}: 27, {'G', 'B'}: 22,
	{'G', 'E'}: 22, {'G', 'I'}: 23, {'G', 'L'}: 18, {'G', 'R'}: 27, {'G', 'T'}: 28, {'H', 'R'}: 21, {'H', 'U'}: 28,
	{'I', 'E'}: 22, {'I', 'L'}: 23, {'I', 'Q'}: 23, {'I', 'S'}: 26, {'I', 'T'}: 27, {'J', 'O'}: 30, {'K', 'W'}: 30,
	{'K', 'Z'}: 20, {'L', 'B'}: 28, {'L', 'C'}: 32, {'L', 'I'}: 21, {'L', 'T'}: 20, {'L', 'U'}: 20, {'L', 'V'}: 21,
	{'L', 'Y'}: 25, {'M', 'C'}: 27, {'M', 'D'}: 24, {'M', 'E'}: 22, {'M', 'K'}: 19, {'M', 'N'}: 20, {'M', 'R'}: 27,
	{'M', 'T'}: 31, {'M', 'U'}: 30, {'N', 'I'}: 28, {'N', 'L'}: 18, {'N', 'O'}: 15, {'O', 'M'}: 23, {'P', 'K'}: 24,
	{'P', 'L'}: 28, {'P', 'S'}: 29, {'P', 'T'}: 25, {'Q', 'A'}: 29, {'R', 'O'}: 24, {'R', 'S'}: 22, {'R', 'U'}: 33,
	{'S', 'A'}: 24, {'S', 'C'}: 31, {'S', 'D'}: 18, {'S', 'E'}: 24, {'S', 'I'}: 19, {'S', 'K'}: 24, {'S', 'M'}: 27,
	{'S', 'O'}: 23, {'S', 'T'}: 25, {'S', 'V'}: 28, {'T', 'L'}: 23, {'T', 'N'}: 24, {'T', 'R'}: 26, {'U', 'A'}: 29,
	{'V', 'A'}: 22, {'V', 'G'}: 24, {'X', 'K'}: 20,
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

func (d ibanDetector) Detect(text []byte, dst []Finding) []Finding {
	return d.detectRuns(text, digitRuns(text, nil), dst)
}

// detectRuns starts two letters before each digit run (the check digits).
func (ibanDetector) detectRuns(text []byte, runs []int32, dst []Finding) []Finding {
	next := 0
	for _, r := range runs {
		i := int(r) - 2
		if i < next || i+15 > len(text) || !isAlpha(text[i]) || !isAlpha(text[i+1]) || !isDigit(text[i+3]) ||
			i > 0 && isAlnum(text[i-1]) {
			continue
		}
		lower := text[i] >= 'a'
		if (text[i+1] >= 'a') != lower {
			continue
		}
		want, ok := ibanLengths[[2]byte{upper(text[i]), upper(text[i+1])}]
		if !ok {
			continue
		}
		var buf [34]byte
		n, p := 0, i
		for p < len(text) && n < int(want) {
			c := text[p]
			if c == ' ' && n%4 == 0 && n > 0 && p+1 < len(text) && isAlnum(text[p+1]) {
				p++
				continue
			}
			if !isAlnum(c) || isAlpha(c) && (c >= 'a') != lower {
				break
			}
			buf[n] = upper(c)
			n++
			p++
		}
		if n != int(want) || p < len(text) && isAlnum(text[p]) || !mod97(buf[:n]) {
			continue
		}
		dst = append(dst, Finding{Kind: "pii.iban", Start: i, End: p, Score: 1})
		next = p
	}
	return dst
}

// mod97 moves the first four characters to the end, reads letters as
// 10–35 and checks that the number is 1 modulo 97.
func mod97(s []byte) bool {
	r := 0
	add := func(c byte) {
		if isDigit(c) {
			r = (r*10 + int(c-'0')) % 97
		} else {
			r = (r*100 + int(c-'A') + 10) % 97
		}
	}
	for _, c := range s[4:] {
		add(c)
	}
	for _, c := range s[:4] {
		add(c)
	}
	return r == 1
}
