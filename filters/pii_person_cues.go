package filters

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Cue strengths: how much the words before a capitalised run say that it
// is a person's name.
const (
	cueNone   = iota
	cueWeak   // "customer", "by", "contact": needs two name-like words or a known given name
	cueSelf   // "I am", "I'm", "this is": the next word must not be a common word
	cueStrong // "my name is", a title, "Dear", "Hi" at a line start, "Name:", a sign-off line
)

// Word classes of the words before a name, one small-map look-up a word.
const (
	cTitle       uint32 = 1 << iota // Mr, Dr, Prof …
	cLabel                          // "Name:", "Customer:", "From:"
	cSignOff                        // "Regards,", "Sincerely,"
	cByVerb                         // "directed" (by …)
	cBy                             // "by"
	cWeak                           // "customer", "said", "with" …
	cGreet                          // hi, hello, hey (at a line start)
	cCommaGreet                     // "Hi, Anna", "Thanks, Anna"
	cStrong                         // dear, named, called, signed, attn
	cIsWas                          // is, was
	cNameWord                       // name, surname (… is)
	cCallVerb                       // call, calls, called (me …)
	cMe                             // me
	cSelf                           // i'm, im
	cAm                             // am
	cI                              // i
	cThisHere                       // this, here (is …)
	cFor                            // for
	cAskVerb                        // ask, asking (for …)
	cTo                             // to
	cToVerb                         // speak, talk … (to …)
	cWith                           // with
	cWithVerb                       // meet, spoke … (with …)
	cAddress                        // "address:" (a name or a street follows)
	cStreet                         // rua, avenida, via … (a street name follows)
	cPlacePrep                      // from, in, at … (a place may follow)
	cPlacePrefix                    // San, New, Saint … (a place's first word)
)

var cueWordLists = []struct {
	class uint32
	words string
}{
	{cTitle, titleWords},
	{cLabel, `name names user customer patient client from to cc attn contact author by signed employee
		applicant tenant guardian beneficiary holder cardholder student recipient sender witness owner
		speaker director manager agent representative physician doctor nurse`},
	{cSignOff, `regards sincerely thanks cheers best wishes yours truly faithfully signed respectfully cordially`},
	{cByVerb, `directed written produced composed painted sung performed signed authored edited played created
		founded hosted reviewed approved narrated illustrated translated photographed designed developed invented`},
	{cBy, `by`},
	{cWeak, `by starring contact patient customer client user manager producer songwriter director author
		singer player actor actress writer partner kid son daughter wife husband brother sister mother father
		friend colleague boss guardian beneficiary says said told asked and including with under add heard
		tribute commenter about grandfather grandmother uncle aunt cousin nephew niece ceo founder president
		chairman minister senator governor mayor judge officer detective agent nurse physician lawyer attorney
		teacher professor student employee`},
	{cGreet, `hi hello hey greetings`},
	{cCommaGreet, `hi hello hey dear thanks`},
	{cStrong, `dear named called signed attn`},
	{cIsWas, `is was`},
	{cNameWord, `name surname names name's`},
	{cCallVerb, `call calls called`},
	{cMe, `me`},
	{cSelf, `i'm i’m im`},
	{cAm, `am`},
	{cI, `i`},
	{cThisHere, `this here`},
	{cFor, `for`},
	{cAskVerb, `ask asking`},
	{cTo, `to`},
	{cToVerb, `speak talk talking married assistant write wrote reply said`},
	{cWith, `with`},
	{cWithVerb, `up meet meeting accounts spoke speak`},
	{cAddress, `address`},
	{cStreet, `rua rúa avenida avda av ave calle carrera via viale rue ul ulica paseo strada corso piazza plaza
		praça largo travessa boulevard blvd st street avenue road lane drive place point mount port fort lake
		usnv uss`},
	{cPlacePrep, `from in at to near visit visiting of into across around`},
	{cPlacePrefix, `san santa santo são saint st sainte new los las el la le north south east west fort port
		mount lake cape isle upper lower great`},
}

// cueClasses maps a lowercase word to its classes; small enough to stay in cache.
var cueClasses = func() map[string]uint32 {
	m := map[string]uint32{}
	for _, l := range cueWordLists {
		for _, w := range strings.Fields(l.words) {
			m[w] |= l.class
		}
	}
	return m
}()

// cueClassOf returns the classes of word (any case), without allocating.
func cueClassOf(word []byte) uint32 {
	if len(word) == 0 || len(word) > 16 {
		return 0
	}
	var buf [16]byte
	for i, c := range word {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return cueClasses[string(buf[:len(word)])]
}

// cueBefore rates the words before a candidate name. w1 (text[w1s:w1e]) is
// the word right before it, with punct and nl what lies between; k1 its classes.
func cueBefore(text []byte, w1s, w1e int, punct byte, nl bool, k1 uint32) int {
	if w1e <= w1s || k1 == 0 {
		return cueNone
	}
	if nl { // the name starts a line: a label or a sign-off above it
		if punct == ':' && k1&cLabel != 0 || (punct == ',' || punct == 0) && k1&cSignOff != 0 {
			return cueStrong
		}
		return cueNone
	}
	switch punct {
	case '.', 0:
		if k1&cTitle != 0 && w1e-w1s > 1 {
			return cueStrong
		}
		if punct == '.' {
			return cueNone
		}
	case ':', '?':
		switch {
		case k1&cLabel != 0:
			return cueStrong
		case k1&cAddress != 0: // "Billing address: Sara Schwarz" (or a street)
			return cueWeak
		}
		return cueNone
	case ',':
		if k1&cCommaGreet != 0 {
			return cueStrong
		}
		return cueNone
	default:
		return cueNone
	}
	var k2 uint32
	if w2s, w2e, punct2, nl2 := prevWord(text, w1s); punct2 == 0 && !nl2 {
		k2 = cueClassOf(text[w2s:w2e])
	}
	switch {
	case k1&cIsWas != 0 && k2&cNameWord != 0,
		k1&cStrong != 0,
		k1&cGreet != 0 && lineStart(text, w1s),
		k1&cMe != 0 && k2&cCallVerb != 0,
		k1&cBy != 0 && k2&cByVerb != 0:
		return cueStrong
	case k1&cAm != 0 && k2&cI != 0, k1&cSelf != 0, k1&cIsWas != 0 && k2&cThisHere != 0:
		return cueSelf
	case k1&cFor != 0 && k2&cAskVerb != 0, k1&cTo != 0 && k2&cToVerb != 0, k1&cWith != 0 && k2&cWithVerb != 0,
		k1&cWeak != 0:
		return cueWeak
	}
	return cueNone
}

// prevWord returns the word before s, skipping spaces, line breaks (nl)
// and one punctuation mark (punct: '.', ',', ':', '?' or 0; 'x' for another).
func prevWord(text []byte, s int) (ws, we int, punct byte, nl bool) {
	j := s
	for j > 0 && (text[j-1] == ' ' || text[j-1] == '\t' || text[j-1] == '\n' || text[j-1] == '\r') {
		nl = nl || text[j-1] == '\n'
		j--
	}
	if j > 0 {
		switch c := text[j-1]; {
		case c == '.' || c == ',' || c == ':' || c == '?':
			punct = c
			j--
		case !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 || c == '\''):
			return j, j, 'x', nl
		}
	}
	for j > 0 && text[j-1] == ' ' {
		j--
	}
	we = j
	for j > 0 && we-j < 32 {
		r, size := utf8.DecodeLastRune(text[:j])
		if !(unicode.IsLetter(r) || r == '\'' || r == '’') {
			break
		}
		j -= size
	}
	return j, we, punct, nl
}

// eqAny reports whether w equals one of words (lowercase ASCII), in any case.
func eqAny(w []byte, words ...string) bool {
	for _, x := range words {
		if len(w) != len(x) {
			continue
		}
		i := 0
		for i < len(x) && (w[i] == x[i] || w[i]|0x20 == x[i] && x[i] >= 'a' && x[i] <= 'z') {
			i++
		}
		if i == len(x) {
			return true
		}
	}
	return false
}
