package filters

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// genCase is one generated text: the value planted in it (empty for a
// near-miss negative) and the kind the case measures.
type genCase struct {
	kind  string
	text  string
	value string // the planted PII; "" for a negative
}

var genTemplates = []string{
	"Please contact me at %s tomorrow.",
	"%s",
	"my details: %s\n",
	"Here it is (%s), thanks!",
	"Can you check %s for me?",
	"value=%s;",
	"Note for the file - %s - end.",
}

func digitsOf(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// luhnComplete appends the check digit that makes body Luhn-valid.
func luhnComplete(body string) string {
	for c := byte('0'); c <= '9'; c++ {
		d := make([]byte, 0, len(body)+1)
		for i := 0; i < len(body); i++ {
			d = append(d, body[i]-'0')
		}
		if luhn(append(d, c-'0')) {
			return body + string(c)
		}
	}
	panic("unreachable")
}

func groupDigits(s string, sizes []int, sep string) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(parts, sep)
}

func genCard(r *rand.Rand) (valid, invalid string) {
	prefixes := []struct {
		p string
		n int
	}{{"4", 16}, {"51", 16}, {"55", 16}, {"2221", 16}, {"2720", 16}, {"34", 15}, {"37", 15}, {"6011", 16}, {"65", 16}, {"3530", 16}, {"36", 14}, {"4", 13}, {"62", 19}}
	pr := prefixes[r.IntN(len(prefixes))]
	num := luhnComplete(pr.p + digitsOf(r, pr.n-len(pr.p)-1))
	bad := num[:len(num)-1] + string('0'+(num[len(num)-1]-'0'+1+byte(r.IntN(8)))%10)
	format := func(s string) string {
		switch r.IntN(3) {
		case 0:
			return s
		case 1:
			if len(s) == 15 {
				return groupDigits(s, []int{4, 6, 5}, " ")
			}
			if len(s) == 16 {
				return groupDigits(s, []int{4, 4, 4, 4}, " ")
			}
			return s
		}
		if len(s) == 16 {
			return groupDigits(s, []int{4, 4, 4, 4}, "-")
		}
		return s
	}
	f := r.IntN(3)
	_ = f
	return format(num), format(bad)
}

// ibanFor builds a valid IBAN of country cc with a random BBAN of the
// registry length (digits only, which every country accepts in tests).
func ibanFor(r *rand.Rand, cc string) string {
	n := int(ibanLengths[[2]byte{cc[0], cc[1]}])
	bban := digitsOf(r, n-4)
	for ck := 2; ck <= 98; ck++ {
		s := fmt.Sprintf("%s%02d%s", cc, ck, bban)
		if mod97([]byte(s)) {
			return s
		}
	}
	panic("no check digits")
}

func spaced4(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func genCases(seed uint64) []genCase {
	r := rand.New(rand.NewPCG(seed, 12))
	var cs []genCase
	add := func(kind, value string, negative bool) {
		tpl := genTemplates[r.IntN(len(genTemplates))]
		c := genCase{kind: kind, text: fmt.Sprintf(tpl, value)}
		if !negative {
			c.value = value
		}
		cs = append(cs, c)
	}
	names := []string{"jane.doe", "j_smith+news", "Ola.Nordmann", "x", "first.last.2024", "o'brien"}
	domains := []string{"example.com", "mail.example.co.uk", "uni-berlin.de", "corp.io", "sub.domain.example.org"}
	for range 60 {
		add("pii.email", names[r.IntN(len(names))]+"@"+domains[r.IntN(len(domains))], false)
	}
	for _, neg := range []string{"user@localhost", "follow @jane on social", "a@b", "foo@bar", "name@domain.", "email me at jane at example dot com", "ends with @", "x@1.2.3.4"} {
		add("pii.email", neg, true)
	}
	for range 80 {
		a, x, l := 200+r.IntN(800), 200+r.IntN(800), digitsOf(r, 4)
		uk := "20 " + digitsOf(r, 4) + " " + digitsOf(r, 4)
		formats := []string{
			fmt.Sprintf("+1 %d %d %s", a, x, l), fmt.Sprintf("(%d) %d-%s", a, x, l), fmt.Sprintf("%d-%d-%s", a, x, l),
			fmt.Sprintf("%d.%d.%s", a, x, l), fmt.Sprintf("+1-%d-%d-%s", a, x, l), "+44 " + uk, "0" + uk,
			"07700 " + digitsOf(r, 6), "+49 30 " + digitsOf(r, 8), "030 " + digitsOf(r, 8),
			"06 " + groupDigits(digitsOf(r, 8), []int{2, 2, 2, 2}, " "), "+33 6 " + groupDigits(digitsOf(r, 8), []int{2, 2, 2, 2}, " "),
			"+39 06 " + digitsOf(r, 8), "+34 91 " + digitsOf(r, 3) + " " + digitsOf(r, 2) + " " + digitsOf(r, 2),
			"+31 20 " + digitsOf(r, 3) + " " + digitsOf(r, 4), "+4420" + digitsOf(r, 8),
		}
		add("pii.phone", formats[r.IntN(len(formats))], false)
	}
	for range 12 {
		y, m, d := 1950+r.IntN(80), 1+r.IntN(12), 1+r.IntN(28)
		for _, neg := range []string{
			fmt.Sprintf("%d-%02d-%02d", y, m, d), fmt.Sprintf("%02d.%02d.%d", d, m, y), fmt.Sprintf("%02d/%02d/%d", m, d, y),
			fmt.Sprintf("order #%s", digitsOf(r, 10)), fmt.Sprintf("1 %03d %03d people", r.IntN(1000), r.IntN(1000)),
			fmt.Sprintf("version %d.%d.%d", r.IntN(20), r.IntN(20), r.IntN(100)), fmt.Sprintf("$%d,%03d,%03d.00", 1+r.IntN(99), r.IntN(1000), r.IntN(1000)),
			fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(254), r.IntN(256), r.IntN(256), 1+r.IntN(254)), fmt.Sprintf("3.%s", digitsOf(r, 9)),
			fmt.Sprintf("at %02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60)), fmt.Sprintf("invoice %s-%s", digitsOf(r, 4), digitsOf(r, 6)),
			fmt.Sprintf("%d items", 1000000+r.IntN(9000000)),
		} {
			add("pii.phone", neg, true)
		}
	}
	for range 80 {
		v, bad := genCard(r)
		add("pii.credit_card", v, false)
		add("pii.credit_card", bad, true)
	}
	for range 20 {
		add("pii.credit_card", "9"+digitsOf(r, 14)+"0", true) // no issuer
		add("pii.credit_card", "order "+digitsOf(r, 12), true)
	}
	countries := []string{"DE", "FR", "GB", "ES", "IT", "NL", "BE", "CH", "PL", "AT", "IE", "SE", "NO", "PT"}
	for range 60 {
		v := ibanFor(r, countries[r.IntN(len(countries))])
		if r.IntN(2) == 0 {
			v = spaced4(v)
		}
		add("pii.iban", v, false)
		w := []byte(ibanFor(r, countries[r.IntN(len(countries))]))
		w[len(w)-1] = '0' + (w[len(w)-1]-'0'+1)%10 // one digit off: fails mod-97
		add("pii.iban", string(w), true)
	}
	for range 10 {
		add("pii.iban", "DE"+digitsOf(r, 18), true) // too short for DE
		add("pii.iban", "XX12"+digitsOf(r, 16), true)
	}
	for range 60 {
		area := 1 + r.IntN(899)
		if area == 666 {
			area = 667
		}
		g, s := 1+r.IntN(99), 1+r.IntN(9999)
		switch r.IntN(3) {
		case 0, 1:
			add("pii.ssn", fmt.Sprintf("%03d-%02d-%04d", area, g, s), false)
		default:
			v := fmt.Sprintf("%03d%02d%04d", area, g, s)
			c := genCase{kind: "pii.ssn", text: "SSN: " + v, value: v}
			cs = append(cs, c)
		}
	}
	for range 10 {
		add("pii.ssn", fmt.Sprintf("000-%02d-%04d", 1+r.IntN(99), 1+r.IntN(9999)), true)
		add("pii.ssn", fmt.Sprintf("666-%02d-%04d", 1+r.IntN(99), 1+r.IntN(9999)), true)
		add("pii.ssn", fmt.Sprintf("9%02d-%02d-%04d", r.IntN(100), 1+r.IntN(99), 1+r.IntN(9999)), true)
		add("pii.ssn", fmt.Sprintf("%03d-00-%04d", 1+r.IntN(665), 1+r.IntN(9999)), true)
		add("pii.ssn", "order "+digitsOf(r, 9), true)
		add("pii.ssn", fmt.Sprintf("%03d-%02d-%05d", 1+r.IntN(665), 1+r.IntN(99), r.IntN(99999)), true)
	}
	for range 60 {
		if r.IntN(3) == 0 {
			var g []string
			for range 8 {
				g = append(g, fmt.Sprintf("%x", r.IntN(65536)))
			}
			v := strings.Join(g, ":")
			if r.IntN(2) == 0 {
				v = g[0] + ":" + g[1] + "::" + g[7]
			}
			add("pii.ip_address", v, false)
		} else {
			add("pii.ip_address", fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(254), r.IntN(256), r.IntN(256), 1+r.IntN(254)), false)
		}
	}
	for range 8 {
		for _, neg := range []string{
			fmt.Sprintf("%d.%d.%d.%d", 256+r.IntN(700), r.IntN(256), r.IntN(256), r.IntN(256)),
			fmt.Sprintf("%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256)),
			fmt.Sprintf("v%d.%d.%d.%d", r.IntN(10), r.IntN(10), r.IntN(10), r.IntN(10)),
			fmt.Sprintf("0%d.0%d.0%d.0%d", 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(9), 1+r.IntN(9)),
			fmt.Sprintf("%02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60)),
			fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256)),
			"std::vector<int>", fmt.Sprintf("%d.%d.%d.%d.%d", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256)),
		} {
			add("pii.ip_address", neg, true)
		}
	}
	return cs
}

// scoreGenerated scores each case for its own kind only: a near-miss for
// one detector may rightly be another kind (an IPv4 address is a
// negative for phone), which the Presidio run measures.
func scoreGenerated(s *Scanner, cs []genCase, transform func(string) string) map[string]*tally {
	tallies := map[string]*tally{}
	for _, c := range cs {
		text := c.text
		var gold []span
		if c.value != "" {
			i := strings.Index(text, c.value)
			gold = []span{{c.kind, i, i + len(c.value)}}
			if transform != nil {
				tv := transform(c.value)
				text = text[:i] + tv + text[i+len(c.value):]
				gold[0].end = i + len(tv)
			}
		}
		scoreSpans(tallies, gold, s.Scan([]byte(text), nil), map[string]bool{c.kind: true})
	}
	return tallies
}

// TestQualityGenerated measures on seeds 2 and 3: the rules were tuned
// while looking at seed 1's misses, so those are held out.
func TestQualityGenerated(t *testing.T) {
	s := mustScanner(t, DefaultConfig())
	cs := append(genCases(2), genCases(3)...)
	tallies := scoreGenerated(s, cs, nil)
	report(t, "Generated PII with near-miss negatives (seeds 2 and 3, held out)", tallies)
	for kind, c := range tallies {
		// Floors a little below what is measured (docs/filters.md).
		floor := 0.97
		if kind == "pii.phone" {
			floor = 0.95 // measured 0.975 / 0.981: phone shapes overlap dates and counts
		}
		if c.recall() < floor || c.precision() < floor {
			t.Errorf("%s: precision %.3f recall %.3f below the floor %.2f", kind, c.precision(), c.recall(), floor)
		}
	}
}
