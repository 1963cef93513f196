package health

import (
	"testing"
	"time"
)

// TestRecordDoesNotAllocate guards the hot path: lookups plus Record, once the series exist.
func TestRecordDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: the race detector allocates")
	}
	r := newTestRegistry(t, testOptions(), nil)
	rec := Record{Tenant: "acme", Status: 200, ErrKind: "", Duration: time.Second, TTFT: time.Millisecond,
		InterTokenMean: time.Millisecond, PromptTokens: 3, CompletionTokens: 4, CostMicros: 5, Cache: "hit", Stream: true}
	run := func() {
		m := r.Model("mock-gpt")
		rec.Model, rec.Deployment = m, m.Deployment("primary")
		r.Record(&rec)
		u := r.Model("unknown-model")
		rec.Model, rec.Deployment = u, u.Deployment("x")
		r.Record(&rec)
	}
	run()
	if a := testing.AllocsPerRun(1000, run); a != 0 {
		t.Fatalf("Record allocates %v times per call", a)
	}
}
