package injection_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/filters/injection"
	"github.com/tollgate-ai/tollgate/filters/injection/internal/corpus"
)

// Through the scanner, as the gateway and `tollgate filters scan` run it:
// held-out attacks plain and after each evasion (the scanner's normaliser
// and blob decoder undo them), and the held-out benign texts.
func TestScannerInjectionQualityAndEvasions(t *testing.T) {
	items, err := corpus.Read("testdata/corpus.jsonl.gz")
	if err != nil {
		t.Fatal(err)
	}
	s, err := filters.New(filters.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	flagged := func(text string) float64 {
		for _, f := range s.Scan([]byte(text), nil) {
			if f.Kind == filters.KindInjection {
				return 1
			}
		}
		return 0
	}
	test := func(label int) []corpus.Item {
		return corpus.Filter(items, func(it corpus.Item) bool { return it.Split == "test" && it.Label == label })
	}
	pos, neg := test(1), test(0)
	plain := corpus.Total(corpus.Flagged(pos, flagged, 0.5))
	fpr := corpus.Total(corpus.Flagged(neg, flagged, 0.5))
	t.Logf("scanner: recall %s, false positives %s", plain, fpr)
	if plain.Value() < 0.83 || fpr.Value() > 0.02 {
		t.Errorf("through the scanner: recall %s (floor 0.83), false positives %s (ceiling 0.02)", plain, fpr)
	}
	for _, ev := range corpus.Evasions[1:] {
		r := corpus.Total(corpus.Flagged(pos, func(s string) float64 { return flagged(ev.Apply(s)) }, 0.5))
		t.Logf("scanner: %-10s recall %s (plain %.3f)", ev.Name, r, plain.Value())
		if r.Value() < plain.Value()-0.05 {
			t.Errorf("%s costs %.3f of recall through the scanner (goal: under 0.05)", ev.Name, plain.Value()-r.Value())
		}
	}
	_ = injection.DefaultThreshold // the scanner's default threshold for the kind
}
