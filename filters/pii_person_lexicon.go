package filters

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Lexicons of the person detector (see NOTICE): given names and surnames
// (gofakeit and @faker-js/faker's Latin-script locales, MIT), places
// (gofakeit, MIT) and the lowercase words of SCOWL
// size 35 (common English words). They are decoded once, when a Scanner
// that reports pii.person is built (personDetector.warm), not at start-up.
var (
	//go:embed lexicons/given_names.txt
	givenNamesTxt string
	//go:embed lexicons/surnames.txt
	surnamesTxt string
	//go:embed lexicons/given_names_fakerjs.txt
	givenNamesFakerTxt string
	//go:embed lexicons/surnames_fakerjs.txt
	surnamesFakerTxt string
	//go:embed lexicons/places.txt
	placesTxt string
	//go:embed lexicons/english_words.txt
	englishWordsTxt string
)

// Word flags, one map look-up per capitalised token.
const (
	wGiven    uint8 = 1 << iota // a known given name
	wSurname                    // a known surname
	wCommon                     // a common English word (lowercase in SCOWL 35)
	wStop                       // capitalised but never a name: month, weekday, nationality, brand
	wTitle                      // Mr, Mrs, Dr … (a cue before a name)
	wParticle                   // van, de, von … inside a name
	wPlace                      // a country, US state or city: a name only when also a known name
)

// stopProper are capitalised words that are never a person's name on their
// own; curated, since SCOWL's lowercase list holds none of them.
const stopProper = `january february march april may june july august september october november december
monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
christmas easter halloween thanksgiving ramadan hanukkah diwali eid passover new year
english french german spanish italian portuguese dutch russian chinese japanese korean arabic hindi
american british european african asian canadian mexican indian australian irish scottish welsh
swedish norwegian danish finnish polish czech hungarian greek turkish israeli jewish muslim christian
catholic protestant buddhist hindu latin latino hispanic asia africa europe america antarctica
roma romani sinti kurdish maori sami inuit
north south east west northern southern eastern western central pacific atlantic
god lord allah bible quran internet web email ok okay
google microsoft apple amazon facebook meta twitter instagram youtube linkedin whatsapp tiktok netflix
iphone ipad android windows linux ubuntu macos ios python java javascript typescript golang rust
lua perl kotlin scala haskell erlang clojure elixir fortran cobol pascal matlab redis postgres mysql kafka docker kubernetes
excel powerpoint outlook gmail slack zoom teams uber tesla openai chatgpt gpt llm api sql json html
visa mastercard paypal venmo bitcoin ethereum usd eur gbp inc ltd llc corp co plc gmbh
street st road rd avenue ave lane blvd drive boulevard university college school hospital bank
mount lake river saint san santa los las el la le de du des del della di da
hi hello hey dear thanks thank regards sincerely cheers best yours love
mr mrs ms miss mx dr prof sir madam mister doctor professor
ceo cto cfo vp hr it pr qa`

// titles precede a name: "Dr. Jennifer Holst", "ms. Palermo".
const titleWords = `mr mrs ms miss mx dr prof sir madam mister doctor professor rev fr capt lt sgt mme mlle herr frau`

// particles join the parts of a name: "Maika van de Noort", "Ana da Silva".
const particleWords = `van von de der den da das di do dos del della du le la ter ten bin ibn al`

// personLexicon is the decoded word table: lowercase word -> flags.
var personLexicon = sync.OnceValue(func() map[string]uint8 {
	m := make(map[string]uint8, 44000)
	add := func(txt string, f uint8) { // one entry a line
		for _, line := range strings.Split(txt, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' || strings.ContainsAny(line, " ,()") {
				continue // a comment, or a place of several words
			}
			m[strings.ToLower(line)] |= f
		}
	}
	addWords := func(txt string, f uint8) {
		for _, w := range strings.Fields(txt) {
			m[w] |= f
		}
	}
	add(englishWordsTxt, wCommon)
	add(givenNamesTxt, wGiven)
	add(givenNamesFakerTxt, wGiven)
	add(surnamesTxt, wSurname)
	add(surnamesFakerTxt, wSurname)
	add(placesTxt, wPlace)
	addWords(stopProper, wStop)
	addWords(titleWords, wTitle)
	addWords(particleWords, wParticle)
	return m
})

// lookupWord returns the flags of word (any case) with no allocation: it
// lowercases into a stack buffer; words longer than the buffer have none.
func lookupWord(lex map[string]uint8, word []byte) uint8 {
	var buf [48]byte
	n := 0
	for i := 0; i < len(word); {
		c := word[i]
		if c < utf8.RuneSelf {
			if n == len(buf) {
				return 0
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[n] = c
			n++
			i++
			continue
		}
		r, size := utf8.DecodeRune(word[i:])
		i += size
		r = unicode.ToLower(r)
		if n+utf8.RuneLen(r) > len(buf) {
			return 0
		}
		n += utf8.EncodeRune(buf[n:], r)
	}
	return lex[string(buf[:n])]
}
