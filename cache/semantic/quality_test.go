package semantic

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/mockllm"
)

// qualityThresholds are the thresholds the quality table reports.
var qualityThresholds = []float32{0.70, 0.75, 0.80, 0.85, 0.90, 0.95}

// rates counts, per pair kind, how many pairs a threshold (with or without Guard) lets hit.
type rates struct {
	pairs        map[pairKind]int
	hits, guards map[pairKind]int
}

func (r rates) rate(kind pairKind, guarded bool) float64 {
	m := r.hits
	if guarded {
		m = r.guards
	}
	return float64(m[kind]) / float64(max(r.pairs[kind], 1))
}

// guardedKinds are the near-misses Guard is meant to catch.
var guardedKinds = []pairKind{nearNumber, nearNegate, nearName, nearUnit}

// falseHitRate is the share of near-miss pairs of kinds that hit.
func (r rates) falseHitRate(guarded bool, kinds ...pairKind) float64 {
	m := r.hits
	if guarded {
		m = r.guards
	}
	n, hit := 0, 0
	for _, k := range kinds {
		n += r.pairs[k]
		hit += m[k]
	}
	return float64(hit) / float64(max(n, 1))
}

// measureQuality embeds every text of pairs with the mock's lexical embeddings and counts hits per threshold.
func measureQuality(t *testing.T, pairs []textPair) map[float32]rates {
	t.Helper()
	e := mockEmbedder(t, mockllm.Options{}, OpenAIEmbedderOptions{})
	vecs := map[string][]float32{}
	embed := func(s string) []float32 {
		if v, ok := vecs[s]; ok {
			return v
		}
		em, err := e.Embed(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		vecs[s] = normalised(em.Vector)
		return vecs[s]
	}
	out := map[float32]rates{}
	for _, th := range qualityThresholds {
		out[th] = rates{pairs: map[pairKind]int{}, hits: map[pairKind]int{}, guards: map[pairKind]int{}}
	}
	for _, p := range pairs {
		cos := dot(embed(p.a), embed(p.b))
		guard := Guard(p.a, p.b)
		for _, th := range qualityThresholds {
			r := out[th]
			r.pairs[p.kind]++
			if cos >= th {
				r.hits[p.kind]++
				if guard {
					r.guards[p.kind]++
				}
			}
		}
	}
	return out
}

func qualityTable(name string, m map[float32]rates) string {
	var b strings.Builder
	kinds := []pairKind{nearNumber, nearNegate, nearName, nearUnit, nearNoun}
	r0 := m[qualityThresholds[0]]
	fmt.Fprintf(&b, "%s: %d paraphrase pairs; near-miss pairs:", name, r0.pairs[paraphrase])
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s %d", k, r0.pairs[k])
	}
	b.WriteString("\n| threshold | hit rate | hit rate, guard | false hits | false hits, guard | all near-misses, guard |")
	for _, k := range kinds {
		fmt.Fprintf(&b, " %s (guard) |", k)
	}
	b.WriteString("\n")
	ths := append([]float32(nil), qualityThresholds...)
	sort.Slice(ths, func(i, j int) bool { return ths[i] < ths[j] })
	for _, th := range ths {
		r := m[th]
		fmt.Fprintf(&b, "| %.2f | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |", th, 100*r.rate(paraphrase, false),
			100*r.rate(paraphrase, true), 100*r.falseHitRate(false, guardedKinds...),
			100*r.falseHitRate(true, guardedKinds...), 100*r.falseHitRate(true, append(guardedKinds, nearNoun)...))
		for _, k := range kinds {
			fmt.Fprintf(&b, " %.0f%% (%.0f%%) |", 100*r.rate(k, false), 100*r.rate(k, true))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestSemanticQuality measures hit and false-hit rates on generated paraphrase and near-miss pairs (see
// quality_data_test.go) with the mock's lexical embeddings, prints the tables docs/cache.md quotes (go test -v),
// and asserts floors on the held-out templates (written after Guard was tuned) a little below what was measured
// there at DefaultThreshold, so a change to the guard, the index or the mock that costs quality fails here.
func TestSemanticQuality(t *testing.T) {
	tuneRates, heldRates := measureQuality(t, qualityPairs(templates, 6)), measureQuality(t, qualityPairs(freshTemplates, 8))
	t.Logf("\n%s\n%s", qualityTable("tuning templates", tuneRates), qualityTable("held-out templates", heldRates))

	r := heldRates[DefaultThreshold]
	// Measured on the held-out templates at 0.85: hit rate 13.7 % with the guard; false hits 0.0 % with the guard
	// (9.4 % without) on the kinds it covers, 0.3 % over all near-misses (common nouns included).
	const minHitRate, maxFalseHits, maxAllFalseHits = 0.12, 0.01, 0.015
	if hr := r.rate(paraphrase, true); hr < minHitRate {
		t.Errorf("hit rate with guard at %.2f: %.3f, want ≥ %.3f", DefaultThreshold, hr, minHitRate)
	}
	if fh := r.falseHitRate(true, guardedKinds...); fh > maxFalseHits {
		t.Errorf("false-hit rate with guard at %.2f: %.3f, want ≤ %.3f", DefaultThreshold, fh, maxFalseHits)
	}
	if fh := r.falseHitRate(true, append(guardedKinds, nearNoun)...); fh > maxAllFalseHits {
		t.Errorf("false-hit rate over all near-misses at %.2f: %.3f, want ≤ %.3f", DefaultThreshold, fh, maxAllFalseHits)
	}
	if without := r.falseHitRate(false, guardedKinds...); without < 5*maxFalseHits {
		t.Errorf("false-hit rate without the guard is %.3f: the near-misses no longer test it", without)
	}
}
