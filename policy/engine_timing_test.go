package policy

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/tollgate-ai/tollgate/internal/benchcpu"
)

const examplesDir = "examples"

var decisionSink Decision

// BenchmarkDecide is the engine's path: input built as ast values, prepared
// query per revision, result read as ast values.
func BenchmarkDecide(b *testing.B) {
	b.Run("compiled", func(b *testing.B) { benchDecide(b, EvaluatorCompiled) })
	b.Run("opa", func(b *testing.B) { benchDecide(b, EvaluatorOPA) })
}

func benchDecide(b *testing.B, evaluator string) {
	e := openTB(b, Options{Dir: examplesDir, Evaluator: evaluator})
	if got := e.Status().Evaluator; got != evaluator {
		b.Fatalf("evaluator %q serves, want %q (%s)", got, evaluator, e.Status().EvaluatorNote)
	}
	in := typicalInput()
	ctx := context.Background()
	if d := e.Decide(ctx, in); !d.Allow || d.Err != nil {
		b.Fatalf("typical input: %+v", d)
	}
	b.ReportAllocs()
	cpu := benchcpu.CPUTime()
	for b.Loop() {
		decisionSink = e.Decide(ctx, in)
	}
	benchcpu.ReportCPU(b, cpu)
}

func BenchmarkDecideParallel(b *testing.B) {
	e := openTB(b, Options{Dir: examplesDir})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		in := typicalInput()
		ctx := context.Background()
		for pb.Next() {
			decisionSink = e.Decide(ctx, in)
		}
	})
}

// BenchmarkNaive is OPA out of the box: the same prepared query on the same
// policy set, a raw Go map input, default eval options, JSON result.
func BenchmarkNaive(b *testing.B) {
	pq := naiveQuery(b)
	in := typicalInput()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		rs, err := pq.Eval(ctx, rego.EvalInput(inputMap(in)))
		if err != nil || len(rs) != 1 {
			b.Fatal(err, rs)
		}
	}
}

// BenchmarkInputValue is the share of building the input.
func BenchmarkInputValue(b *testing.B) {
	in := typicalInput()
	c := newTermCache(nil, nil)
	b.ReportAllocs()
	for b.Loop() {
		inputSink = c.inputValue(in)
	}
}

var inputSink ast.Value

// smallSet is a lighter policy (budget guard + team limits, composed the
// same way), closer in size to what "OPA out of the box" is usually quoted for.
var smallSet = []string{"examples/decision.rego", "examples/contract.rego", "examples/common.rego",
	"examples/budget.rego", "examples/limits.rego", "examples/data.yaml"}

func BenchmarkDecideSmall(b *testing.B) {
	src, err := readSources(smallSet...)
	if err != nil {
		b.Fatal(err)
	}
	rev, err := buildRevision(context.Background(), src, false, EvaluatorCompiled)
	if err != nil {
		b.Fatal(err)
	}
	e := &Engine{opts: Options{Timeout: 50 * time.Millisecond, OnError: "deny"}, log: quietLogger(), denyErr: true}
	e.rev.Store(rev)
	in := typicalInput()
	ctx := context.Background()
	if d := e.Decide(ctx, in); d.Err != nil || d.MaxTokens != 4096 {
		b.Fatalf("%+v", d)
	}
	b.ReportAllocs()
	cpu := benchcpu.CPUTime()
	for b.Loop() {
		decisionSink = e.Decide(ctx, in)
	}
	benchcpu.ReportCPU(b, cpu)
}

func BenchmarkNaiveSmall(b *testing.B) {
	pq := naiveQuery(b, smallSet...)
	in := typicalInput()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pq.Eval(ctx, rego.EvalInput(inputMap(in))); err != nil {
			b.Fatal(err)
		}
	}
}

func naiveQuery(tb testing.TB, paths ...string) rego.PreparedEvalQuery {
	if len(paths) == 0 {
		paths = []string{examplesDir}
	}
	src, err := readSources(paths...)
	if err != nil {
		tb.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query(DecisionPath), rego.Store(inmem.NewFromObject(src.data))}
	for name, m := range src.modules {
		if !isTestFile(name) {
			opts = append(opts, rego.ParsedModule(m))
		}
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return pq
}

// TestDecideP50 reports p50/p99 of Decide next to the naive path in one run
// (ratios only: no wall-clock assertion).
func TestDecideP50(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	compiled := openTB(t, Options{Dir: examplesDir})
	topdown := openTB(t, Options{Dir: examplesDir, Evaluator: EvaluatorOPA})
	pq := naiveQuery(t)
	in := typicalInput()
	ctx := context.Background()
	const n = 3000
	fast, slow, naive := make([]time.Duration, n), make([]time.Duration, n), make([]time.Duration, n)
	for i := range n {
		s := time.Now()
		compiled.Decide(ctx, in)
		fast[i] = time.Since(s)
		s = time.Now()
		topdown.Decide(ctx, in)
		slow[i] = time.Since(s)
		s = time.Now()
		if _, err := pq.Eval(ctx, rego.EvalInput(inputMap(in))); err != nil {
			t.Fatal(err)
		}
		naive[i] = time.Since(s)
	}
	for _, d := range [][]time.Duration{fast, slow, naive} {
		slices.Sort(d)
	}
	t.Logf("Decide compiled p50=%v p99=%v; Decide opa p50=%v p99=%v; naive p50=%v p99=%v",
		fast[n/2], fast[n*99/100], slow[n/2], slow[n*99/100], naive[n/2], naive[n*99/100])
}

// BenchmarkDecideResponse is the response phase of the same request: rules
// guarded by input.phase == "request" stop at their first expression.
func BenchmarkDecideResponse(b *testing.B) {
	b.Run("compiled", func(b *testing.B) { benchDecideResponse(b, EvaluatorCompiled) })
	b.Run("opa", func(b *testing.B) { benchDecideResponse(b, EvaluatorOPA) })
}

func benchDecideResponse(b *testing.B, evaluator string) {
	e := openTB(b, Options{Dir: examplesDir, Evaluator: evaluator})
	in := typicalInput()
	in.Phase = "response"
	in.Response = Response{Model: in.Request.Model, FinishReason: "stop", Usage: Usage{PromptTokens: 30, CompletionTokens: 20, TotalTokens: 50}}
	ctx := context.Background()
	if d := e.Decide(ctx, in); !d.Allow || d.Err != nil {
		b.Fatalf("typical response: %+v", d)
	}
	b.ReportAllocs()
	cpu := benchcpu.CPUTime()
	for b.Loop() {
		decisionSink = e.Decide(ctx, in)
	}
	benchcpu.ReportCPU(b, cpu)
}

// BenchmarkDecideBothPhases is one request of the load test's all-stages
// target (loadtest/gateway-full.yaml: tenant globex, team default,
// mock-gpt, no filter findings, budgets set): its request phase, then its
// response phase, as the gateway runs them.
func BenchmarkDecideBothPhases(b *testing.B) {
	e := openTB(b, Options{Dir: examplesDir})
	in := typicalInput()
	in.Principal = Principal{Tenant: "globex", Team: "default", KeyID: "load"}
	in.Request.Model, in.Findings = "mock-gpt", nil
	in.Spend.BudgetRemaining = 999987.654321
	resp := Response{Model: "mock-gpt", FinishReason: "stop", Usage: Usage{PromptTokens: 30, CompletionTokens: 20, TotalTokens: 50}}
	ctx := context.Background()
	b.ReportAllocs()
	cpu := benchcpu.CPUTime()
	for b.Loop() {
		in.Phase, in.Response = "request", Response{}
		if d := e.Decide(ctx, in); !d.Allow || d.Err != nil || d.MaxTokens != 2048 {
			b.Fatalf("request phase: %+v", d)
		}
		in.Phase, in.Response = "response", resp
		if d := e.Decide(ctx, in); !d.Allow || d.Err != nil {
			b.Fatalf("response phase: %+v", d)
		}
	}
	benchcpu.ReportCPU(b, cpu)
}
