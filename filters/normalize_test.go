package filters

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// safeFormOf is the safe form by definition, for valid UTF-8: NFKC of the
// whole text, then invisible characters dropped and look-alike letters
// replaced, character by character.
func safeFormOf(text string) string {
	var sb strings.Builder
	for _, r := range norm.NFKC.String(text) {
		switch {
		case isIgnorable(r):
		case homoglyphOf(r) != 0:
			sb.WriteByte(homoglyphOf(r))
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// normalizeSafe, which copies ASCII and already-normal characters and runs
// the NFKC iterator only over short stretches, gives the safe form's
// definition on texts dense in what NFKC changes or composes: combining
// marks after ASCII letters and after accented ones, ½, ligatures,
// fullwidth and circled letters, Hangul jamo, zero-width characters and
// look-alikes.
func TestNormalizeSafeMatchesDefinition(t *testing.T) {
	pieces := []string{"a", "e", "E", " ", ".", "1", "ü", "ß", "é", "—", "½", "ﬁ", "ｆ", "①", "\u0301", "\u0308", "\u0327",
		"\u200b", "\u200d", "\ufe0f", "а", "Е", "ᄀ", "\u1161", "\u11a8", "가", "ǉ", "Å", "\u212b", "ｶ", "\uff9e", "ﾞ", "·"}
	rng := rand.New(rand.NewPCG(11, 12))
	texts := []string{strings.Repeat("Grüße aus München, straße ½ — naïve café. ", 20)}
	for range 5000 {
		var sb strings.Builder
		for range rng.IntN(16) {
			sb.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, sb.String())
	}
	for _, text := range texts {
		if !utf8.ValidString(text) {
			continue
		}
		var v view
		normalizeSafe(&v, []byte(text))
		if got, want := string(v.b), safeFormOf(text); got != want {
			t.Fatalf("%q: safe form %q, by definition %q", text, got, want)
		}
	}
}
