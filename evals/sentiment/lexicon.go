package sentiment

import (
	_ "embed"
	"strconv"
	"strings"
	"sync"
)

// vader_lexicon.tsv is VADER's lexicon (cjhutto/vaderSentiment, MIT,
// LICENSE-vader beside it) reduced to its first two columns: the token and
// its mean valence on VADER's −4..+4 scale. The raters' spread and raw
// ratings are dropped; nothing reads them.
//
//go:embed vader_lexicon.tsv
var lexiconTSV string

var (
	lexOnce sync.Once
	lexicon map[string]float64
)

// valence returns the lexicon valence of a lower-cased token.
func valence(lower string) (float64, bool) {
	lexOnce.Do(func() {
		lexicon = make(map[string]float64, 7600)
		for line := range strings.SplitSeq(lexiconTSV, "\n") {
			word, v, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				panic("sentiment: embedded lexicon: " + line)
			}
			lexicon[word] = f
		}
	})
	v, ok := lexicon[lower]
	return v, ok
}

// VADER's empirically derived constants (Hutto & Gilbert 2014).
const (
	boostIncr      = 0.293 // booster word ("very")
	boostDecr      = -0.293
	capsIncr       = 0.733 // ALL CAPS word among lower-case ones
	negationScalar = -0.74
	alpha          = 15 // compound normalisation
)

// negations are the words that flip the valence of what follows them
// (plus any word containing "n't").
var negations = setOf("aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt",
	"ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
	"dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither",
	"don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
	"neednt", "needn't", "never", "none", "nope", "nor", "not", "nothing", "nowhere",
	"oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent",
	"oughtn't", "shan't", "shouldn't", "uh-uh", "wasn't", "weren't",
	"without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom", "despite")

// boosters are degree adverbs: intensifiers add, dampeners subtract.
var boosters = func() map[string]float64 {
	m := map[string]float64{}
	for _, w := range strings.Fields(`absolutely amazingly awfully completely considerable considerably
		decidedly deeply effing enormous enormously entirely especially exceptional exceptionally extreme
		extremely fabulously flipping flippin frackin fracking fricking frickin frigging friggin fully
		fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major
		majorly more most particularly purely quite really remarkably so substantially thoroughly total
		totally tremendous tremendously uber unbelievably unusually utter utterly very`) {
		m[w] = boostIncr
	}
	for _, w := range strings.Fields(`almost barely hardly kinda kindof kind-of less little marginal
		marginally occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof sort-of`) {
		m[w] = boostDecr
	}
	for _, w := range []string{"just enough", "kind of", "sort of"} {
		m[w] = boostDecr
	}
	return m
}()

// specialCases are idioms whose valence replaces the word's own.
var specialCases = map[string]float64{
	"the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0,
	"yeah right": -2, "kiss of death": -1.5, "to die for": 3, "beating heart": 3.1, "broken heart": -2.9,
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
