package ireval

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/util"
)

// differential evaluates data.t.out with topdown and with the plan interpreter
// for every input and requires the same outcome: the same value, both
// undefined, or both an error.
func differential(t *testing.T, name, policy, data string, inputs ...string) {
	t.Helper()
	ctx := context.Background()
	mods := map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(policy, ast.ParserOptions{RegoVersion: ast.RegoV1})}
	var dataDoc map[string]any
	if data == "" {
		data = "{}"
	}
	if err := util.UnmarshalJSON([]byte(data), &dataDoc); err != nil {
		t.Fatal(err)
	}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatalf("%s: compile: %v", name, err)
	}
	pq, err := rego.New(rego.Query("data.t.out"), rego.ParsedModule(mods["p.rego"]),
		rego.Store(inmem.NewFromObject(dataDoc))).PrepareForEval(ctx)
	if err != nil {
		t.Fatalf("%s: topdown prepare: %v", name, err)
	}
	dataTerm := ast.NewTerm(ast.MustInterfaceToValue(dataDoc))
	for _, in := range inputs {
		inVal := ast.MustParseTerm(in)
		rs, tdErr := pq.Eval(ctx, rego.EvalParsedInput(inVal.Value), rego.EvalGenerateJSON(keepAST))
		var want ast.Value
		if tdErr == nil && len(rs) == 1 {
			want = rs[0].Expressions[0].Value.(ast.Value)
		}
		for round := range 5 { // repeated: the pooled state must not leak between evaluations
			input, eval, data := inVal, prog.Eval, dataTerm
			switch round {
			case 2:
				input = lazyOf(inVal) // the same document, read key by key
			case 3:
				eval = prog.EvalLazy // an object literal result may come back unbuilt (a record)
			case 4:
				data = Freeze(dataTerm) // the data document indexed, as the engine serves it
			}
			res, err := eval(ctx, input, data, nil)
			got := Concrete(res.Value)
			switch {
			case tdErr != nil && err == nil:
				t.Fatalf("%s, input %s: topdown failed (%v), ireval returned %v", name, in, tdErr, got)
			case tdErr == nil && err != nil:
				t.Fatalf("%s, input %s: ireval failed: %v (topdown: %v)", name, in, err, want)
			case tdErr != nil:
				continue
			case (got == nil) != (want == nil):
				t.Fatalf("%s, input %s: ireval %v, topdown %v", name, in, got, want)
			case got != nil && got.Value.Compare(want) != 0:
				t.Fatalf("%s, input %s:\nireval  %v\ntopdown %v", name, in, got, want)
			}
			res.Release()
		}
	}
}

// objectDoc serves an object through LazyDoc, nested objects lazily too.
type objectDoc struct{ obj ast.Object }

func (d objectDoc) Get(key string) *ast.Term { return lazyOf(d.obj.Get(ast.StringTerm(key))) }
func (d objectDoc) Full() ast.Value          { return d.obj }

func lazyOf(t *ast.Term) *ast.Term {
	if t == nil {
		return nil
	}
	if o, ok := t.Value.(ast.Object); ok {
		return NewLazy(objectDoc{o})
	}
	return t
}

// keepAST keeps topdown's result as ast values, so sets stay sets.
func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

func TestDifferentialConstructs(t *testing.T) {
	inputs := []string{`{}`, `{"x": 1}`, `{"x": 5, "ys": [1, 2, 3], "s": "abc"}`,
		`{"x": "a", "ys": ["b", "a"], "o": {"a": 1, "b": 2}}`, `{"x": 2.5, "ys": [], "o": {}}`,
		`{"x": null, "ys": [[1, 2], [3]], "o": {"k": {"n": true}}}`}
	cases := []struct{ name, policy, data string }{
		{"complete", `package t
out := input.x`, ""},
		{"default", `package t
default out := "none"
out := input.x if input.x > 3`, ""},
		{"else", `package t
out := "big" if { input.x > 4 } else := "small" if { input.x < 2 } else := "mid"`, ""},
		{"partial set", `package t
out contains y if { some y in input.ys; y != "a" }
out contains "x" if input.x`, ""},
		{"partial object", `package t
out[k] := v if { some k, v in input.o }`, ""},
		{"object conflict", `package t
out[k] := v if { some v in input.ys; k := "same" }`, ""},
		{"complete conflict", `package t
out := y if { some y in input.ys }`, ""},
		{"negation", `package t
out if not input.x
out if { not input.x == 1; not "a" in input.ys }`, ""},
		{"functions", `package t
f(x) := x * 2 if is_number(x)
f(x) := upper(x) if is_string(x)
g(a, b) := a + b
out := [f(y) | some y in input.ys]
out2 := g(1, 2)`, ""},
		{"function conflict", `package t
f(_) := 1
f(_) := 2
out := f(input.x)`, ""},
		{"comprehensions", `package t
out := {"a": [y | some y in input.ys], "s": {y | some y in input.ys}, "o": {k: v | some k, v in input.o}, "n": count(input.ys)}`, ""},
		{"data and input", `package t
limit := data.limits[input.s]
out := {"ok": input.x <= limit, "lim": limit}`, `{"limits": {"abc": 3, "def": 10}}`},
		{"array index", `package t
out := [input.ys[0], input.ys[1]]`, ""},
		{"nested refs", `package t
out := input.o.k.n`, ""},
		{"builtin errors are undefined", `package t
out := {"div": 1 / input.x} if true
out2 := to_number(input.s)`, ""},
		{"strings", `package t
out := sprintf("%v-%s", [input.x, concat(",", [sprintf("%v", [y]) | some y in input.ys])])`, ""},
		{"sort and sets", `package t
s contains y if some y in input.ys
out := {"sorted": sort(s), "n": count(s), "u": s | {"z"}, "i": s & {"a"}}`, ""},
		{"with", `package t
inner := input.x
out := [x, y] if {
	x := inner with input.x as 42
	y := inner with input as {"x": [input.x]}
}`, ""},
		{"with function mock", `package t
mock(_) := 7
out := y if { y := count(input.ys) with count as mock }`, ""},
		{"with on a virtual document", `package t
x := y
y := input.x
out := [a, b] if {
	a := x with y as 1
	b := x
}`, ""},
		{"colliding object keys", `package t
# [-1, 0, 1, 2] and 2 hash alike in ast objects; 2 is inserted twice
o[k] := "b" if {
	some y in [2, 5, 2, 3]
	some k in [y, [-1, 0, 1, 2]]
}
out := o`, ""},
		{"every", `package t
out if every y in input.ys { y != "zz" }`, ""},
		{"some in object", `package t
out contains k if { some k, v in input.o; v > 1 }`, ""},
		{"walk", `package t
out := [p | walk(input.o, [p, _])]`, ""},
		{"time", `package t
out := time.now_ns() > 0`, ""},
		{"print", `package t
out := input.x if { print("x is", input.x) }`, ""},
		{"numbers", `package t
out := {"sum": sum([1, 2.5]), "big": 12345678901234567890 + 1, "cmp": 1 == 1.0, "f": 0.1 + 0.2}`, ""},
		{"regex and glob", `package t
out := {"r": regex.match("^a", input.s), "g": glob.match("a*", [], input.s)}`, ""},
		{"object.get and union", `package t
out := {"g": object.get(input, ["o", "a"], "missing"), "u": object.union({"a": 1}, {"b": 2})}`, ""},
	}
	for _, c := range cases {
		differential(t, c.name, c.policy, c.data, inputs...)
	}
}

func TestVirtualDataAcrossPackages(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{
		"a.rego": ast.MustParseModuleWithOpts(`package t
import data.lib
out := {"d": lib.double, "k": data.lib.keys}`, ast.ParserOptions{RegoVersion: ast.RegoV1}),
		"b.rego": ast.MustParseModuleWithOpts(`package lib
double := input.x * 2
keys contains k if some k, _ in input.o`, ast.ParserOptions{RegoVersion: ast.RegoV1}),
	}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	res, err := prog.Eval(ctx, ast.MustParseTerm(`{"x": 4, "o": {"a": 1, "b": 2}}`), ast.NewTerm(ast.NewObject()), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Release()
	if got, want := res.Value, ast.MustParseTerm(`{"d": 8, "k": {"a", "b"}}`); got.Value.Compare(want.Value) != 0 {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestCancel(t *testing.T) {
	ctx := context.Background()
	mods := map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(`package t
out := count([x | some x in numbers.range(1, 100000); x % 7 == 0])`, ast.ParserOptions{RegoVersion: ast.RegoV1})}
	prog, err := Compile(ctx, mods, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	c := topdown.NewCancel()
	c.Cancel()
	if _, err := prog.Eval(ctx, ast.NewTerm(ast.NewObject()), ast.NewTerm(ast.NewObject()), c); err != ErrCancelled {
		t.Fatalf("err = %v, want ErrCancelled", err)
	}
	res, err := prog.Eval(ctx, ast.NewTerm(ast.NewObject()), ast.NewTerm(ast.NewObject()), nil)
	if err != nil || res.Value.Value.Compare(ast.Number("14285")) != 0 {
		t.Fatalf("got %v, %v; want 14285", res.Value, err)
	}
	res.Release()
}

func TestUnsupportedBuiltinIsReported(t *testing.T) {
	// A policy that plans fine but calls a builtin unknown to topdown cannot
	// exist; what can happen is a planner limitation, reported as unsupported.
	err := &compileError{msg: "x"}
	if !IsUnsupported(fmt.Errorf("wrapped: %w", err)) || IsUnsupported(fmt.Errorf("other")) {
		t.Fatal("IsUnsupported misclassifies")
	}
	if !strings.Contains(err.Error(), "ireval") {
		t.Fatal(err.Error())
	}
}
