package gateway_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/valyala/fasthttp"
)

// exposedListener is a loopback listener that reports a non-loopback
// address, as a 0.0.0.0 or pod-IP listener would. Tests may only bind
// loopback; the gateway decides from Addr(), so this is what it sees.
type exposedListener struct {
	net.Listener
	addr net.Addr
}

func (l exposedListener) Addr() net.Addr { return l.addr }

func listenExposed(t testing.TB, ip string) (ln net.Listener, dial string) {
	t.Helper()
	real := listenLoopback(t)
	return exposedListener{real, &net.TCPAddr{IP: net.ParseIP(ip), Port: 8080}}, real.Addr().String()
}

// serveOn serves gw on ln and returns the error Serve returned at once, or
// nil once it is accepting.
func serveOn(t *testing.T, gw *gateway.Server, ln net.Listener) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- gw.Serve(ln) }()
	t.Cleanup(func() { _ = gw.Shutdown(context.Background()); _ = ln.Close() })
	select {
	case err := <-errc:
		return err
	case <-time.After(300 * time.Millisecond): // bounded: a refusal returns before accepting
		return nil
	}
}

const realUpstreamNoKeys = `
upstreams:
  - {name: openai, kind: openai, base_url: "{{url}}"}
models:
  - name: m
    deployments: [{upstream: openai}]
`

// TestExposedOpenProxyRefusesToStart: no keys, a real upstream, and a
// listener other hosts reach: Serve refuses and names the opt-in; the
// upstream is never called. With the opt-in it serves and warns loudly.
func TestExposedOpenProxyRefusesToStart(t *testing.T) {
	base, sw := startSwitchable(t)
	cfg := parseConfig(t, realUpstreamNoKeys, map[string]string{"url": base})
	gw, err := gateway.New(cfg, gateway.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, _ := listenExposed(t, "0.0.0.0")
	err = serveOn(t, gw, ln)
	if err == nil || !strings.Contains(err.Error(), "auth.allow_unauthenticated") || !strings.Contains(err.Error(), `"openai"`) {
		t.Fatalf("Serve on 0.0.0.0 with no keys: %v; want a refusal naming auth.allow_unauthenticated and the upstream", err)
	}
	if err := gateway.CheckExposure(cfg, "0.0.0.0:8080"); err == nil {
		t.Fatal("CheckExposure(0.0.0.0:8080) passed an open proxy")
	}

	var logs lockedBuffer
	cfg.Auth.AllowUnauthenticated = true
	gw, err = gateway.New(cfg, gateway.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, dial := listenExposed(t, "10.0.0.1")
	if err := serveOn(t, gw, ln); err != nil {
		t.Fatalf("Serve with auth.allow_unauthenticated: %v", err)
	}
	if !strings.Contains(logs.String(), "AUTH IS OFF") || !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("no loud warning logged: %s", logs.String())
	}
	if _, err := newClient("http://"+dial+"/v1", "").CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatalf("opted-in gateway: %v", err)
	}
	if sw.hits.Load() != 1 {
		t.Fatalf("upstream hits %d; want 1 (only the opted-in request)", sw.hits.Load())
	}
}

// TestReloadCannotOpenTheProxy: a gateway serving mock models on an exposed
// listener rejects a reload that adds a real upstream without keys, keeps
// serving the old config, and accepts it with the opt-in.
func TestReloadCannotOpenTheProxy(t *testing.T) {
	base, sw := startSwitchable(t)
	gw, err := gateway.New(parseConfig(t, "upstreams: [{name: mock, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: mock}]}]\n", nil), gateway.Options{Mock: inProcessMock})
	if err != nil {
		t.Fatal(err)
	}
	ln, dial := listenExposed(t, "10.0.0.1")
	if err := serveOn(t, gw, ln); err != nil {
		t.Fatalf("mock-only config on an exposed listener must serve: %v", err)
	}
	next := parseConfig(t, realUpstreamNoKeys, map[string]string{"url": base})
	if err := gw.Reload(next); err == nil || !strings.Contains(err.Error(), "auth.allow_unauthenticated") {
		t.Fatalf("reload to an open proxy: %v; want a rejection naming the opt-in", err)
	}
	if _, err := newClient("http://"+dial+"/v1", "").CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatalf("old config no longer serves: %v", err)
	}
	if sw.hits.Load() != 0 {
		t.Fatalf("the rejected config reached the real upstream %d times", sw.hits.Load())
	}
	next.Auth.AllowUnauthenticated = true
	if err := gw.Reload(next); err != nil {
		t.Fatalf("reload with the opt-in: %v", err)
	}

	// On loopback nothing is exposed: the same reload needs no opt-in.
	gw2, err := gateway.New(parseConfig(t, "upstreams: [{name: mock, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: mock}]}]\n", nil), gateway.Options{Mock: inProcessMock})
	if err != nil {
		t.Fatal(err)
	}
	if err := serveOn(t, gw2, listenLoopback(t)); err != nil {
		t.Fatal(err)
	}
	if err := gw2.Reload(parseConfig(t, realUpstreamNoKeys, map[string]string{"url": base})); err != nil {
		t.Fatalf("reload on loopback: %v", err)
	}
}

// TestAdminEndpointsClosedOnExposedListener: with auth off and no admin key,
// admin endpoints used to answer anyone. On an exposed listener they now
// answer 401, while the model API, /healthz and /readyz stay usable; on a
// loopback listener (local development) they stay open.
func TestAdminEndpointsClosedOnExposedListener(t *testing.T) {
	newGW := func(extra string) *gateway.Server {
		gw, err := gateway.New(parseConfig(t, "upstreams: [{name: mock, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: mock}]}]\n"+extra, nil), gateway.Options{Mock: inProcessMock})
		if err != nil {
			t.Fatal(err)
		}
		ok := func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("secret stuff") }
		gw.Handle("/v1/usage", ok, gateway.Admin)
		gw.Handle("/debug/pprof/", ok, gateway.Admin)
		gw.Handle("/metrics", ok, gateway.Ops)
		gw.SetReloadFunc(func() error { return nil })
		return gw
	}
	f := func(dial, method, path, key string, want int) {
		t.Helper()
		if got, body := do(t, dial, method, path, key); got != want {
			t.Fatalf("%s %s (key %q): %d %s; want %d", method, path, key, got, body, want)
		}
	}
	gw := newGW("")
	ln, dial := listenExposed(t, "10.0.0.1")
	if err := serveOn(t, gw, ln); err != nil {
		t.Fatal(err)
	}
	f(dial, "GET", "/v1/usage", "", 401)
	f(dial, "POST", "/admin/reload", "", 401)
	f(dial, "GET", "/debug/pprof/", "", 401)
	f(dial, "GET", "/debug/pprof/heap", "", 401)
	f(dial, "GET", "/metrics", "", 401)
	f(dial, "GET", "/v1/usage", "anything", 401) // no admin key configured: no key opens it
	f(dial, "GET", "/healthz", "", 200)
	f(dial, "GET", "/readyz", "", 200)
	if _, err := newClient("http://"+dial+"/v1", "").CreateChatCompletion(context.Background(), chatReq("m", "hi")); err != nil {
		t.Fatalf("mock model on the exposed listener: %v", err)
	}

	gw = newGW("admin: {key: adm}\nops: {key: scrape}\n")
	ln, dial = listenExposed(t, "10.0.0.1")
	if err := serveOn(t, gw, ln); err != nil {
		t.Fatal(err)
	}
	f(dial, "GET", "/v1/usage", "adm", 200)
	f(dial, "POST", "/admin/reload", "adm", 200)
	f(dial, "GET", "/v1/usage", "wrong", 403)
	f(dial, "GET", "/v1/usage", "scrape", 403) // the ops key reads ops endpoints only
	f(dial, "GET", "/metrics", "scrape", 200)
	f(dial, "GET", "/metrics", "", 401)

	gw = newGW("")
	ln = listenLoopback(t)
	if err := serveOn(t, gw, ln); err != nil {
		t.Fatal(err)
	}
	dial = ln.Addr().String()
	f(dial, "GET", "/v1/usage", "", 200)
	f(dial, "POST", "/admin/reload", "", 200)
	f(dial, "GET", "/metrics", "", 200)
}

// lockedBuffer is a log sink a serving goroutine writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func do(t *testing.T, dial, method, path, key string) (int, string) {
	t.Helper()
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + dial + path)
	req.Header.SetMethod(method)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode(), string(resp.Body())
}

func TestIsLoopbackListen(t *testing.T) {
	f := func(addr string, want bool) {
		t.Helper()
		if got := gateway.IsLoopbackListen(addr); got != want {
			t.Fatalf("IsLoopbackListen(%q) = %v; want %v", addr, got, want)
		}
	}
	f("127.0.0.1:8080", true)
	f("127.0.0.2:8080", true)
	f("[::1]:8080", true)
	f("localhost:8080", true)
	f("0.0.0.0:8080", false)
	f(":8080", false)
	f("[::]:8080", false)
	f("10.0.0.1:8080", false)
	f("gateway.internal:8080", false)
	f("127.0.0.1", false) // not host:port
}

// TestReloadRefusesToMoveListeners: a reload cannot move a listener, and
// used to ignore a new listen or ops.listen without a word; it now says a
// restart is needed, and the running config keeps serving.
func TestReloadRefusesToMoveListeners(t *testing.T) {
	const base = "upstreams: [{name: mock, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: mock}]}]\n"
	gw, err := gateway.New(parseConfig(t, base, nil), gateway.Options{Mock: inProcessMock})
	if err != nil {
		t.Fatal(err)
	}
	f := func(extra, want string) {
		t.Helper()
		err := gw.Reload(parseConfig(t, base+extra, nil))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "restart") {
			t.Fatalf("reload with %q: %v; want an error naming %s and a restart", extra, err, want)
		}
	}
	f("listen: 127.0.0.1:18999\n", "listen changed")
	f("ops: {listen: 127.0.0.1:19999}\n", "ops.listen changed")
	if err := gw.Reload(parseConfig(t, base+"admin: {key: k}\n", nil)); err != nil {
		t.Fatalf("a reload that keeps the listeners: %v", err)
	}
}
