package injection

import (
	"bytes"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/tollgate-ai/tollgate/filters/injection/internal/corpus"
)

// Floors sit a little below what the shipped model measures on the
// held-out split (docs/filters.md has the measured table), so a regression
// fails here.
const (
	floorRecall      = 0.83 // measured 0.858
	ceilFPR          = 0.02 // measured 0.016 (the goal)
	floorSourceRecal = 0.60 // every positive source; bipia is the weakest
	maxEvasionLoss   = 0.05 // recall lost to an evasion once folded
)

var (
	corpusOnce  sync.Once
	corpusItems []corpus.Item
	corpusErr   error
)

func loadCorpus(t testing.TB) []corpus.Item {
	t.Helper()
	corpusOnce.Do(func() { corpusItems, corpusErr = corpus.Read("testdata/corpus.jsonl.gz") })
	if corpusErr != nil {
		t.Fatal(corpusErr)
	}
	return corpusItems
}

func split(items []corpus.Item, name string, label int) []corpus.Item {
	return corpus.Filter(items, func(it corpus.Item) bool { return it.Split == name && it.Label == label })
}

func scoreOf(s string) float64 { return Default().Score([]byte(s)) }

func TestHeldOutQuality(t *testing.T) {
	items := loadCorpus(t)
	pos := corpus.Flagged(split(items, "test", 1), scoreOf, DefaultThreshold)
	neg := corpus.Flagged(split(items, "test", 0), scoreOf, DefaultThreshold)
	recall, fpr := corpus.Total(pos), corpus.Total(neg)
	t.Logf("recall %s", recall)
	t.Logf("FPR %s", fpr)
	if recall.Value() < floorRecall {
		t.Errorf("recall %.3f below the floor %.2f", recall.Value(), floorRecall)
	}
	if fpr.Value() > ceilFPR {
		t.Errorf("false-positive rate %.3f above %.2f", fpr.Value(), ceilFPR)
	}
	for _, s := range corpus.SortedSources(pos) {
		if r := pos[s]; r.Value() < floorSourceRecal {
			t.Errorf("%s: recall %s below %.2f", s, r, floorSourceRecal)
		}
	}
	for _, s := range []string{"gsm8k", "xstest_safe", "xstest_completions", "bipia_clean", "go_source", "presidio"} {
		if r := neg[s]; r.Value() > ceilFPR {
			t.Errorf("%s: false-positive rate %s above %.2f", s, r, ceilFPR)
		}
	}
}

// DefaultThreshold must be the one make train chose for this model: at
// most 1.5% of the validation negatives at or above it.
func TestThresholdMatchesModel(t *testing.T) {
	var neg []float64
	for _, it := range split(loadCorpus(t), "val", 0) {
		neg = append(neg, scoreOf(it.Text))
	}
	want := corpus.ThresholdForFPR(neg, 0.015)
	if math.Abs(want-DefaultThreshold) > 0.01 {
		t.Fatalf("DefaultThreshold %.2f, but the model's 1.5%% validation FPR threshold is %.4f: update it after make train", DefaultThreshold, want)
	}
}

// Evasions: zero-width characters and homoglyphs are folded by Score
// itself; leetspeak is too for the common digits; base64 needs the
// scanner's decoder (here the simple corpus.Fold stands in).
func TestEvasions(t *testing.T) {
	pos := split(loadCorpus(t), "test", 1)
	plain := corpus.Total(corpus.Flagged(pos, scoreOf, DefaultThreshold)).Value()
	for _, ev := range corpus.Evasions[1:] {
		raw := corpus.Total(corpus.Flagged(pos, func(s string) float64 { return scoreOf(ev.Apply(s)) }, DefaultThreshold)).Value()
		folded := corpus.Total(corpus.Flagged(pos, func(s string) float64 { return scoreOf(corpus.Fold(ev.Apply(s))) }, DefaultThreshold)).Value()
		t.Logf("%-10s plain %.3f raw %.3f folded %.3f", ev.Name, plain, raw, folded)
		if folded < plain-maxEvasionLoss {
			t.Errorf("%s: recall %.3f after folding, plain %.3f", ev.Name, folded, plain)
		}
		if ev.Name != "base64" && raw < plain-maxEvasionLoss {
			t.Errorf("%s: recall %.3f on the raw transformed text, plain %.3f", ev.Name, raw, plain)
		}
	}
}

// Harmful requests that are not injections (XSTest contrast prompts) are
// not this detector's job; it should mostly leave them alone.
func TestHarmfulRequestsMostlyNotFlagged(t *testing.T) {
	r := corpus.Total(corpus.Flagged(corpus.Filter(loadCorpus(t), func(it corpus.Item) bool { return it.Label == -1 }), scoreOf, DefaultThreshold))
	t.Logf("xstest contrast flagged %s", r)
	if r.Value() > 0.10 {
		t.Errorf("%s of harmful-but-plain requests flagged as injection", r)
	}
}

// examplesOf turns corpus items into training examples weighted as make
// train weights them.
func examplesOf(items []corpus.Item) []Example {
	out := make([]Example, 0, len(items))
	src := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, Example{Text: it.Text, Label: it.Label == 1})
		src = append(src, it.Source)
	}
	WeightBySource(out, src)
	return out
}

// Training twice on the same data gives the same bytes.
func TestTrainDeterministic(t *testing.T) {
	items := loadCorpus(t)
	var sub []corpus.Item
	for i, it := range items {
		if it.Label >= 0 && i%12 == 0 {
			sub = append(sub, it)
		}
	}
	cfg := TrainConfig{Bits: 12, Epochs: 3, MILAfter: 1}
	train := func() []byte {
		m, err := Train(examplesOf(sub[:len(sub)/2]), examplesOf(sub[len(sub)/2:]), cfg)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := m.MarshalBinary()
		return b
	}
	a, b := train(), train()
	if !bytes.Equal(a, b) {
		t.Fatal("two trainings on the same data differ")
	}
	m, err := Load(a)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.Score([]byte("hello")); p < 0 || p > 1 {
		t.Fatalf("score %v", p)
	}
}

// The shipped model is what make train builds from the corpus, byte for
// byte.
func TestShippedModelReproducible(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains the full model: skipped with -short and -race")
	}
	if _, err := os.Stat("train/main.go"); err != nil {
		t.Skip("training command not present")
	}
	items := loadCorpus(t)
	keep := func(name string) []corpus.Item {
		return corpus.Filter(items, func(it corpus.Item) bool { return it.Split == name && it.Label >= 0 })
	}
	m, err := Train(examplesOf(keep("train")), examplesOf(keep("val")), DefaultTrainConfig)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := m.MarshalBinary()
	if !bytes.Equal(b, shipped) {
		t.Fatal("model.bin differs from a fresh training on the corpus: run make train")
	}
}
