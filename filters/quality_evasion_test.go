package filters

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// Evasions: the transformations attackers use to slip a value past a
// filter. Each keeps the text readable to a person or a model.

func zeroWidth(s string) string {
	var b strings.Builder
	for i, r := range s {
		b.WriteRune(r)
		if i%2 == 1 {
			b.WriteString("\u200b")
		}
	}
	return b.String()
}

// homoglyph swaps Latin letters for Cyrillic look-alikes and digits for
// fullwidth ones (both render as the original).
func homoglyph(s string) string {
	sw := map[rune]rune{'a': 'а', 'e': 'е', 'o': 'о', 'p': 'р', 'c': 'с', 'x': 'х', 'y': 'у', 'i': 'і', 's': 'ѕ',
		'A': 'А', 'E': 'Е', 'O': 'О', 'P': 'Р', 'C': 'С', 'T': 'Т', 'H': 'Н', 'K': 'К', 'M': 'М', 'B': 'В', 'X': 'Х'}
	var b strings.Builder
	for _, r := range s {
		switch {
		case sw[r] != 0:
			b.WriteRune(sw[r])
		case r >= '0' && r <= '9':
			b.WriteRune(r - '0' + '０')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func leetspeak(s string) string {
	return strings.NewReplacer("a", "4", "e", "3", "i", "1", "o", "0", "s", "5", "t", "7").Replace(s)
}

func base64Text(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// evasionRecall returns recall per kind of cases whose value is rewritten
// by tf (or the whole text, for whole=true).
func evasionRecall(s *Scanner, cs []genCase, tf func(string) string, whole bool) map[string]*tally {
	tallies := map[string]*tally{}
	for _, c := range cs {
		if c.value == "" {
			continue
		}
		text := c.text
		i := strings.Index(text, c.value)
		g := span{c.kind, i, i + len(c.value)}
		if whole {
			text = tf(text)
			g = span{c.kind, 0, len(text)}
		} else if tf != nil {
			v := tf(c.value)
			text = text[:i] + v + text[i+len(c.value):]
			g.end = i + len(v)
		}
		scoreSpans(tallies, []span{g}, s.Scan([]byte(text), nil), map[string]bool{c.kind: true})
	}
	return tallies
}

func TestQualityEvasionsPII(t *testing.T) {
	s := mustScanner(t, DefaultConfig())
	cs := append(genCases(2), genCases(3)...)
	type ev struct {
		name  string
		tf    func(string) string
		whole bool
	}
	var b strings.Builder
	b.WriteString("| kind | plain | zero-width | homoglyph/fullwidth | base64 (whole text) |\n|---|---|---|---|---|\n")
	res := map[string][]float64{}
	for _, e := range []ev{{"plain", nil, false}, {"zero-width", zeroWidth, false}, {"homoglyph", homoglyph, false}, {"base64", base64Text, true}} {
		for kind, c := range evasionRecall(s, cs, e.tf, e.whole) {
			res[kind] = append(res[kind], c.recall())
		}
	}
	for _, kind := range []string{"pii.email", "pii.phone", "pii.credit_card", "pii.iban", "pii.ssn", "pii.ip_address"} {
		r := res[kind]
		b.WriteString("| " + kind)
		for _, v := range r {
			b.WriteString(" | " + formatF(v))
		}
		b.WriteString(" |\n")
		for i, v := range r[1:] {
			if r[0]-v > 0.05 { // the goal: evasions cost under 5 points
				t.Errorf("%s: evasion %d recall %.3f vs plain %.3f", kind, i+1, v, r[0])
			}
		}
	}
	t.Log("\nPII recall, plain vs evasions (generated, seeds 2 and 3)\n" + b.String())
}

func formatF(v float64) string {
	b, _ := json.Marshal(float64(int(v*1000+0.5)) / 1000)
	return string(b)
}

// blocklistCases plants terms of the embedded profanity list in sentences.
func blocklistCases(seed uint64, terms []string, n int) []genCase {
	r := rand.New(rand.NewPCG(seed, 3))
	tpls := []string{"you are such a %s, honestly", "%s", "What the %s is this?", "I said %s and left."}
	var cs []genCase
	for range n {
		term := terms[r.IntN(len(terms))]
		tpl := tpls[r.IntN(len(tpls))]
		cs = append(cs, genCase{kind: "blocklist.profanity", text: strings.Replace(tpl, "%s", term, 1), value: term})
	}
	return cs
}

func profanityTerms(t *testing.T) []string {
	terms, err := loadSurge(2)
	if err != nil {
		t.Fatal(err)
	}
	// Keep plain words: terms written with symbols are already evasions.
	var out []string
	for _, term := range terms {
		if strings.IndexFunc(term, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == ' ') }) < 0 {
			out = append(out, term)
		}
	}
	return out
}

func TestQualityEvasionsBlocklist(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Blocklists = []BlocklistConfig{{Name: "profanity", List: "surge_profanity", MinSeverity: 2}}
	s := mustScanner(t, cfg)
	cs := blocklistCases(2, profanityTerms(t), 400)
	var b strings.Builder
	b.WriteString("| evasion | recall |\n|---|---|\n")
	var plain float64
	for _, e := range []struct {
		name  string
		tf    func(string) string
		whole bool
	}{{"plain", nil, false}, {"zero-width", zeroWidth, false}, {"homoglyph", homoglyph, false}, {"leetspeak", leetspeak, false}, {"base64 (whole text)", base64Text, true}} {
		c := evasionRecall(s, cs, e.tf, e.whole)["blocklist.profanity"]
		if e.name == "plain" {
			plain = c.recall()
		}
		b.WriteString("| " + e.name + " | " + formatF(c.recall()) + " |\n")
		if plain-c.recall() > 0.05 {
			t.Errorf("%s: recall %.3f vs plain %.3f", e.name, c.recall(), plain)
		}
	}
	// False positives on benign prose (GSM8K questions and answers).
	texts := benignTexts(t)
	fp := 0
	for _, text := range texts {
		for _, f := range s.Scan([]byte(text), nil) {
			if f.Kind == "blocklist.profanity" {
				fp++
			}
		}
	}
	b.WriteString("| benign texts with a finding | " + formatF(float64(fp)/float64(len(texts))) + " |\n")
	t.Log("\nblocklist.profanity (surge, severity ≥ 2), 400 planted terms\n" + b.String())
	if float64(fp)/float64(len(texts)) > 0.01 {
		t.Errorf("%d findings on %d benign texts", fp, len(texts))
	}
}

// benignTexts are the GSM8K questions and answers: plain prose and
// arithmetic, no personal data, no secrets, no profanity.
func benignTexts(t testing.TB) []string {
	f, err := os.Open("testdata/gsm8k/test.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct{ Question, Answer string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m.Question, m.Answer)
	}
	return out
}

func TestQualityBenignProse(t *testing.T) {
	s := mustScanner(t, DefaultConfig())
	texts := benignTexts(t)
	n := 0
	for _, text := range texts {
		n += len(s.Scan([]byte(text), nil))
	}
	t.Logf("%d findings (all PII and secret kinds) on %d benign GSM8K texts", n, len(texts))
	if n > 3 { // measured 0
		t.Errorf("%d findings on %d benign texts", n, len(texts))
	}
}
