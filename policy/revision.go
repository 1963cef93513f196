package policy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// DecisionPath is the rule every policy set must define.
const DecisionPath = "data.tollgate.decision"

var decisionRef = ast.MustParseRef(DecisionPath)

// revision is one compiled, tested, prepared policy set. Immutable once built,
// so evaluations in flight keep using it after a newer revision is swapped in.
type revision struct {
	id       string
	loadedAt time.Time
	query    rego.PreparedEvalQuery
	terms    *termCache
	// fixed holds the per-revision eval options: a shared read transaction on
	// an AST-valued store, a shared base-document cache, no-op metrics,
	// results kept as ast values.
	fixed [4]rego.EvalOption
	// usesResponse: some serving rule reads input.response or compares
	// against "response"; otherwise the response phase cannot decide
	// differently and the gateway skips it.
	usesResponse bool
	// reads is the input parts the serving rules can read (terms.shape's):
	// the gateway fills only these.
	reads InputParts
	// prog, when set, evaluates the decision instead of query (see compiled.go).
	prog *ireval.Program
	// responseProg, when set, evaluates the response phase: the decision
	// with only the fields that phase reads (response_slice.go).
	responseProg *ireval.Program
	data         *ast.Term
	evaluator    string // EvaluatorCompiled or EvaluatorOPA: what serves
	whyOPA       string // why the compiled evaluator is not serving, if asked for
	// respMemo remembers response-phase decisions (response_memo.go); nil
	// when that is not sound for this revision, and memoOff says why.
	respMemo *responseMemo
	memoOff  string
}

// buildRevision compiles the serving modules, runs the test modules, and
// prepares the decision query. Errors name file:line where OPA gives one.
func buildRevision(ctx context.Context, src *sources, runTests bool, evaluator string) (*revision, error) {
	serving := make(map[string]*ast.Module, len(src.modules))
	for name, m := range src.modules {
		if !isTestFile(name) {
			serving[name] = m
		}
	}
	compiler := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(serving); compiler.Failed() {
		return nil, fmt.Errorf("policy compile: %w", compiler.Errors)
	}
	if len(compiler.GetRulesForVirtualDocument(decisionRef)) == 0 {
		return nil, fmt.Errorf("policy: no rule defines %s (need `package tollgate` with `decision := {...}`)", DecisionPath)
	}
	newStore := func() storage.Store {
		return inmem.NewFromObjectWithOpts(src.data, inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	}
	if runTests {
		if err := runPolicyTests(ctx, src.modules, newStore()); err != nil {
			return nil, err
		}
	}
	store := newStore()
	pq, err := rego.New(
		rego.ParsedQuery(ast.NewBody(ast.NewExpr(ast.NewTerm(decisionRef)))),
		rego.Compiler(compiler),
		rego.Store(store),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy prepare: %w", err)
	}
	// Never committed or aborted: the store is read-only once built, and an
	// inmem read transaction is safe to share between goroutines.
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("policy store: %w", err)
	}
	mods := make([]*ast.Module, 0, len(serving))
	for _, m := range serving {
		mods = append(mods, m)
	}
	terms := newTermCache(mods, src.data)
	compiled := make([]*ast.Module, 0, len(compiler.Modules))
	for _, m := range compiler.Modules {
		compiled = append(compiled, m)
	}
	terms.shape = shapeOf(compiled)
	rev := &revision{
		id:           src.hash,
		terms:        terms,
		loadedAt:     time.Now(),
		query:        pq,
		usesResponse: readsResponse(mods),
		reads:        terms.shape.parts(),
		fixed: [4]rego.EvalOption{
			rego.EvalTransaction(txn),
			rego.EvalBaseCache(&sharedBaseCache{}),
			rego.EvalMetrics(metrics.NoOp()),
			rego.EvalGenerateJSON(keepAST),
		},
		evaluator: EvaluatorOPA,
	}
	if evaluator != EvaluatorOPA {
		dataValue, err := ast.InterfaceToValue(src.data)
		if err != nil {
			return nil, fmt.Errorf("policy data: %w", err)
		}
		rev.data = ireval.Freeze(ast.NewTerm(dataValue)) // indexed for the compiled evaluator's lookups
		rev.prog, rev.responseProg, rev.whyOPA = compiledEvaluator(ctx, serving, src.modules, rev.data, store, pq, rev.fixed[:])
		if rev.prog != nil {
			rev.evaluator = EvaluatorCompiled
		}
	}
	rev.respMemo, rev.memoOff = responseMemoFor(rev, compiled)
	return rev, nil
}

// keepAST replaces OPA's result-to-JSON conversion: we read ast values directly.
func keepAST(t *ast.Term, _ *rego.EvalContext) (any, error) { return t.Value, nil }

// runPolicyTests runs every test_ rule; any failure or error rejects the revision.
func runPolicyTests(ctx context.Context, modules map[string]*ast.Module, store storage.Store) error {
	hasTests := false
	for name := range modules {
		if isTestFile(name) {
			hasTests = true
			break
		}
	}
	if !hasTests {
		return nil
	}
	ch, err := tester.NewRunner().SetStore(store).SetDefaultRegoVersion(ast.RegoV1).
		SetTimeout(10*time.Second).Run(ctx, modules)
	if err != nil {
		return fmt.Errorf("policy tests: %w", err)
	}
	var failed []string
	for r := range ch {
		switch {
		case r.Error != nil:
			failed = append(failed, fmt.Sprintf("%s: %s.%s: ERROR: %v", r.Location, r.Package, r.Name, r.Error))
		case r.Fail:
			failed = append(failed, fmt.Sprintf("%s: %s.%s: FAIL", r.Location, r.Package, r.Name))
		}
	}
	if len(failed) > 0 {
		return errors.New("policy tests failed:\n" + strings.Join(failed, "\n"))
	}
	return nil
}
