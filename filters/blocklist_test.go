package filters

import (
	"strings"
	"testing"
)

func TestBlocklistWordsAndFolding(t *testing.T) {
	cfg := Config{Blocklists: []BlocklistConfig{{Name: "words", Terms: []string{"ass", "hell", "bad apple", "Crème"}}}}
	s := mustScanner(t, cfg)
	f := func(text string, want ...string) {
		t.Helper()
		got := spans(text, s.Scan([]byte(text), nil))
		if len(got) != len(want) {
			t.Fatalf("%q: got %q, want %q", text, got, want)
		}
		for i := range got {
			if got[i] != "blocklist.words="+want[i] {
				t.Fatalf("%q: got %q, want %q", text, got, want)
			}
		}
	}
	f("we assess the class" /* no whole word */)
	f("what the hell!", "hell")
	f("what the HELL?", "HELL")
	f("he11 no", "he11")
	f("h\u200bell no", "h\u200bell")
	f("hеll with a Cyrillic e", "hеll")
	f("@ss and a$$", "@ss", "a$$")
	f("one bad apple spoils", "bad apple")
	f("one bad  apple spoils" /* two spaces: a different phrase */)
	f("crème brûlée and CREME", "crème", "CREME")
	f("shellfish and hello" /* inside words */)
	f("" /* empty */)
}

func TestBlocklistEmbeddedLists(t *testing.T) {
	for _, list := range []string{"surge_profanity", "ldnoobw"} {
		cfg := Config{Blocklists: []BlocklistConfig{{Name: "p", List: list}}}
		s := mustScanner(t, cfg)
		if got := s.Scan([]byte("well, fuck this"), nil); len(got) != 1 || got[0].Kind != "blocklist.p" {
			t.Fatalf("%s: got %v", list, got)
		}
		n := 0
		for _, text := range benignTexts(t) {
			n += len(s.Scan([]byte(text), nil))
		}
		t.Logf("%s: %d findings on the benign GSM8K texts", list, n)
	}
	if _, err := New(Config{Blocklists: []BlocklistConfig{{Name: "x", Terms: []string{" ", ""}}}}); err == nil {
		t.Fatal("a list of blank terms must be rejected")
	}
}

func TestBlocklistsShareOnePass(t *testing.T) {
	cfg := Config{Blocklists: []BlocklistConfig{
		{Name: "a", Terms: []string{"red apple", "pear"}},
		{Name: "b", Terms: []string{"apple", "pear"}},
	}}
	s := mustScanner(t, cfg)
	got := spans("a red apple and a pear", s.Scan([]byte("a red apple and a pear"), nil))
	want := []string{"blocklist.a=red apple", "blocklist.b=apple", "blocklist.a=pear", "blocklist.b=pear"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
}
