package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

func TestEvaluatorOption(t *testing.T) {
	for _, tc := range []struct{ asked, serves string }{
		{"", EvaluatorCompiled}, {EvaluatorCompiled, EvaluatorCompiled}, {EvaluatorOPA, EvaluatorOPA},
	} {
		e := openTB(t, Options{Dir: examplesDir, Evaluator: tc.asked})
		if st := e.Status(); st.Evaluator != tc.serves || st.EvaluatorNote != "" {
			t.Errorf("evaluator %q: status %+v, want %s serving", tc.asked, st, tc.serves)
		}
		if d := e.Decide(context.Background(), typicalInput()); !d.Allow || d.Err != nil || d.MaxTokens != 4096 {
			t.Errorf("evaluator %q: typical decision %+v", tc.asked, d)
		}
	}
	if _, err := Open(Options{Dir: examplesDir, Evaluator: "wasm"}); err == nil || !strings.Contains(err.Error(), `evaluator "wasm"`) {
		t.Fatalf("Open with evaluator wasm: %v", err)
	}
}

// A policy whose answer can change between two calls cannot be checked
// against OPA at load, so OPA serves it, and the status says why.
func TestNondeterministicPolicyServedByOPA(t *testing.T) {
	e := openTB(t, Options{Dir: "testdata/nondeterministic"})
	st := e.Status()
	if st.Evaluator != EvaluatorOPA || !strings.Contains(st.EvaluatorNote, "time.now_ns") {
		t.Fatalf("status %+v: want opa serving with a note naming time.now_ns", st)
	}
	if d := e.Decide(context.Background(), typicalInput()); !d.Allow || d.Err != nil {
		t.Fatalf("decision %+v", d)
	}
}

// The load-time self-check runs on the inputs the policy's own tests use,
// fixtures built by helper rules included.
func TestSelfCheckInputsFromTests(t *testing.T) {
	src, err := readSources(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := buildRevision(context.Background(), src, false, EvaluatorCompiled)
	if err != nil {
		t.Fatal(err)
	}
	inputs := testInputs(context.Background(), src.modules, inmem.NewFromObject(src.data))
	if len(inputs) < 30 {
		t.Fatalf("%d test inputs harvested from the examples, want the 33 distinct ones of the ~40 tests", len(inputs))
	}
	for _, in := range inputs {
		if _, ok := in.Value.(ast.Object); !ok {
			t.Fatalf("input %v is not an object", in)
		}
	}
	if rev.evaluator != EvaluatorCompiled {
		t.Fatalf("examples served by %s: %s", rev.evaluator, rev.whyOPA)
	}
}
