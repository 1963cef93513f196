package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

const authOnConfig = `
admin: {key: adm}
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys:
  - {id: k1, key: client-key, tenant: acme, team: search}
`

// startAppOn serves cfg's app on a loopback main listener and a loopback ops
// listener; it returns both addresses.
func startAppOn(t *testing.T, cfg *config.Config) (mainAddr, opsAddr string) {
	t.Helper()
	cfg.Metering.LedgerDir = t.TempDir()
	a, err := newApp(cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mainLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.gw.Serve(mainLn) }()
	go func() { _ = a.gw.ServeOps(opsLn) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.shutdown(ctx)
	})
	return mainLn.Addr().String(), opsLn.Addr().String()
}

func get(t *testing.T, addr, path, key string) (int, string) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + addr + path)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode(), string(resp.Body())
}

// TestOpsEndpointsNeedAdminKeyWithAuthOn: /metrics and /ui/data.json used to
// answer anyone on the main port, so every key holder (or anyone reaching
// it) read all tenants' spend. With auth on they now need the admin key
// there, and answer without one on the loopback ops listener, which serves
// no model API.
func TestOpsEndpointsNeedAdminKeyWithAuthOn(t *testing.T) {
	cfg, err := config.Parse([]byte(authOnConfig), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mainAddr, opsAddr := startAppOn(t, cfg)
	f := func(addr, path, key string, want int) string {
		t.Helper()
		code, body := get(t, addr, path, key)
		if code != want {
			t.Fatalf("GET %s%s (key %q): %d %.200s; want %d", addr, path, key, code, body, want)
		}
		return body
	}
	for _, p := range []string{"/metrics", "/ui/data.json", "/ui/", "/v1/health/models", "/v1/health/policy", "/v1/usage", "/debug/pprof/"} {
		f(mainAddr, p, "", 401)
		f(mainAddr, p, "client-key", 403) // a virtual key is not the admin key
		f(mainAddr, p, "adm", 200)
	}
	for _, p := range []string{"/metrics", "/ui/data.json", "/v1/health/models", "/healthz", "/readyz"} {
		f(opsAddr, p, "", 200)
	}
	// A browser opening /ui on the main port is asked for the key (HTTP Basic, the key as password).
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://" + mainAddr + "/ui/data.json")
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != 401 ||
		!strings.HasPrefix(string(resp.Header.Peek("WWW-Authenticate")), "Basic ") {
		t.Fatalf("/ui/data.json without a key: %v %d, WWW-Authenticate %q", err, resp.StatusCode(), resp.Header.Peek("WWW-Authenticate"))
	}
	for pass, want := range map[string]int{"adm": 200, "client-key": 403} {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("ops:"+pass)))
		if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != want {
			t.Fatalf("/ui/data.json with Basic password %q: %v %d; want %d", pass, err, resp.StatusCode(), want)
		}
	}
	fasthttp.ReleaseRequest(req)
	fasthttp.ReleaseResponse(resp)

	f(opsAddr, "/v1/usage", "", 401) // admin endpoints keep the admin key when one is set
	f(opsAddr, "/v1/usage", "adm", 200)
	f(opsAddr, "/v1/models", "client-key", 404) // no model API on the ops listener
	f(mainAddr, "/healthz", "", 200)

	// The UI's cost table comes from the ledger's running aggregate.
	oc := openai.DefaultConfig("client-key")
	oc.BaseURL = "http://" + mainAddr + "/v1"
	if _, err := openai.NewClientWithConfig(oc).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "mock-gpt", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Sources struct {
			CostByTenant []struct {
				Tenant, Team string
				CostUSD      float64 `json:"cost_usd"`
			} `json:"cost_by_tenant"`
		}
	}
	for i := 0; i < 500 && len(doc.Sources.CostByTenant) == 0; i++ { // the ledger writer is asynchronous
		time.Sleep(10 * time.Millisecond)
		if err := json.Unmarshal([]byte(f(opsAddr, "/ui/data.json", "", 200)), &doc); err != nil {
			t.Fatal(err)
		}
	}
	if c := doc.Sources.CostByTenant; len(c) != 1 || c[0].Tenant != "acme" || c[0].Team != "search" {
		t.Fatalf("cost_by_tenant %+v; want acme/search", c)
	}
}

// TestCLIsTakeAdminKey: `tollgate health` and `tollgate usage` reach a
// guarded endpoint with --admin-key or TOLLGATE_ADMIN_KEY.
func TestCLIsTakeAdminKey(t *testing.T) {
	cfg, err := config.Parse([]byte(authOnConfig), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mainAddr, _ := startAppOn(t, cfg)
	var out, errb bytes.Buffer
	if code := run([]string{"health", "--url", "http://" + mainAddr}, nil, &out, &errb); code != 1 || !strings.Contains(errb.String(), "401") {
		t.Fatalf("health without the key: exit %d %s", code, errb.String())
	}
	if code := run([]string{"health", "--url", "http://" + mainAddr, "--admin-key", "adm"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "mock-gpt") {
		t.Fatalf("health --admin-key: exit %d %s %s", code, out.String(), errb.String())
	}
	t.Setenv("TOLLGATE_ADMIN_KEY", "adm")
	out.Reset()
	if code := run([]string{"health", "--url", "http://" + mainAddr}, nil, &out, &errb); code != 0 {
		t.Fatalf("health with TOLLGATE_ADMIN_KEY: exit %d %s", code, errb.String())
	}
	if code := run([]string{"usage", "--url", "http://" + mainAddr}, nil, &out, &errb); code != 0 {
		t.Fatalf("usage with TOLLGATE_ADMIN_KEY: exit %d %s", code, errb.String())
	}
}

// TestServeRefusesOpenProxy: `tollgate serve` with a real upstream, no keys
// and a non-loopback address exits before listening, naming the opt-in.
// 192.0.2.1 is a documentation address: were the check gone, the bind
// would fail instead (and the message would not name the opt-in).
func TestServeRefusesOpenProxy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tollgate.yaml")
	yml := "upstreams: [{name: openai, kind: openai, base_url: 'http://127.0.0.1:1/v1'}]\nmodels: [{name: m, deployments: [{upstream: openai}]}]\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	code := run([]string{"serve", "--config", path, "--listen", "192.0.2.1:8080", "--ops-listen", "off"}, nil, &bytes.Buffer{}, &errb)
	if code != 1 || !strings.Contains(errb.String(), "auth.allow_unauthenticated") {
		t.Fatalf("exit %d: %s; want 1 and a message naming auth.allow_unauthenticated", code, errb.String())
	}
}

// fakeAddrListener reports a pod-IP address while accepting on loopback
// (tests may bind loopback only; the gateway decides from Addr()).
type fakeAddrListener struct{ net.Listener }

func (fakeAddrListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 8080} }

// TestDockerDefaultOnExposedAddress is `docker run` of the image: the
// embedded default on a non-loopback address. The mock models answer and
// the probes stay open; usage, reload, pprof, metrics and the UI answer 401
// (they used to answer anyone), and 200 with TOLLGATE_ADMIN_KEY.
func TestDockerDefaultOnExposedAddress(t *testing.T) {
	for _, key := range []string{"", "adm-from-env"} {
		t.Setenv("TOLLGATE_ADMIN_KEY", key)
		cfg, err := config.Load("")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Metering.LedgerDir = t.TempDir()
		a, err := newApp(cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = a.gw.Serve(fakeAddrListener{ln}) }()
		addr := ln.Addr().String()
		oc := openai.DefaultConfig("any")
		oc.BaseURL = "http://" + addr + "/v1"
		if _, err := openai.NewClientWithConfig(oc).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
			Model: "mock-gpt", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}}}); err != nil {
			t.Fatalf("mock model on an exposed address: %v", err)
		}
		want := 401
		if key != "" {
			want = 200
		}
		for _, p := range []string{"/v1/usage", "/debug/pprof/", "/metrics", "/ui/data.json", "/v1/health/models"} {
			if code, body := get(t, addr, p, key); code != want {
				t.Fatalf("GET %s (admin key %q): %d %.200s; want %d", p, key, code, body, want)
			}
		}
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + addr + "/admin/reload")
		req.Header.SetMethod("POST")
		if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != 401 {
			t.Fatalf("POST /admin/reload without a key: %v %d", err, resp.StatusCode())
		}
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
		for _, p := range []string{"/healthz", "/readyz"} {
			if code, _ := get(t, addr, p, ""); code != 200 {
				t.Fatalf("GET %s: %d; want 200", p, code)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = a.shutdown(ctx)
		cancel()
	}
}
