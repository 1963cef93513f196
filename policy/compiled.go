package policy

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
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
func compiledEvaluator(ctx context.Context, serving, all map[string]*ast.Module, data *ast.Term,
	store storage.Store, pq rego.PreparedEvalQuery, fixed []rego.EvalOption) (*ireval.Program, string) {
	prog, err := ireval.Compile(ctx, serving, "tollgate/decision")
	if err != nil {
		return nil, err.Error()
	}
	inputs := append([]*ast.Term{ast.NewTerm(ast.NewObject())}, testInputs(ctx, all, store)...)
	for i, in := range inputs {
		// A budget per input: a deliberately slow policy must not stall the load.
		// Inputs OPA cannot finish in time prove nothing and are skipped.
		rs, wantErr := pq.Eval(ctx, append(fixed[:len(fixed):len(fixed)], rego.EvalParsedInput(in.Value),
			rego.EvalExternalCancel(cancelAfter(selfCheckBudget)))...)
		if errors.Is(wantErr, context.DeadlineExceeded) || isCancelled(wantErr) {
			continue
		}
		res, gotErr := prog.Eval(ctx, in, data, cancelAfter(selfCheckBudget))
		got := res.Value
		mismatch := ""
		var want ast.Value
		if wantErr == nil && len(rs) == 1 && len(rs[0].Expressions) == 1 {
			want, _ = rs[0].Expressions[0].Value.(ast.Value)
		}
		switch {
		case (gotErr != nil) != (wantErr != nil):
			mismatch = fmt.Sprintf("self-check input %d: compiled error %v, OPA error %v", i, gotErr, wantErr)
		case gotErr != nil:
		case (got == nil) != (want == nil), got != nil && got.Value.Compare(want) != 0:
			mismatch = fmt.Sprintf("self-check input %d: compiled %v, OPA %v", i, got, want)
		}
		res.Release()
		if mismatch != "" {
			return nil, mismatch
		}
	}
	return prog, ""
}

// selfCheckBudget bounds each self-check evaluation.
const selfCheckBudget = 500 * time.Millisecond

func cancelAfter(d time.Duration) topdown.Cancel {
	c := topdown.NewCancel()
	time.AfterFunc(d, c.Cancel)
	return c
}

func isCancelled(err error) bool {
	var te *topdown.Error
	return errors.As(err, &te) && te.Code == topdown.CancelErr
}

// testInputs evaluates the `with input as <term>` values of the test modules
// (fixtures and helper calls included), in a stable order. A term that needs
// the test's local variables cannot be evaluated alone and is skipped.
func testInputs(ctx context.Context, modules map[string]*ast.Module, store storage.Store) []*ast.Term {
	hasTests := false
	for name := range modules {
		hasTests = hasTests || isTestFile(name)
	}
	if !hasTests {
		return nil
	}
	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		return nil // the tests' own run reports this
	}
	names := make([]string, 0, len(modules))
	for name := range modules {
		if isTestFile(name) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var out []*ast.Term
	seen := map[string]bool{}
	x := ast.VarTerm("x")
	for _, name := range names {
		ast.WalkExprs(compiler.Modules[name], func(e *ast.Expr) bool {
			for _, w := range e.With {
				if !w.Target.Equal(ast.InputRootDocument) || seen[w.Value.String()] {
					continue
				}
				seen[w.Value.String()] = true
				if w.Value.IsGround() {
					out = append(out, w.Value)
					continue
				}
				tctx, cancel := context.WithTimeout(ctx, selfCheckBudget)
				rs, err := rego.New(rego.ParsedQuery(ast.NewBody(ast.Equality.Expr(x, w.Value))),
					rego.Compiler(compiler), rego.Store(store)).Eval(tctx)
				cancel()
				if err != nil || len(rs) != 1 {
					continue
				}
				if v, err := ast.InterfaceToValue(rs[0].Bindings["x"]); err == nil {
					out = append(out, ast.NewTerm(v))
				}
			}
			return false
		})
	}
	return out
}
