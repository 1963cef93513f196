package gateway_test

import (
	"bytes"
	"testing"

	"github.com/valyala/fasthttp"
)

var benchMessages = []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)

// BenchmarkMessagesAPI puts the Messages API beside the OpenAI API on the
// same gateway and mock (the embedded default, stages off): the difference
// is what the translation both ways costs a request.
func BenchmarkMessagesAPI(b *testing.B) {
	_, gwLn := proxyPair(b)
	streamChat := append([]byte(`{"stream":true,`), benchChat[1:]...)
	streamMessages := append([]byte(`{"stream":true,`), benchMessages[1:]...)
	b.Run("openai/chat", func(b *testing.B) { benchPath(b, inmemClient(gwLn), "/v1/chat/completions", benchChat, nil) })
	b.Run("messages/chat", func(b *testing.B) { benchPath(b, inmemClient(gwLn), "/v1/messages", benchMessages, nil) })
	b.Run("openai/stream", func(b *testing.B) {
		benchPath(b, inmemClient(gwLn), "/v1/chat/completions", streamChat, []byte("[DONE]"))
	})
	b.Run("messages/stream", func(b *testing.B) {
		benchPath(b, inmemClient(gwLn), "/v1/messages", streamMessages, []byte("event: message_stop"))
	})
}

func benchPath(b *testing.B, c *fasthttp.HostClient, path string, body, end []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.Reset()
			req.Header.SetMethod("POST")
			req.SetRequestURI("http://bench" + path)
			req.Header.SetContentType("application/json")
			req.SetBodyRaw(body)
			if err := c.Do(req, resp); err != nil {
				b.Fatal(err)
			}
			if resp.StatusCode() != 200 || (end != nil && !bytes.Contains(resp.Body(), end)) {
				b.Fatalf("status %d: %s", resp.StatusCode(), resp.Body())
			}
		}
	})
}
