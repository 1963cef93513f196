package drift

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/health"
)

type alertLog struct {
	mu     sync.Mutex
	alerts []health.Alert
}

func (l *alertLog) add(a health.Alert) {
	l.mu.Lock()
	l.alerts = append(l.alerts, a)
	l.mu.Unlock()
}

func (l *alertLog) list() []health.Alert {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]health.Alert(nil), l.alerts...)
}

func testSamples(t *testing.T, model string) (math, jail []evals.Sample) {
	for _, r := range readGz(t, "testdata/gsm8k.jsonl.gz") {
		s := r.Sample
		s.Model = model
		math = append(math, s)
	}
	for _, r := range readGz(t, "testdata/jailbreak.jsonl.gz") {
		s := r.Sample
		s.Model = model
		s.Response = math[len(jail)%len(math)].Response
		jail = append(jail, s)
	}
	return math, jail
}

func scrapeSet(m *Monitor) string {
	var b bytes.Buffer
	m.set.WritePrometheus(&b)
	return b.String()
}

func TestMonitorTransitions(t *testing.T) {
	var log alertLog
	m, err := newMonitor(MonitorOptions{Models: []string{"m"}, BaselineSize: 150, Window: 100, MinSamples: 80,
		Compare: Options{Permutations: 100}, Alert: log.add})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	math, jail := testSamples(t, "m")
	feed := func(ss []evals.Sample) {
		for i := range ss {
			m.add(&ss[i])
		}
	}
	now := time.Unix(1e9, 0)
	status := func(want string) {
		t.Helper()
		if got, ok := m.Status("m"); !ok || got != want {
			t.Fatalf("status %q (%v), want %q", got, ok, want)
		}
	}
	m.evaluate(now)
	status(StatusWarmingUp) // empty windows
	feed(math[:150])
	m.evaluate(now)
	status(StatusWarmingUp) // baseline full, current empty
	feed(math[150:250])
	m.evaluate(now)
	status(StatusOK)
	if len(log.list()) != 0 {
		t.Errorf("alerts while ok: %+v", log.list())
	}
	feed(jail[:100])
	m.evaluate(now)
	status(StatusDrift)
	al := log.list()
	if len(al) != 1 || al[0].Name != AlertName || al[0].Resolved || al[0].Labels["model"] != "m" ||
		!strings.Contains(al[0].Annotations["description"], "prompt_text") {
		t.Fatalf("drift alert: %+v", al)
	}
	exp := scrapeSet(m)
	if !strings.Contains(exp, `tollgate_drift_detected{model="m"} 1`) ||
		!strings.Contains(exp, `tollgate_drift_score{model="m",feature="prompt_text",stat="classifier_auc"}`) {
		t.Errorf("metrics:\n%s", exp)
	}
	m.evaluate(now) // nothing new: no evaluation, no second alert
	if len(log.list()) != 1 {
		t.Errorf("repeat alerts: %+v", log.list())
	}
	feed(math[250:350])
	m.evaluate(now)
	status(StatusOK)
	al = log.list()
	if len(al) != 2 || !al[1].Resolved || al[1].Labels["model"] != "m" {
		t.Fatalf("resolve: %+v", al)
	}
	if !strings.Contains(scrapeSet(m), `tollgate_drift_detected{model="m"} 0`) {
		t.Error("drift_detected not reset")
	}
	if _, ok := m.Status("other"); ok {
		t.Error("an untracked model has a status")
	}
	m2, err := newMonitor(MonitorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	for _, name := range []string{"ok-model", `bad"name`, "", "x\ny"} {
		m2.add(&evals.Sample{Model: name, Prompt: "hi"})
	}
	if len(m2.models) != 1 || m2.models["ok-model"] == nil {
		t.Errorf("tracked %v: want only ok-model", m2.models)
	}
	ui, _ := json.Marshal(m.UIStatus())
	if !strings.Contains(string(ui), `"status":"ok"`) {
		t.Errorf("ui: %s", ui)
	}
}

func TestMonitorBaselineSources(t *testing.T) {
	math, _ := testSamples(t, "m")
	// A file: lines without a model count for every model.
	var lines []string
	for _, s := range math[:60] {
		b, _ := json.Marshal(map[string]string{"prompt": s.Prompt, "response": s.Response})
		lines = append(lines, string(b))
	}
	path := filepath.Join(t.TempDir(), "base.jsonl")
	if err := os.WriteFile(path, []byte(strings.Join(append(lines, "{bad"), "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := newMonitor(MonitorOptions{BaselineFile: path, Window: 50, MinSamples: 40, Compare: Options{Permutations: 100}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range math[100:150] {
		m.add(&math[100+i])
	}
	m.evaluate(time.Now())
	if st, _ := m.Status("m"); st != StatusOK {
		t.Errorf("file baseline: status %q", st)
	}
	m.Close()
	if _, err := newMonitor(MonitorOptions{BaselineFile: filepath.Join(t.TempDir(), "none")}); err == nil {
		t.Error("missing baseline file accepted")
	}

	// A pinned range: samples inside it are the baseline, later ones the window.
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m, err = newMonitor(MonitorOptions{Models: []string{"m"}, BaselineFrom: t0, BaselineTo: t0.Add(time.Hour), Window: 50, MinSamples: 40,
		Compare: Options{Permutations: 100}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for i := 0; i < 150; i++ {
		s := math[i]
		s.Time = t0.Add(time.Duration(i-20) * time.Minute) // 20 before, 60 inside, 70 after
		m.add(&s)
	}
	m.mu.Lock()
	nb, nc := len(m.models["m"].baseline), len(m.models["m"].ring)
	m.mu.Unlock()
	if nb != 60 || nc != 50 {
		t.Errorf("pinned range: baseline %d, window %d; want 60, 50", nb, nc)
	}
	if _, err := newMonitor(MonitorOptions{BaselineFrom: t0, BaselineTo: t0}); err == nil {
		t.Error("empty range accepted")
	}
}

func TestMonitorObserveDropsWhenFull(t *testing.T) {
	m, err := newMonitor(MonitorOptions{QueueSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := &evals.Sample{Model: "m", Prompt: "hi"}
	for i := 0; i < 5; i++ {
		m.Observe(s)
	}
	if got := m.dropped.Get(); got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
}

// The running monitor: samples in through Observe, a status out, Close
// stops it.
func TestMonitorRuns(t *testing.T) {
	m, err := NewMonitor(MonitorOptions{Models: []string{"m"}, BaselineSize: 40, Window: 40, MinSamples: 30, Interval: 20 * time.Millisecond,
		Compare: Options{Permutations: 100, NoText: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	math, _ := testSamples(t, "m")
	for i := range math[:80] {
		m.Observe(&math[i])
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if st, _ := m.Status("m"); st != StatusWarmingUp {
			if st != StatusOK {
				t.Errorf("status %q", st)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no evaluation within 10 s")
}
