//go:build !race

package policy

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

// TestDecideAllocs guards the fast path: it must allocate well under plain
// OPA on the same policy and input (368 vs ~800 when written).
func TestDecideAllocs(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	pq := naiveQuery(t)
	in := typicalInput()
	ctx := context.Background()
	fast := testing.AllocsPerRun(200, func() { decisionSink = e.Decide(ctx, in) })
	naive := testing.AllocsPerRun(200, func() {
		if _, err := pq.Eval(ctx, rego.EvalInput(inputMap(in))); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("allocs per decision: Decide %.0f, plain OPA %.0f", fast, naive)
	if fast > 0.6*naive {
		t.Fatalf("Decide allocates %.0f, more than 60%% of plain OPA's %.0f", fast, naive)
	}
}
