package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

var updateGolden = flag.Bool("update", false, "rewrite policy/testdata/*.plan.json from the current OPA planner")

// goldenPlan is where the examples' query plan is kept.
const goldenPlan = "testdata/examples.plan.json"

// TestGoldenPlan diffs OPA's query plan of the example policies against the
// one checked in. ireval interprets that plan; when an OPA upgrade changes
// its layout, the compiled evaluator may stop linking or agreeing with
// topdown and the gateway would quietly serve with the slower evaluator. This
// test makes the change loud: review the diff, check that ireval still runs
// the new layout (TestCompiledServesExamples, the differential tests), then
// regenerate.
func TestGoldenPlan(t *testing.T) {
	got := examplesPlan(t)
	if *updateGolden {
		if err := os.WriteFile(goldenPlan, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPlan)
	if err != nil {
		t.Fatalf("%v: generate it with `go test ./policy -run TestGoldenPlan -update`", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("OPA's query plan of policy/examples changed (an OPA upgrade, or an edit of the examples?): %s\n"+
			"Check that the compiled evaluator still serves the examples (go test ./policy), then regenerate with "+
			"`go test ./policy -run TestGoldenPlan -update` and commit policy/%s.", firstDiff(want, got), goldenPlan)
	}
}

// examplesPlan is the plan JSON of the examples' serving modules, indented
// so that a change diffs line by line.
func examplesPlan(t *testing.T) []byte {
	t.Helper()
	src, err := readSources(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	serving := map[string]*ast.Module{}
	for name, m := range src.modules {
		if !isTestFile(name) {
			serving[name] = m
		}
	}
	raw, err := ireval.Plan(context.Background(), serving, "tollgate/decision")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", " "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// firstDiff names the first line where got differs from want, with context.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < max(len(w), len(g)); i++ {
		if i < len(w) && i < len(g) && w[i] == g[i] {
			continue
		}
		line := func(ls []string) string {
			if i < len(ls) {
				return ls[i]
			}
			return "(end of file)"
		}
		return fmt.Sprintf("first difference at line %d (of %d checked in, %d now):\n  want: %s\n  got:  %s",
			i+1, len(w), len(g), line(w), line(g))
	}
	return "no line differs"
}
