package gateway_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
)

func TestPassthroughRoute(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	root := strings.TrimSuffix(mockURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: kserve, kind: openai, base_url: "{{ROOT}}"}]
routes: [{prefix: /v2/models/, upstream: kserve}]
keys: [{id: k, key: sk-k}]
`, map[string]string{"ROOT": root})
	gwRoot := strings.TrimSuffix(base, "/v1")
	body := `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1.5]}]}`
	status, h, resp := rawPost(t, gwRoot+"/v2/models/m1/infer", "sk-k", body)
	if status != 200 || !strings.Contains(resp, "outputs") || h.Get("X-Request-Id") == "" {
		t.Fatalf("status %d body %s", status, resp)
	}
	status, _, _ = rawPost(t, gwRoot+"/v2/models/m1/infer", "sk-wrong", body)
	if status != 401 {
		t.Fatalf("passthrough without a valid key: %d", status)
	}
}

// TestPassthroughRelaysEventStreams: a model server's own streaming API
// behind a pass-through route arrives event by event, not buffered.
func TestPassthroughRelaysEventStreams(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	gate := mock.Gate("pt")
	root := strings.TrimSuffix(mockURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: raw, kind: openai, base_url: "{{ROOT}}", headers: {x-mock-gate: pt}}]
routes: [{prefix: /raw/, upstream: raw, strip_prefix: true}]
`, map[string]string{"ROOT": root})
	gwRoot := strings.TrimSuffix(base, "/v1")
	req, _ := http.NewRequest(http.MethodPost, gwRoot+"/raw/v1/chat/completions",
		strings.NewReader(`{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "data: ") {
		t.Fatalf("first line %q: %v", line, err)
	}
	select {
	case <-gate.Reached():
	default:
		t.Fatal("first event arrived but the mock never reached its gate: the stream was buffered")
	}
	gate.Open()
	rest, _ := io.ReadAll(br)
	if !strings.Contains(string(rest), "[DONE]") {
		t.Fatalf("stream did not finish: %s", rest)
	}
}

// meteredPassthrough serves yml with the limiter and an embedded ledger in
// a temp dir, and returns the gateway's root URL and the ledger file.
func meteredPassthrough(t *testing.T, yml string, vars map[string]string) (root, ledgerDir string) {
	t.Helper()
	dir := t.TempDir()
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: dir, FlushInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ledger.Close(context.Background()) })
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	gw, err = gateway.New(parseConfig(t, yml, vars), gateway.Options{Stages: gateway.Stages{Limiter: limiter, Ledger: ledger}})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw), dir
}

// ledgerRecord waits for the ledger record of the request with id reqID.
func ledgerRecord(t *testing.T, dir, reqID string) metering.Record {
	t.Helper()
	var rec metering.Record
	waitFor(t, "ledger record "+reqID, func() bool {
		found := false
		_, _, _ = metering.ReadLedger(dir, time.Time{}, time.Time{}, func(r *metering.Record) error {
			if r.RequestID == reqID {
				rec, found = *r, true
			}
			return nil
		})
		return found
	})
	return rec
}

// TestPassthroughModelAllowlist: a route's {model} segment names the model
// a request counts as, and keys' models allowlists apply to it; a model
// the key may not use never reaches the upstream. A route whose path names
// no model is refused to a model-limited key unless the route lists it.
func TestPassthroughModelAllowlist(t *testing.T) {
	upURL, up := startSwitchable(t)
	root := strings.TrimSuffix(upURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: kserve, kind: openai, base_url: "{{ROOT}}"}]
routes:
  - {prefix: "/v2/models/{model}/", upstream: kserve, models: [m1, gpt-4o]}
  - {prefix: /raw, upstream: kserve, strip_prefix: true}
  - {prefix: /granted, upstream: kserve, strip_prefix: true, keys: [one]}
  - {prefix: /tgi, upstream: kserve, strip_prefix: true, model: tgi-llama}
keys:
  - {id: one, key: sk-one, models: [m1]}
  - {id: all, key: sk-all}
`, map[string]string{"ROOT": root})
	gw := strings.TrimSuffix(base, "/v1")
	body := `{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1.5]}]}`

	status, _, resp := rawPost(t, gw+"/v2/models/gpt-4o/infer", "sk-one", body)
	if status != 403 || !strings.Contains(resp, "model_not_allowed") || up.hits.Load() != 0 {
		t.Fatalf("other model: %d %s; upstream hits %d", status, resp, up.hits.Load())
	}
	status, _, resp = rawPost(t, gw+"/v2/models/m1/infer", "sk-one", body)
	if status != 200 || !strings.Contains(resp, "outputs") || up.hits.Load() != 1 {
		t.Fatalf("own model: %d %s", status, resp)
	}
	status, _, resp = rawPost(t, gw+"/v2/models/unknown/infer", "sk-all", body)
	if status != 404 || !strings.Contains(resp, "model_not_found") {
		t.Fatalf("a name outside the route's models: %d %s", status, resp)
	}
	status, _, resp = rawPost(t, gw+"/raw/v2/models/gpt-4o/infer", "sk-one", body)
	if status != 403 || !strings.Contains(resp, "route_not_allowed") || up.hits.Load() != 1 {
		t.Fatalf("model-less route with a model-limited key: %d %s", status, resp)
	}
	status, _, resp = rawPost(t, gw+"/granted/v2/models/m1/infer", "sk-all", body)
	if status != 403 || !strings.Contains(resp, "route_not_allowed") || up.hits.Load() != 1 {
		t.Fatalf("key missing from the route's keys: %d %s", status, resp)
	}
	status, _, resp = rawPost(t, gw+"/tgi/v2/models/m1/infer", "sk-one", body)
	if status != 403 || !strings.Contains(resp, "model_not_allowed") || up.hits.Load() != 1 {
		t.Fatalf("route with a fixed model the key may not use: %d %s", status, resp)
	}
	for _, c := range []struct{ path, key string }{
		{"/v2/models/gpt-4o/infer", "sk-all"}, {"/raw/v2/models/m1/infer", "sk-all"}, {"/granted/v2/models/m1/infer", "sk-one"},
		{"/tgi/v2/models/m1/infer", "sk-all"},
	} {
		if status, _, resp := rawPost(t, gw+c.path, c.key, body); status != 200 {
			t.Fatalf("%s with %s: %d %s", c.path, c.key, status, resp)
		}
	}
}

// TestPassthroughRateLimitedAndRecorded: a pass-through route counts
// against the key's RPM (the third request in a minute is refused before
// the upstream), and each request leaves a ledger record with its status,
// bytes and, for an OpenAI-shaped JSON answer, its tokens.
func TestPassthroughRateLimitedAndRecorded(t *testing.T) {
	upURL, up := startSwitchable(t)
	root := strings.TrimSuffix(upURL, "/v1")
	gw, ledgerFile := meteredPassthrough(t, `
upstreams: [{name: raw, kind: openai, base_url: "{{ROOT}}"}]
routes: [{prefix: "/raw/{model}", upstream: raw, strip_prefix: true, models: [mock-gpt]}]
keys: [{id: k-rpm, key: sk-rpm, rpm: 2, tags: {case: pt}}]
`, map[string]string{"ROOT": root})
	body := `{"model":"mock-gpt","messages":[{"role":"user","content":"hello there"}]}`
	status, h, resp := rawPost(t, gw+"/raw/mock-gpt/v1/chat/completions", "sk-rpm", body)
	if status != 200 || !strings.Contains(resp, `"usage"`) {
		t.Fatalf("first: %d %s", status, resp)
	}
	if got := up.lastReq.Load().path; got != "/v1/chat/completions" {
		t.Fatalf("upstream path %q", got)
	}
	rec := ledgerRecord(t, ledgerFile, h.Get("X-Request-Id"))
	if rec.Endpoint != "passthrough" || rec.KeyID != "k-rpm" || rec.ModelRequested != "mock-gpt" || rec.Status != 200 ||
		rec.Deployment != "raw" || rec.BytesIn != int64(len(body)) || rec.BytesOut != int64(len(resp)) ||
		rec.PromptTokens == 0 || rec.CompletionTokens == 0 || rec.Tags["case"] != "pt" {
		t.Fatalf("ledger record %+v", rec)
	}
	if status, _, resp := rawPost(t, gw+"/raw/mock-gpt/v1/chat/completions", "sk-rpm", body); status != 200 {
		t.Fatalf("second: %d %s", status, resp)
	}
	status, h, resp = rawPost(t, gw+"/raw/mock-gpt/v1/chat/completions", "sk-rpm", body)
	if status != 429 || !strings.Contains(resp, "rate_limit_exceeded") || up.hits.Load() != 2 {
		t.Fatalf("third: %d %s; upstream hits %d", status, resp, up.hits.Load())
	}
	if rec := ledgerRecord(t, ledgerFile, h.Get("X-Request-Id")); rec.Status != 429 || rec.BytesOut != 0 {
		t.Fatalf("refused request's record %+v", rec)
	}
}

// rawRequest sends requestTarget exactly as written (no client-side path
// cleaning) and returns the status code.
func rawRequest(t *testing.T, hostport, method, target string) int {
	t.Helper()
	c, err := net.DialTimeout("tcp", hostport, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, method+" "+target+" HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestPassthroughPrefixOnSegments: a prefix matches whole path segments
// and strip_prefix removes exactly it (with or without a trailing slash in
// the config); what the upstream receives is checked, and dot segments or
// encoded slashes never carry a request out of its route's prefix.
func TestPassthroughPrefixOnSegments(t *testing.T) {
	upURL, up := startSwitchable(t)
	root := strings.TrimSuffix(upURL, "/v1")
	base, _ := startGateway(t, `
upstreams: [{name: up, kind: openai, base_url: "{{ROOT}}"}]
routes:
  - {prefix: /pt, upstream: up, strip_prefix: true}
  - {prefix: /slash/, upstream: up, strip_prefix: true}
  - {prefix: /keep, upstream: up}
`, map[string]string{"ROOT": root})
	hostport := strings.TrimPrefix(strings.TrimSuffix(base, "/v1"), "http://")
	forwarded := []struct{ target, want string }{
		{"/pt/foo", "/foo"},
		{"/pt", "/"},
		{"/pt/", "/"},
		{"/pt/a/b?x=1", "/a/b?x=1"},
		{"/slash/foo", "/foo"},
		{"/slash", "/"},
		{"/keep/foo", "/keep/foo"},
		{"/pt/a/../b", "/b"},
		{"/pt/a%2Fb", "/a/b"},
		{"/keep/a/%2e%2e/b", "/keep/b"},
		{"/pt/a%3Fb?q=1", "/a%3Fb?q=1"}, // an encoded '?' stays in the path, re-encoded
		{"/pt/a%20b%23c", "/a%20b%23c"},
	}
	for _, c := range forwarded {
		before := up.hits.Load()
		rawRequest(t, hostport, "GET", c.target)
		if up.hits.Load() != before+1 {
			t.Fatalf("%s did not reach the upstream", c.target)
		}
		if got := up.lastReq.Load().path; got != c.want {
			t.Errorf("%s reached the upstream as %q, want %q", c.target, got, c.want)
		}
	}
	// Nothing of these may reach the upstream: they are outside every
	// route once the path is normalised.
	for _, target := range []string{
		"/ptfoo/bar", "/p", "/slashx", "/keepx/a",
		"/pt/../secret", "/keep/..%2Fsecret", "/keep/%2e%2e/secret", "/keep/a%2F..%2F..%2Fsecret", "/pt%2F..%2Fsecret",
	} {
		before := up.hits.Load()
		if st := rawRequest(t, hostport, "GET", target); st != 404 || up.hits.Load() != before {
			t.Errorf("%s: status %d, upstream hits +%d; want 404 and none", target, st, up.hits.Load()-before)
		}
	}
}

// TestPassthroughSettlesUsageAgainstLimits: a pass-through request reserves
// almost nothing, settles the tokens and cost an OpenAI-shaped answer
// reports, and the next request is refused once the TPM window or the
// budget is spent.
func TestPassthroughSettlesUsageAgainstLimits(t *testing.T) {
	upURL, up := startSwitchable(t)
	root := strings.TrimSuffix(upURL, "/v1")
	gw, ledgerFile := meteredPassthrough(t, `
upstreams: [{name: raw, kind: openai, base_url: "{{ROOT}}"}]
routes: [{prefix: "/raw/{model}", upstream: raw, strip_prefix: true, models: [gpt-4o]}]
keys:
  - {id: k-tpm, key: sk-tpm, tpm: 100}
  - {id: k-budget, key: sk-budget, budget: {total_usd: 0.0001}}
`, map[string]string{"ROOT": root})
	body := `{"model":"mock-gpt","messages":[{"role":"user","content":"` + strings.Repeat("tell me more ", 100) + `"}]}`
	for _, c := range []struct{ key, code string }{{"sk-tpm", "rate_limit_exceeded"}, {"sk-budget", "budget_exceeded"}} {
		status, h, resp := rawPost(t, gw+"/raw/gpt-4o/v1/chat/completions", c.key, body)
		if status != 200 {
			t.Fatalf("%s first: %d %s", c.key, status, resp)
		}
		rec := ledgerRecord(t, ledgerFile, h.Get("X-Request-Id"))
		if rec.PromptTokens < 100 || rec.CostPicos == 0 {
			t.Fatalf("%s: usage not settled from the answer: %+v", c.key, rec)
		}
		hits := up.hits.Load()
		status, _, resp = rawPost(t, gw+"/raw/gpt-4o/v1/chat/completions", c.key, body)
		if status != 429 || !strings.Contains(resp, c.code) || up.hits.Load() != hits {
			t.Fatalf("%s second: %d %s", c.key, status, resp)
		}
	}
}

// TestPassthroughUpstreamRestartIsResent: a pass-through request on a pooled
// connection the upstream closed while restarting is sent again on a fresh
// one, as model API requests are, instead of answering 502.
func TestPassthroughUpstreamRestartIsResent(t *testing.T) {
	up := startRestartable(t, nil)
	base, _ := startGateway(t, `
upstreams: [{name: raw, kind: openai, base_url: "http://{{ADDR}}"}]
routes: [{prefix: /raw/, upstream: raw, strip_prefix: true}]
`, map[string]string{"ADDR": up.addr})
	url := strings.TrimSuffix(base, "/v1") + "/raw/v1/chat/completions"
	body := `{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}`
	if status, _, resp := rawPost(t, url, "", body); status != 200 {
		t.Fatalf("before the restart: %d %s", status, resp)
	}
	up.restart(t)
	if status, _, resp := rawPost(t, url, "", body); status != 200 || up.hits.Load() != 2 {
		t.Fatalf("after the restart: %d %s (upstream hits %d, want 2)", status, resp, up.hits.Load())
	}
}
