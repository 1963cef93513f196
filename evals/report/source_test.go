package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/evals/drift"
)

// A sink file of samples and feedback: the latest maxSamples samples are
// kept, in order, with their feedback joined; the scheduled writer
// replaces the report atomically.
func TestLoadSourceAndWriteFromSource(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "samples.jsonl")
	var b strings.Builder
	enc := json.NewEncoder(&b)
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	for i, s := range demoSamples(t)[:300] {
		s.Tenant, s.RequestID = "acme", fmt.Sprint("r", i)
		s.Time = t0.Add(time.Duration(i) * 30 * time.Second)
		enc.Encode(s)
		if i%3 == 0 {
			enc.Encode(evals.Feedback{Type: evals.FeedbackType, Time: s.Time, Tenant: "acme", RequestID: s.RequestID, Score: -1})
		}
	}
	os.WriteFile(src, []byte(b.String()+"not json\n"), 0o600)
	ex, err := drift.NewExtractor(drift.TextScorers{Refusal: testRefusal})
	if err != nil {
		t.Fatal(err)
	}
	vs, st, err := LoadSource(src, 200, ex)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 200 || st.Valid != 300 || st.Feedback != 100 || st.Malformed != 1 {
		t.Fatalf("%d vectors, stats %+v", len(vs), st)
	}
	if !vs[0].Time.Equal(t0.Add(100*30*time.Second)) || !vs[199].Time.Equal(t0.Add(299*30*time.Second)) {
		t.Fatalf("kept %s … %s, want samples 100 … 299 in order", vs[0].Time, vs[199].Time)
	}
	rated := 0
	for i, v := range vs {
		score, ok := v.Feedback()
		if ok != ((100+i)%3 == 0) || ok && score != -1 {
			t.Fatalf("vector %d (sample %d): feedback %v %v", i, 100+i, score, ok)
		}
		if ok {
			rated++
		}
	}
	if rated != 66 { // 102, 105, … 297
		t.Fatalf("%d rated, want 66", rated)
	}
	out := filepath.Join(dir, "report.html")
	if err := WriteFromSource(src, out, 200, ex, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(out)
	if !strings.Contains(string(page), "200 current samples") || !strings.HasSuffix(string(page), "</html>") {
		t.Fatalf("report: %.300s", page)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".report-*"))
	if len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	if err := WriteFromSource(filepath.Join(dir, "none.jsonl"), out, 10, ex, t0); err == nil {
		t.Fatal("a missing sink wrote a report")
	}
}
