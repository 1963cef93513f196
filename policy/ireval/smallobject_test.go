package ireval

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Objects built by ObjectInsert start as SmallObjects (smallobject.go): the
// same answers as topdown whether they stay small or outgrow
// maxSmallObject, are looked into, counted, compared, iterated, nested,
// merged, given a key twice (same value, or a conflict), or returned in the
// decision literal.
func TestSmallObjectDifferential(t *testing.T) {
	differential(t, "partial objects", `package t
o[k] := v if some k, v in input.kv
n[k] := true if some k in input.ns
c := {k: v | some k, v in input.kv}
out := {"o": o, "n": n, "c": c, "count": count(o), "a": o.a, "eq": o == {"a": 1, "b": 2}, "nested": {"inner": o},
	"arr": [o], "keys": [k | some k, _ in o], "union": object.union(o, {"z": 0}), "set": {o}}`, "",
		`{"kv": {"a": 1, "b": 2}, "ns": [1, 1.0, 2]}`,
		`{"kv": {"a": 1}, "ns": []}`,
		`{"kv": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10}, "ns": [3, 2, 1, 0, -1, -2, -3, -4, -5, -6]}`,
		`{"kv": {}, "ns": [1.5, 1.50, 2]}`)
	differential(t, "a key given twice", `package t
o[k] := v if { some x in input.xs; k := x.k; v := x.v }
out := {"o": o}`, "",
		`{"xs": [{"k": "a", "v": 1}, {"k": "a", "v": 1}, {"k": "b", "v": 2}]}`, // same value: one key
		`{"xs": [{"k": "a", "v": 1}, {"k": "a", "v": 2}]}`,                     // a conflict, in both
		`{"xs": [{"k": "a", "v": 1}, {"k": "b", "v": 1}, {"k": "c", "v": 1}, {"k": "d", "v": 1}, {"k": "e", "v": 1},
			{"k": "f", "v": 1}, {"k": "g", "v": 1}, {"k": "h", "v": 1}, {"k": "i", "v": 1}, {"k": "a", "v": 2}]}`, // conflict after growing
		`{"xs": [{"k": 1, "v": "x"}, {"k": 1.0, "v": "x"}]}`)
	differential(t, "more small collections than the pool holds", `package t
out := {"objs": [{"k": x, "s": {x, "y"}} | some x in numbers.range(1, input.n)], "count": count({{x: x} | some x in numbers.range(1, input.n)})}`, "",
		`{"n": 300}`, `{"n": 600}`, `{"n": 3}`)
	differential(t, "object comprehension with a repeated key", `package t
out := {"c": {k: 1 | some k in input.ks}}`, "", `{"ks": ["a", "b", "a"]}`, `{"ks": []}`)
}

// EvalLazy hands a small object in the decision literal over unbuilt, in
// insertion order; Eval's object holds the ordinary object.
func TestEvalLazySmallObject(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(`package t
tags[k] := v if some k, v in input.kv
out := {"tags": tags, "k": 1}`, ast.ParserOptions{RegoVersion: ast.RegoV1})}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	in, data := ast.MustParseTerm(`{"kv": {"team": "research", "env": "prod"}}`), ast.NewTerm(ast.NewObject())
	for range 2 {
		res, err := prog.EvalLazy(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		tags := res.Value.Value.(*LazyObject).Get(ast.StringTerm("tags"))
		so, ok := tags.Value.(*SmallObject)
		if !ok {
			t.Fatalf("tags is %T, want *SmallObject", tags.Value)
		}
		got := ast.NewObject()
		for i := range so.Len() {
			got.Insert(so.Item(i))
		}
		if got.Compare(ast.MustParseTerm(`{"env": "prod", "team": "research"}`).Value) != 0 {
			t.Fatalf("items %v", got)
		}
		res.Release()
		res, err = prog.Eval(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Value.Value.(ast.Object).Get(ast.StringTerm("tags")).Value.(ast.Object); !ok {
			t.Fatalf("Eval: tags is not an ast.Object: %v", res.Value)
		}
		res.Release()
	}
}
