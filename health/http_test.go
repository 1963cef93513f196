package health

import (
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// serveInMemory runs handler on an in-memory listener and returns a client bound to it.
func serveInMemory(t *testing.T, handler fasthttp.RequestHandler) *fasthttp.Client {
	t.Helper()
	ln := fasthttputil.NewInmemoryListener()
	srv := &fasthttp.Server{Handler: handler}
	go srv.Serve(ln) //nolint:errcheck // returns when the listener closes
	t.Cleanup(func() { _ = srv.Shutdown(); _ = ln.Close() })
	return &fasthttp.Client{Dial: func(string) (net.Conn, error) { return ln.Dial() }}
}

func get(t *testing.T, c *fasthttp.Client, method, uri string) (int, string, string) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://health.test" + uri)
	req.Header.SetMethod(method)
	if err := c.DoTimeout(req, resp, 5*time.Second); err != nil {
		t.Fatalf("%s %s: %v", method, uri, err)
	}
	return resp.StatusCode(), string(resp.Header.ContentType()), string(resp.Body())
}

func TestServeModelsHealth(t *testing.T) {
	clk := newFakeClock()
	r := newTestRegistry(t, testOptions(), clk)
	feed(r, "mock-gpt", "primary", 8, okRecord(400*time.Millisecond))
	feed(r, "mock-gpt", "primary", 2, Record{Status: 504, ErrKind: ErrTimeout, Duration: 30 * time.Second})
	r.evaluate()
	c := serveInMemory(t, r.ServeModelsHealth)

	code, ctype, body := get(t, c, "GET", "/v1/health/models")
	if code != 200 || ctype != "application/json" {
		t.Fatalf("status %d type %q", code, ctype)
	}
	var doc struct {
		Models []struct {
			Model        string  `json:"model"`
			Status       string  `json:"status"`
			Requests     int     `json:"requests"`
			ErrorRate    float64 `json:"error_rate"`
			LatencyP50Ms float64 `json:"latency_p50_ms"`
			LatencyP99Ms float64 `json:"latency_p99_ms"`
			TTFTP50Ms    float64 `json:"ttft_p50_ms"`
			TokensPerS   float64 `json:"tokens_per_s"`
			CostUSD      float64 `json:"cost_usd"`
			Deployments  []struct {
				Deployment string `json:"deployment"`
				Status     string `json:"status"`
				Circuit    string `json:"circuit"`
				Requests   int    `json:"requests"`
				Reason     string `json:"reason"`
			} `json:"deployments"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("bad JSON %q: %v", body, err)
	}
	if len(doc.Models) != 2 {
		t.Fatalf("want 2 configured models (other hidden without traffic), got %s", body)
	}
	g := doc.Models[0]
	if g.Model != "mock-gpt" || g.Requests != 10 || g.ErrorRate != 0.2 || g.Status != "degraded" {
		t.Fatalf("mock-gpt summary wrong: %+v", g)
	}
	if g.LatencyP50Ms < 320 || g.LatencyP50Ms > 480 || g.TTFTP50Ms < 80 || g.TTFTP50Ms > 120 {
		t.Fatalf("p50 latency %v ms / TTFT %v ms, want about 400 / 100", g.LatencyP50Ms, g.TTFTP50Ms)
	}
	// 100 tokens in 300 ms of generation per request.
	if g.TokensPerS < 330 || g.TokensPerS > 337 || g.CostUSD != 0.012 {
		t.Fatalf("tokens/s %v cost %v", g.TokensPerS, g.CostUSD)
	}
	if len(g.Deployments) != 2 || g.Deployments[0].Deployment != "primary" || g.Deployments[0].Status != "degraded" ||
		g.Deployments[0].Circuit != "closed" || !strings.Contains(g.Deployments[0].Reason, "error rate") {
		t.Fatalf("deployments: %+v", g.Deployments)
	}
	if code, _, body := get(t, c, "POST", "/v1/health/models"); code != 405 || !strings.Contains(body, `"error"`) {
		t.Fatalf("POST: %d %s", code, body)
	}
}

func TestServeMetricsIncludesDefaultSetAndProcess(t *testing.T) {
	r := newTestRegistry(t, testOptions(), nil)
	feed(r, "mock-gpt", "primary", 1, okRecord(time.Second))
	c := serveInMemory(t, r.ServeMetrics)
	code, ctype, body := get(t, c, "GET", "/metrics")
	if code != 200 || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("status %d type %q", code, ctype)
	}
	for _, want := range []string{
		`tollgate_requests_total{model="mock-gpt",deployment="primary",status="2xx"} 1`,
		"go_goroutines ", "process_cpu_seconds_total ", `tollgate_queue_dropped_total{queue="alerts"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("/metrics lacks %q", want)
		}
	}
	parseExposition(t, []byte(body)) // every line must parse
}
