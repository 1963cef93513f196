package mockllm

import (
	"strings"
	"sync"
	"testing"

	"github.com/pkoukk/tiktoken-go"
)

var (
	testEncodingsOnce sync.Once
	testEncodings     map[string]*tiktoken.Tiktoken
	testEncodingsErr  error
)

// encodings returns tiktoken-go's reference encoders, built once: each costs about a second.
func encodings(t testing.TB) map[string]*tiktoken.Tiktoken {
	t.Helper()
	testEncodingsOnce.Do(func() {
		testEncodings = map[string]*tiktoken.Tiktoken{}
		for _, name := range []string{"cl100k_base", "o200k_base"} {
			enc, err := tiktoken.GetEncoding(name)
			if err != nil {
				testEncodingsErr = err
				return
			}
			testEncodings[name] = enc
		}
	})
	if testEncodingsErr != nil {
		t.Fatalf("load encodings: %v", testEncodingsErr)
	}
	return testEncodings
}

func TestVocabWordsAreSingleTokens(t *testing.T) {
	encs := encodings(t)
	seen := map[string]bool{}
	for i, w := range vocab {
		if !strings.HasPrefix(w, " ") || strings.Trim(w[1:], "abcdefghijklmnopqrstuvwxyz") != "" || len(w) < 2 {
			t.Errorf("vocab[%d] = %q: want a space then lowercase ASCII letters", i, w)
		}
		if seen[w] {
			t.Errorf("vocab[%d] = %q is a duplicate", i, w)
		}
		seen[w] = true
		for name, enc := range encs {
			for _, form := range []string{w, w[1:]} {
				if n := len(enc.EncodeOrdinary(form)); n != 1 {
					t.Errorf("%s: %q is %d tokens, want 1", name, form, n)
				}
			}
		}
	}
}

// TestGeneratedTextTokenCount checks the property usage relies on: n generated words are n tokens, because the
// pre-tokenizers of both encodings split the text at every word.
func TestGeneratedTextTokenCount(t *testing.T) {
	encs := encodings(t)
	f := func(seed uint64, n int) {
		t.Helper()
		text := string(appendText(nil, seed, n))
		if got := len(strings.Fields(text)); got != n {
			t.Fatalf("seed %d: %d words, want %d", seed, got, n)
		}
		for name, enc := range encs {
			if got := len(enc.EncodeOrdinary(text)); got != n {
				t.Errorf("%s: seed %d: %q is %d tokens, want %d", name, seed, text, got, n)
			}
		}
	}
	for seed := uint64(0); seed < 50; seed++ {
		f(mix64(seed), 1+int(seed*7%200))
	}
	f(1, 2000)
}
