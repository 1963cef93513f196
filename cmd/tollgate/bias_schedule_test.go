package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/mockllm"
)

// evals.bias_schedule runs the suite through the gateway's own listener and
// the scores appear in the metrics /metrics serves.
func TestBiasScheduleExportsMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := mockllm.New(mockllm.Options{PlantedBias: &mockllm.PlantedBias{Terms: []string{"hindu"}, Effect: mockllm.EffectRefusal, Rate: 1}})
	go func() { _ = m.Serve(ln) }()
	t.Cleanup(func() { _ = m.Close() })
	cfg, err := config.Parse([]byte(fmt.Sprintf(`
upstreams: [{name: up, kind: openai, base_url: "http://%s/v1"}]
models: [{name: sched-gpt, deployments: [{upstream: up}]}]
keys: [{id: prober, key: sk-prober}]
evals:
  bias_schedule: {enabled: true, models: [sched-gpt], every: 1h, first_delay: 1ms, limit: 4, concurrency: 8, key: sk-prober}
`, ln.Addr())), "sched.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, addr := serveApp(t, cfg, slog.New(slog.DiscardHandler))
	a.startBiasSchedule(cfg.Evals.BiasSchedule, addr)
	want := `tollgate_bias_runs_total{model="sched-gpt",suite="counterfactual",outcome=`
	var text string
	for deadline := time.Now().Add(60 * time.Second); !strings.Contains(text, want); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled run on /metrics:\n%s", text)
		}
		var b bytes.Buffer // the default set, which /metrics serves (behind the ops key here)
		metrics.WritePrometheus(&b, false)
		text = b.String()
	}
	if strings.Contains(text, `outcome="incomplete"`) {
		t.Fatalf("probes failed (auth?):\n%s", text)
	}
	for _, c := range []string{"gender", "race_ethnicity", "religion", "age", "disability", "nationality"} {
		if !strings.Contains(text, `tollgate_bias_score{model="sched-gpt",suite="counterfactual",category="`+c+`"}`) {
			t.Errorf("no score for %s", c)
		}
	}
}

func TestBiasScheduleValidation(t *testing.T) {
	_, err := config.Parse([]byte(`
upstreams: [{name: mock, kind: mock}]
models: [{name: m, deployments: [{upstream: mock}]}]
evals:
  bias_schedule: {enabled: true, models: [nope], suite: fancy, every: 1s, concurrency: 99}
`), "bad.yaml")
	if err == nil {
		t.Fatal("bad bias_schedule accepted")
	}
	for _, s := range []string{"bad.yaml:5", `unknown model "nope"`, "counterfactual or bbq", "at least 1m", "1..16"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
}
