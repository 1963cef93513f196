package policy

import (
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestShapeOf(t *testing.T) {
	// want: "all", or the sorted top keys as "k" (whole) or "k.a+b" (those keys).
	f := func(body, want string) {
		t.Helper()
		src := "package tollgate\n\nimport input.request as req\n\n" + body
		c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
		if c.Compile(map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})}); c.Failed() {
			t.Fatal(c.Errors)
		}
		got := describeShape(shapeOf(slices.Collect(maps.Values(c.Modules))))
		if got != want {
			t.Errorf("%s\n got %s\nwant %s", body, got, want)
		}
	}
	f(`decision := {"allow": input.phase == "request"}`, "phase")
	f(`decision := {"allow": input.request.model == "x", "n": input.request.n}`, "request.model+n")
	f(`decision := {"allow": req.model == "x"}`, "request.model")
	f(`decision := {"allow": count(input.request) > 0}`, "request")
	f(`decision := {"allow": input.health[input.request.model].status == "ok"}`, "health request.model")
	f(`decision := {"allow": input.request[k] == "x"} if some k`, "request")
	f(`decision := {"allow": count(input) > 0}`, "all")
	f(`decision := {"allow": x} if { some k; x := input[k] }`, "all")
	f(`decision := {"allow": true} if { some f in input.findings; f.kind == "x" }`, "findings")
	f(`decision := {"allow": is_object(object.get(input, "spend", {}))}`, "all")
}

func describeShape(s *inputShape) string {
	if s.all {
		return "all"
	}
	var parts []string
	for k, n := range s.top {
		if n.whole {
			parts = append(parts, k)
			continue
		}
		keys := slices.Sorted(maps.Keys(n.keys))
		parts = append(parts, k+"."+strings.Join(keys, "+"))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestEvalInputPruned: the examples read few input fields, so the evaluated
// input omits the rest while the whole input (decision log) keeps them.
func TestEvalInputPruned(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	c := e.rev.Load().terms
	in := fullInput()
	pruned, whole := c.evalInput(in).(ast.Object), c.inputValue(in).(ast.Object)
	f := func(path string, inPruned, inWhole bool) {
		t.Helper()
		ref := ast.MustParseRef("input." + path)[1:]
		_, errP := pruned.Find(ref)
		_, errW := whole.Find(ref)
		if (errP == nil) != inPruned || (errW == nil) != inWhole {
			t.Errorf("input.%s: in pruned %v (want %v), in whole %v (want %v)", path, errP == nil, inPruned, errW == nil, inWhole)
		}
	}
	f("phase", true, true)
	f("request.model", true, true)
	f("request.user", false, true)
	f("request.metadata", false, true)
	f("spend.budget_remaining", true, true)
	f("spend.key_today", false, true)
	f("findings", true, true)
	f("response.findings", true, true)
	f("response.usage", false, true)
	f("health", true, true)
	f("principal.tenant", true, true)
}

// TestDecideWithLogMatchesPruned: with a decision log (whole input) the policy
// decides as on the pruned input.
func TestDecideWithLogMatchesPruned(t *testing.T) {
	plain := openTB(t, Options{Dir: examplesDir})
	logged := openTB(t, Options{Dir: examplesDir, DecisionLog: DecisionLogOptions{Path: t.TempDir() + "/d.log"}})
	for _, in := range []*Input{typicalInput(), fullInput()} {
		a, b := plain.Decide(context.Background(), in), logged.Decide(context.Background(), in)
		if a.Err != nil || b.Err != nil || a.Allow != b.Allow || a.Model != b.Model || !slices.Equal(a.Redact, b.Redact) || !maps.Equal(a.Tags, b.Tags) {
			t.Errorf("pruned %+v\nwhole %+v", a, b)
		}
	}
}
