package policy

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = RunCLI(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLITest(t *testing.T) {
	code, out, stderr := runCLI("test", "examples")
	if m := regexp.MustCompile(`PASS: (\d+)/(\d+)`).FindStringSubmatch(out); code != 0 || m == nil || m[1] != m[2] || m[1] == "0" ||
		!strings.Contains(out, "test_fallback_and_downgrade_both_proposed: PASS") {
		t.Fatalf("test examples: code %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runCLI("test", "testdata/failing_test")
	if code != 1 || !strings.Contains(out, "test_large_allowed_wrongly: FAIL") || !strings.Contains(out, "FAIL: 1/2") {
		t.Fatalf("failing tests: code %d\n%s", code, out)
	}
	code, _, stderr = runCLI("test", "testdata/broken_rego")
	if code != 2 || !strings.Contains(stderr, "testdata/broken_rego/policy.rego:6: rego_parse_error") {
		t.Fatalf("broken: code %d %s", code, stderr)
	}
	if code, _, stderr = runCLI("test", "testdata/wrong_type"); code != 2 || !strings.Contains(stderr, "no tests found") {
		t.Fatalf("no tests: code %d %s", code, stderr)
	}
}

func TestCLICheck(t *testing.T) {
	f := func(dir string, wantCode int, wantErr string) {
		t.Helper()
		code, _, stderr := runCLI("check", dir)
		if code != wantCode || !strings.Contains(stderr, wantErr) {
			t.Fatalf("check %s: code %d, stderr %q; want %d, %q", dir, code, stderr, wantCode, wantErr)
		}
	}
	f("examples", 0, "")
	if _, out, _ := runCLI("check", "examples"); !regexp.MustCompile(`^evaluator: compiled .* and 36 test inputs\)\n$`).MatchString(out) {
		t.Fatalf("check examples: %q", out)
	}
	if _, out, _ := runCLI("check", "testdata/nondeterministic"); !strings.Contains(out, "evaluator: opa (topdown), because the policy calls time.now_ns") {
		t.Fatalf("check nondeterministic: %q", out)
	}
	f("testdata/broken_rego", 1, "testdata/broken_rego/policy.rego:6: rego_parse_error: unexpected } token")
	f("testdata/bad_json", 1, "testdata/bad_json/data.json:")
	f("testdata/no_decision", 1, "no rule defines data.tollgate.decision")
	f("testdata/missing", 1, "no such file or directory")
}

func TestCLIEval(t *testing.T) {
	code, out, stderr := runCLI("eval", "examples", "--input", "testdata/inputs/typical.json")
	if code != 0 {
		t.Fatalf("eval: %d %s", code, stderr)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil || !strings.Contains(out, "\n  \"allow\": true") {
		t.Fatalf("eval output not indented JSON: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"max_tokens": [
    1024
  ]`) || d["redact"].([]any)[0] != "pii.email" || !strings.Contains(out, `"gpt-4o-mini"`) {
		t.Fatalf("eval decision: %s", out)
	}
	var stdin = strings.NewReader("phase: request\n")
	var o, e bytes.Buffer
	if code := RunCLI([]string{"eval", "testdata/wrong_type", "--input=-"}, stdin, &o, &e); code != 1 ||
		!strings.Contains(e.String(), "max_tokens: want non-negative integer or a collection of them, got string") {
		t.Fatalf("wrong type via stdin YAML: %d %s", code, e.String())
	}
	if code, _, stderr = runCLI("eval", "examples", "--input", "testdata/bad_json/data.json"); code != 2 || !strings.Contains(stderr, "not JSON or YAML") {
		t.Fatalf("bad input: %d %s", code, stderr)
	}
	if code, _, stderr = runCLI("eval", "examples"); code != 2 || !strings.Contains(stderr, "need DIR and --input FILE") {
		t.Fatalf("usage: %d %s", code, stderr)
	}
	if code, _, _ = runCLI("frobnicate"); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
}

func TestCLIBench(t *testing.T) {
	code, out, stderr := runCLI("bench", "examples", "--input", "testdata/inputs/typical.json", "--n", "200")
	rows := regexp.MustCompile(`(?m)^(compiled|opa) +200 +\S+ +\S+ +\d+  (compiled|opa)$`).FindAllStringSubmatch(out, -1)
	if code != 0 || len(rows) != 2 || rows[0][1] != "compiled" || rows[0][2] != "compiled" || rows[1][2] != "opa" {
		t.Fatalf("bench: code %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr = runCLI("bench", "examples", "--input", "testdata/inputs/typical.json", "--n", "0"); code != 2 || !strings.Contains(stderr, `--n "0"`) {
		t.Fatalf("bad --n: %d %s", code, stderr)
	}
	if code, _, stderr = runCLI("bench", "examples", "--frob", "1"); code != 2 || !strings.Contains(stderr, "unknown flag --frob") {
		t.Fatalf("unknown flag: %d %s", code, stderr)
	}
	if code, _, stderr = runCLI("bench", "testdata/wrong_type", "--input", "testdata/inputs/typical.json", "--n", "5"); code != 1 || !strings.Contains(stderr, "max_tokens") {
		t.Fatalf("policy error: %d %s", code, stderr)
	}
}

func TestCLITestRunAndCoverage(t *testing.T) {
	code, out, stderr := runCLI("test", "examples", "--run", "budget_test", "--coverage")
	if code != 0 || !strings.Contains(out, "PASS: 4/4") || strings.Contains(out, "allowlist_test") {
		t.Fatalf("--run budget_test: code %d\n%s\n%s", code, out, stderr)
	}
	// Only the budget module's tests ran: budget.rego fully, decision.rego not at all.
	if !regexp.MustCompile(`examples/budget.rego +100.0%  \(4/4\)\n`).MatchString(out) ||
		!regexp.MustCompile(`examples/decision.rego +0.0%  \(0/10\)  not run: 25-34\n`).MatchString(out) ||
		!regexp.MustCompile(`(?m)^  total +\d+\.\d%`).MatchString(out) || strings.Contains(out, "_test.rego  ") {
		t.Fatalf("coverage report:\n%s", out)
	}
	if code, _, stderr = runCLI("test", "examples", "--run", "no_such_test"); code != 2 || !strings.Contains(stderr, `no test matches --run "no_such_test"`) {
		t.Fatalf("no match: %d %s", code, stderr)
	}
	if code, _, stderr = runCLI("test", "examples", "--run", "("); code != 2 || !strings.Contains(stderr, "--run \"(\"") {
		t.Fatalf("bad regex: %d %s", code, stderr)
	}
}
