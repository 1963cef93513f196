package ireval

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Sets built by SetAdd start as SmallSets (smallset.go): the same answers as
// topdown whether they stay small or outgrow maxSmallSet, are looked into,
// counted, compared, nested, or returned in the decision literal.
func TestSmallSetDifferential(t *testing.T) {
	differential(t, "partial sets", `package t
s contains x if some x in input.xs
n contains x if some x in input.ns
out := {"s": s, "n": n, "count": count(s), "has_a": s["a"], "eq": s == {"a", "b"}, "nested": {"inner": s}, "arr": [s]}`, "",
		`{"xs": ["a", "b", "a"], "ns": [1, 1.0, 2]}`,
		`{"xs": ["a"], "ns": []}`,
		`{"xs": ["b", "a", "c", "d", "e", "f", "g", "h", "i", "j", "a", "k"], "ns": [3, 2, 1, 0, -1, -2, -3, -4, -5, -6]}`,
		`{"xs": [], "ns": [1.5, 1.50, 2]}`)
	differential(t, "set in a comprehension", `package t
out := {"c": {x | some x in input.xs}, "u": {x | some x in input.xs} | {"z"}}`, "",
		`{"xs": ["b", "a", "b"]}`, `{"xs": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}`, `{"xs": []}`)
}

// EvalLazy hands a small set in the decision literal over unbuilt, its
// elements sorted as ast.Set sorts them; Eval's object holds the ordinary set.
func TestEvalLazySmallSet(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(`package t
caps contains n if some n in input.ns
out := {"caps": caps, "k": 1}`, ast.ParserOptions{RegoVersion: ast.RegoV1})}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	in, data := ast.MustParseTerm(`{"ns": [30, 10, 20, 10]}`), ast.NewTerm(ast.NewObject())
	for range 2 {
		res, err := prog.EvalLazy(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		caps := res.Value.Value.(*LazyObject).Get(ast.StringTerm("caps"))
		ss, ok := caps.Value.(*SmallSet)
		if !ok {
			t.Fatalf("caps is %T, want *SmallSet", caps.Value)
		}
		if got := ast.NewArray(ss.Sorted()...); got.Compare(ast.MustParseTerm(`[10, 20, 30]`).Value) != 0 {
			t.Fatalf("sorted %v", got)
		}
		res.Release()
		res, err = prog.Eval(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Value.Value.(ast.Object).Get(ast.StringTerm("caps")).Value.(ast.Set); !ok {
			t.Fatalf("Eval: caps is not an ast.Set: %v", res.Value)
		}
		res.Release()
	}
}
