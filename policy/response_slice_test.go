package policy

import (
	"context"
	"testing"
)

// The examples' response phase runs the sliced program, which the planner
// made smaller, and decides as the full program does.
func TestResponsePhaseRunsTheSlicedProgram(t *testing.T) {
	e := openTB(t, Options{Dir: examplesDir, Evaluator: EvaluatorCompiled})
	rev := e.rev.Load()
	if rev.responseProg == nil {
		t.Fatal("no response-phase program for the examples' decision.rego")
	}
	if rev.responseProg.Size() >= rev.prog.Size() {
		t.Fatalf("sliced program has %d instructions, the full one %d: nothing was left out",
			rev.responseProg.Size(), rev.prog.Size())
	}
	t.Logf("statements: full %d, response phase %d", rev.prog.Size(), rev.responseProg.Size())
	in := typicalInput()
	in.Phase = "response"
	in.Principal.Tenant = "globex" // pii: deny
	in.Response = Response{Model: "gpt-4o", FinishReason: "stop", Findings: []Finding{{Kind: "pii.iban", Score: 1, Count: 1}}}
	d := e.Decide(context.Background(), in)
	if d.Allow || len(d.Reasons) != 1 || d.Reasons[0].Code != "pii_detected" || d.Tags != nil || d.CacheTTLSeconds != -1 {
		t.Fatalf("response decision %+v, want a pii_detected denial and nothing but allow, reasons, redact", d)
	}
}

// A decision that is not one object literal keeps the full program.
func TestResponsePhaseSliceNeedsAnObjectLiteral(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir+"/decision.rego", `package tollgate
decision := d if {
	d := {"allow": true, "tags": {"a": "b"}}
}
`)
	e := openTB(t, Options{Dir: dir, Evaluator: EvaluatorCompiled})
	if rev := e.rev.Load(); rev.prog == nil || rev.responseProg != nil {
		t.Fatalf("prog %v, response prog %v: want the full program only", rev.prog != nil, rev.responseProg != nil)
	}
	in := typicalInput()
	in.Phase = "response"
	if d := e.Decide(context.Background(), in); !d.Allow || d.Tags != nil {
		t.Fatalf("response decision %+v", d)
	}
}
