package mockllm

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// smallChat is the load-test request: a short system and user message, non-stream.
const smallChat = `{"model":"mock-gpt","messages":[{"role":"system","content":"You are a helpful assistant."},` +
	`{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":16}`

var benchSink atomic.Int64

func quietServer() *Server {
	return New(Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// newChatCtx returns a RequestCtx holding a small chat request, ready to be served again and again.
func newChatCtx(path, body string) *fasthttp.RequestCtx {
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodPost)
	req.SetRequestURI(path)
	req.Header.SetContentType("application/json")
	req.SetBodyString(body)
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, nil)
	return ctx
}

func serveOnce(s *Server, ctx *fasthttp.RequestCtx) int {
	ctx.Response.Reset()
	s.Handler(ctx)
	return len(ctx.Response.Body())
}

// BenchmarkHandlerChat is the handler alone: parse, count (cached), generate, render.
func BenchmarkHandlerChat(b *testing.B) {
	s := quietServer()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := newChatCtx("/v1/chat/completions", smallChat)
		n := 0
		for pb.Next() {
			n += serveOnce(s, ctx)
		}
		benchSink.Add(int64(n))
	})
}

func BenchmarkHandlerEmbeddings(b *testing.B) {
	s := quietServer()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx := newChatCtx("/v1/embeddings", `{"model":"mock-embed","input":"the quick brown fox"}`)
		n := 0
		for pb.Next() {
			n += serveOnce(s, ctx)
		}
		benchSink.Add(int64(n))
	})
}

// BenchmarkInmemoryChat is a full HTTP/1.1 exchange through fasthttp's client and an in-memory listener.
func BenchmarkInmemoryChat(b *testing.B) {
	benchInmemory(b, smallChat, `"prompt_tokens"`)
}

// BenchmarkInmemoryChatStream streams 16 unpaced chunks per request.
func BenchmarkInmemoryChatStream(b *testing.B) {
	benchInmemory(b, smallChat[:len(smallChat)-1]+`,"stream":true}`, "data: [DONE]")
}

// BenchmarkTCPChat is BenchmarkInmemoryChat over a loopback socket: the "direct" baseline of the load tests.
func BenchmarkTCPChat(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(16) // many connections in flight, as a load generator would keep
	benchServe(b, ln, ln.Addr().String(), smallChat, `"prompt_tokens"`)
}

func benchInmemory(b *testing.B, body, want string) {
	benchServe(b, fasthttputil.NewInmemoryListener(), "", body, want)
}

func benchServe(b *testing.B, ln net.Listener, addr, body, want string) {
	s := quietServer()
	go s.Serve(ln)
	defer s.Close()
	c := &fasthttp.Client{MaxConnsPerHost: 1024}
	if mem, ok := ln.(*fasthttputil.InmemoryListener); ok {
		c.Dial = func(string) (net.Conn, error) { return mem.Dial() }
		addr = "mock"
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod(fasthttp.MethodPost)
		req.SetRequestURI("http://" + addr + "/v1/chat/completions")
		req.SetBodyString(body)
		for pb.Next() {
			if err := c.Do(req, resp); err != nil {
				b.Error(err)
				return
			}
			if resp.StatusCode() != 200 || !bytes.Contains(resp.Body(), []byte(want)) {
				b.Errorf("status %d body %.200s", resp.StatusCode(), resp.Body())
				return
			}
		}
	})
}

// BenchmarkCountUncached is the tiktoken cost every new prompt pays once.
func BenchmarkCountUncached(b *testing.B) {
	s := quietServer()
	text := []byte("Say hello in one short sentence, please.")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchSink.Add(int64(len(s.tokens.enc.EncodeOrdinary(string(text)))))
	}
}
