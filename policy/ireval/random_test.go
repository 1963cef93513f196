package ireval

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Random Rego programs, typed loosely enough that OPA's type checker accepts
// most of them, evaluated by topdown and by the plan interpreter (plain and
// lazy input) on random inputs.

type kind int

const (
	kNum kind = iota
	kStr
	kColl // array or set
	kSet
	kObj
	kBool
	kAny // input-derived, statically untyped
	nKinds
)

var (
	leaves = [][]string{
		{"0", "1", "2", "-3", "2.5", "0.1", "7", "9007199254740993", "count(input.xs)", "input.xs[0]", "input.x"},
		{`"a"`, `"b"`, `""`, `"héllo"`, `"日本"`, `"a,b"`, `"A"`, `"10"`, "input.s", "input.obj.a", "input.x"},
		{"input.xs", "[]", `[1, "a", 1]`, "numbers.range(-1, 2)", "object.keys(input.obj)"},
		{`{"a", 1}`, "object.keys(input.obj)", "set()", `{"a", "b", "c"}`},
		{"input.obj", "{}", `{"a": 1, "z": "q"}`},
		{"true", "false", "is_number(input.x)"},
		{"input.x", "input.s", "input.xs", "input.obj", "input.xs[1]", "input.obj.b", "input", `object.get(input, ["obj", "a"], null)`, "input.obj[input.s]"},
	}
	cmpOps = []string{"==", "!=", "<", "<=", ">", ">="}
	dflts  = []string{"0", `"none"`, "[]", "set()", "{}", "false", "null"}
)

type sym struct {
	name  string
	k     kind
	arity int  // functions
	typ   byte // 'r' complete, 's' set, 'o' object, 'f' function
}

type pgen struct {
	r       *rand.Rand
	n       int
	vars    []sym // locals in scope
	helpers []sym // rules and functions defined so far
}

func (g *pgen) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }
func (g *pgen) fresh(p string) string    { g.n++; return fmt.Sprintf("%s%d", p, g.n) }
func (g *pgen) chance(n int) bool        { return g.r.IntN(n) == 0 }
func (g *pgen) bind(name string, k kind) { g.vars = append(g.vars, sym{name: name, k: k}) }
func (g *pgen) kind() kind               { return kind(g.r.IntN(int(nKinds))) }
func (g *pgen) srcKind() kind            { return []kind{kColl, kObj, kAny, kAny}[g.r.IntN(4)] }
func (g *pgen) keyKind() kind            { return []kind{kStr, kStr, kNum, kAny}[g.r.IntN(4)] }
func (g *pgen) val(d int) string         { return g.gen(g.kind(), d) }

func fits(have, want kind) bool {
	return have == want || have == kAny || (want == kColl && have == kSet)
}

// ref returns a local, rule or function call usable where k is expected, or "".
func (g *pgen) ref(k kind, d int) string {
	var c []func() string
	for _, v := range g.vars {
		if fits(v.k, k) {
			c = append(c, func() string { return v.name })
		}
	}
	for _, h := range g.helpers {
		switch {
		case h.typ == 'r' && fits(h.k, k), h.typ == 's' && fits(kSet, k), h.typ == 'o' && k == kObj:
			c = append(c, func() string { return g.pick(h.name, "data.t."+h.name) })
		case h.typ == 'f' && fits(h.k, k) && d > 0:
			c = append(c, func() string { return g.call(h, d-1) })
		}
	}
	if len(c) == 0 {
		return ""
	}
	return c[g.r.IntN(len(c))]()
}

func (g *pgen) call(f sym, d int) string {
	arg := func() string { return g.gen(g.pick3(g.kind(), kAny, kAny), d) } // untyped, mostly: args get inferred types
	if f.arity == 2 {
		return fmt.Sprintf("%s(%s, %s)", f.name, arg(), arg())
	}
	return fmt.Sprintf("%s(%s)", f.name, arg())
}

func (g *pgen) gen(k kind, d int) string {
	if g.chance(3) {
		if s := g.ref(k, d); s != "" {
			return s
		}
	}
	if d <= 0 || g.chance(3) || k == kAny {
		return g.leaf(k)
	}
	d--
	switch k { // every alternative is generated, one is kept: depth stays small
	case kNum:
		return g.pick(fmt.Sprintf("(%s %s %s)", g.gen(kNum, d), g.pick("+", "-", "*", "/", "%"), g.gen(kNum, d)),
			fmt.Sprintf("count(%s)", g.gen(g.pick3(kColl, kObj, kStr), d)), fmt.Sprintf("to_number(%s)", g.gen(kStr, d)),
			fmt.Sprintf("%s(%s)", g.pick("sum", "max", "min"), g.pick("input.xs", "numbers.range(-1, 2)", g.gen(kAny, d))))
	case kStr:
		return g.pick(fmt.Sprintf("%s(%s)", g.pick("lower", "upper"), g.gen(kStr, d)),
			fmt.Sprintf("concat(%s, %s)", g.pick(`","`, `""`), g.pick("input.xs", "object.keys(input.obj)", `split(input.s, "a")`)),
			fmt.Sprintf("sprintf(%q, [%s, %s])", g.pick("%v", "%d", "%s", "%v-%d", "%s:%v"), g.val(d), g.val(d)),
			fmt.Sprintf("object.get(input.obj, %s, %q)", g.gen(kStr, d), "none"))
	case kColl:
		return g.pick(g.compr('[', d), fmt.Sprintf("[%s, %s]", g.val(d), g.val(d)), fmt.Sprintf("split(%s, \",\")", g.gen(kStr, d)),
			fmt.Sprintf("sort(%s)", g.gen(kColl, d)), g.gen(kSet, d+1),
			fmt.Sprintf("array.concat(%s, [%s])", g.pick("input.xs", "[1]", g.compr('[', d)), g.val(d)))
	case kSet:
		return g.pick(g.compr('{', d), fmt.Sprintf("(%s %s %s)", g.gen(kSet, d), g.pick("|", "&", "-"), g.gen(kSet, d)),
			fmt.Sprintf("object.keys(%s)", g.gen(kObj, d)), fmt.Sprintf("{%s, %s}", g.val(d), g.val(d)))
	case kObj:
		return g.pick(g.compr(':', d), fmt.Sprintf(`{"a": %s, "b": %s}`, g.val(d), g.val(d)),
			fmt.Sprintf("object.union(%s, %s)", g.gen(kObj, d), g.gen(kObj, d)))
	}
	return g.pick(fmt.Sprintf("%s(%s)", g.pick("is_number", "is_string"), g.val(d)),
		fmt.Sprintf("%s(%s, %s)", g.pick("startswith", "contains"), g.gen(kStr, d), g.gen(kStr, d)),
		"("+g.cmp(d)+")", "("+g.member(d)+")")
}

func (g *pgen) pick3(a, b, c kind) kind { return []kind{a, b, c}[g.r.IntN(3)] }

func (g *pgen) leaf(k kind) string {
	if k != kAny {
		return g.pick(leaves[k]...)
	}
	c := leaves[kAny]
	for _, v := range g.vars { // variable keys and indexes
		c = append(c[:len(c):len(c)], "input.obj["+v.name+"]", "input.xs["+v.name+"]")
	}
	return g.pick(c...)
}

// compr is an array ('['), set ('{') or object (':') comprehension, maybe nested.
func (g *pgen) compr(c byte, d int) string {
	saved := len(g.vars)
	defer func() { g.vars = g.vars[:saved] }()
	body := g.some(c == ':', d)
	if g.chance(2) {
		body = append(body, g.lit(d)...)
	}
	head := g.val(d)
	if c == ':' {
		head = g.gen(g.keyKind(), d) + ": " + head
	}
	if c == '[' {
		return fmt.Sprintf("[%s | %s]", head, strings.Join(body, "; "))
	}
	return fmt.Sprintf("{%s | %s}", head, strings.Join(body, "; "))
}

// some iterates a random collection, binding a value or a key and a value.
func (g *pgen) some(kv bool, d int) []string {
	src, x := g.gen(g.srcKind(), d), g.fresh("x")
	vars := x
	if kv {
		k := g.fresh("k")
		g.bind(k, kAny)
		vars = k + ", " + x
	}
	g.bind(x, kAny)
	return []string{fmt.Sprintf("some %s in %s", vars, src)}
}

// cmp compares two values: == and != only where the type checker lets them meet.
func (g *pgen) cmp(d int) string {
	op, k := g.pick(cmpOps...), g.kind()
	if op == "==" || op == "!=" {
		return fmt.Sprintf("%s %s %s", g.gen(k, d), op, g.gen(g.pick3(k, k, kAny), d))
	}
	return fmt.Sprintf("%s %s %s", g.val(d), op, g.val(d))
}

func (g *pgen) member(d int) string {
	if g.chance(2) {
		return fmt.Sprintf("%s in %s", g.gen(kAny, d), g.gen(kColl, d))
	}
	return fmt.Sprintf("%s in %s", g.val(d), g.pick("input.xs", "object.keys(input.obj)", "input.obj"))
}

// lit is one body step: one or more literals, possibly binding locals.
func (g *pgen) lit(d int) []string {
	switch g.r.IntN(11) {
	case 0, 1:
		return []string{g.cmp(d)}
	case 2:
		return []string{"not " + g.gen(kBool, d)}
	case 3, 4:
		return append(g.some(g.chance(2), d), g.lit(d-1)...)
	case 5:
		saved, x := len(g.vars), g.fresh("x")
		s := fmt.Sprintf("every %s in %s { %s %s %s", x, g.gen(g.srcKind(), d), x, g.pick(cmpOps...), g.val(d-1))
		g.bind(x, kAny)
		s += "; " + strings.Join(g.lit(d-1), "; ") + " }"
		g.vars = g.vars[:saved]
		return []string{s}
	case 6, 7:
		k := g.kind()
		v, e := g.fresh("v"), g.gen(k, d)
		g.bind(v, k)
		return []string{v + " := " + e}
	case 8: // with on input, parts of it and a rule
		if len(g.helpers) == 0 || g.helpers[0].typ == 'f' {
			break
		}
		h := g.helpers[g.r.IntN(len(g.helpers))]
		if h.typ == 'f' {
			h = g.helpers[0]
		}
		target := g.pick("input.x", "input.xs", "input.obj.a", "input.s", "input", "data.t."+g.helpers[0].name)
		repl := g.leaf(kind(g.r.IntN(int(kAny))))
		if target == "input" {
			repl = fmt.Sprintf(`{"x": %s, "xs": [%s, 1], "s": %s}`, g.leaf(kNum), g.leaf(kStr), g.leaf(kStr))
		}
		v := g.fresh("v")
		g.bind(v, h.k)
		return []string{fmt.Sprintf("%s := %s with %s as %s", v, h.name, target, repl)}
	case 9:
		return []string{g.gen(kBool, d)}
	}
	return []string{g.member(d)}
}

func (g *pgen) body(d int) string {
	var lits []string
	for range 1 + g.r.IntN(3) {
		lits = append(lits, g.lit(d)...)
	}
	return " if {\n\t" + strings.Join(lits, "\n\t") + "\n}"
}

func (g *pgen) rule(b *strings.Builder) {
	g.vars = nil
	k := g.kind()
	switch g.r.IntN(6) {
	case 0, 1: // complete: a default, an else chain, several definitions
		h := sym{name: g.fresh("r"), k: k, typ: 'r'}
		if g.chance(3) {
			fmt.Fprintf(b, "default %s := %s\n", h.name, dflts[k])
		}
		for def, defs, elses := 0, 1+g.r.IntN(2), g.r.IntN(3); def < defs; def++ {
			g.vars = nil
			body := g.body(2)
			fmt.Fprintf(b, "%s := %s%s", h.name, g.gen(k, 2), body)
			for e := 0; e < elses && def == 0; e++ {
				if g.vars, body = nil, ""; e < elses-1 || g.chance(2) {
					body = g.body(1)
				}
				fmt.Fprintf(b, " else := %s%s", g.gen(k, 1), body)
			}
			b.WriteString("\n")
		}
		g.helpers = append(g.helpers, h)
	case 2, 3: // partial set or object
		h := sym{name: g.fresh("s"), k: kSet, typ: 's'}
		if g.chance(2) {
			h = sym{name: g.fresh("o"), k: kObj, typ: 'o'}
		}
		for range 1 + g.r.IntN(2) {
			g.vars = nil
			body := g.body(2)
			if h.typ == 's' {
				fmt.Fprintf(b, "%s contains %s%s\n", h.name, g.val(1), body)
			} else {
				fmt.Fprintf(b, "%s[%s] := %s%s\n", h.name, g.gen(g.keyKind(), 1), g.val(1), body)
			}
		}
		g.helpers = append(g.helpers, h)
	default: // function: several definitions, constant arguments
		f := sym{name: g.fresh("f"), k: k, arity: 1 + g.r.IntN(2), typ: 'f'}
		for range 1 + g.r.IntN(3) {
			g.vars = nil
			var args []string
			for range f.arity {
				a := g.fresh("a")
				if g.chance(4) {
					a = g.pick(`"a"`, "1", "_")
				} else {
					g.bind(a, kAny)
				}
				args = append(args, a)
			}
			head := g.gen(k, 2) // before the body: its locals are the arguments
			if fmt.Fprintf(b, "%s(%s) := %s", f.name, strings.Join(args, ", "), head); g.chance(2) {
				b.WriteString(g.body(1))
			}
			b.WriteString("\n")
		}
		g.helpers = append(g.helpers, f)
	}
}

func newProgram(r *rand.Rand) string {
	g := &pgen{r: r}
	var b strings.Builder
	b.WriteString("package t\n\n")
	for range 2 + r.IntN(5) {
		g.rule(&b)
	}
	g.vars = nil
	var parts, fields []string
	for _, h := range g.helpers {
		p := g.pick(h.name, h.name, "data.t."+h.name)
		switch {
		case h.typ == 'f':
			p = g.call(h, 1)
		case h.typ == 's' && g.chance(3):
			p = g.pick("sort(", "count(") + h.name + ")"
		}
		if (h.typ == 'r' || h.typ == 'f') && !g.chance(3) { // an undefined helper must not hide the rest
			p = fmt.Sprintf("[w | w := %s]", p)
		}
		parts, fields = append(parts, p), append(fields, fmt.Sprintf("%q: %s", h.name, p))
	}
	fmt.Fprintf(&b, g.pick("out := {%[1]s}", "out := [%[2]s]", "out := {%[2]s}"), strings.Join(fields, ", "), strings.Join(parts, ", "))
	if g.chance(5) {
		b.WriteString(g.body(1))
	}
	return b.String() + "\n"
}

// randInput is an input document: x any scalar, xs small ints and strings,
// obj string to number or string, s a string; each may be missing.
func randInput(r *rand.Rand) *ast.Term {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	nums := []string{"0", "1", "-2", "3", "2.5", "-0.5", "1e2", "9007199254740993", "-18446744073709551617"}
	strs := []string{`"a"`, `"b"`, `""`, `"héllo"`, `"日本"`, `"a,b"`, `"A"`, `"10"`}
	small := func() string {
		return pick(strs[r.IntN(3)], pick(nums...), fmt.Sprint(r.IntN(6)-2), fmt.Sprint(r.IntN(6)-2))
	}
	var fields, xs, kvs []string
	if r.IntN(5) > 0 {
		fields = append(fields, `"x": `+pick(pick(nums...), pick(nums...), pick(strs...), "true", "false", "null"))
	}
	for range r.IntN(5) {
		xs = append(xs, small())
	}
	if r.IntN(6) > 0 {
		fields = append(fields, `"xs": [`+strings.Join(xs, ", ")+"]")
	}
	for _, k := range []string{`"a"`, `"b"`, `"c"`, `"é"`} {
		if r.IntN(2) == 0 {
			kvs = append(kvs, k+": "+small())
		}
	}
	if r.IntN(6) > 0 {
		fields = append(fields, `"obj": {`+strings.Join(kvs, ", ")+"}")
	}
	if r.IntN(4) > 0 {
		fields = append(fields, `"s": `+pick(strs...))
	}
	return ast.MustParseTerm("{" + strings.Join(fields, ", ") + "}")
}

func TestRandomPrograms(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(20240611, 7))
	opts := ast.ParserOptions{RegoVersion: ast.RegoV1}
	var generated, compiled, unsupported, evaluated, defined, undefined, errs, conflicts, internal int
	defer func() { // also after a mismatch
		t.Logf("programs: %d generated, %d compiled, %d unsupported by the planner, %d evaluated; results: %d defined, %d undefined, %d errors; %d conflicts only ireval raised, %d topdown internal errors",
			generated, compiled, unsupported, evaluated, defined, undefined, errs, conflicts, internal)
	}()
	for range 200 {
		src := newProgram(r)
		generated++
		if _, err := ast.CompileModulesWithOpt(map[string]string{"p.rego": src}, ast.CompileOpts{ParserOptions: opts}); err != nil {
			continue
		}
		compiled++
		prog, err := Compile(ctx, map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(src, opts)}, "t/out")
		if IsUnsupported(err) { // the planner refuses it (e.g. unify with a comprehension): topdown serves it
			unsupported++
			continue
		} else if err != nil {
			t.Fatalf("program:\n%s\nireval compile: %v", src, err)
		}
		pq, err := rego.New(rego.Query("data.t.out"), rego.ParsedModule(ast.MustParseModuleWithOpts(src, opts))).PrepareForEval(ctx)
		if err != nil {
			t.Fatalf("program:\n%s\ntopdown prepare: %v", src, err)
		}
		evaluated++
		for range 8 {
			in := randInput(r)
			rs, tdErr := pq.Eval(ctx, rego.EvalParsedInput(in.Value), rego.EvalGenerateJSON(keepAST))
			var want ast.Value
			if tdErr == nil && len(rs) == 1 {
				want = rs[0].Expressions[0].Value.(ast.Value)
			}
			defined, undefined, errs = defined+b2i(want != nil), undefined+b2i(want == nil && tdErr == nil), errs+b2i(tdErr != nil)
			for i, input := range []*ast.Term{in, lazyOf(in), in} {
				eval := prog.Eval
				if i == 2 { // an object literal result may come back unbuilt
					eval = prog.EvalLazy
				}
				res, err := eval(ctx, input, ast.NewTerm(ast.NewObject()), nil)
				var got ast.Value
				if res.Value != nil {
					got = Concrete(res.Value).Value
				}
				var conflict *ConflictError
				if errors.As(err, &conflict) && tdErr == nil { // the engine asks topdown then (see conflictSkipped)
					conflicts++
					res.Release()
					continue
				}
				var tdInternal *topdown.Error
				if errors.As(tdErr, &tdInternal) && tdInternal.Code == topdown.InternalErr {
					// A topdown bug (seen: "built-in function gte called with operand 2 that
					// requires evaluation" in a comprehension in a function): nothing to compare.
					internal++
					res.Release()
					continue
				}
				if (err != nil) != (tdErr != nil) || (got == nil) != (want == nil) || (got != nil && got.Compare(want) != 0) {
					t.Fatalf("mismatch (lazy input: %v)\nprogram:\n%s\ninput: %v\nireval:  %v (err %v)\ntopdown: %v (err %v)",
						input != in, src, in, got, err, want, tdErr)
				}
				res.Release()
			}
		}
	}
	if total := defined + undefined + errs; compiled*10 < generated*7 || defined*10 < total*3 || errs == 0 {
		t.Errorf("generator too weak: %d/%d programs compile, %d/%d results defined, %d errors", compiled, generated, defined, total, errs)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// conflictSkipped checks the one known difference, reduced from
// TestRandomPrograms: ireval raises a conflict error that topdown never
// reaches. The engine then asks topdown (policy.Engine.eval), so the two
// cases below are what that fallback exists for; if either starts to agree,
// the fallback may be unnecessary.
func conflictSkipped(t *testing.T, policy string, inputs ...string) {
	t.Helper()
	ctx := context.Background()
	opts := ast.ParserOptions{RegoVersion: ast.RegoV1}
	prog, err := Compile(ctx, map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(policy, opts)}, "t/out")
	if err != nil {
		t.Fatal(err)
	}
	pq, err := rego.New(rego.Query("data.t.out"), rego.ParsedModule(ast.MustParseModuleWithOpts(policy, opts))).PrepareForEval(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		inTerm := ast.MustParseTerm(in)
		_, err := prog.Eval(ctx, inTerm, ast.NewTerm(ast.NewObject()), nil)
		var conflict *ConflictError
		if !errors.As(err, &conflict) {
			t.Fatalf("input %s: ireval %v, want a conflict error", in, err)
		}
		if _, err := pq.Eval(ctx, rego.EvalParsedInput(inTerm.Value)); err != nil {
			t.Fatalf("input %s: topdown %v, want no error", in, err)
		}
	}
}

// topdown's rule index skips a rule whose body tests an input value that
// does not match (input.x == 1 with input.x undefined or 2) before running
// any of the body, so the conflict in c is never reached; the plan runs the
// body in order. The same happens for partial rules and for an assignment
// from an undefined input ref (k := input.x, count(input.y)).
func TestConflictRuleIndexSkips(t *testing.T) {
	conflictSkipped(t, `package t
c := 1
c := 2
out if { c; input.x == 1 }`, `{}`, `{"x": 2}`)
}

// topdown stops an every at its first failing element; the plan scans the
// whole domain (the failure only marks a local), so the conflict on the
// second element is reached.
func TestConflictEveryScansOn(t *testing.T) {
	conflictSkipped(t, `package t
c := 1
c := 2
out if every x in [2, 1] { x == 1; c }`, `{}`)
}
