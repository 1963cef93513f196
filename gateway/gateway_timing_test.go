package gateway_test

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

var benchChat = []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)

// inmemClient is a fasthttp client that dials ln; ReadBufferSize is large
// enough for SSE bursts.
func inmemClient(ln *fasthttputil.InmemoryListener) *fasthttp.HostClient {
	return &fasthttp.HostClient{Addr: "bench", Dial: func(string) (net.Conn, error) { return ln.Dial() }, MaxConns: 1024}
}

func benchPost(b *testing.B, c *fasthttp.HostClient, body []byte, stream bool, key string) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			setChatRequest(req, body, key)
			if err := c.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode() != 200 || (stream && !bytes.Contains(resp.Body(), []byte("[DONE]"))) {
				b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
			}
		}
	})
}

// BenchmarkProxy compares, in one run, the mock served directly and the
// same mock behind the gateway (all stages off): the difference is the
// gateway's cost per request. Everything runs in-process over in-memory
// listeners, so no kernel networking is measured.
func BenchmarkProxy(b *testing.B) {
	mockLn, gwLn := proxyPair(b)
	streamBody := append([]byte(`{"stream":true,`), benchChat[1:]...)

	b.Run("direct/chat", func(b *testing.B) { benchPost(b, inmemClient(mockLn), benchChat, false, "") })
	b.Run("gateway/chat", func(b *testing.B) { benchPost(b, inmemClient(gwLn), benchChat, false, "") })
	b.Run("direct/stream", func(b *testing.B) { benchPost(b, inmemClient(mockLn), streamBody, true, "") })
	b.Run("gateway/stream", func(b *testing.B) { benchPost(b, inmemClient(gwLn), streamBody, true, "") })
}

// proxyPair serves a mock and, in front of it, the gateway with the
// embedded default (all stages off), both on in-memory listeners, until
// the test ends.
func proxyPair(tb testing.TB) (mockLn, gwLn *fasthttputil.InmemoryListener) {
	tb.Helper()
	mock := mockllm.New(mockllm.Options{})
	mockLn = fasthttputil.NewInmemoryListener()
	go func() { _ = mock.Serve(mockLn) }()
	tb.Cleanup(func() { _ = mock.Close() })
	cfg, err := config.Parse(config.EmbeddedDefault(), "embedded")
	if err != nil {
		tb.Fatal(err)
	}
	gw, err := gateway.New(cfg, gateway.Options{Mock: inProcessMock})
	if err != nil {
		tb.Fatal(err)
	}
	gwLn = serveInMemory(tb, gw)
	return mockLn, gwLn
}

// serveInMemory serves gw on an in-memory listener until the benchmark or
// test ends.
func serveInMemory(tb testing.TB, gw *gateway.Server) *fasthttputil.InmemoryListener {
	ln := fasthttputil.NewInmemoryListener()
	go func() { _ = gw.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	})
	return ln
}

// setChatRequest makes req a chat completion POST of body, with key as its
// bearer token unless empty, for the benchmarks' and allocation guards' clients.
func setChatRequest(req *fasthttp.Request, body []byte, key string) {
	req.Reset()
	req.Header.SetMethod("POST")
	req.SetRequestURI("http://bench/v1/chat/completions")
	req.Header.SetContentType("application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.SetBodyRaw(body)
}
