package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// TestRolloutsCLI: against a running app (the controller wired as serve
// wires it), `tollgate rollouts status` prints the rollout, --json its
// document, the actions change it, and a model without a rollout or a
// missing model name fails with the gateway's reason or the usage. The
// rollout also shows on /metrics and /v1/health/models.
func TestRolloutsCLI(t *testing.T) {
	cfg, err := config.Parse([]byte(`
upstreams: [{name: mock, kind: mock}]
models:
  - {name: m, deployments: [{upstream: mock, model: mock-gpt}]}
  - {name: m-next, deployments: [{upstream: mock, model: mock-gpt}]}
rollouts:
  - {model: m, candidate: {model: m-next}, steps: [10, 100], interval: 1h}
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, ops := startAppOn(t, cfg)
	cli := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"rollouts"}, append(args, "--addr", ops)...), nil, &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := cli("status")
	if code != 0 || !strings.Contains(out, "MODEL") || !hasLineWith(out, "m", "canary", "running", "1/2", "10%") {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}
	if code, out, errs = cli("pause", "m", "--reason", "checking dashboards"); code != 0 || !strings.Contains(out, `"paused"`) {
		t.Fatalf("pause: %d %q %q", code, out, errs)
	}
	code, out, errs = cli("status", "--json")
	var doc struct{ Rollouts []rollouts.Status }
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || len(doc.Rollouts) != 1 ||
		doc.Rollouts[0].State != rollouts.StatePaused || !strings.Contains(doc.Rollouts[0].Reason, "checking dashboards") {
		t.Fatalf("status --json: %d %q %q %v", code, out, errs, err)
	}
	if code, _, errs = cli("rollback", "nope"); code != 1 || !strings.Contains(errs, "rollout_not_found") {
		t.Fatalf("unknown model: %d %q", code, errs)
	}
	if code, _, errs = cli("rollback"); code != 2 || !strings.Contains(errs, "name the model") {
		t.Fatalf("no model: %d %q", code, errs)
	}
	if code, _, _ = cli("explode"); code != 2 {
		t.Fatalf("unknown command: %d", code)
	}
	if _, body := get(t, ops, "/v1/health/models", ""); !strings.Contains(body, `"rollouts":[{"model":"m"`) {
		t.Fatalf("/v1/health/models: %.400s", body)
	}
	if _, body := get(t, ops, "/metrics", ""); !strings.Contains(body, "tollgate_rollout_") {
		t.Fatal("/metrics has no tollgate_rollout_* series")
	}
}

// hasLineWith reports whether some line of out holds the fields in order.
func hasLineWith(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		i := 0
		for _, w := range f {
			if i < len(fields) && w == fields[i] {
				i++
			}
		}
		if i == len(fields) {
			return true
		}
	}
	return false
}
