// Package sentiment scores text from −1 (most negative) to +1 (most
// positive) the way VADER does (Hutto & Gilbert, ICWSM 2014): lexicon
// valences adjusted for negation ("not good"), degree adverbs ("very",
// "kind of"), ALL CAPS emphasis, a contrastive "but", "least", a few
// idioms and exclamation/question marks, summed and normalised to the
// compound score. It is a Go port of cjhutto/vaderSentiment's algorithm
// (MIT) with its English lexicon; emoji descriptions are not translated.
package sentiment

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Score returns VADER's compound score of text in [−1, 1]; 0 when no word
// carries sentiment.
func Score(text string) float64 {
	raw := strings.Fields(text)
	if len(raw) == 0 {
		return 0
	}
	toks := make([]token, len(raw))
	caps := 0
	for i, w := range raw {
		toks[i] = newToken(w)
		if toks[i].upper {
			caps++
		}
	}
	capDiff := caps > 0 && caps < len(toks)
	sentiments := make([]float64, len(toks))
	for i := range toks {
		sentiments[i] = wordValence(toks, i, capDiff)
	}
	butCheck(toks, sentiments)
	var sum float64
	for _, s := range sentiments {
		sum += s
	}
	punct := punctuationEmphasis(text)
	switch {
	case sum > 0:
		sum += punct
	case sum < 0:
		sum -= punct
	}
	return max(-1, min(1, sum/math.Sqrt(sum*sum+alpha)))
}

// token is one whitespace-separated word with edge punctuation removed
// (unless that leaves two characters or fewer: an emoticon such as ":)").
type token struct {
	word  string // as written
	lower string
	upper bool // has cased letters, all upper case
}

func newToken(w string) token {
	s := strings.TrimFunc(w, isASCIIPunct)
	if utf8.RuneCountInString(s) <= 2 {
		s = w
	}
	return token{word: s, lower: strings.ToLower(s), upper: isUpper(s)}
}

func isASCIIPunct(r rune) bool {
	return r < 128 && unicode.IsPunct(r) || strings.ContainsRune("$+<=>^`|~", r)
}

// isUpper is Python's str.isupper: at least one cased rune, none lower case.
func isUpper(s string) bool {
	cased := false
	for _, r := range s {
		if unicode.IsLower(r) {
			return false
		}
		if unicode.IsUpper(r) {
			cased = true
		}
	}
	return cased
}

func isNegated(lower string) bool { return negations[lower] || strings.Contains(lower, "n't") }

// wordValence is the adjusted valence of token i.
func wordValence(toks []token, i int, capDiff bool) float64 {
	t := toks[i]
	if _, ok := boosters[t.lower]; ok {
		return 0 // a modifier, not a sentiment
	}
	if t.lower == "kind" && i+1 < len(toks) && toks[i+1].lower == "of" {
		return 0
	}
	base, ok := valence(t.lower)
	if !ok {
		return 0
	}
	v := base
	inLex := func(j int) bool { _, ok := valence(toks[j].lower); return ok }
	// "no" before a sentiment word negates it rather than counting itself.
	if t.lower == "no" && i+1 < len(toks) && inLex(i+1) {
		v = 0
	}
	if (i > 0 && toks[i-1].lower == "no") || (i > 1 && toks[i-2].lower == "no") ||
		(i > 2 && toks[i-3].lower == "no" && (toks[i-1].lower == "or" || toks[i-1].lower == "nor")) {
		v = base * negationScalar
	}
	if t.upper && capDiff {
		v += math.Copysign(capsIncr, signNonPos(v))
	}
	for start := 0; start < 3; start++ {
		j := i - (start + 1)
		if j < 0 || inLex(j) {
			continue
		}
		s := scalarIncDec(toks[j], v, capDiff)
		switch start {
		case 1:
			s *= 0.95
		case 2:
			s *= 0.9
		}
		v = negationCheck(v+s, toks, start, i)
		if start == 2 {
			v = specialIdioms(v, toks, i)
		}
	}
	return leastCheck(v, toks, i)
}

// signNonPos maps v > 0 to +1 and everything else to −1, as VADER does.
func signNonPos(v float64) float64 {
	if v > 0 {
		return 1
	}
	return -1
}

// scalarIncDec is the booster adjustment a preceding word gives valence v.
func scalarIncDec(t token, v float64, capDiff bool) float64 {
	s, ok := boosters[t.lower]
	if !ok {
		return 0
	}
	if v < 0 {
		s = -s
	}
	if t.upper && capDiff {
		s += math.Copysign(capsIncr, signNonPos(v))
	}
	return s
}

// negationCheck applies a negation start+1 words before token i.
func negationCheck(v float64, toks []token, start, i int) float64 {
	l := func(k int) string { return toks[i-k].lower }
	switch start {
	case 0:
		if isNegated(l(1)) {
			v *= negationScalar
		}
	case 1:
		switch {
		case l(2) == "never" && (l(1) == "so" || l(1) == "this"):
			v *= 1.25
		case l(2) == "without" && l(1) == "doubt":
		case isNegated(l(2)):
			v *= negationScalar
		}
	case 2:
		switch {
		case l(3) == "never" && (l(2) == "so" || l(2) == "this") || (l(1) == "so" || l(1) == "this"):
			v *= 1.25
		case l(3) == "without" && (l(2) == "doubt" || l(1) == "doubt"):
		case isNegated(l(3)):
			v *= negationScalar
		}
	}
	return v
}

// specialIdioms replaces v by an idiom's valence and applies two-word dampeners.
func specialIdioms(v float64, toks []token, i int) float64 {
	l := func(k int) string { return toks[k].lower }
	seqs := []string{
		l(i-1) + " " + l(i),
		l(i-2) + " " + l(i-1) + " " + l(i),
		l(i-2) + " " + l(i-1),
		l(i-3) + " " + l(i-2) + " " + l(i-1),
		l(i-3) + " " + l(i-2),
	}
	for _, s := range seqs {
		if sv, ok := specialCases[s]; ok {
			v = sv
			break
		}
	}
	if i+1 < len(toks) {
		if sv, ok := specialCases[l(i)+" "+l(i+1)]; ok {
			v = sv
		}
	}
	if i+2 < len(toks) {
		if sv, ok := specialCases[l(i)+" "+l(i+1)+" "+l(i+2)]; ok {
			v = sv
		}
	}
	for _, s := range []string{seqs[3], seqs[4], seqs[2]} {
		if b, ok := boosters[s]; ok {
			v += b
		}
	}
	return v
}

// leastCheck negates "least good" but not "at least good" or "very least".
func leastCheck(v float64, toks []token, i int) float64 {
	if i > 0 && toks[i-1].lower == "least" {
		if _, ok := valence("least"); !ok {
			if i == 1 || (toks[i-2].lower != "at" && toks[i-2].lower != "very") {
				v *= negationScalar
			}
		}
	}
	return v
}

// butCheck halves sentiment before the first "but" and raises it by half after.
func butCheck(toks []token, sentiments []float64) {
	bi := -1
	for i, t := range toks {
		if t.lower == "but" {
			bi = i
			break
		}
	}
	if bi < 0 {
		return
	}
	for i := range sentiments {
		switch {
		case i < bi:
			sentiments[i] *= 0.5
		case i > bi:
			sentiments[i] *= 1.5
		}
	}
}

// punctuationEmphasis: up to four "!" add 0.292 each; two or three "?" add
// 0.18 each, more add 0.96.
func punctuationEmphasis(text string) float64 {
	ep := min(strings.Count(text, "!"), 4)
	e := float64(ep) * 0.292
	if qm := strings.Count(text, "?"); qm > 1 {
		if qm <= 3 {
			e += float64(qm) * 0.18
		} else {
			e += 0.96
		}
	}
	return e
}
