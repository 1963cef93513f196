package policy

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// Evaluators: "compiled" runs OPA's query plan of the policy with
// policy/ireval; "opa" runs topdown, OPA's reference evaluator.
const (
	EvaluatorCompiled = "compiled"
	EvaluatorOPA      = "opa"
)

// compiledEvaluator plans the serving modules for ireval and checks the
// program against topdown on every input the policy's own tests use (each
// `with input as {...}`), plus an empty input. It returns nil and the reason
// when the plan cannot be built or disagrees with topdown even once: the
// revision then serves with topdown, which is always correct, only slower.
// response is the response phase's own smaller program, when one can be
// made (response_slice.go).
func compiledEvaluator(ctx context.Context, serving, all map[string]*ast.Module, data *ast.Term,
	store storage.Store, pq rego.PreparedEvalQuery, fixed []rego.EvalOption) (prog, response *ireval.Program, whyNot string) {
	prog, err := ireval.Compile(ctx, serving, "tollgate/decision")
	if err != nil {
		return nil, nil, err.Error()
	}
	if nd := prog.Nondeterministic(); len(nd) > 0 {
		// Comparing two evaluations proves nothing for these, and running
		// http.send at load is a side effect nobody asked for.
		return nil, nil, fmt.Sprintf("the policy calls %s, whose answers vary between calls, so the compiled "+
			"evaluator cannot be checked against OPA", strings.Join(nd, ", "))
	}
	inputs := append([]*ast.Term{ast.NewTerm(ast.NewObject())}, testInputs(ctx, all, store)...)
	for i, in := range inputs {
		// A budget per input: a deliberately slow policy must not stall the load.
		// Inputs OPA cannot finish in time prove nothing and are skipped.
		c := acquireCanceler(selfCheckBudget)
		rs, wantErr := pq.Eval(ctx, append(fixed[:len(fixed):len(fixed)], rego.EvalParsedInput(in.Value),
			rego.EvalExternalCancel(c))...)
		slow := c.timedOut.Load()
		releaseCanceler(c, false)
		if slow {
			continue
		}
		c = acquireCanceler(selfCheckBudget)
		res, gotErr := prog.Eval(ctx, in, data, c)
		releaseCanceler(c, false)
		got := res.Value
		mismatch := ""
		var want ast.Value
		if wantErr == nil && len(rs) == 1 && len(rs[0].Expressions) == 1 {
			want, _ = rs[0].Expressions[0].Value.(ast.Value)
		}
		switch {
		case isConflict(gotErr):
			// Served by topdown at run time (see Engine.eval): nothing to compare.
		case (gotErr != nil) != (wantErr != nil):
			mismatch = fmt.Sprintf("self-check input %d: compiled error %v, OPA error %v", i, gotErr, wantErr)
		case gotErr != nil:
		case (got == nil) != (want == nil), got != nil && got.Value.Compare(want) != 0:
			mismatch = fmt.Sprintf("self-check input %d: compiled %v, OPA %v", i, got, want)
		}
		res.Release()
		if mismatch != "" {
			return nil, nil, mismatch
		}
	}
	return prog, responseProgram(ctx, serving, prog, data, inputs), ""
}

// selfCheckBudget bounds each self-check evaluation.
const selfCheckBudget = 500 * time.Millisecond

// testInputs evaluates the `with input as <term>` values of the test modules
// (fixtures and helper calls included), in a stable order. A term that needs
// the test's local variables cannot be evaluated alone and is skipped.
func testInputs(ctx context.Context, modules map[string]*ast.Module, store storage.Store) []*ast.Term {
	var names []string
	for name := range modules {
		if isTestFile(name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		return nil // the tests' own run reports this
	}
	var out []*ast.Term
	seen := map[string]bool{}
	for _, name := range names {
		// The parsed module, not the compiled one: compiling moves with-values
		// into the rule body's locals, where they cannot be evaluated alone.
		m := modules[name]
		for _, r := range m.Rules {
			locals := bodyAssignments(r.Body)
			ast.WalkExprs(r, func(e *ast.Expr) bool {
				for _, w := range e.With {
					if !isInputRoot(w.Target) {
						continue
					}
					val := w.Value
					if v, ok := val.Value.(ast.Var); ok && locals[v] != nil {
						val = locals[v] // inp := fixtures.patched({...}); ... with input as inp
					}
					if seen[val.String()] {
						continue
					}
					seen[val.String()] = true
					if in := evalTerm(ctx, val, m, compiler, store); in != nil {
						out = append(out, in)
					}
				}
				return false
			})
		}
	}
	return out
}

func isInputRoot(t *ast.Term) bool {
	switch v := t.Value.(type) {
	case ast.Var:
		return v.Equal(ast.InputRootDocument.Value)
	case ast.Ref:
		return len(v) == 1 && v[0].Equal(ast.InputRootDocument)
	}
	return false
}

// bodyAssignments maps the variables a rule body assigns (`v := term`) to their terms.
func bodyAssignments(body ast.Body) map[ast.Var]*ast.Term {
	out := map[ast.Var]*ast.Term{}
	for _, e := range body {
		if !e.IsAssignment() && !e.IsEquality() {
			continue
		}
		if v, ok := e.Operand(0).Value.(ast.Var); ok {
			out[v] = e.Operand(1)
		}
	}
	return out
}

// evalTerm evaluates a ground-after-lookup term in m's package and imports;
// nil when it cannot stand alone (it needs other locals) or fails.
func evalTerm(ctx context.Context, t *ast.Term, m *ast.Module, compiler *ast.Compiler, store storage.Store) *ast.Term {
	if ast.IsConstant(t.Value) {
		return t
	}
	tctx, cancel := context.WithTimeout(ctx, selfCheckBudget)
	defer cancel()
	x := ast.VarTerm("x")
	rs, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.Equality.Expr(x, t))),
		rego.ParsedPackage(m.Package), rego.ParsedImports(m.Imports),
		rego.Compiler(compiler), rego.Store(store)).Eval(tctx)
	if err != nil || len(rs) != 1 {
		return nil
	}
	v, err := ast.InterfaceToValue(rs[0].Bindings["x"])
	if err != nil {
		return nil
	}
	return ast.NewTerm(v)
}
