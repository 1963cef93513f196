package policy

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestInputPartsOfShape(t *testing.T) {
	f := func(body string, want InputParts) {
		t.Helper()
		src := "package tollgate\n\n" + body
		c := ast.NewCompiler().WithDefaultRegoVersion(ast.RegoV1)
		if c.Compile(map[string]*ast.Module{"p.rego": ast.MustParseModuleWithOpts(src, ast.ParserOptions{RegoVersion: ast.RegoV1})}); c.Failed() {
			t.Fatal(c.Errors)
		}
		if got := shapeOf(slices.Collect(maps.Values(c.Modules))).parts(); got != want {
			t.Errorf("%s\n got %v\nwant %v", body, got, want)
		}
	}
	f(`decision := {"allow": input.request.model == "x"}`, 0)
	f(`decision := {"allow": input.spend.budget_remaining > 1}`, InputSpend)
	f(`decision := {"allow": input.estimate.prompt_tokens < 10}`, InputEstimate)
	f(`decision := {"allow": input.health[input.request.model].status == "healthy"}`, InputHealth)
	f(`decision := {"allow": "x" in input.request.tools}`, InputTools)
	f(`decision := {"allow": input.request.metadata.app == "x"}`, InputMetadata)
	f(`decision := {"allow": count(input.request) > 0}`, InputTools|InputMetadata) // the whole request object
	f(`decision := {"allow": input.time.hour > 8, "x": count(input.findings)}`, InputTime|InputFindings)
	f(`decision := {"allow": input.response.finish_reason == "stop"}`, InputResponse)
	f(`decision := {"allow": count(input) > 0}`, InputAll)
	f(`decision := {"allow": object.get(input, "spend", {}) == {}}`, InputAll)
	if got := (*inputShape)(nil).parts(); got != InputAll {
		t.Errorf("unknown shape: %v, want everything", got)
	}
}

// TestServingReadsExamples: the examples read neither tools nor metadata, so
// the gateway skips the body parse that finds them.
func TestServingReadsExamples(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir})
	want := InputEstimate | InputSpend | InputHealth | InputTime | InputFindings | InputResponse
	if got := e.Reads(); got != want {
		t.Fatalf("examples read %v, want %v", got, want)
	}
	logged := openTB(t, Options{Dir: examplesDir, DecisionLog: DecisionLogOptions{Path: filepath.Join(t.TempDir(), "d.log")}})
	if got := logged.Reads(); got != InputAll {
		t.Fatalf("with a decision log the whole input is logged, so all of it must be filled; reads %v", got)
	}
}

// TestServingPinsRevision: a reload between asking what the revision reads
// and deciding must not hand the input built for the old revision to the
// new one: the pinned revision decides, and the next request sees the new.
func TestServingPinsRevision(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "p.rego"), "package tollgate\n\ndecision := {\"allow\": input.request.model == \"m\"}\n")
	e := openTB(t, Options{Dir: dir})
	pinned := e.Serving()
	if pinned.Reads() != 0 || pinned.UsesResponsePhase() {
		t.Fatalf("model-only policy reads %v, response phase %v", pinned.Reads(), pinned.UsesResponsePhase())
	}
	writeFile(t, filepath.Join(dir, "p.rego"), "package tollgate\n\ndecision := {\"allow\": input.spend.budget_remaining > 1}\n")
	if err := e.Reload(); err != nil {
		t.Fatal(err)
	}
	in := &Input{Phase: "request", Request: Request{Model: "m"}} // filled for the pinned revision: no spend
	if d := pinned.Decide(context.Background(), in); !d.Allow || d.Err != nil || d.Revision != pinned.Revision() {
		t.Fatalf("pinned decision %+v, want allow by revision %s", d, pinned.Revision())
	}
	now := e.Serving()
	if now.Reads() != InputSpend || now.Revision() == pinned.Revision() {
		t.Fatalf("after reload: reads %v, revision %s (pinned %s)", now.Reads(), now.Revision(), pinned.Revision())
	}
	if d := now.Decide(context.Background(), in); d.Allow {
		t.Fatalf("spend policy allowed without budget: %+v", d)
	}
}

func TestInputPartsString(t *testing.T) {
	if got := (InputSpend | InputTools).String(); got != "spend,request.tools" {
		t.Fatalf("got %q", got)
	}
	if got := InputParts(0).String(); got != "none" {
		t.Fatalf("got %q", got)
	}
}
