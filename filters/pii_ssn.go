package filters

// ssnDetector finds US Social Security numbers: AAA-GG-SSSS (or with
// spaces), or nine bare digits right after words that name an SSN. Area
// 000, 666 and 900–999, group 00 and serial 0000 are never issued, and
// two numbers famous from advertising are excluded.
type ssnDetector struct{}

var ssnKinds = []string{"pii.ssn"}

var ssnContext = []string{"ssn", "social security", "social-security", "ss#", "ss no", "ss number", "taxpayer id", "tin"}

func (ssnDetector) Kinds() []string { return ssnKinds }
func (ssnDetector) Form() Form      { return FormSafe }
func (ssnDetector) MaxSpan() int    { return 11 }

// minDigits gates the runs the scanner passes (digit_clusters.go): an SSN has 9 digits.
func (ssnDetector) minDigits() int32 { return 9 }

func (d ssnDetector) Detect(text []byte, dst []Finding) []Finding {
	return d.detectRuns(text, digitRuns(text, nil), dst)
}

func (ssnDetector) detectRuns(text []byte, runs []int32, dst []Finding) []Finding {
	next := 0
	for _, r := range runs {
		i := int(r)
		if i < next || !numberStart(text, i) {
			continue
		}
		var d [9]byte
		e, score, ok := readSSN(text, i, &d)
		if ok && ssnValid(&d) && numberEnd(text, e) {
			if score < 0.8 && contextBefore(text, i, 40, ssnContext) {
				score = 0.85
			}
			dst = append(dst, Finding{Kind: "pii.ssn", Start: i, End: e, Score: score})
			next = e
		}
	}
	return dst
}

// readSSN reads 3-2-4 digits with one separator kind ('-' or ' '), or
// nine bare digits, and how sure that shape is.
func readSSN(text []byte, i int, d *[9]byte) (int, float64, bool) {
	p, ok := readDigits(text, i, d[0:3])
	if !ok {
		return 0, 0, false
	}
	var sep byte
	if p < len(text) && (text[p] == '-' || text[p] == ' ') {
		sep = text[p]
		p++
	}
	if p, ok = readDigits(text, p, d[3:5]); !ok {
		return 0, 0, false
	}
	if sep != 0 {
		if p >= len(text) || text[p] != sep {
			return 0, 0, false
		}
		p++
	}
	if p, ok = readDigits(text, p, d[5:9]); !ok {
		return 0, 0, false
	}
	switch sep {
	case '-':
		return p, 0.85, true
	case ' ':
		return p, 0.6, true
	}
	return p, 0.3, true // bare: reported only with context
}

// readDigits fills d with the digits at i.
func readDigits(text []byte, i int, d []byte) (int, bool) {
	for k := range d {
		if i+k >= len(text) || !isDigit(text[i+k]) {
			return 0, false
		}
		d[k] = text[i+k] - '0'
	}
	return i + len(d), true
}

func ssnValid(d *[9]byte) bool {
	area := int(d[0])*100 + int(d[1])*10 + int(d[2])
	group := int(d[3])*10 + int(d[4])
	serial := int(d[5])*1000 + int(d[6])*100 + int(d[7])*10 + int(d[8])
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	if area == 78 && group == 5 && serial == 1120 || area == 219 && group == 9 && serial == 9999 {
		return false
	}
	return true
}
