package semantic

import (
	"hash/fnv"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Guard reports whether two texts may share a semantic cache entry: they must agree on their numbers (in order,
// each with the unit written next to it: "5 km" is not "5 miles"; number words count as digits), on the other
// units they name (conversion targets, currencies, temperature scales), on how many negations they hold, and on
// their set of names (capitalised words not opening a sentence, acronyms, and a sentence's first word unless it
// is a common opener or verb). Embeddings place "what is 2+2" and "what is 2+3", "is X safe" and "is X not safe",
// or "Paris" and "Lyon" in the same sentence close together; an answer for one is wrong for the other.
// Guard errs towards a miss: a name written in lowercase in one text only, or a number written two ways ("1k"),
// makes paraphrases disagree, which costs a hit, never a wrong answer. Swapped common nouns ("cheese" for
// "grapes") are beyond it: the threshold has to keep those apart (see docs/cache.md).
func Guard(a, b string) bool { return Signature(a) == Signature(b) }

// Signature is the canonical form of what Guard compares: two texts pass Guard exactly when their signatures are
// equal, so the cache stores a hash of it beside each vector (GuardTag) instead of the text.
func Signature(text string) string {
	var f facts
	f.scan(text)
	slices.Sort(f.units)
	slices.Sort(f.named)
	f.named = slices.Compact(f.named)
	var b strings.Builder
	b.WriteString("n=")
	b.WriteString(strings.Join(f.numbers, ","))
	b.WriteString(";u=")
	b.WriteString(strings.Join(f.units, ","))
	b.WriteString(";not=")
	b.WriteString(itoa(f.negations))
	b.WriteString(";e=")
	b.WriteString(strings.Join(f.named, ","))
	return b.String()
}

// GuardTag is a 64-bit hash of Signature(text), stored with a vector: a search only considers vectors whose tag
// equals the query's (see Index.SearchTagged). FNV-1a: stable across processes, since tags live in Redis.
func GuardTag(text string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(Signature(text)))
	return h.Sum64()
}

// facts are what Guard compares, gathered in one pass.
type facts struct {
	numbers   []string // in order, each with its unit ("5km")
	units     []string // units not next to a number, as a set
	named     []string // as a set
	negations int

	afterNumber bool   // the previous token was a number: a unit now is that number's
	prefixUnit  string // a currency sign just seen: the next number is in it
}

// scan splits text into words (runs of letters and digits; apostrophes dropped; '.' and ',' kept between digits)
// and single-character symbols that carry meaning ($ € £ ¥ % °), and classifies each.
func (f *facts) scan(text string) {
	sentenceStart := true
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWordRune(r):
			end := wordEnd(text, i)
			f.word(text[i:end], sentenceStart)
			sentenceStart = false
			i = end
			continue
		case r == '$' || r == '€' || r == '£' || r == '¥':
			f.flushPrefix()
			f.prefixUnit = symbolUnits[r]
		case r == '%' || r == '°':
			f.unit(symbolUnits[r])
		case r == '.' || r == '!' || r == '?' || r == ':' || r == ';' || r == '\n':
			sentenceStart = true
			f.afterNumber = false
		}
		i += size
	}
	f.flushPrefix()
}

var dropApostrophes = strings.NewReplacer("'", "", "’", "")

var symbolUnits = map[rune]string{'$': "usd", '€': "eur", '£': "gbp", '¥': "jpy", '%': "percent", '°': "degree"}

// flushPrefix records a currency sign that no number followed as a plain unit.
func (f *facts) flushPrefix() {
	if f.prefixUnit != "" {
		f.units = append(f.units, f.prefixUnit)
		f.prefixUnit = ""
	}
}

// addNumber records a number, in the currency of a sign just before it.
func (f *facts) addNumber(n string) {
	if f.prefixUnit != "" {
		n += f.prefixUnit
		f.prefixUnit = ""
	}
	f.numbers = append(f.numbers, n)
	f.afterNumber = true
}

// unit records a unit: the previous number's when it follows one, otherwise one of the text's units. Time and
// kitchen units count only with a number: "what year" or "World Cup" name no quantity.
func (f *facts) unit(u string) {
	f.flushPrefix()
	if f.afterNumber {
		f.numbers[len(f.numbers)-1] += u
		f.afterNumber = false
		return
	}
	if !numberOnlyUnits[u] {
		f.units = append(f.units, u)
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordEnd returns the end of the word starting at i: letters, digits, apostrophes inside, and '.' or ',' between
// two digits (3.5, 1,000).
func wordEnd(text string, i int) int {
	prevDigit := false
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWordRune(r):
			prevDigit = unicode.IsDigit(r)
		case (r == '\'' || r == '’') && i+size < len(text) && isWordRune(firstRune(text[i+size:])):
		case (r == '.' || r == ',') && prevDigit && i+1 < len(text) && text[i+1] >= '0' && text[i+1] <= '9':
		default:
			return i
		}
		i += size
	}
	return i
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// word classifies one word: a number (with any unit glued to it), a number word, a negation, a unit, a name.
func (f *facts) word(w string, sentenceStart bool) {
	if base, ok := strings.CutSuffix(w, "'s"); ok {
		w = base // a possessive: France's = France
	} else if base, ok := strings.CutSuffix(w, "’s"); ok {
		w = base
	}
	if strings.ContainsAny(w, "'’") {
		w = dropApostrophes.Replace(w)
	}
	lower := strings.ToLower(w)
	if unicode.IsDigit(firstRune(w)) {
		f.number(lower)
		return
	}
	if n, ok := numberWords[lower]; ok {
		f.flushPrefix()
		f.addNumber(n)
		return
	}
	if u, ok := unitWords[lower]; ok {
		f.unit(u)
		return
	}
	f.flushPrefix()
	f.afterNumber = false
	switch {
	case negations[lower]:
		f.negations++
	case isNamed(w, sentenceStart) && !notNames[lower]:
		f.named = append(f.named, lower)
	}
}

// number records a word that starts with a digit: its numeric part without thousands separators or trailing
// decimal zeros, and its suffix as a unit (5km), dropped as an ordinal (2nd), or kept whole (4o, 3d).
func (f *facts) number(lower string) {
	end := 0
	for end < len(lower) && (lower[end] >= '0' && lower[end] <= '9' || lower[end] == '.' || lower[end] == ',') {
		end++
	}
	num, suffix := strings.ReplaceAll(lower[:end], ",", ""), lower[end:]
	if strings.Contains(num, ".") {
		num = strings.TrimRight(strings.TrimRight(num, "0"), ".")
	}
	if num = strings.TrimLeft(num, "0"); num == "" || num[0] == '.' {
		num = "0" + num
	}
	switch u, isUnit := unitWords[suffix]; {
	case suffix == "" || suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th":
		f.addNumber(num)
	case isUnit:
		f.addNumber(num)
		f.unit(u)
	default:
		f.addNumber(num + suffix)
	}
}

// isNamed reports whether a word reads as a name: a capital after its first letter (NASA, iPhone), or a leading
// capital outside a sentence's first word, or on a sentence's first word that is not a common opener.
func isNamed(w string, sentenceStart bool) bool {
	first := firstRune(w)
	for _, r := range w[utf8.RuneLen(first):] {
		if unicode.IsUpper(r) {
			return true
		}
	}
	if !unicode.IsUpper(first) {
		return false
	}
	return !sentenceStart || !openers[strings.ToLower(w)]
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
