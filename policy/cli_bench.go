package policy

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// cliBench times decisions of a policy on one input with each evaluator, so
// an author sees what a rule costs before it serves: p50/p99 and
// allocations per decision, as the gateway would pay them.
func cliBench(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var inputFile, count string
	dirs, err := parseArgs(args, map[string]*string{"input": &inputFile, "i": &inputFile, "n": &count})
	if err != nil {
		fmt.Fprintf(stderr, "tollgate policy bench: %v\n%s", err, cliUsage)
		return 2
	}
	n := 20000
	if count != "" {
		if n, err = strconv.Atoi(count); err != nil || n < 1 || n > 10_000_000 {
			fmt.Fprintf(stderr, "tollgate policy bench: --n %q: want 1..10000000\n", count)
			return 2
		}
	}
	if len(dirs) == 0 || inputFile == "" {
		fmt.Fprint(stderr, "tollgate policy bench: need DIR and --input FILE\n", cliUsage)
		return 2
	}
	doc, err := readDocument(inputFile, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate policy bench:", err)
		return 2
	}
	input, err := ast.InterfaceToValue(doc)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate policy bench:", err)
		return 2
	}
	src, err := readSources(dirs...)
	if err != nil {
		printErrors(stderr, err)
		return 2
	}
	fmt.Fprintf(stdout, "%-9s %10s %10s %10s %8s  %s\n", "evaluator", "decisions", "p50", "p99", "allocs", "serves")
	compiled, err := buildRevision(ctx, src, false, EvaluatorCompiled)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	topdown := *compiled // the same prepared query, without the plan
	topdown.prog, topdown.responseProg, topdown.evaluator, topdown.whyOPA = nil, nil, EvaluatorOPA, ""
	for _, row := range []struct {
		evaluator string
		rev       *revision
	}{{EvaluatorCompiled, compiled}, {EvaluatorOPA, &topdown}} {
		evaluator, rev := row.evaluator, row.rev
		e := &Engine{opts: Options{Timeout: time.Second, OnError: "deny"}, log: slog.New(slog.DiscardHandler), denyErr: true}
		p50, p99, allocs, err := timeDecisions(ctx, e, rev, ast.NewTerm(input), n)
		if err != nil {
			fmt.Fprintf(stderr, "tollgate policy bench: %s: %v\n", evaluator, err)
			return 1
		}
		serves := rev.evaluator
		if rev.whyOPA != "" {
			serves += " (" + rev.whyOPA + ")"
		}
		fmt.Fprintf(stdout, "%-9s %10d %10v %10v %8.0f  %s\n", evaluator, n, p50, p99, allocs, serves)
	}
	return 0
}

// timeDecisions evaluates and parses n decisions, as Decide does after the input is built.
func timeDecisions(ctx context.Context, e *Engine, rev *revision, input *ast.Term, n int) (p50, p99 time.Duration, allocs float64, err error) {
	took := make([]time.Duration, n)
	var before, after runtime.MemStats
	response := false
	if o, ok := input.Value.(ast.Object); ok {
		if p := o.Get(ast.StringTerm("phase")); p != nil {
			response = p.Value.Compare(ast.String("response")) == 0
		}
	}
	runtime.ReadMemStats(&before)
	for i := range n {
		start := time.Now()
		v, res, err := e.eval(ctx, rev, input, response)
		if err == nil {
			var d Decision
			err = parseDecision(v, &d)
		}
		res.Release()
		if err != nil {
			return 0, 0, 0, err
		}
		took[i] = time.Since(start)
	}
	runtime.ReadMemStats(&after)
	slices.Sort(took)
	return took[n/2], took[n*99/100], float64(after.Mallocs-before.Mallocs) / float64(n), nil
}
