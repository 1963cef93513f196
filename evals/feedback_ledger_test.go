package evals_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/metering"
)

func writeJSONL(t *testing.T, path string, recs ...any) {
	t.Helper()
	var b []byte
	for _, r := range recs {
		line, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, line...), '\n')
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Feedback joins the ledger by (tenant, request id): every request
// counts (sampled or not), a foreign tenant's feedback on the same id
// joins nothing, costs stay the ledger's.
func TestJoinLedgerFeedback(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rec := func(id, tenant, key, model string, picos int64, at time.Time) metering.Record {
		return metering.Record{Time: at, RequestID: id, Tenant: tenant, KeyID: key, ModelServed: model, CostPicos: picos, Status: 200}
	}
	writeJSONL(t, filepath.Join(dir, "ledger.jsonl"),
		rec("r1", "acme", "k1", "gpt-a", 1e9, t0),
		rec("r2", "acme", "k1", "gpt-a", 2e9, t0),
		rec("r3", "acme", "k2", "gpt-b", 3e9, t0),
		rec("r4", "globex", "k3", "gpt-b", 4e9, t0),
		rec("r5", "acme", "k1", "gpt-a", 5e9, t0.Add(48*time.Hour)), // out of range
	)
	fb := func(id, tenant string, score float64, at time.Time) evals.Feedback {
		return evals.Feedback{Type: evals.FeedbackType, Time: at, RequestID: id, Tenant: tenant, Score: score}
	}
	samples := filepath.Join(t.TempDir(), "samples.jsonl")
	writeJSONL(t, samples,
		fb("r1", "acme", -1, t0), fb("r1", "acme", 1, t0.Add(time.Minute)), // the later wins
		fb("r3", "acme", -0.5, t0),
		fb("r4", "acme", -1, t0), // acme rating globex's id: unmatched
		fb("r9", "acme", 1, t0),  // no such request: unmatched
		fb("r5", "acme", -1, t0), // outside the range: unmatched
	)
	res, err := evals.JoinLedgerFeedback(dir, samples, "model", t0.Add(-time.Hour), t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []evals.LedgerFeedbackRow{
		{Group: "gpt-a", Requests: 2, CostUSD: 0.003, Feedback: 1, Rate: 0.5, MeanScore: 1, Positive: 1},
		{Group: "gpt-b", Requests: 2, CostUSD: 0.007, Feedback: 1, Rate: 0.5, MeanScore: -0.5, Negative: 1},
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("rows %+v", res.Rows)
	}
	for i, w := range want {
		g := res.Rows[i]
		if g.Group != w.Group || g.Requests != w.Requests || g.Feedback != w.Feedback || g.Rate != w.Rate ||
			g.MeanScore != w.MeanScore || g.Positive != w.Positive || g.Negative != w.Negative || abs(g.CostUSD-w.CostUSD) > 1e-12 {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
	if res.Unmatched != 3 {
		t.Errorf("unmatched = %d, want 3", res.Unmatched)
	}
	byTenant, err := evals.JoinLedgerFeedback(filepath.Join(dir, "ledger.jsonl"), samples, "tenant", time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(byTenant.Rows) != 2 || byTenant.Rows[0].Group != "acme" || byTenant.Rows[0].Requests != 4 || byTenant.Rows[0].Feedback != 3 ||
		byTenant.Rows[1].Group != "globex" || byTenant.Rows[1].Feedback != 0 {
		t.Errorf("by tenant, open range: %+v", byTenant.Rows)
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
