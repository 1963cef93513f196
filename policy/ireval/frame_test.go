package ireval

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Every test of this package runs with stale locals poisoned: a local the
// frame analysis wrongly leaves uncleared is read as this string, and the
// differential tests (constructs, random programs) see a result topdown
// does not give.
func init() { poisonStale = ast.StringTerm("\x00stale local") }

// TestMustClear checks the analysis on a small function: the rule's result
// local is written in one body and read after it (it may be undefined), a
// temporary is written before it is read.
func TestMustClear(t *testing.T) {
	prog, err := Compile(context.Background(), map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(`package t
x := 1 if input.a == 1
x := 2 if input.a == 2
out := [x, y] if { y := input.b + 1 }`, ast.ParserOptions{RegoVersion: ast.RegoV1})}, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	total, cleared := 0, 0
	for _, fn := range prog.funcs {
		total += fn.size
		cleared += len(fn.clear)
		for _, l := range fn.clear {
			if l < 0 || l >= fn.size {
				t.Fatalf("%s clears local %d of %d", fn.name, l, fn.size)
			}
		}
		if fn.ret >= 0 && len(fn.blocks) > 1 && !contains(fn.clear, fn.ret) {
			t.Errorf("%s: the result local %d (set in one of %d bodies) is not cleared: %v", fn.name, fn.ret, len(fn.blocks), fn.clear)
		}
	}
	if cleared == 0 || cleared >= total {
		t.Errorf("%d of %d locals cleared: want some, not all", cleared, total)
	}
	for _, in := range []string{`{"a": 1, "b": 1}`, `{"a": 2, "b": 2}`, `{"a": 3, "b": 3}`, `{}`} {
		for range 2 {
			res, err := prog.Eval(context.Background(), ast.MustParseTerm(in), ast.NewTerm(ast.NewObject()), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s -> %v", in, res.Value)
			if res.Value != nil && res.Value.Value.Compare(ast.MustParseTerm(`[1, 2]`).Value) != 0 &&
				res.Value.Value.Compare(ast.MustParseTerm(`[2, 3]`).Value) != 0 {
				t.Errorf("%s: %v", in, res.Value)
			}
			res.Release()
		}
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
