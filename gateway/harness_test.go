package gateway_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

// listenLoopback returns a listener on a free 127.0.0.1 port.
func listenLoopback(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startMock runs a mockllm on loopback and returns its base URL (with /v1).
func startMock(t testing.TB, opts mockllm.Options) (string, *mockllm.Server) {
	t.Helper()
	srv := mockllm.New(opts)
	ln := listenLoopback(t)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); _ = ln.Close() })
	return "http://" + ln.Addr().String() + "/v1", srv
}

// switchable is an upstream whose behaviour a test flips at run time: it
// fails with a status, answers garbage, or delegates to a mock.
type switchable struct {
	mock    *mockllm.Server
	status  atomic.Int32 // 0 = delegate to the mock
	garbage atomic.Bool
	sse     atomic.Pointer[string] // when set: answer 200 text/event-stream with this body
	hits    atomic.Int64
	lastReq atomic.Pointer[capturedRequest]
}

type capturedRequest struct {
	auth, apiKey, path string
	body               []byte
}

func startSwitchable(t testing.TB) (string, *switchable) {
	t.Helper()
	sw := &switchable{mock: mockllm.New(mockllm.Options{})}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		sw.hits.Add(1)
		sw.lastReq.Store(&capturedRequest{
			auth:   string(ctx.Request.Header.Peek("Authorization")),
			apiKey: string(ctx.Request.Header.Peek("api-key")),
			path:   string(ctx.RequestURI()),
			body:   append([]byte(nil), ctx.PostBody()...),
		})
		if b := sw.sse.Load(); b != nil {
			ctx.SetContentType("text/event-stream")
			ctx.SetBodyString(*b)
			return
		}
		if sw.garbage.Load() {
			ctx.SetContentType("application/json")
			ctx.SetBodyString("<html>oops</html>")
			return
		}
		if st := sw.status.Load(); st != 0 {
			ctx.SetStatusCode(int(st))
			ctx.SetContentType("application/json")
			if st == 429 {
				ctx.Response.Header.Set("Retry-After", "1")
			}
			ctx.SetBodyString(`{"error":{"message":"injected failure","type":"server_error"}}`)
			return
		}
		sw.mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = sw.mock.Close() })
	return "http://" + ln.Addr().String() + "/v1", sw
}

// startGateway parses yml (with {{NAME}} placeholders replaced from vars)
// and serves it on loopback. It returns the /v1 base URL.
func startGateway(t testing.TB, yml string, vars map[string]string) (string, *gateway.Server) {
	t.Helper()
	cfg := parseConfig(t, yml, vars)
	gw, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw) + "/v1", gw
}

// serveGateway serves gw on loopback until the test ends and returns its
// root URL (without /v1).
func serveGateway(t testing.TB, gw *gateway.Server) string {
	t.Helper()
	ln := listenLoopback(t)
	go func() { _ = gw.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func parseConfig(t testing.TB, yml string, vars map[string]string) *config.Config {
	t.Helper()
	for k, v := range vars {
		yml = strings.ReplaceAll(yml, "{{"+k+"}}", v)
	}
	cfg, err := config.Parse([]byte(yml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func newClient(base, key string) *openai.Client {
	c := openai.DefaultConfig(key)
	c.BaseURL = base
	c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	return openai.NewClientWithConfig(c)
}

func chatReq(model, prompt string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: model, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}}
}

// apiErr asserts err is an OpenAI API error with status and code.
func apiErr(t *testing.T, err error, status int, code string) {
	t.Helper()
	var e *openai.APIError
	if !asAPIError(err, &e) {
		t.Fatalf("want API error %d %s, got %v", status, code, err)
	}
	if e.HTTPStatusCode != status || e.Code != code {
		t.Fatalf("want %d %s, got %d %v: %s", status, code, e.HTTPStatusCode, e.Code, e.Message)
	}
}

// waitFor polls cond for up to 5 s: for effects that happen asynchronously
// (a cancelled upstream noticing). It fails the test if cond never holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// badFirstConfig starts two switchable upstreams, bad and good, and returns
// a config serving model "m" from both, bad weighted so it is picked first.
// modelOpts are extra YAML lines for the model (retry, circuit), indented
// four spaces.
func badFirstConfig(t testing.TB, modelOpts string) (yml string, vars map[string]string, bad, good *switchable) {
	t.Helper()
	badURL, bad := startSwitchable(t)
	goodURL, good := startSwitchable(t)
	yml = `
upstreams:
  - {name: bad, kind: openai, base_url: "{{BAD}}"}
  - {name: good, kind: openai, base_url: "{{GOOD}}"}
models:
  - name: m
    balance: weighted
` + modelOpts + `
    deployments: [{upstream: bad, model: mock-gpt, name: bad, weight: 1000000}, {upstream: good, model: mock-gpt, name: good, weight: 1}]
`
	return yml, map[string]string{"BAD": badURL, "GOOD": goodURL}, bad, good
}

// restartable is a mock upstream a test can restart on the same port, as a
// redeployed model server is: every pooled connection to it goes stale.
type restartable struct {
	addr string
	hits atomic.Int64
	mock *mockllm.Server
	wrap func(net.Listener) net.Listener // TLS, for example; nil = plain
	srv  *fasthttp.Server
}

func startRestartable(t testing.TB, wrap func(net.Listener) net.Listener) *restartable {
	t.Helper()
	r := &restartable{mock: mockllm.New(mockllm.Options{}), wrap: wrap}
	t.Cleanup(func() { _ = r.mock.Close() })
	ln := listenLoopback(t)
	r.addr = ln.Addr().String()
	r.serve(t, ln)
	return r
}

func (r *restartable) serve(t testing.TB, ln net.Listener) {
	if r.wrap != nil {
		ln = r.wrap(ln)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { r.hits.Add(1); r.mock.Handler(ctx) }}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	r.srv = srv
}

// restart closes every connection and listens again on the same port.
func (r *restartable) restart(t testing.TB) {
	t.Helper()
	if err := r.srv.Shutdown(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	r.serve(t, ln)
}

// healthGateway serves cfg with rolling health on (opts from the config
// unless tune changes them) and its ops endpoints /metrics and
// /v1/health/models; it returns the /v1 base URL and the registry.
func healthGateway(t *testing.T, cfg *config.Config, tune func(*health.Options)) (string, *health.Registry) {
	t.Helper()
	gw, hr := newHealthServer(t, cfg, tune)
	gw.Handle("/metrics", hr.ServeMetrics, gateway.Ops)
	gw.Handle("/v1/health/models", hr.ServeModelsHealth, gateway.Ops)
	return serveGateway(t, gw) + "/v1", hr
}

// newHealthServer builds a gateway for cfg with rolling health on (opts
// from the config unless tune changes them), not yet serving.
func newHealthServer(t *testing.T, cfg *config.Config, tune func(*health.Options)) (*gateway.Server, *health.Registry) {
	t.Helper()
	opts := gateway.HealthOptions(cfg, nil)
	if tune != nil {
		tune(&opts)
	}
	hr, err := health.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	gw, err := gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Health: hr}})
	if err != nil {
		t.Fatal(err)
	}
	return gw, hr
}

// regoPolicy opens a policy engine on one decision.rego holding rego.
func regoPolicy(t testing.TB, rego string) *policy.Engine {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "decision.rego"), []byte(rego), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	return eng
}

// testLedger opens a ledger in a temp dir that flushes often (tests read
// its files), closed at cleanup; it returns the ledger and its dir.
func testLedger(t testing.TB) (*metering.Ledger, string) {
	t.Helper()
	dir := t.TempDir()
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: dir, FlushInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ledger.Close(context.Background()) })
	return ledger, dir
}

// concurrently runs f(0) … f(n-1) concurrently and reports every error.
func concurrently(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(i); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
