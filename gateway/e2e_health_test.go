package gateway_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// TestUnhealthyDeploymentLosesTraffic: a deployment failing half its
// requests turns unhealthy in rolling health, and routing then sends the
// traffic to the healthy one. Retries keep every client request green.
func TestUnhealthyDeploymentLosesTraffic(t *testing.T) {
	yml, vars, bad, good := badFirstConfig(t, "    retry: {attempts: 3, backoff: 1ms}\n    circuit: {consecutive_failures: 1000, min_requests: 100000}")
	bad.status.Store(500)
	cfg := parseConfig(t, yml, vars)
	base, hr := healthGateway(t, cfg, func(o *health.Options) { o.EvalInterval = 20 * time.Millisecond })
	c := newClient(base, "")

	send := func(n int) {
		for i := 0; i < n; i++ {
			if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "x")); err != nil {
				t.Fatal(err)
			}
		}
	}
	send(40)
	badDep := hr.Model("m").Deployment("bad")
	waitFor(t, "the failing deployment to turn unhealthy", func() bool { return badDep.Status() == health.Unhealthy })
	before := bad.hits.Load()
	good0 := good.hits.Load()
	send(40)
	if moved := bad.hits.Load() - before; moved != 0 {
		t.Fatalf("unhealthy deployment still got %d of 40 requests", moved)
	}
	if good.hits.Load()-good0 != 40 {
		t.Fatalf("healthy deployment got %d of 40", good.hits.Load()-good0)
	}

	var req fasthttp.Request
	var resp fasthttp.Response
	req.SetRequestURI(base + "/health/models")
	if err := fasthttp.Do(&req, &resp); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Models []struct {
			Model       string `json:"model"`
			Deployments []struct {
				Deployment string `json:"deployment"`
				Status     string `json:"status"`
			} `json:"deployments"`
		} `json:"models"`
	}
	if err := json.Unmarshal(resp.Body(), &doc); err != nil {
		t.Fatalf("%v: %s", err, resp.Body())
	}
	t.Logf("/v1/health/models: %s", resp.Body())
	found := false
	for _, m := range doc.Models {
		for _, d := range m.Deployments {
			if m.Model == "m" && d.Deployment == "bad" && d.Status == "unhealthy" {
				found = true
			}
		}
	}
	if !found {
		t.Fatalf("health API does not show the bad deployment unhealthy: %s", resp.Body())
	}
}
