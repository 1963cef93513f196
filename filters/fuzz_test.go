package filters

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "a", "jane.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32",
	"123-45-6789", "192.168.0.1 and fe80::1ff:fe23:4567:890a", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN PRIVATE KEY-----\nMIIB\n",
	"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuv", "postgres://u:p4ss@h", "api_key = 'Zx8f9Q2kLm3Np7Rt5Vw1'",
	"j\u200ba\u200bne@ex\u200bample.com", "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "\xff\xfe\xc3", "e\u0301\u0301\u0301", "sh!t h3ll",
	"bWFpbCBtZSBhdCBqYW5lLmRvZUBleGFtcGxlLmNvbQ==", "\u202etxt.exe", "А Б В Г ΑΒΓ",
}

// checkFindings asserts the scanner's contract on any input.
func checkFindings(t *testing.T, text []byte, fs []Finding) {
	t.Helper()
	for i, f := range fs {
		if f.Start < 0 || f.End > len(text) || f.Start > f.End {
			t.Fatalf("finding %d %+v outside the text (len %d)", i, f, len(text))
		}
		if f.Score < 0 || f.Score > 1 {
			t.Fatalf("finding %d %+v: score out of [0,1]", i, f)
		}
		if i > 0 && fs[i-1].Start > f.Start {
			t.Fatalf("findings not sorted by start: %+v then %+v", fs[i-1], f)
		}
	}
}

func fuzzScanner(t testing.TB) *Scanner {
	cfg := DefaultConfig()
	cfg.Detectors = append(cfg.Detectors, KindPerson) // opt-in, fuzzed with the rest
	cfg.Blocklists = []BlocklistConfig{{Name: "words", Terms: []string{"hell", "bad word", "shit"}}}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func FuzzScanner(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	s := fuzzScanner(f)
	f.Fuzz(func(t *testing.T, text []byte) {
		orig := bytes.Clone(text)
		fs := s.Scan(text, nil)
		checkFindings(t, text, fs)
		if !bytes.Equal(orig, text) {
			t.Fatal("Scan modified its input")
		}
	})
}

// FuzzNormalize checks the offset maps: every byte of either form maps to
// a range inside the original, and ranges never run backwards.
func FuzzNormalize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		var sv, fv view
		normalizeSafe(&sv, text)
		foldInto(&fv, &sv)
		for _, v := range []*view{&sv, &fv} {
			prevStart := 0
			for i := range v.b {
				s, e := v.span(i, i+1)
				if s < 0 || e > len(text) || s >= e {
					t.Fatalf("byte %d of %q maps to [%d,%d) of %q", i, v.b, s, e, text)
				}
				if s < prevStart {
					t.Fatalf("byte %d of %q maps back to %d, before %d", i, v.b, s, prevStart)
				}
				prevStart = s
			}
			if s, e := v.span(0, len(v.b)); len(v.b) > 0 && (s < 0 || e > len(text)) {
				t.Fatalf("whole view maps to [%d,%d)", s, e)
			}
		}
		if utf8.Valid(text) && !utf8.Valid(sv.b) {
			t.Fatalf("safe form of valid UTF-8 is invalid: %q", sv.b)
		}
		for _, c := range fv.b {
			if c >= 'A' && c <= 'Z' {
				t.Fatalf("folded form has uppercase: %q", fv.b)
			}
		}
	})
}

// fuzzDetector runs one detector on raw bytes: spans inside, sorted.
func fuzzDetector(f *testing.F, d Detector) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		fs := d.Detect(text, nil)
		for i, x := range fs {
			if x.Start < 0 || x.End > len(text) || x.Start >= x.End || x.Score <= 0 || x.Score > 1 {
				t.Fatalf("finding %+v on %q", x, text)
			}
			if i > 0 && fs[i-1].Start > x.Start {
				t.Fatalf("unsorted %+v then %+v", fs[i-1], x)
			}
			if x.End-x.Start > d.MaxSpan() {
				t.Fatalf("finding %+v longer than MaxSpan %d", x, d.MaxSpan())
			}
		}
	})
}

func FuzzEmail(f *testing.F)      { fuzzDetector(f, emailDetector{}) }
func FuzzPhone(f *testing.F)      { fuzzDetector(f, phoneDetector{}) }
func FuzzCreditCard(f *testing.F) { fuzzDetector(f, cardDetector{}) }
func FuzzIBAN(f *testing.F)       { fuzzDetector(f, ibanDetector{}) }
func FuzzSSN(f *testing.F)        { fuzzDetector(f, ssnDetector{}) }
func FuzzIP(f *testing.F)         { fuzzDetector(f, ipDetector{}) }
func FuzzPerson(f *testing.F) {
	for _, s := range []string{"My name is Šárka Ottová", "Dr. Jennifer M. Holst", "Regards,\nJohn O'Brien",
		"name: lena andersson", "Maika van de Noort", "I'm Tadeusz", "Mr. \xc3", "A. B. C. D. E."} {
		f.Add([]byte(s))
	}
	fuzzDetector(f, personDetector{})
}
func FuzzSecrets(f *testing.F) {
	fuzzDetector(f, newSecretDetector(builtinSecretRules(DefaultMaxSpan)))
}
func FuzzBlocklist(f *testing.F) {
	bl, err := newBlocklists([]BlocklistConfig{{Name: "w", Terms: []string{"hell", "bad word", "a"}}})
	if err != nil {
		f.Fatal(err)
	}
	fuzzDetector(f, bl)
}

// TestSpansMapBackThroughNormalisation plants values behind each
// normalisation and checks the reported span covers exactly the planted
// bytes in the original.
func TestSpansMapBackThroughNormalisation(t *testing.T) {
	s := fuzzScanner(t)
	f := func(prefix, value, suffix, kind string) {
		t.Helper()
		text := prefix + value + suffix
		for _, x := range s.Scan([]byte(text), nil) {
			if x.Kind == kind {
				if got := text[x.Start:x.End]; got != value {
					t.Fatalf("%s in %q: span %q, want %q", kind, text, got, value)
				}
				return
			}
		}
		t.Fatalf("%s not found in %q", kind, text)
	}
	f("é é ", "jane\u200b@exa\u200bmple.com", " ü", "pii.email")
	f("Grüße ", "ｊａｎｅ@example.com", "", "pii.email")
	f("ﬁ ", "４１１１ １１１１ １１１１ １１１１", ", ½", "pii.credit_card")
	f("\xff", "+44 20 7946 0958", "\xfe", "pii.phone")
	f("Тест: ", "ѕhit", " ок", "blocklist.words")
	f("x ", "HE\u200bLL", "!", "blocklist.words")
	f("e\u0301 ", "bad word", "", "blocklist.words")
	f("bad\u00a0", "bad word", "", "blocklist.words")
}
