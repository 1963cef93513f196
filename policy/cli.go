package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/open-policy-agent/opa/v1/util"
)

const cliUsage = `usage: tollgate policy <command> ...
  test DIR... [--run REGEX] [--coverage]   run the test_ rules (PASS/FAIL per test, summary); --run
                                           keeps tests whose name matches; --coverage prints the lines
                                           of each policy file the tests ran
  check DIR...                             compile and type-check; errors as file:line: message;
                                           says which evaluator the gateway will use, and why
  eval DIR... --input FILE [--data FILE]   print data.tollgate.decision as indented JSON
                                           (FILE "-" = stdin; JSON or YAML)
  bench DIR... --input FILE [--n N]        time N decisions (default 20000) with each evaluator
`

// RunCLI runs `tollgate policy ARGS...` and returns the exit code: 0 ok,
// 1 test failures or a policy error, 2 usage or load errors.
func RunCLI(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, cliUsage)
		return 2
	}
	ctx := context.Background()
	switch args[0] {
	case "test":
		return cliTest(ctx, args[1:], stdout, stderr)
	case "check":
		return cliCheck(ctx, args[1:], stdout, stderr)
	case "eval":
		return cliEval(ctx, args[1:], stdin, stdout, stderr)
	case "bench":
		return cliBench(ctx, args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, cliUsage)
		return 0
	}
	fmt.Fprintf(stderr, "tollgate policy: unknown command %q\n%s", args[0], cliUsage)
	return 2
}

func cliTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var run string
	var coverage bool
	dirs, err := parseArgs(args, map[string]*string{"run": &run, "r": &run}, map[string]*bool{"coverage": &coverage, "c": &coverage})
	if err != nil {
		fmt.Fprintf(stderr, "tollgate policy test: %v\n%s", err, cliUsage)
		return 2
	}
	if len(dirs) == 0 {
		fmt.Fprint(stderr, "tollgate policy test: need at least one DIR\n", cliUsage)
		return 2
	}
	src, err := readSources(dirs...)
	if err != nil {
		printErrors(stderr, err)
		return 2
	}
	store := inmem.NewFromObjectWithOpts(src.data, inmem.OptRoundTripOnWrite(false))
	// One at a time so the output order is stable; tracing gives failure lines.
	runner := tester.NewRunner().SetStore(store).SetDefaultRegoVersion(ast.RegoV1).
		SetParallel(1).EnableTracing(true).SetTimeout(30 * time.Second)
	if run != "" {
		if _, err := regexp.Compile(run); err != nil {
			fmt.Fprintf(stderr, "tollgate policy test: --run %q: %v\n", run, err)
			return 2
		}
		runner = runner.Filter(run)
	}
	var cov *cover.Cover
	if coverage {
		cov = cover.New()
		runner = runner.SetCoverageQueryTracer(cov)
	}
	ch, err := runner.Run(ctx, src.modules)
	if err != nil {
		printErrors(stderr, err)
		return 2
	}
	// Tee the results to count failures; the reporter prints OPA's format.
	counted := make(chan *tester.Result)
	var total, bad int
	go func() {
		defer close(counted)
		for r := range ch {
			if !r.Skip {
				total++
				if r.Fail || r.Error != nil {
					bad++
				}
			}
			counted <- r
		}
	}()
	rep := tester.PrettyReporter{Output: stdout, Verbose: true, FailureLine: true}
	if err := rep.Report(counted); err != nil {
		fmt.Fprintln(stderr, "tollgate policy test:", err)
		return 2
	}
	if cov != nil {
		printCoverage(stdout, cov, src.modules)
	}
	switch {
	case total == 0 && run != "":
		fmt.Fprintf(stderr, "tollgate policy test: no test matches --run %q\n", run)
		return 2
	case total == 0:
		fmt.Fprintln(stderr, "tollgate policy test: no tests found (rules named test_* in *_test.rego)")
		return 2
	case bad > 0:
		return 1
	}
	return 0
}

func cliCheck(ctx context.Context, dirs []string, stdout, stderr io.Writer) int {
	if len(dirs) == 0 {
		fmt.Fprint(stderr, "tollgate policy check: need at least one DIR\n", cliUsage)
		return 2
	}
	src, err := readSources(dirs...)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
	if c.Compile(src.modules); c.Failed() {
		printErrors(stderr, c.Errors)
		return 1
	}
	if len(c.GetRulesForVirtualDocument(decisionRef)) == 0 {
		fmt.Fprintf(stderr, "%s: no rule defines %s\n", strings.Join(dirs, ","), DecisionPath)
		return 1
	}
	rev, err := buildRevision(ctx, src, false, EvaluatorCompiled)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	if rev.evaluator == EvaluatorCompiled {
		n := len(testInputs(ctx, src.modules, inmem.NewFromObject(src.data)))
		fmt.Fprintf(stdout, "evaluator: compiled (OPA's query plan, matched topdown on the empty input and %d test inputs)\n", n)
	} else {
		fmt.Fprintf(stdout, "evaluator: opa (topdown), because %s\n", rev.whyOPA)
	}
	return 0
}

func cliEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var inputFile, dataFile string
	dirs, err := parseArgs(args, map[string]*string{"input": &inputFile, "i": &inputFile, "data": &dataFile, "d": &dataFile})
	if err != nil {
		fmt.Fprintf(stderr, "tollgate policy eval: %v\n%s", err, cliUsage)
		return 2
	}
	if len(dirs) == 0 || inputFile == "" {
		fmt.Fprint(stderr, "tollgate policy eval: need DIR and --input FILE\n", cliUsage)
		return 2
	}
	if dataFile != "" {
		dirs = append(dirs, dataFile)
	}
	input, err := readDocument(inputFile, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate policy eval:", err)
		return 2
	}
	src, err := readSources(dirs...)
	if err != nil {
		printErrors(stderr, err)
		return 2
	}
	in, err := ast.InterfaceToValue(input)
	if err != nil {
		fmt.Fprintln(stderr, "tollgate policy eval:", err)
		return 2
	}
	rev, err := buildRevision(ctx, src, false, EvaluatorCompiled)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	rs, err := rev.query.Eval(ctx, append(rev.fixed[:], rego.EvalParsedInput(in))...)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	if len(rs) == 0 || len(rs[0].Expressions) == 0 {
		fmt.Fprintln(stderr, "tollgate policy eval:", ErrUndefined)
		return 1
	}
	v := rs[0].Expressions[0].Value.(ast.Value)
	if msg := compiledDisagrees(ctx, rev, in, v); msg != "" {
		fmt.Fprintln(stderr, "tollgate policy eval: the compiled evaluator decides differently on this input (a bug: please report it with the policy and input):", msg)
		return 1
	}
	var d Decision
	perr := parseDecision(v, &d)
	out, _ := ast.JSON(v)
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		fmt.Fprintln(stderr, "tollgate policy eval:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", b)
	if perr != nil {
		fmt.Fprintln(stderr, "tollgate policy eval: the gateway would reject this decision:", perr)
		return 1
	}
	return 0
}

// readDocument reads a JSON or YAML document from path ("-" = stdin).
func readDocument(path string, stdin io.Reader) (any, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	var doc any
	if err := util.Unmarshal(bytes.TrimSpace(b), &doc); err != nil {
		return nil, fmt.Errorf("%s: not JSON or YAML: %w", path, err)
	}
	return doc, nil
}

// printErrors prints OPA errors one per line as file:line: message.
func printErrors(w io.Writer, err error) {
	for _, line := range errorLines(err) {
		fmt.Fprintln(w, line)
	}
}

// errorLines flattens loader and compiler errors into file:line: message lines.
func errorLines(err error) []string {
	var astErrs ast.Errors
	var loadErrs loader.Errors
	switch {
	case errors.As(err, &astErrs):
		out := make([]string, 0, len(astErrs))
		for _, e := range astErrs {
			out = append(out, astErrorLine(e))
		}
		return out
	case errors.As(err, &loadErrs):
		var out []string
		for _, e := range loadErrs {
			out = append(out, errorLines(e)...)
		}
		return out
	}
	var one *ast.Error
	if errors.As(err, &one) {
		return []string{astErrorLine(one)}
	}
	return []string{err.Error()}
}

func astErrorLine(e *ast.Error) string {
	if e.Location == nil {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.Location.File, e.Location.Row, e.Code, e.Message)
}

// parseArgs splits args into positional DIRs, --flag VALUE / --flag=VALUE
// pairs for the flags named in flags, and bare --flag switches named in
// bools ("-" alone is a positional: stdin).
func parseArgs(args []string, flags map[string]*string, bools ...map[string]*bool) ([]string, error) {
	var dirs []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			dirs = append(dirs, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if len(bools) > 0 && bools[0][name] != nil && !hasVal {
			*bools[0][name] = true
			continue
		}
		dst, ok := flags[name]
		if !ok {
			return nil, fmt.Errorf("unknown flag %s", a)
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("%s needs a value", a)
			}
			i++
			val = args[i]
		}
		*dst = val
	}
	return dirs, nil
}

// compiledDisagrees evaluates the input with the compiled evaluator too, when
// it would serve the policy, and describes any difference from topdown's
// answer want (but a conflict, which the gateway hands to topdown): every
// eval is one more differential check.
func compiledDisagrees(ctx context.Context, rev *revision, input, want ast.Value) string {
	if rev.prog == nil {
		return ""
	}
	res, err := rev.prog.Eval(ctx, ast.NewTerm(input), rev.data, nil)
	switch {
	case isConflict(err):
		return "" // the gateway asks topdown then (Engine.eval)
	case err != nil:
		return "compiled: " + err.Error()
	}
	defer res.Release()
	if res.Value == nil || res.Value.Value.Compare(want) != 0 {
		return fmt.Sprintf("compiled %v, opa %v", res.Value, want)
	}
	return ""
}
