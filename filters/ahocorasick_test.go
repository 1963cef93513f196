package filters

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// acMatches lists every (pattern, end) the automaton reports over text, in
// the order it reports them.
func acMatches(m *ahoCorasick, text []byte) [][2]int {
	var out [][2]int
	st := int32(0)
	for i := 0; i < len(text); i++ {
		if i, st = m.advance(text, i, st); st >= 0 {
			continue
		}
		head := m.outputs(st)
		st = -st
		for o := head; o >= 0; o = m.outNext[o] {
			out = append(out, [2]int{int(m.outPat[o]), i + 1})
		}
	}
	return out
}

// naiveMatches lists every (pattern, end) by trying each pattern at each
// position.
func naiveMatches(patterns []string, text []byte, fold bool) [][2]int {
	var out [][2]int
	for end := 1; end <= len(text); end++ {
		for id, p := range patterns {
			if len(p) > end {
				continue
			}
			w := text[end-len(p) : end]
			if string(w) == p || fold && bytes.EqualFold(w, []byte(p)) && asciiOnly(p) {
				out = append(out, [2]int{id, end})
			}
		}
	}
	return out
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// The automaton, with its three-byte start filter and without it (a short
// pattern turns the filter off), reports exactly the matches a naive search
// finds, case-folded or not.
func TestAhoCorasickMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := "abAB-_:/ 3="
	word := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	secret := newSecretDetector(builtinSecretRules(DefaultMaxSpan)).ac
	if secret.starts == nil {
		t.Fatal("the secret keywords should use the start filter")
	}
	for round := range 400 {
		minLen := 3
		if round%2 == 1 {
			minLen = 1 // some short patterns: no start filter
		}
		var pats []string
		for range 1 + rng.IntN(8) {
			pats = append(pats, word(minLen+rng.IntN(4)))
		}
		pats = slices.Compact(pats)
		for _, fold := range []bool{false, true} {
			if fold {
				for i, p := range pats {
					pats[i] = strings.ToLower(p)
				}
			}
			m := newAhoCorasick(pats, fold, true)
			long := true
			for _, p := range pats {
				long = long && len(p) >= 3
			}
			if (m.starts != nil) != long {
				t.Fatalf("start filter %v with patterns %q", m.starts != nil, pats)
			}
			for range 20 {
				text := []byte(word(rng.IntN(60)))
				got, want := acMatches(m, text), naiveMatches(pats, text, fold)
				slices.SortFunc(got, func(a, b [2]int) int { return a[1]*100 + a[0] - b[1]*100 - b[0] })
				slices.SortFunc(want, func(a, b [2]int) int { return a[1]*100 + a[0] - b[1]*100 - b[0] })
				if !slices.Equal(got, want) {
					t.Fatalf("patterns %q fold %v text %q: automaton %v, naive %v", pats, fold, text, got, want)
				}
			}
		}
	}
}
