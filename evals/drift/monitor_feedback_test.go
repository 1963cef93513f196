package drift

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
)

// Feedback reaches the monitor after its sample and fills that sample's
// feedback_score: thumbs up in the baseline, thumbs down now is drift in
// feedback_score; the index stays bounded by baseline + window.
func TestMonitorFeedbackFillsHeldSamples(t *testing.T) {
	m, err := newMonitor(MonitorOptions{Models: []string{"m"}, BaselineSize: 100, Window: 100, MinSamples: 80,
		Compare: Options{Permutations: 100}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	math, _ := testSamples(t, "m")
	feed := func(from, to int, score float64) {
		for i := from; i < to; i++ {
			s := math[i%len(math)]
			s.Tenant, s.RequestID = "acme", fmt.Sprint("req-", i)
			m.add(&s)
			if i%2 == 0 {
				m.addFeedback(evals.JoinKey{Tenant: "acme", RequestID: s.RequestID}, score)
			}
		}
	}
	feed(0, 100, 1) // baseline: thumbs up
	// another tenant's feedback on a held id and feedback on an unknown id change nothing
	m.addFeedback(evals.JoinKey{Tenant: "globex", RequestID: "req-1"}, -1)
	m.addFeedback(evals.JoinKey{Tenant: "acme", RequestID: "nope"}, -1)
	feed(100, 400, -1) // the window wraps three times: thumbs down
	if n := len(m.byID); n > 200 {
		t.Fatalf("index holds %d keys, bound is 200", n)
	}
	if _, ok := m.byID[evals.JoinKey{Tenant: "acme", RequestID: "req-150"}]; ok {
		t.Fatal("a sample that left the window is still indexed")
	}
	// late feedback on a baseline sample still lands
	m.addFeedback(evals.JoinKey{Tenant: "acme", RequestID: "req-1"}, 1)
	if v, ok := m.models["m"].baseline[1].Feedback(); !ok || v != 1 {
		t.Fatalf("baseline sample 1 feedback = %v %v", v, ok)
	}
	m.evaluate(time.Unix(1e9, 0))
	rep, ok := m.Report("m")
	if !ok {
		t.Fatal("no report")
	}
	var stats []Result
	drifted := false
	for _, r := range rep.Features {
		if r.Feature == "feedback_score" {
			stats = append(stats, r)
			drifted = drifted || r.Drift
		}
	}
	if len(stats) == 0 {
		t.Fatalf("feedback_score not compared: %+v", rep.Skipped)
	}
	if !drifted {
		t.Errorf("feedback_score 1 → -1 not flagged: %+v", stats)
	}
}

// ObserveFeedback goes through the same queue as samples, so it follows
// the sample it rates.
func TestMonitorObserveFeedbackQueued(t *testing.T) {
	m, err := NewMonitor(MonitorOptions{Models: []string{"m"}, BaselineSize: 10, Window: 10, Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Observe(&evals.Sample{Model: "m", Tenant: "t", RequestID: "r1", Prompt: "hi"})
	m.ObserveFeedback(&evals.Feedback{Tenant: "t", RequestID: "r1", Score: -1})
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		m.mu.Lock()
		var got float64
		var ok bool
		if st := m.models["m"]; st != nil && len(st.baseline) == 1 {
			got, ok = st.baseline[0].Feedback()
		}
		m.mu.Unlock()
		if ok {
			if got != -1 {
				t.Fatalf("feedback %v", got)
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("feedback never reached the held sample")
}
