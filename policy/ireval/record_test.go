package ireval

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// The entrypoint's object literal is fused into a record (record.go): the
// same answers as topdown when a value is undefined (the literal is), when
// two rules produce it (a conflict only if they differ) and when it is
// compared or passed on.
func TestRecordDifferential(t *testing.T) {
	differential(t, "literal", `package t
out := {"a": input.x, "b": [1, 2], "c": {"k": input.y}}`, "",
		`{"x": 1, "y": 2}`, `{"y": 2}`, `{"x": 1}`, `{}`)
	differential(t, "two bodies", `package t
out := {"a": 1, "b": input.x} if input.p
out := {"a": 1, "b": 2} if input.q`, "",
		`{"p": true, "x": 2}`, `{"p": true, "q": true, "x": 2}`, `{"p": true, "q": true, "x": 3}`, `{"q": true}`, `{}`)
	differential(t, "else", `package t
out := {"a": input.x, "b": 1} if input.p
else := {"a": 0, "b": 2}`, "",
		`{"p": true, "x": 5}`, `{"p": true}`, `{}`)
	differential(t, "repeated key", `package t
out := {"a": 1, "a": 1, "b": input.x}`, "", `{"x": 1}`, `{}`)
	// The planner builds [input.x] between the inserts of b and c: the
	// literal must not be fused up to b and then refuse c.
	differential(t, "interrupted", `package t
out := {"a": true, "b": 1, "c": [input.x]}`, "", `{"x": 1}`, `{}`)
	differential(t, "interrupted twice", `package t
out := {"a": "s", "b": 1, "c": {input.x}, "d": 2, "e": {"k": [input.x]}}`, "", `{"x": 1}`, `{}`)
	differential(t, "interrupted, moved", `package t
out := o if {
	o := {"a": true, "b": 1, "c": [input.x]}
}`, "", `{"x": 1}`, `{}`)
}

// EvalLazy returns the decision literal unbuilt, its fields readable by key;
// Eval returns the ordinary object.
func TestEvalLazyRecord(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(`package t
out := {"allow": count(input.deny) == 0, "reasons": input.deny, "n": 3}`, ast.ParserOptions{RegoVersion: ast.RegoV1})}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	in, data := ast.MustParseTerm(`{"deny": ["x"]}`), ast.NewTerm(ast.NewObject())
	want := ast.MustParseTerm(`{"allow": false, "reasons": ["x"], "n": 3}`)
	for range 2 { // pooled records are reused
		res, err := prog.EvalLazy(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		lo, ok := res.Value.Value.(*LazyObject)
		if !ok {
			t.Fatalf("EvalLazy returned %T, want a record (*LazyObject)", res.Value.Value)
		}
		if got := lo.Get(ast.StringTerm("allow")); got == nil || got.Value.Compare(ast.Boolean(false)) != 0 {
			t.Fatalf("allow = %v", got)
		}
		if got := lo.Get(ast.StringTerm("missing")); got != nil {
			t.Fatalf("missing = %v", got)
		}
		if got := Concrete(res.Value); got.Value.Compare(want.Value) != 0 {
			t.Fatalf("materialised %v, want %v", got, want)
		}
		res.Release()
		res, err = prog.Eval(ctx, in, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := res.Value.Value.(ast.Object); !ok || res.Value.Value.Compare(want.Value) != 0 {
			t.Fatalf("Eval returned %T %v, want the object %v", res.Value.Value, res.Value, want)
		}
		res.Release()
	}
}
