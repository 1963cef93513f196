package ireval

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A frozen data document (frozen.go) answers every use as the plain one:
// lookups (constant, dynamic, missing, non-string keys), iteration,
// comparison, builtins, values of collections, `with` on data, and data as a
// whole. differential runs each input with plain and with frozen data.
func TestFrozenDataDifferential(t *testing.T) {
	data := `{"cfg": {"tenants": {"acme": {"models": ["a", "b"], "limits": {"rpm": 10}, "pii": "redact"},
		"globex": {"models": [], "limits": {}, "pii": "deny"}}, "list": [{"k": 1}, {"k": 2}], "n": 3}}`
	differential(t, "frozen data", `package t
tenant := data.cfg.tenants[input.t]
default models := "none"
models := tenant.models
default rpm := "none"
rpm := tenant.limits.rpm
default has_b := "none"
has_b := "b" in tenant.models
default missing := "none"
missing := data.cfg.tenants.nobody
default num_key := "none"
num_key := data.cfg.tenants[1]
default eq := "none"
eq := tenant.limits == {"rpm": 10}
default union := "none"
union := object.union(tenant.limits, {"x": 1})
default collections := "none"
collections := [[tenant.limits], {tenant.limits}, {"v": tenant}]
n_tenants := count(data.cfg.tenants)
without_tenants := n if n := n_tenants with data.cfg.tenants as {}
out := {
	"models": models, "rpm": rpm, "has_b": has_b, "missing": missing, "num_key": num_key, "eq": eq,
	"union": union, "collections": collections, "list_k": data.cfg.list[1].k,
	"names": [n | some n, _ in data.cfg.tenants], "count": n_tenants, "keys": object.keys(data.cfg),
	"with": without_tenants, "get": object.get(data.cfg, ["tenants", input.t, "pii"], "none"),
}`, data, `{"t": "acme"}`, `{"t": "globex"}`, `{"t": "initech"}`, `{}`)
}

func TestFreeze(t *testing.T) {
	plain := ast.MustParseTerm(`{"a": {"b": 1}, "c": [1]}`)
	frozen := Freeze(plain)
	lo, ok := frozen.Value.(*LazyObject)
	if !ok {
		t.Fatalf("frozen is %T", frozen.Value)
	}
	if Concrete(frozen) != plain {
		t.Fatal("the frozen object's value is not the original term")
	}
	if a := lo.Get(ast.StringTerm("a")); a == nil || Concrete(a).Value.Compare(ast.MustParseTerm(`{"b": 1}`).Value) != 0 {
		t.Fatalf("a: %v", a)
	}
	mixed := ast.MustParseTerm(`{"a": 1, 2: 3}`)
	if Freeze(mixed) != mixed {
		t.Fatal("an object with a non-string key was frozen")
	}
	if arr := ast.MustParseTerm(`[1]`); Freeze(arr) != arr {
		t.Fatal("an array was wrapped")
	}
}
