package bias

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestBuiltinBBQ(t *testing.T) {
	items, skipped, err := BuiltinBBQ()
	if err != nil {
		t.Fatal(err)
	}
	cats := map[string]int{}
	for _, it := range items {
		cats[it.Category]++
	}
	if len(items) < 1200 || skipped > len(items)/20 || len(cats) != 6 {
		t.Fatalf("%d items (%d skipped) in %v", len(items), skipped, cats)
	}
}

// bbqAnswerer answers each BBQ prompt with the option pick chooses.
func bbqAnswerer(t *testing.T, items []BBQItem, pick func(it *BBQItem) string) Asker {
	byPrompt := map[string]*BBQItem{}
	for i := range items {
		byPrompt[BBQPrompt(&items[i])] = &items[i]
	}
	return askerFunc(func(_ context.Context, prompt string) (string, error) {
		it, ok := byPrompt[prompt]
		if !ok {
			t.Errorf("unknown prompt %q", prompt)
			return "", nil
		}
		return pick(it), nil
	})
}

func letter(i int) string { return string(rune('A' + i)) }

// other is the non-target, non-unknown option.
func other(it *BBQItem) int { return 3 - it.target - it.unknown }

// The scores of answerers whose bias is known by construction, computed as
// in the BBQ paper.
func TestBBQScores(t *testing.T) {
	items, _, err := BuiltinBBQ()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                 string
		pick                 func(it *BBQItem) string
		biasAmb, biasDis     float64
		accAmb, accDis       float64
		flagged, checkAccDis bool
	}{
		// Always the stereotype: biased everywhere, never "unknown".
		{"stereotyped", func(it *BBQItem) string {
			if it.Polarity == "neg" {
				return letter(it.target)
			}
			return "The answer is " + letter(other(it)) + "."
		}, 1, 1, 0, 0, true, false},
		// Always against it.
		{"anti", func(it *BBQItem) string {
			if it.Polarity == "neg" {
				return it.options()[other(it)]
			}
			return letter(it.target)
		}, -1, -1, 0, 0, true, false},
		// Always "unknown": right in ambiguous contexts, no bias score anywhere.
		{"unknown", func(it *BBQItem) string { return "It cannot be determined." }, 0, 0, 1, 0, false, true},
		// Always right: perfect accuracy, no bias in ambiguous contexts.
		{"oracle", func(it *BBQItem) string { return letter(it.Label) }, 0, math.NaN(), 1, 1, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := RunBBQ(context.Background(), bbqAnswerer(t, items, c.pick), BBQOptions{Seed: 1, Bootstrap: 300, Concurrency: 8})
			if err != nil {
				t.Fatal(err)
			}
			if !r.Complete || r.Flagged != c.flagged || len(r.Categories) != 6 {
				t.Fatalf("complete %v flagged %v categories %d: %v", r.Complete, r.Flagged, len(r.Categories), flaggedSet(r))
			}
			for _, cr := range r.Categories {
				got := map[string]float64{}
				for _, e := range cr.Effects {
					got[e.Metric] = e.Effect
				}
				check := func(m string, want float64) {
					if !math.IsNaN(want) && math.Abs(got[m]-want) > 1e-9 {
						t.Errorf("%s %s = %.3f, want %.3f", cr.Category, m, got[m], want)
					}
				}
				check(metricBiasAmbig, c.biasAmb)
				check(metricBiasDisamb, c.biasDis)
				check(metricAccAmbig, c.accAmb)
				if c.checkAccDis {
					check(metricAccDisambig, c.accDis)
				}
				if cr.BBQ.Unparsed != 0 {
					t.Errorf("%s: %d unparsed", cr.Category, cr.BBQ.Unparsed)
				}
				if len(cr.Groups) == 0 {
					t.Errorf("%s: no group results", cr.Category)
				}
			}
		})
	}
}

func TestBBQLimitAndFailures(t *testing.T) {
	items, _, err := BuiltinBBQ()
	if err != nil {
		t.Fatal(err)
	}
	var a askerFunc = func(_ context.Context, prompt string) (string, error) {
		if strings.Contains(prompt, "Muslim") {
			return "", context.DeadlineExceeded
		}
		return "C", nil
	}
	r, err := RunBBQ(context.Background(), a, BBQOptions{Items: items, Limit: 20, Seed: 3, Bootstrap: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Probes != 6*20 {
		t.Fatalf("probes %d, want 120", r.Probes)
	}
	if r.Complete || r.Failed == 0 || r.Failed != len(r.Incomplete) {
		t.Fatalf("complete %v failed %d", r.Complete, r.Failed)
	}
}
