package filters

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
)

// tally counts matches for precision and recall of one kind.
type tally struct{ tp, fp, fn int }

func (t tally) precision() float64 { return ratio(t.tp, t.tp+t.fp) }
func (t tally) recall() float64    { return ratio(t.tp, t.tp+t.fn) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// wilson is the Wilson score 95% interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	if n == 0 {
		return 0, 1
	}
	const z = 1.96
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	c := (p + z*z/(2*nf)) / den
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, c-h), math.Min(1, c+h)
}

// report renders a quality table row per kind, in the format docs/filters.md uses.
func report(t *testing.T, title string, tallies map[string]*tally) {
	t.Helper()
	kinds := make([]string, 0, len(tallies))
	for k := range tallies {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n| kind | TP | FP | FN | precision (95%% CI) | recall (95%% CI) |\n|---|---|---|---|---|---|\n", title)
	for _, k := range kinds {
		c := tallies[k]
		pl, ph := wilson(c.tp, c.tp+c.fp)
		rl, rh := wilson(c.tp, c.tp+c.fn)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) |\n",
			k, c.tp, c.fp, c.fn, c.precision(), pl, ph, c.recall(), rl, rh)
	}
	t.Log("\n" + b.String())
}

// span is a labelled byte range.
type span struct {
	kind       string
	start, end int
}

// score compares findings with gold spans: a finding is a true positive
// when it overlaps a gold span of its kind; a gold span is found when a
// finding of its kind overlaps it. Kinds outside scope are ignored.
func scoreSpans(tallies map[string]*tally, gold []span, found []Finding, scope map[string]bool) {
	get := func(k string) *tally {
		if tallies[k] == nil {
			tallies[k] = &tally{}
		}
		return tallies[k]
	}
	for _, g := range gold {
		if !scope[g.kind] {
			continue
		}
		hit := false
		for _, f := range found {
			if f.Kind == g.kind && f.Start < g.end && g.start < f.End {
				hit = true
				break
			}
		}
		if hit {
			get(g.kind).tp++
		} else {
			get(g.kind).fn++
		}
	}
	for _, f := range found {
		if !scope[f.Kind] {
			continue
		}
		hit := false
		for _, g := range gold {
			if f.Kind == g.kind && f.Start < g.end && g.start < f.End {
				hit = true
				break
			}
		}
		if !hit {
			get(f.Kind).fp++
		}
	}
}
