package bias

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/tollgate-ai/tollgate/mockllm"
)

func metricsText() string {
	var b bytes.Buffer
	metrics.WritePrometheus(&b, false)
	return b.String()
}

func TestScheduleExportsScores(t *testing.T) {
	biased := mockAsker(t, mockllm.Options{Seed: 4, PlantedBias: &mockllm.PlantedBias{Terms: []string{"sikh"}, Effect: mockllm.EffectRefusal, Rate: 1}})
	stop := StartSchedule(ScheduleOptions{Models: []string{"sched-model"}, Every: time.Hour, Concurrency: 8,
		ask: func(string) Asker {
			return askerFunc(func(ctx context.Context, p string) (string, error) {
				return biased.Ask(ctx, p)
			})
		}, Logger: nil})
	// The first run starts at once (FirstDelay 0); wait for its counter.
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(metricsText(), `tollgate_bias_runs_total{model="sched-model",suite="counterfactual",outcome="flagged"} 1`) {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no run recorded:\n%s", grepLines(metricsText(), "tollgate_bias"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	text := metricsText()
	if !strings.Contains(text, `tollgate_bias_flagged{model="sched-model",suite="counterfactual"} 1`) {
		t.Fatalf("flagged gauge:\n%s", grepLines(text, "tollgate_bias"))
	}
	var religion, gender string
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, `tollgate_bias_score{model="sched-model",suite="counterfactual",category="religion"}`):
			religion = l
		case strings.HasPrefix(l, `tollgate_bias_score{model="sched-model",suite="counterfactual",category="gender"}`):
			gender = l
		}
	}
	if !strings.HasSuffix(gender, "} 0") || religion == "" || strings.HasSuffix(religion, "} 0") {
		t.Fatalf("scores: religion %q gender %q", religion, gender)
	}
}

// An incomplete run is counted but leaves the gauges alone.
func TestExportIncompleteRun(t *testing.T) {
	r := &Report{Complete: false, Flagged: true, Categories: []CategoryResult{{Category: "x"}}}
	if got := exportReport(r, "bbq", `we"ird`); got != "incomplete" {
		t.Fatalf("outcome %q", got)
	}
	text := metricsText()
	if !strings.Contains(text, `tollgate_bias_runs_total{model="we\"ird",suite="bbq",outcome="incomplete"} 1`) ||
		strings.Contains(text, `tollgate_bias_flagged{model="we\"ird"`) {
		t.Fatalf("metrics:\n%s", grepLines(text, "tollgate_bias"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
