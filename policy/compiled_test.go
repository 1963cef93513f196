package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/tollgate-ai/tollgate/policy/ireval"
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

// crashingDoc panics on every lookup: a stand-in for an interpreter bug.
type crashingDoc struct{ full ast.Value }

func (crashingDoc) Get(string) *ast.Term { panic("interpreter bug") }
func (d crashingDoc) Full() ast.Value    { return d.full }

// A crash of the compiled evaluator is not the policy's fault: OPA's
// evaluator answers the request instead, and the crash is counted.
func TestCompiledCrashFallsBackToOPA(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	rev := e.rev.Load()
	in := rev.terms.inputValue(typicalInput())
	before := compiledCrashes.Get()
	got, res, err := e.eval(context.Background(), rev, ireval.NewLazy(crashingDoc{full: in}), false)
	if err != nil || res.Value != nil {
		t.Fatalf("eval after a crash: %v (result %v)", err, res.Value)
	}
	want, err := e.evalTopdown(context.Background(), rev, ast.NewTerm(in))
	if err != nil || got.Compare(want) != 0 {
		t.Fatalf("fallback decision %v, topdown %v (%v)", got, want, err)
	}
	if n := compiledCrashes.Get() - before; n != 1 {
		t.Fatalf("crashes counted: %d, want 1", n)
	}
}

// On a conflict OPA's rule index may skip, the compiled evaluator hands the
// decision to topdown, so both evaluators answer the same.
func TestConflictDecidedByOPA(t *testing.T) {
	compiled := openTB(t, Options{Dir: "testdata/conflict_skipped"})
	topdown := openTB(t, Options{Dir: "testdata/conflict_skipped", Evaluator: EvaluatorOPA})
	if st := compiled.Status(); st.Evaluator != EvaluatorCompiled {
		t.Fatalf("status %+v: the self-check must accept a conflict (decided by topdown at run time)", st)
	}
	before := compiledConflicts.Get()
	for _, model := range []string{"mock-gpt", "gpt-4o"} {
		in := typicalInput()
		in.Request.Model = model
		got, want := compiled.Decide(context.Background(), in), topdown.Decide(context.Background(), in)
		if (got.Err == nil) != (want.Err == nil) || got.Allow != want.Allow {
			t.Fatalf("model %s: compiled %+v, topdown %+v", model, got, want)
		}
	}
	if n := compiledConflicts.Get() - before; n != 2 {
		t.Fatalf("conflict fallbacks counted: %d, want 2", n)
	}
}

// The compiled evaluator leaves partial objects (tags, headers) unbuilt
// (ireval.SmallObject) for parseDecision: the decision, or its type error,
// is the one topdown's ordinary object gives, small or past eight keys.
func TestPartialObjectsDecidedAlike(t *testing.T) {
	dir := t.TempDir()
	policy := `package tollgate
tags[k] := v if some k, v in input.principal.tags
headers[k] := v if { some k, v in input.principal.tags; startswith(k, "x-") }
headers["x-count"] := count(input.principal.tags) if input.principal.tags.numeric == "yes"
decision := {"allow": true, "tags": tags, "headers": headers}
`
	if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	compiled := openTB(t, Options{Dir: dir})
	topdown := openTB(t, Options{Dir: dir, Evaluator: EvaluatorOPA})
	if st := compiled.Status(); st.Evaluator != EvaluatorCompiled {
		t.Fatalf("status %+v", st)
	}
	many := map[string]string{}
	for i := range 12 {
		many[fmt.Sprintf("x-k%d", i)] = fmt.Sprint(i)
	}
	for _, tags := range []map[string]string{nil, {"env": "prod"}, {"env": "prod", "x-team": "a"}, many, {"numeric": "yes"}} {
		in := typicalInput()
		in.Principal.Tags = tags
		got, want := compiled.Decide(context.Background(), in), topdown.Decide(context.Background(), in)
		got.Revision, want.Revision = "", ""
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("tags %v:\ncompiled %+v\ntopdown  %+v", tags, got, want)
		}
		if numeric := tags["numeric"] != ""; numeric != (got.Err != nil) || !numeric && len(got.Tags) != len(tags) {
			t.Fatalf("tags %v: decision %+v", tags, got)
		}
	}
}
