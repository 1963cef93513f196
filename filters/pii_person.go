package filters

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode"
	"unicode/utf8"
)

// personDetector finds people's names: a run of capitalised words (any
// script with case: "Šárka Ottová", "Krisztián Szöllösy") accepted by a
// cue before it ("my name is", "Dr.", "Dear", "directed by", a signature
// after "Regards,") or by the given-name lexicon ("John A. Leiva"), with
// common English words, months, places and brands rejected. It starts only
// at uppercase letters (and at the word "name" for names typed in lower
// case), so prose costs a step per 8 bytes and a map look-up per
// capitalised word.
type personDetector struct{}

// KindPerson is the person-name kind. It is opt-in: the "pii" family does
// not select it (see Config.Detectors).
const KindPerson = "pii.person"

var personKinds = []string{KindPerson}

func (personDetector) Kinds() []string { return personKinds }

// warm decodes the lexicons (about 68,000 words, 4 MB, tens of ms) when a
// Scanner that reports pii.person is built.
func (personDetector) warm()      { personLexicon() }
func (personDetector) Form() Form { return FormSafe }

// MaxSpan: the stream window holds 48 bytes of text with spaces in it, so a
// name is cut to the tokens that fit.
func (personDetector) MaxSpan() int { return personMaxSpan }

const (
	personMaxSpan   = 48
	personMaxTokens = 4
)

// Scores by the evidence: a strong cue, a lexicon match, a weak cue.
const (
	scoreCueStrong  = 0.9  // "my name is X", "Dr. X", "Dear X", "Name: X"
	scoreLexFull    = 0.85 // known given name + a surname-like word
	scoreCueWeak    = 0.75 // "directed by X Y", "customer X Y": two name-like words
	scoreLineAlone  = 0.6  // a line that is only two or three name-like words
	scoreGivenAlone = 0.55 // a known given name alone ("David is very reliable")
)

// capStart marks the bytes a capitalised word can start with: ASCII
// uppercase and the lead bytes of multi-byte runes (checked further).
var capStart = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := 0xC3; c < 0xF5; c++ {
		t[c] = true
	}
	return t
}()

// pToken is one word of a candidate name.
type pToken struct {
	start, end int
	flags      uint8
	initial    bool // "J." or "J"
	particle   bool // van, de … (lowercase)
}

func (d personDetector) Detect(text []byte, dst []Finding) []Finding {
	var lex map[string]uint8
	nextName := indexName(text, 0) // names typed in lower case start after "name"
	for i := 0; i < len(text); {
		// Eight bytes a step while none is an uppercase ASCII letter or
		// part of a multi-byte rune (most of ordinary prose).
		for i+8 <= len(text) && i+8 <= nextName && !maybeUpper8(binary.LittleEndian.Uint64(text[i:])) {
			i += 8
		}
		if i >= len(text) {
			break
		}
		if i == nextName {
			if lex == nil {
				lex = personLexicon()
			}
			f, next := personLowercase(lex, text, i)
			if f.End > 0 {
				dst = append(dst, f)
			}
			nextName = indexName(text, max(next, i+1))
			i = max(next, i+1)
			continue
		}
		c := text[i]
		if !capStart[c] || !wordStart(text, i) {
			i++
			continue
		}
		r, _ := utf8.DecodeRune(text[i:])
		if !(unicode.IsUpper(r) || unicode.IsTitle(r)) {
			i++
			continue
		}
		if lex == nil {
			lex = personLexicon()
		}
		if c == 'N' { // "Name: lena andersson"
			if f, next := personLowercase(lex, text, i); f.End > 0 {
				dst = append(dst, f)
				i = next
				nextName = indexName(text, i)
				continue
			}
		}
		f, next := personAt(lex, text, i)
		if f.End > 0 {
			dst = append(dst, f)
		}
		i = next
		if nextName < i {
			nextName = indexName(text, i)
		}
	}
	return dst
}

// indexName is the next "name" at or after from, or len(text).
func indexName(text []byte, from int) int {
	if from >= len(text) {
		return len(text)
	}
	k := bytes.Index(text[from:], []byte("name"))
	if k < 0 {
		return len(text)
	}
	return from + k
}

// maybeUpper8 reports whether one of the eight bytes in x is in 'A'..'Z'
// or at least 0x80 (a bit trick: "has a byte between 0x40 and 0x5B").
func maybeUpper8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if x&highs != 0 {
		return true
	}
	return (ones*(127+0x5B)-(x&(ones*127)))&^x&((x&(ones*127))+ones*(127-0x40))&highs != 0
}

// personLowercase reads a name typed in lower case after "name is",
// "name:" or "name's" at i ("my name is pamela", "name: lena andersson"):
// accepted when its first word is a known given name.
func personLowercase(lex map[string]uint8, text []byte, i int) (Finding, int) {
	if len(text)-i < 6 || !eqAny(text[i:i+4], "name") {
		return Finding{}, i + 1
	}
	p := i + 4
	switch {
	case bytes.HasPrefix(text[p:], []byte(" is ")):
		p += 4
	case bytes.HasPrefix(text[p:], []byte("'s ")):
		p += 3
	case text[p] == ':':
		p++
	default:
		return Finding{}, i + 1
	}
	for p < len(text) && text[p] == ' ' {
		p++
	}
	start := p
	end, upper, _, letters := scanWord(text, p)
	if letters < 2 || upper || lookupWord(lex, text[p:end])&wGiven == 0 {
		return Finding{}, i + 1
	}
	// A second lowercase word joins when it is a surname or no English word.
	if end+1 < len(text) && text[end] == ' ' {
		e2, up2, _, l2 := scanWord(text, end+1)
		if l2 >= 2 && !up2 && e2-start <= personMaxSpan {
			if f := lookupWord(lex, text[end+1:e2]); f&wSurname != 0 || f&(wCommon|wStop|wTitle|wParticle) == 0 {
				end = e2
			}
		}
	}
	return Finding{Kind: KindPerson, Start: start, End: end, Score: scoreCueStrong}, end
}

// wordStart: the rune before i is not a letter, digit or joiner.
func wordStart(text []byte, i int) bool {
	if i == 0 {
		return true
	}
	if c := text[i-1]; c < utf8.RuneSelf {
		return !(isAlnum(c) || c == '_' || c == '\'' || c == '-' || c == '@' || c == '/' || c == '.' && i >= 2 && isAlnum(text[i-2]))
	}
	r, _ := utf8.DecodeLastRune(text[:i])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '\'' || r == '-' || r == '@' || r == '/' || r == '.' && i >= 2 && isAlnum(text[i-2]))
}

// scanWord reads the letters of a word from i: letters, with inner
// apostrophes and hyphens between letters ("O'Brien", "Jean-Luc"), not a
// possessive "'s". It reports whether every letter after the first is
// lowercase (a capitalised word, not an acronym) allowing inner capitals
// after Mc/Mac/O'/hyphen ("McConnan", "DeShawn").
func scanWord(text []byte, i int) (end int, upper, lowerRest bool, letters int) {
	end = i
	lowerRest = true
	for end < len(text) {
		if c := text[end]; isAlpha(c) { // ASCII letters, the common case
			if letters == 0 {
				upper = c <= 'Z'
			} else if c <= 'Z' {
				prev := text[end-1]
				lowerRest = lowerRest && (prev == '\'' || prev == '-' || end-i == 2 && text[i] == 'M' && prev == 'c' || end-i == 3 && string(text[i:end]) == "Mac")
			}
			letters++
			end++
			continue
		}
		r, size := utf8.DecodeRune(text[end:])
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			if letters == 0 {
				upper = unicode.IsUpper(r) || unicode.IsTitle(r)
			} else if unicode.IsUpper(r) {
				prev := text[end-1]
				w := text[i:end]
				lowerRest = lowerRest && (prev == '\'' || prev == '-' || string(w) == "Mc" || string(w) == "Mac")
			}
			letters++
			end += size
			continue
		}
		if (r == '\'' || r == '’' || r == '-') && end+size < len(text) {
			n, _ := utf8.DecodeRune(text[end+size:])
			// "Jean-Luc", "O'Brien"; not "I'm", "David's", "don't".
			if r == '-' && unicode.IsLetter(n) || r != '-' && (unicode.IsUpper(n) || end-i == 1 && unicode.IsLetter(n) && !isContraction(n)) {
				end += size
				continue
			}
		}
		break
	}
	return end, upper, lowerRest, letters
}

// isContraction: a letter that starts the tail of "I'm", "I'd", "I'll", "I've".
func isContraction(r rune) bool {
	return r == 'm' || r == 'd' || r == 'l' || r == 'v' || r == 's' || r == 't'
}

// personAt reads the capitalised run at i and decides whether it is a
// name. It returns the finding (End 0 when none) and where to go on.
func personAt(lex map[string]uint8, text []byte, i int) (Finding, int) {
	var toks [personMaxTokens + 2]pToken
	n := 0
	capEnd := false
	p := i
	for n < len(toks) && p < len(text) {
		end, upper, lowerRest, letters := scanWord(text, p)
		if letters == 0 {
			break
		}
		t := pToken{start: p, end: end}
		switch {
		case upper && letters == 1 && (end < len(text) && text[end] == '.' || n > 0):
			t.initial = true
			if end < len(text) && text[end] == '.' {
				t.end = end + 1
			}
		case upper && lowerRest && letters >= 2:
			if n == 0 && sentenceStarter(text[p:end]) {
				return Finding{}, end // "The", "How", "She": no look-up
			}
			t.flags = lookupWord(lex, text[p:end])
		case !upper && n > 0 && eqAny(text[p:end], particles...):
			t.particle = true
		default:
			// A capitalised word that cannot be part of a name ("PLC",
			// "USA") ends the run the way a common word does.
			capEnd = upper
			goto done
		}
		if n == 0 && (t.initial || t.flags&wTitle != 0) {
			// A leading initial or title is not the name: the title is
			// the cue the next run will see.
			return Finding{}, max(t.end, i+1)
		}
		if n == 0 && skipFirst(t.flags) {
			return Finding{}, t.end // a sentence's first word, a month: the next word starts afresh
		}
		toks[n] = t
		n++
		// One space (or a non-breaking one) between the words of a name.
		q := t.end
		if q < len(text) && text[q] == ' ' {
			q++
		} else if q+1 < len(text) && text[q] == 0xC2 && text[q+1] == 0xA0 {
			q += 2
		} else {
			break
		}
		p = q
	}
done:
	if n == 0 {
		_, size := utf8.DecodeRune(text[i:])
		return Finding{}, i + size
	}
	next := toks[n-1].end
	// The first word decides the most: a common word or a stop word at
	// the start (a sentence's first word, a month) is skipped, and the
	// rest is read again as a run of its own.
	t0 := toks[0]
	// Later words end the name at the first stop or plain common word.
	words, cut := 1, capEnd
	for k := 1; k < n; k++ {
		t := toks[k]
		if t.flags&(wStop|wTitle) != 0 || t.flags&(wCommon|wPlace) != 0 && t.flags&(wSurname|wGiven) == 0 {
			n, cut = k, true
			break
		}
		if !t.initial && !t.particle {
			words++
		}
	}
	for n > 1 && (toks[n-1].particle || toks[n-1].initial) {
		n--
	}
	if n < 1 {
		return Finding{}, next
	}
	start, end := toks[0].start, toks[n-1].end
	for end-start > personMaxSpan && n > 1 {
		n--
		end = toks[n-1].end
	}
	if end-start > personMaxSpan {
		return Finding{}, next
	}
	last := toks[n-1]
	nameLike := func(t pToken) bool { return t.flags&(wCommon|wPlace) == 0 || t.flags&(wGiven|wSurname) != 0 }
	score := 0.0
	pws, pwe, punct, nl := prevWord(text, start)
	prev := text[pws:pwe]
	prevClass := cueClassOf(prev)
	cue := cueBefore(text, pws, pwe, punct, nl, prevClass)
	if cue != cueStrong && (cut || inAddress(text, start, end, prevClass, punct) || punct == 0 && !nl && partOfProperNoun(lex, prev, prevClass)) {
		// "Cassidy Street", "Drake PLC", "103 Dora Creek", "Rua Mina 50":
		// a street or a company named after a person, not a person.
		return Finding{}, next
	}
	lone := words == 1 && t0.flags&(wCommon|wPlace) == 0 && !(punct == 0 && prevClass&cPlacePrep != 0)
	switch {
	case cue == cueStrong && nameLike(t0):
		score = scoreCueStrong
	case cue == cueSelf && nameLike(t0) && (t0.flags&wCommon == 0 || words >= 2 && nameLike(last)):
		score = scoreCueStrong
	case t0.flags&wGiven != 0 && words >= 2 && t0.flags&wCommon == 0:
		score = scoreLexFull
	case t0.flags&wGiven != 0 && words >= 2 && (last.flags&wSurname != 0 || last.flags&wCommon == 0):
		score = scoreLexFull - 0.1 // "Will Smith": an ambiguous given name needs a real surname
	case cue == cueWeak && words >= 2 && nameLike(last):
		score = scoreCueWeak
	case cue == cueWeak && t0.flags&wGiven != 0 && t0.flags&wCommon == 0:
		score = scoreCueWeak
	case words >= 2 && middleInitial(toks[:n], text) && t0.flags&wCommon == 0 && last.flags&wCommon == 0:
		score = scoreCueWeak // "Vide A. Persson": given name, initial, surname is a name's own shape
	case words >= 2 && words <= 3 && lineAlone(text, start, end) && t0.flags&wCommon == 0 && last.flags&wCommon == 0:
		score = scoreLineAlone
	case lone && t0.flags&wGiven != 0:
		score = scoreGivenAlone
	}
	if score == 0 {
		return Finding{}, t0.end
	}
	return Finding{Kind: KindPerson, Start: start, End: end, Score: score}, max(next, end)
}

// partOfProperNoun: the word before, on the same footing, is a capitalised
// place or stop word: "San Francisco", "New Jersey", "Saint John".
func partOfProperNoun(lex map[string]uint8, prev []byte, class uint32) bool {
	if len(prev) == 0 {
		return false
	}
	r, _ := utf8.DecodeRune(prev)
	return (unicode.IsUpper(r) || unicode.IsTitle(r)) && (class&cPlacePrefix != 0 || lookupWord(lex, prev)&wPlace != 0)
}

// middleInitial: a dotted initial stands between two words of the run.
func middleInitial(toks []pToken, text []byte) bool {
	for k := 1; k+1 < len(toks); k++ {
		if toks[k].initial && text[toks[k].end-1] == '.' {
			return true
		}
	}
	return false
}

// inAddress: the run sits in a street address: a house number before or
// after it on the line, or a street word before it.
func inAddress(text []byte, s, e int, prevClass uint32, punct byte) bool {
	j := s
	for j > 0 && text[j-1] == ' ' {
		j--
	}
	if j > 0 && isDigit(text[j-1]) {
		return true
	}
	if e+1 < len(text) && text[e] == ' ' && isDigit(text[e+1]) {
		return true
	}
	return (punct == 0 || punct == '.') && prevClass&cStreet != 0
}

// sentenceStarter: the words that most often start an English sentence,
// answered by a compiled switch before the lexicon's larger map.
func sentenceStarter(w []byte) bool {
	switch string(w) {
	case "The", "He", "She", "It", "They", "We", "You", "If", "How", "What", "When", "Where", "Why", "Which",
		"Who", "So", "Then", "This", "That", "These", "Those", "There", "In", "On", "At", "For", "After", "Before",
		"Each", "Every", "A", "An", "And", "But", "Or", "As", "To", "Of", "By", "With", "From", "Since", "Because",
		"His", "Her", "Their", "Our", "My", "Your", "Its", "Is", "Are", "Was", "Were", "Do", "Does", "Did",
		"Could", "Would", "Should", "First", "Next", "Finally", "Now", "Also", "Thus", "Therefore",
		"Total", "Altogether", "One", "Two", "Three", "Half", "All", "Some", "Most", "No", "Not", "Yes",
		"Please", "Thank", "Here", "Let", "Write", "Find", "Give", "Make", "Use", "Note", "Example":
		return true
	}
	return false
}

// skipFirst: a first word that cannot start a name: a stop word, or a
// common word or place that is no known name.
func skipFirst(f uint8) bool {
	return f&(wStop|wTitle) != 0 || f&(wCommon|wPlace) != 0 && f&(wGiven|wSurname) == 0
}

// particles join the parts of a name: "Maika van de Noort", "Ana da Silva".
var particles = strings.Fields(particleWords)

// lineStart: only spaces or quoting marks between the line's start and i.
func lineStart(text []byte, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch text[j] {
		case '\n':
			return true
		case ' ', '\t', '>', '"', '*', '-':
			continue
		}
		return false
	}
	return true
}

// afterBlankLine: the line holding s is the text's first or follows a line
// of only spaces and quoting marks (a signature or letter head, not the
// middle of an address block, where cities stand alone on their lines).
func afterBlankLine(text []byte, s int) bool {
	j := s
	for j > 0 && text[j-1] != '\n' {
		j--
	}
	if j == 0 {
		return true
	}
	j-- // the line break ending the line before
	for j > 0 && text[j-1] != '\n' {
		switch text[j-1] {
		case ' ', '\t', '\r', '>', '"', '*', '-', '?':
			j--
			continue
		}
		return false
	}
	return true
}

// lineAlone: the run is its own line (a signature, an address block's
// first line), allowing quoting marks and trailing spaces or a comma.
func lineAlone(text []byte, s, e int) bool {
	if !lineStart(text, s) || !afterBlankLine(text, s) {
		return false
	}
	for j := e; j < len(text); j++ {
		switch text[j] {
		case '\n', '\r':
			return true
		case ' ', '\t', ',':
			continue
		}
		return false
	}
	return true
}
