package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// TestCircuitRecoversAfterRateLimitedProbe: a 500 trips the circuit, the
// half-open probe gets a 429. The probe used to keep its slot forever, so
// every later request answered 503 and the upstream was never called again.
func TestCircuitRecoversAfterRateLimitedProbe(t *testing.T) {
	url, up := startSwitchable(t)
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - {name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 200ms}, deployments: [{upstream: u, model: mock-gpt}]}
`, map[string]string{"U": url})
	c := newClient(base, "")
	ctx := context.Background()
	up.status.Store(500)
	_, err := c.CreateChatCompletion(ctx, chatReq("m", "x"))
	apiErr(t, err, 502, "upstream_error")
	time.Sleep(250 * time.Millisecond)
	up.status.Store(429)                                    // with Retry-After: 1
	_, err = c.CreateChatCompletion(ctx, chatReq("m", "x")) // the probe
	apiErr(t, err, 429, "rate_limit_exceeded")
	if up.hits.Load() != 2 {
		t.Fatalf("hits %d, want 2 (the failure and the probe)", up.hits.Load())
	}
	up.status.Store(0)
	// After the Retry-After cool-down a new probe goes through and closes
	// the circuit.
	waitFor(t, "a request to reach the upstream again", func() bool {
		_, err := c.CreateChatCompletion(ctx, chatReq("m", "x"))
		return err == nil
	})
	for i := 0; i < 3; i++ {
		if _, err := c.CreateChatCompletion(ctx, chatReq("m", "x")); err != nil {
			t.Fatalf("circuit not closed after a good probe: %v", err)
		}
	}
	if up.hits.Load() != 6 {
		t.Fatalf("hits %d, want 6", up.hits.Load())
	}
}

// meteredForward serves yml with tokens, an in-process limiter and a ledger,
// and returns the ledger's directory and the limiter to inspect.
func meteredForward(t *testing.T, yml string, vars map[string]string) (base, ledgerDir string, lim *metering.Limiter) {
	t.Helper()
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledgerDir = t.TempDir()
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: ledgerDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ledger.Close(context.Background()) })
	var gw *gateway.Server
	lim, err = metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	gw, err = gateway.New(parseConfig(t, yml, vars), gateway.Options{Stages: gateway.Stages{Tokens: tokens, Limiter: lim, Ledger: ledger}})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw) + "/v1", ledgerDir, lim
}

// ledgerRecords waits until the ledger file holds n records and returns them.
func ledgerRecords(t *testing.T, dir string, n int) []metering.Record {
	t.Helper()
	var recs []metering.Record
	waitFor(t, "ledger records", func() bool {
		recs = readLedger(dir)
		return len(recs) >= n
	})
	return recs
}

// TestFailedRequestsAreNotCharged: a stream that opens with an error event
// and a 200 with an HTML body, on every deployment of the chain, give the
// client a 502. They used to be billed: model_served and a cost in the
// ledger, the budget reservation settled, x-tollgate-model naming the
// fallback that failed last.
func TestFailedRequestsAreNotCharged(t *testing.T) {
	url, up := startSwitchable(t)
	base, dir, lim := meteredForward(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - {name: primary, deployments: [{upstream: u, model: mock-gpt}], fallbacks: [secondary], retry: {attempts: 1}}
  - {name: secondary, deployments: [{upstream: u, model: mock-gpt}], retry: {attempts: 1}}
keys: [{id: k-b, key: sk-b, tenant: acme, budget: {total_usd: 10}}]
`, map[string]string{"U": url})
	errorEvent := "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n"
	up.sse.Store(&errorEvent)
	status, h, body := rawPost(t, base+"/chat/completions", "sk-b",
		`{"model":"primary","stream":true,"messages":[{"role":"user","content":"a stream that fails"}]}`)
	if status != 502 || h.Get("X-Tollgate-Model") != "primary" {
		t.Fatalf("error-event stream: %d, x-tollgate-model %q: %s", status, h.Get("X-Tollgate-Model"), body)
	}
	up.sse.Store(nil)
	up.garbage.Store(true)
	status, h, body = rawPost(t, base+"/chat/completions", "sk-b",
		`{"model":"primary","messages":[{"role":"user","content":"an answer that is html"}]}`)
	if status != 502 || !strings.Contains(body, "upstream_invalid_response") || h.Get("X-Tollgate-Model") != "primary" {
		t.Fatalf("html 200: %d, x-tollgate-model %q: %s", status, h.Get("X-Tollgate-Model"), body)
	}
	if up.hits.Load() != 4 {
		t.Fatalf("upstream hits %d, want 4 (each request tried primary and secondary)", up.hits.Load())
	}
	for _, r := range ledgerRecords(t, dir, 2) {
		if r.ModelServed != "" || r.CostPicos != 0 || r.Status != 502 || r.ModelRequested != "primary" {
			t.Fatalf("failed request charged: %+v", r)
		}
	}
	sp, err := lim.Spend(context.Background(), metering.Subject{Tenant: "acme", KeyID: "k-b", Model: "primary"})
	if err != nil {
		t.Fatal(err)
	}
	if sp.Key.TotalMicros != 0 {
		t.Fatalf("budget charged %d µ$ for failed requests: the reservation was settled, not released", sp.Key.TotalMicros)
	}
}

// sizedUpstream answers every request 200 with a body of its current size.
func sizedUpstream(t *testing.T, contentType string) (string, *atomic.Int64) {
	t.Helper()
	var size atomic.Int64
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType(contentType)
		b := []byte(`{"pad":"` + strings.Repeat("x", max(int(size.Load())-10, 0)) + `"}`)
		ctx.SetBody(b[:size.Load()])
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String(), &size
}

// TestOversizedUpstreamAnswerIs502: an upstream answer over the buffer limit
// is a 502, never a 200 with the body cut at the limit (pass-through) nor
// "unreachable" (the plain pool's MaxResponseBodySize), and not a failure
// of the deployment.
func TestOversizedUpstreamAnswerIs502(t *testing.T) {
	const limit = 4 << 10
	gateway.SetMaxBufferedBody(t, limit)
	root, size := sizedUpstream(t, "application/json")
	base, _ := startGateway(t, `
upstreams: [{name: big, kind: openai, base_url: "{{ROOT}}/v1"}, {name: raw, kind: openai, base_url: "{{ROOT}}"}]
routes: [{prefix: /raw/, upstream: raw}]
models: [{name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 1m}, deployments: [{upstream: big, model: mock-gpt}]}]
`, map[string]string{"ROOT": root})
	gwRoot := strings.TrimSuffix(base, "/v1")
	cases := []struct{ name, url, body string }{
		{"pass-through", gwRoot + "/raw/anything", `{}`},
		{"buffered", base + "/chat/completions", `{"model":"m","messages":[{"role":"user","content":"x"}]}`},
		{"json where a stream was asked", base + "/chat/completions", `{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}`},
	}
	for _, c := range cases {
		size.Store(limit + 1)
		status, _, body := rawPost(t, c.url, "", c.body)
		if status != 502 || !strings.Contains(body, "upstream_response_too_large") {
			t.Fatalf("%s, %d bytes: %d %.200s", c.name, size.Load(), status, body)
		}
	}
	size.Store(limit) // exactly the limit still passes, whole
	status, _, body := rawPost(t, gwRoot+"/raw/anything", "", `{}`)
	if status != 200 || len(body) != limit {
		t.Fatalf("pass-through at the limit: %d, %d bytes", status, len(body))
	}
	// The gateway's limit is no failure of the deployment: its circuit
	// (consecutive_failures 1) stayed closed.
	status, _, body = rawPost(t, base+"/chat/completions", "", cases[1].body)
	if status != 200 || len(body) != limit {
		t.Fatalf("after oversized answers: %d %.200s", status, body)
	}
}

// TestUpstreamRestartIsNotAFailure: the upstream restarts between two
// requests, so the gateway's pooled connection is closed under it. That
// used to count as a breaker failure and, with consecutive_failures 1,
// open the circuit; the request is now sent again on a fresh connection.
func TestUpstreamRestartIsNotAFailure(t *testing.T) {
	up := startRestartable(t, nil)
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "http://{{ADDR}}/v1"}]
models:
  - {name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 1m}, deployments: [{upstream: u, model: mock-gpt}]}
`, map[string]string{"ADDR": up.addr})
	checkSurvivesRestart(t, newClient(base, ""), up)
}

// checkSurvivesRestart sends a plain and a streamed request, restarts up,
// and checks that the next three reach it and succeed.
func checkSurvivesRestart(t *testing.T, c *openai.Client, up *restartable) {
	t.Helper()
	ctx := context.Background()
	for _, stream := range []bool{false, true} {
		if err := chatOnce(ctx, c, stream); err != nil {
			t.Fatal(err)
		}
	}
	up.restart(t)
	before := up.hits.Load()
	for i, stream := range []bool{false, true, false} {
		if err := chatOnce(ctx, c, stream); err != nil {
			t.Fatalf("request %d after the restart (stream %v): %v", i, stream, err)
		}
	}
	if got := up.hits.Load() - before; got != 3 {
		t.Fatalf("restarted upstream got %d requests, want 3", got)
	}
}

// chatOnce sends one chat request, streamed or not, and reads it to the end.
func chatOnce(ctx context.Context, c *openai.Client, stream bool) error {
	req := chatReq("m", "hello")
	if !stream {
		_, err := c.CreateChatCompletion(ctx, req)
		return err
	}
	req.Stream = true
	st, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return err
	}
	defer st.Close()
	for {
		if _, err := st.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// stallingUpstream never answers its first request (until the test ends);
// later requests go to a mock.
func stallingUpstream(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	mock := mockllm.New(mockllm.Options{})
	release := make(chan struct{})
	var hits atomic.Int64
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if hits.Add(1) == 1 {
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
			return
		}
		mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { close(release); _ = srv.Shutdown(); _ = mock.Close() })
	return "http://" + ln.Addr().String() + "/v1", &hits
}

// TestClientLeavingAStalledUpstreamIsNotAnUpstreamFailure: the client hangs
// up while the upstream has not answered yet. That used to be logged as an
// upstream timeout: it counted against the deployment's health, tripped
// its circuit (consecutive_failures 1) and was retried for nobody.
func TestClientLeavingAStalledUpstreamIsNotAnUpstreamFailure(t *testing.T) {
	url, hits := stallingUpstream(t)
	cfg := parseConfig(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", timeouts: {first_byte: 600ms}}]
models:
  - {name: m, retry: {attempts: 3, backoff: 1ms}, circuit: {consecutive_failures: 2, cooldown: 1m}, deployments: [{upstream: u, model: mock-gpt, name: d}]}
`, map[string]string{"U": url})
	base, _ := healthGateway(t, cfg, nil)

	c := newClient(base, "")
	icfg := openai.DefaultConfig("")
	icfg.BaseURL = base
	icfg.HTTPClient = &http.Client{Timeout: 150 * time.Millisecond}
	impatient := openai.NewClientWithConfig(icfg)
	req := chatReq("m", "are you there")
	req.Stream = true
	if _, err := impatient.CreateChatCompletionStream(context.Background(), req); err == nil {
		t.Fatal("the stalled upstream answered")
	}
	// The gateway notices when the first-byte timeout fires; it must not
	// retry for a client that left.
	time.Sleep(900 * time.Millisecond)
	if hits.Load() != 1 {
		t.Fatalf("upstream hits %d, want 1: the gateway retried for a departed client", hits.Load())
	}
	if err := chatOnce(context.Background(), c, true); err != nil {
		t.Fatalf("the deployment was blamed (circuit open?): %v", err)
	}
	var metrics string
	waitFor(t, "the departed client to be recorded as client_cancel", func() bool {
		metrics = scrape(t, strings.TrimSuffix(base, "/v1")+"/metrics")
		return strings.Contains(metrics, `kind="client_cancel"`)
	})
	for _, line := range strings.Split(metrics, "\n") {
		if strings.HasPrefix(line, "tollgate_upstream_errors_total{") && strings.Contains(line, `deployment="d"`) &&
			!strings.Contains(line, `kind="client_cancel"`) && !strings.HasSuffix(line, " 0") {
			t.Fatalf("the deployment was charged: %s", line)
		}
	}
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	var req fasthttp.Request
	var resp fasthttp.Response
	req.SetRequestURI(url)
	if err := fasthttp.Do(&req, &resp); err != nil {
		t.Fatal(err)
	}
	return string(resp.Body())
}

func grepLines(s, sub string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), sub) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}

// TestRequestErrorAfterAFailedAttemptBlamesTheClient: the first deployment
// fails (500), the second answers 400 (the request's fault). The first
// failure's kind used to stay the request's outcome, so the deployment
// that answered correctly was charged an upstream_5xx fault.
func TestRequestErrorAfterAFailedAttemptBlamesTheClient(t *testing.T) {
	yml, vars, bad, good := badFirstConfig(t, "    retry: {attempts: 2, backoff: 1ms}\n    circuit: {consecutive_failures: 1000, min_requests: 1000}")
	bad.status.Store(500)
	good.status.Store(400)
	cfg := parseConfig(t, yml, vars)
	base, _ := healthGateway(t, cfg, nil)
	status, _, body := rawPost(t, base+"/chat/completions", "", `{"model":"m","messages":[{"role":"user","content":"x"}]}`)
	if status != 400 || bad.hits.Load() != 1 || good.hits.Load() != 1 {
		t.Fatalf("%d (bad %d hits, good %d): %s", status, bad.hits.Load(), good.hits.Load(), body)
	}
	metrics := scrape(t, strings.TrimSuffix(base, "/v1")+"/metrics")
	errs := grepLines(metrics, "tollgate_upstream_errors_total")
	if strings.Contains(errs, `deployment="good",kind="upstream_5xx"`) || !strings.Contains(errs, `deployment="good",kind="upstream_4xx"`) {
		t.Fatalf("the deployment that answered 400 is blamed wrongly:\n%s", errs)
	}
	if !strings.Contains(errs, `deployment="bad",kind="upstream_5xx"`) {
		t.Fatalf("the failed attempt is not recorded:\n%s", errs)
	}
}

// TestOpenCircuitShowsOpenInHealth: the breaker's states reach health as
// health's values. The gateway numbered open 1 and half-open 2, health the
// other way round: an open circuit was shown half-open and judged merely
// degraded.
func TestOpenCircuitShowsOpenInHealth(t *testing.T) {
	url, up := startSwitchable(t)
	up.status.Store(500)
	cfg := parseConfig(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - {name: m, retry: {attempts: 1}, circuit: {consecutive_failures: 1, cooldown: 1m}, deployments: [{upstream: u, model: mock-gpt, name: d}]}
`, map[string]string{"U": url})
	base, hr := healthGateway(t, cfg, nil)
	_, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("m", "x"))
	apiErr(t, err, 502, "upstream_error")
	circuit := ""
	for _, m := range hr.Snapshot() {
		for _, d := range m.Deployments {
			if m.Model == "m" && d.Deployment == "d" {
				circuit = d.Circuit
			}
		}
	}
	if circuit != "open" {
		t.Fatalf("health shows the tripped circuit as %q, want open", circuit)
	}
}
