//go:build !race

package policy

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

// TestDecideAllocs guards both evaluators against plain OPA on the same
// policy and input (when written: compiled 39, topdown engine 333, plain
// OPA 804; compiled 13 since partial objects start small): allocations are
// exact, unlike times on a shared machine.
func TestDecideAllocs(t *testing.T) {
	pq := naiveQuery(t)
	in := typicalInput()
	ctx := context.Background()
	naive := testing.AllocsPerRun(200, func() {
		if _, err := pq.Eval(ctx, rego.EvalInput(inputMap(in))); err != nil {
			t.Fatal(err)
		}
	})
	for _, c := range []struct {
		evaluator string
		maxShare  float64
	}{{EvaluatorCompiled, 0.03}, {EvaluatorOPA, 0.6}} {
		e := openTB(t, Options{Dir: examplesDir, Evaluator: c.evaluator})
		got := testing.AllocsPerRun(200, func() { decisionSink = e.Decide(ctx, in) })
		t.Logf("allocs per decision: %s %.0f, plain OPA %.0f", c.evaluator, got, naive)
		if got > c.maxShare*naive {
			t.Errorf("%s evaluator allocates %.0f, more than %.0f%% of plain OPA's %.0f", c.evaluator, got, 100*c.maxShare, naive)
		}
	}
}
