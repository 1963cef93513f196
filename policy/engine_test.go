package policy

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

func TestDecideExamples(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	ctx := context.Background()
	f := func(name string, patch func(*Input), check func(Decision) bool) {
		t.Helper()
		in := typicalInput()
		patch(in)
		d := e.Decide(ctx, in)
		if d.Err != nil || !check(d) {
			t.Fatalf("%s: unexpected decision %+v", name, d)
		}
		if d.Revision != e.Status().Revision {
			t.Fatalf("%s: revision %q, serving %q", name, d.Revision, e.Status().Revision)
		}
	}
	f("typical", func(*Input) {}, func(d Decision) bool {
		return d.Allow && len(d.Reasons) == 0 && d.MaxTokens == 4096 && d.CacheTTLSeconds == 3600 &&
			d.Model == "" && d.Tags["team"] == "research" && d.Redact == nil
	})
	f("injection", func(in *Input) { in.Findings[0].Score = 0.97 }, func(d Decision) bool {
		return !d.Allow && len(d.Reasons) == 1 && d.Reasons[0].Code == "prompt_injection"
	})
	f("over budget", func(in *Input) { in.Estimate.MaxCostUSD = 500 }, func(d Decision) bool {
		return !d.Allow && d.Reasons[0].Code == "budget_exceeded"
	})
	f("unhealthy", func(in *Input) { in.Health["gpt-4o"] = ModelHealth{Status: "unhealthy"} }, func(d Decision) bool {
		return d.Allow && d.Model == "gpt-4o-mini" && d.Headers["x-fallback-from"] == "gpt-4o"
	})
	f("fallback beats downgrade", func(in *Input) {
		in.Time.Hour = 23
		in.Health["gpt-4o"] = ModelHealth{Status: "unhealthy"}
		in.Health["gpt-4o-mini"] = ModelHealth{Status: "unhealthy"}
	}, func(d Decision) bool { return d.Allow && d.Model == "mock-gpt" && d.Tags["downgrade"] == "off_hours" })
	f("denials sorted", func(in *Input) {
		in.Request.Model = "o1-pro"
		in.Estimate.MaxCostUSD = 1e4
	}, func(d Decision) bool {
		return !d.Allow && len(d.Reasons) == 2 && d.Reasons[0].Code == "budget_exceeded" && d.Reasons[1].Code == "model_not_allowed"
	})
	f("pii redact", func(in *Input) { in.Findings = append(in.Findings, Finding{Kind: "pii.ssn", Score: 1, Count: 1}) },
		func(d Decision) bool { return d.Allow && len(d.Redact) == 1 && d.Redact[0] == "pii.ssn" })
	f("response phase", func(in *Input) {
		in.Phase = "response"
		in.Response = Response{Model: "gpt-4o", FinishReason: "stop", Findings: []Finding{{Kind: "pii.phone", Count: 1}}}
	}, func(d Decision) bool {
		return d.Allow && len(d.Redact) == 1 && d.Redact[0] == "pii.phone" && d.MaxTokens == 0
	})
	f("no temperature", func(in *Input) { in.Request.HasTemperature = false }, func(d Decision) bool { return d.Allow })
}

// TestExamplesRegoTests runs the examples' _test.rego files, so `go test`
// (and make test) fails when an example policy breaks.
func TestExamplesRegoTests(t *testing.T) {
	src, err := readSources(examplesDir)
	if err != nil {
		t.Fatal(err)
	}
	store := inmem.NewFromObject(src.data)
	if err := runPolicyTests(context.Background(), src.modules, store); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	f := func(dir string, wantErr ...string) {
		t.Helper()
		e, err := Open(Options{Dir: dir, PollInterval: -1, Logger: quietLogger()})
		if err == nil {
			e.Close()
			t.Fatalf("Open(%s): want error", dir)
		}
		for _, w := range wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("Open(%s): error %q does not contain %q", dir, err, w)
			}
		}
	}
	f("testdata/broken_rego", "testdata/broken_rego/policy.rego:6", "rego_parse_error")
	f("testdata/bad_json", "testdata/bad_json/data.json")
	f("testdata/bad_yaml", "testdata/bad_yaml/data.yaml")
	f("testdata/no_decision", "no rule defines data.tollgate.decision")
	f("testdata/failing_test", "policy tests failed", "policy_test.rego:7", "test_large_allowed_wrongly: FAIL")
	f("testdata/missing", "testdata/missing: no such file or directory")
	f("", "Options.Dir is empty")
	if _, err := Open(Options{Dir: examplesDir, OnError: "maybe"}); err == nil || !strings.Contains(err.Error(), `on_error "maybe"`) {
		t.Fatalf("bad OnError: %v", err)
	}
}

func TestEvalErrorsApplyOnError(t *testing.T) {
	f := func(dir, onError, wantErr string) {
		t.Helper()
		e := openTB(t, Options{Dir: dir, OnError: onError, Timeout: 20 * time.Millisecond})
		errs, decErr := evalErrors.Get(), decisionsError.Get()
		d := e.Decide(context.Background(), typicalInput())
		if d.Err == nil || !strings.Contains(d.Err.Error(), wantErr) {
			t.Fatalf("%s: Err = %v, want %q", dir, d.Err, wantErr)
		}
		switch onError {
		case "allow":
			if !d.Allow || len(d.Reasons) != 0 {
				t.Fatalf("%s: on_error allow gave %+v", dir, d)
			}
		default:
			if d.Allow || len(d.Reasons) != 1 || d.Reasons[0].Code != ReasonPolicyError {
				t.Fatalf("%s: on_error deny gave %+v", dir, d)
			}
			if strings.Contains(d.Reasons[0].Message, dir) {
				t.Fatalf("%s: client-facing message leaks internals: %q", dir, d.Reasons[0].Message)
			}
		}
		if evalErrors.Get() != errs+1 || decisionsError.Get() != decErr+1 {
			t.Fatalf("%s: error not counted", dir)
		}
	}
	for _, onError := range []string{"", "deny", "allow"} {
		f("testdata/non_object", onError, "(root): want object, got string")
		f("testdata/undefined", onError, "undefined")
		f("testdata/wrong_type", onError, "max_tokens: want non-negative integer or a collection of them, got string")
	}
	// The loop would run ~10^12 iterations: returning at all shows OPA stopped.
	f("testdata/loop", "deny", "exceeded the 20ms timeout")
	f("testdata/loop", "allow", "exceeded the 20ms timeout")
}

func TestDecideHonoursContext(t *testing.T) {
	e := openTB(t, Options{Dir: "testdata/loop", Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	d := e.Decide(ctx, typicalInput())
	if d.Allow || !errors.Is(d.Err, context.DeadlineExceeded) {
		t.Fatalf("cancelled ctx: %+v", d)
	}
	// The pooled canceler is reset: a later evaluation is not born cancelled.
	e2 := openTB(t, Options{Dir: examplesDir})
	for range 100 {
		if d := e2.Decide(context.Background(), typicalInput()); d.Err != nil {
			t.Fatalf("after cancellation: %v", d.Err)
		}
	}
}

// capPolicy writes a small policy whose max_tokens comes from data.json,
// with a test, into dir.
func capPolicy(t testing.TB, dir string, maxTokens string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "policy.rego"), "package tollgate\n\ndecision := {\"allow\": true, \"max_tokens\": data.cap}\n")
	writeFile(t, filepath.Join(dir, "policy_test.rego"), "package tollgate_test\n\ntest_allows if data.tollgate.decision.allow\n")
	writeFile(t, filepath.Join(dir, "data.json"), `{"cap": `+maxTokens+`}`)
}

func writeFile(t testing.TB, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReloadKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	capPolicy(t, dir, "100")
	e := openTB(t, Options{Dir: dir})
	good := e.Status().Revision
	ok0, bad0 := reloadsOK.Get(), reloadsError.Get()
	ctx := context.Background()
	wantTokens := 100
	serving := func(step string, maxTokens int) {
		t.Helper()
		if d := e.Decide(ctx, typicalInput()); d.Err != nil || d.MaxTokens != maxTokens || d.Revision != good {
			t.Fatalf("%s: last good revision %s not serving: %+v", step, good, d)
		}
	}
	reject := func(step, wantErr string) {
		t.Helper()
		err := e.Reload()
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("%s: Reload() = %v, want %q", step, err, wantErr)
		}
		if st := e.Status(); st.Revision != good || !strings.Contains(st.LastError, wantErr) {
			t.Fatalf("%s: status %+v", step, st)
		}
		serving(step, wantTokens)
	}
	if err := e.Reload(); err != nil { // unchanged: a no-op
		t.Fatal(err)
	}
	policy := filepath.Join(dir, "policy.rego")
	orig, _ := os.ReadFile(policy)
	writeFile(t, policy, string(orig)+"\ndeny contains x if {\n")
	reject("broken rego", "policy.rego:")
	writeFile(t, policy, string(orig))

	writeFile(t, filepath.Join(dir, "extra_test.rego"), "package x_test\n\ntest_fails if false\n")
	reject("failing test", "extra_test.rego:3")
	os.Remove(filepath.Join(dir, "extra_test.rego"))

	writeFile(t, filepath.Join(dir, "data.json"), `{"cap": 1`)
	reject("bad data", "data.json")
	writeFile(t, filepath.Join(dir, "data.json"), `{"cap": 100}`)
	if err := e.Reload(); err != nil || e.Status().LastError != "" || e.Status().Revision != good {
		t.Fatalf("undoing a broken edit: %v %+v", err, e.Status())
	}

	writeFile(t, filepath.Join(dir, "data.json"), `{"cap": "ten"}`)
	if err := e.Reload(); err != nil { // compiles and passes its test: served
		t.Fatal(err)
	}
	if d := e.Decide(ctx, typicalInput()); d.Err == nil || d.Allow {
		t.Fatalf("wrong-typed max_tokens: %+v", d)
	}

	capPolicy(t, dir, "200")
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	st := e.Status()
	if st.Revision == good || st.LastError != "" {
		t.Fatalf("good reload: %+v", st)
	}
	good, wantTokens = st.Revision, 200
	serving("new revision", 200)

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	reject("directory gone", dir)
	if ok, bad := reloadsOK.Get()-ok0, reloadsError.Get()-bad0; ok != 2 || bad != 4 {
		t.Fatalf("reload counters: ok %d error %d, want 2 and 4", ok, bad)
	}
	if st := e.Status(); st.ReloadsOK != 2 || st.ReloadsFailed != 4 {
		t.Fatalf("status counters: %+v", st)
	}
}

func TestWatcherReloadsOnChange(t *testing.T) {
	dir := t.TempDir()
	capPolicy(t, dir, "100")
	e, err := Open(Options{Dir: dir, PollInterval: 5 * time.Millisecond, Logger: quietLogger(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	first := e.Status().Revision
	waitFor := func(what string, cond func(Status) bool) {
		t.Helper()
		for range 1000 { // bounded: 1000 × 5ms
			if cond(e.Status()) {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("watcher: timed out waiting for %s: %+v", what, e.Status())
	}
	capPolicy(t, dir, "2000")
	waitFor("reload", func(s Status) bool { return s.Revision != first })
	if d := e.Decide(context.Background(), typicalInput()); d.MaxTokens != 2000 {
		t.Fatalf("watched change not serving: %+v", d)
	}
	second := e.Status().Revision
	writeFile(t, filepath.Join(dir, "zz.rego"), "package tollgate\n\nx contains if\n")
	waitFor("rejection", func(s Status) bool { return strings.Contains(s.LastError, "zz.rego:3") })
	if st := e.Status(); st.Revision != second {
		t.Fatalf("broken edit replaced the revision: %+v", st)
	}
	os.RemoveAll(dir)
	waitFor("missing dir error", func(s Status) bool { return strings.Contains(s.LastError, "no such file or directory") })
	if d := e.Decide(context.Background(), typicalInput()); d.Err != nil || d.Revision != second {
		t.Fatalf("after dir removal: %+v", d)
	}
}

func TestHiddenAndForeignFilesIgnored(t *testing.T) {
	dir := t.TempDir()
	capPolicy(t, dir, "100")
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	writeFile(t, filepath.Join(dir, ".git", "config.json"), "{not json")
	writeFile(t, filepath.Join(dir, "README.md"), "# notes")
	e := openTB(t, Options{Dir: dir})
	if d := e.Decide(context.Background(), typicalInput()); d.Err != nil || d.MaxTokens != 100 {
		t.Fatalf("%+v", d)
	}
}
