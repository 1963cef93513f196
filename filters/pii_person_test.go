package filters

import (
	"strings"
	"testing"
)

// personFound returns the matched texts of pii.person findings in text,
// scanned by a scanner that runs only pii.person (spans in the original).
func personFound(t *testing.T, s *Scanner, text string) []string {
	t.Helper()
	var out []string
	for _, f := range s.Scan([]byte(text), nil) {
		if f.Kind == KindPerson {
			out = append(out, text[f.Start:f.End])
		}
	}
	return out
}

func checkPerson(t *testing.T, cases map[string][]string) {
	t.Helper()
	s := personScanner(t)
	for text, want := range cases {
		got := personFound(t, s, text)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
}

func TestPersonCues(t *testing.T) {
	checkPerson(t, map[string][]string{
		"My name is Zbigniew Brzęczyszczykiewicz.":           {"Zbigniew Brzęczyszczykiewicz"},
		"my name is Okonkwo":                                 {"Okonkwo"},
		"Hi, I'm Tadeusz Wroński from accounting.":           {"Tadeusz Wroński"},
		"I am Quentavious Pemberton-Oyelaran":                {"Quentavious Pemberton-Oyelaran"},
		"Please ask Dr. Okafor about the results":            {"Okafor"},
		"Mrs Kowalczyk called twice.":                        {"Kowalczyk"},
		"Dear Ngozi,\nthanks for the files.":                 {"Ngozi"},
		"Hello Aurelio, the order shipped.":                  {"Aurelio"},
		"Best regards,\nThandiwe Mbeki":                      {"Thandiwe Mbeki"},
		"Sincerely,\n\nKristoffer Lindqvist":                 {"Kristoffer Lindqvist"},
		"Name: Oyelaran Adebayo\nPhone: 555-0100":            {"Oyelaran Adebayo"},
		"Customer: Wiremu Tane":                              {"Wiremu Tane"},
		"User: Thorvald Eskildsen":                           {"Thorvald Eskildsen"},
		"What's your name? Aroha Ngata":                      {"Aroha Ngata"},
		"The film was directed by Apichatpong Weerasethakul": {"Apichatpong Weerasethakul"},
		"The novel written by Chimamanda Adichie is long":    {"Chimamanda Adichie"},
		"Please contact Ingeborg Svendsen by Friday":         {"Ingeborg Svendsen"},
		"Can I speak to Radoslav Petkov?":                    {"Radoslav Petkov"},
		"people call me Kwabena":                             {"Kwabena"},
		"her maiden name is Abernathy":                       {"Abernathy"},
		"name: lena andersson":                               {"lena andersson"},
		"my name is pamela and I need help":                  {"pamela"},
	})
}

func TestPersonLexicon(t *testing.T) {
	checkPerson(t, map[string][]string{
		"Yesterday John Okafor paid the invoice.":           {"John Okafor"},
		"The report from Jennifer M. Holst arrived":         {"Jennifer M. Holst"},
		"Please ask for Maika van de Noort":                 {"Maika van de Noort"},
		"Ask Sean O'Brien about it":                         {"Sean O'Brien"},
		"We hired Hannah McConnan last week":                {"Hannah McConnan"},
		"Will Smith starred in it":                          {"Will Smith"},
		"David is very reliable.":                           {"David"},
		"Natalia sold clips to 48 of her friends in April.": {"Natalia"},
		"The Vide A. Persson version was a hit":             {"Vide A. Persson"},
	})
}

func TestPersonNonASCII(t *testing.T) {
	checkPerson(t, map[string][]string{
		"My name is Šárka Ottová":                   {"Šárka Ottová"},
		"Signed: Krisztián Szöllösy":                {"Krisztián Szöllösy"},
		"Dear Ólafur Þórðarson,":                    {"Ólafur Þórðarson"},
		"Éva Szölösi wrote the review":              {"Éva Szölösi"},
		"Contact Łukasz Żółkiewski for access":      {"Łukasz Żółkiewski"},
		"Hello Søren Kierkegaard, welcome":          {"Søren Kierkegaard"},
		"Prof. Çağlar Gökçe teaches on Mondays.":    {"Çağlar Gökçe"},
		"Dr. Jennifer Holst examined Gunnhildur F.": {"Jennifer Holst"},
	})
}

// TestPersonRejects: capitalised words that are not names.
func TestPersonRejects(t *testing.T) {
	none := []string{
		"The meeting is on Monday in January.",
		"When the Board met in Paris, London and Chicago, nothing changed.",
		"Dear Customer, your order has shipped.",
		"Hi there, Hello World!",
		"I'm Sorry, I'm Happy to help.",
		"Microsoft Teams and Google Docs are down.",
		"She moved to 103 Cassidy Street last year.",
		"Our office is at Rua Mina 50, Lisbon.",
		"Drake PLC and Thomas Consulting merged.",
		"The English and French teams met the Spanish delegation.",
		"Christmas Eve falls on a Tuesday.",
		"Apple released the iPhone in California.",
		"Please Note: Terms and Conditions apply.",
		"NASA and the USA signed an MOU.",
		"Click Save, then Open the File menu.",
		"The Golden Gate Bridge is in San Francisco.",
		"I am Ready when you are.",
		"Question: How many apples are left?",
		"Directed by Example Films Ltd",
		"He travelled from Georgia to Virginia.",
	}
	s := personScanner(t)
	for _, text := range none {
		if got := personFound(t, s, text); len(got) > 0 {
			t.Errorf("%q: found %q", text, got)
		}
	}
}

// TestPersonSpansOnOriginal: spans are byte offsets in the caller's text,
// through the normaliser (zero-width characters, fullwidth letters).
func TestPersonSpansOnOriginal(t *testing.T) {
	s := personScanner(t)
	cases := []struct{ text, want string }{
		{"My name is Šár\u200bka Ottová.", "Šár\u200bka Ottová"},
		{"Dr. \uff2aｅｎｎｉｆｅｒ Holst called", "\uff2aｅｎｎｉｆｅｒ Holst"},
		{"é é é Dear Ingrid Bergström, hi", "Ingrid Bergström"},
		{"Ask for John Okafor’s file", "John Okafor"},
	}
	for _, c := range cases {
		fs := s.Scan([]byte(c.text), nil)
		if len(fs) != 1 {
			t.Fatalf("%q: %+v", c.text, fs)
		}
		f := fs[0]
		want := strings.Index(c.text, c.want)
		if f.Kind != KindPerson || f.Start != want || f.End != want+len(c.want) {
			t.Errorf("%q: span [%d,%d) %q, want [%d,%d) %q", c.text, f.Start, f.End, c.text[f.Start:f.End], want, want+len(c.want), c.want)
		}
	}
}

// TestPersonIsOptIn: the pii family does not select pii.person; naming it does.
func TestPersonIsOptIn(t *testing.T) {
	text := []byte("My name is Šárka Ottová")
	for _, cfg := range []Config{DefaultConfig(), {Detectors: []string{"pii"}}} {
		for _, f := range mustScanner(t, cfg).Scan(text, nil) {
			if f.Kind == KindPerson {
				t.Errorf("%v reports pii.person", cfg.Detectors)
			}
		}
	}
	cfg := DefaultConfig()
	cfg.Detectors = append(cfg.Detectors, KindPerson)
	if fs := mustScanner(t, cfg).Scan(text, nil); len(fs) != 1 || fs[0].Kind != KindPerson {
		t.Errorf("with pii.person: %+v", fs)
	}
	if err := (&Config{Detectors: []string{KindPerson}}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestPersonLongAndOddInput: runs of capitalised words, titles, initials
// and separators stay linear and inside MaxSpan.
func TestPersonLongAndOddInput(t *testing.T) {
	d := personDetector{}
	for _, text := range []string{
		strings.Repeat("John ", 10000),
		strings.Repeat("Dr. ", 10000),
		strings.Repeat("A. ", 10000),
		strings.Repeat("my name is ", 10000),
		strings.Repeat("Šárka Ottová ", 5000),
		strings.Repeat("name:", 5000),
		"\xff\xfeJohn\xc3",
	} {
		for _, f := range d.Detect([]byte(text), nil) {
			if f.End-f.Start > d.MaxSpan() || f.Start < 0 || f.End > len(text) {
				t.Fatalf("finding %+v", f)
			}
		}
	}
}
