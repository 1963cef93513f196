package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
)

func TestRetryMovesToHealthyDeployment(t *testing.T) {
	yml, vars, bad, good := badFirstConfig(t, "    retry: {attempts: 3, backoff: 1ms}\n    circuit: {consecutive_failures: 1000, min_requests: 1000}")
	bad.status.Store(503)
	base, _ := startGateway(t, yml, vars)
	c := newClient(base, "")
	for i := 0; i < 5; i++ {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "retry me")); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if bad.hits.Load() == 0 || good.hits.Load() != 5 {
		t.Fatalf("bad hits %d (want >0), good hits %d (want 5)", bad.hits.Load(), good.hits.Load())
	}
}

func TestFallbackToAnotherModel(t *testing.T) {
	badURL, bad := startSwitchable(t)
	bad.status.Store(500)
	goodURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams:
  - {name: bad, kind: openai, base_url: "{{BAD}}"}
  - {name: good, kind: openai, base_url: "{{GOOD}}"}
models:
  - {name: primary, deployments: [{upstream: bad, model: mock-gpt}], fallbacks: [secondary], retry: {attempts: 2, backoff: 1ms}}
  - {name: secondary, deployments: [{upstream: good, model: mock-gpt}]}
`, map[string]string{"BAD": badURL, "GOOD": goodURL})
	resp, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("primary", "fall back"))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header().Get("X-Tollgate-Model"); got != "secondary" {
		t.Fatalf("served by %q, want secondary", got)
	}
	if bad.hits.Load() != 2 {
		t.Fatalf("primary tried %d times, want 2 (retry.attempts)", bad.hits.Load())
	}
}

func TestAllFailGivesUpstreamError(t *testing.T) {
	badURL, bad := startSwitchable(t)
	bad.status.Store(500)
	base, _ := startGateway(t, `
upstreams: [{name: bad, kind: openai, base_url: "{{BAD}}"}]
models: [{name: m, deployments: [{upstream: bad}], retry: {attempts: 3, backoff: 1ms}}]
`, map[string]string{"BAD": badURL})
	_, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("m", "x"))
	apiErr(t, err, 502, "upstream_error")
	if bad.hits.Load() != 3 {
		t.Fatalf("hits %d, want 3", bad.hits.Load())
	}
}

func TestCircuitOpensAndHalfOpens(t *testing.T) {
	url, up := startSwitchable(t)
	up.status.Store(500)
	const cooldown = 300 * time.Millisecond
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - name: m
    retry: {attempts: 1}
    circuit: {consecutive_failures: 2, cooldown: 300ms}
    deployments: [{upstream: u, model: mock-gpt}]
`, map[string]string{"U": url})
	c := newClient(base, "")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_, err := c.CreateChatCompletion(ctx, chatReq("m", "x"))
		apiErr(t, err, 502, "upstream_error")
	}
	// Open: answered at once without touching the upstream.
	_, err := c.CreateChatCompletion(ctx, chatReq("m", "x"))
	apiErr(t, err, 503, "upstream_unavailable")
	if up.hits.Load() != 2 {
		t.Fatalf("open circuit still sent traffic: hits %d", up.hits.Load())
	}
	// After the cooldown one probe goes through; the upstream recovered, so
	// the circuit closes and traffic flows again.
	up.status.Store(0)
	time.Sleep(cooldown + 50*time.Millisecond)
	for i := 0; i < 3; i++ {
		if _, err := c.CreateChatCompletion(ctx, chatReq("m", "x")); err != nil {
			t.Fatalf("after recovery request %d: %v", i, err)
		}
	}
	if up.hits.Load() != 5 {
		t.Fatalf("hits %d, want 5", up.hits.Load())
	}
}

func TestHalfOpenProbeFailureReopens(t *testing.T) {
	url, up := startSwitchable(t)
	up.status.Store(500)
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - {name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 200ms}, deployments: [{upstream: u, model: mock-gpt}]}
`, map[string]string{"U": url})
	c := newClient(base, "")
	_, err := c.CreateChatCompletion(context.Background(), chatReq("m", "x"))
	apiErr(t, err, 502, "upstream_error")
	time.Sleep(250 * time.Millisecond)
	_, err = c.CreateChatCompletion(context.Background(), chatReq("m", "x")) // the probe, fails
	apiErr(t, err, 502, "upstream_error")
	_, err = c.CreateChatCompletion(context.Background(), chatReq("m", "x")) // open again
	apiErr(t, err, 503, "upstream_unavailable")
	if up.hits.Load() != 2 {
		t.Fatalf("hits %d, want 2", up.hits.Load())
	}
}

func TestRateLimitedDeploymentCoolsDown(t *testing.T) {
	yml, vars, lim, ok := badFirstConfig(t, "    retry: {attempts: 2, backoff: 1ms}")
	lim.status.Store(429)
	base, _ := startGateway(t, yml, vars)
	c := newClient(base, "")
	for i := 0; i < 5; i++ {
		if _, err := c.CreateChatCompletion(context.Background(), chatReq("m", "x")); err != nil {
			t.Fatal(err)
		}
	}
	// The 429 carried Retry-After: 1, so the deployment sat out the rest.
	if lim.hits.Load() != 1 || ok.hits.Load() != 5 {
		t.Fatalf("limited hits %d (want 1), ok hits %d (want 5)", lim.hits.Load(), ok.hits.Load())
	}
}
