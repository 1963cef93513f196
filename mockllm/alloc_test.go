//go:build !race

package mockllm

import "testing"

// TestHandlerAllocs guards the hot path: a repeated non-stream request allocates nothing once pools are warm.
func TestHandlerAllocs(t *testing.T) {
	s := quietServer()
	f := func(path, body string) {
		t.Helper()
		ctx := newChatCtx(path, body)
		serveOnce(s, ctx) // warm the parser pool, buffers and token-count cache
		if ctx.Response.StatusCode() != 200 {
			t.Fatalf("%s: status %d: %s", path, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		if n := testing.AllocsPerRun(200, func() { serveOnce(s, ctx) }); n != 0 {
			t.Errorf("%s: %v allocs per request, want 0", path, n)
		}
	}
	f("/v1/chat/completions", smallChat)
	f("/v1/completions", `{"model":"m","prompt":"Say hello","max_tokens":8}`)
	f("/v1/embeddings", `{"model":"mock-embed","input":"the quick brown fox","dimensions":64}`)
	f("/openai/deployments/d1/chat/completions?api-version=2024-10-21", smallChat)
}

// TestLexicalEmbeddingAllocs: the lexical mode reuses pooled vectors too.
func TestLexicalEmbeddingAllocs(t *testing.T) {
	s := New(Options{Embeddings: EmbeddingsLexical, Logger: quietServer().opts.Logger})
	ctx := newChatCtx("/v1/embeddings", `{"model":"mock-embed","input":"the quick brown fox jumps","dimensions":64}`)
	serveOnce(s, ctx)
	if ctx.Response.StatusCode() != 200 {
		t.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	if n := testing.AllocsPerRun(200, func() { serveOnce(s, ctx) }); n != 0 {
		t.Errorf("%v allocs per request, want 0", n)
	}
}
