package gateway_test

import (
	"bufio"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
)

// echoUpstream is an OpenAI-compatible upstream for the filter tests: it
// answers with what the last message said ("you said: …", or a fixed text
// a test sets), streamed in chunks of a few bytes so values and
// placeholders split across chunks, and it keeps every body it received.
type echoUpstream struct {
	fixed  atomic.Pointer[string]
	chunk  int           // bytes per streamed chunk
	pace   time.Duration // pause between streamed chunks
	mu     sync.Mutex
	bodies []string
}

func startEcho(t testing.TB, chunk int) (string, *echoUpstream) {
	t.Helper()
	e := &echoUpstream{chunk: chunk}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: e.serve}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return "http://" + ln.Addr().String() + "/v1", e
}

// received returns the bodies the upstream got so far.
func (e *echoUpstream) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.bodies...)
}

func (e *echoUpstream) serve(ctx *fasthttp.RequestCtx) {
	e.mu.Lock()
	e.bodies = append(e.bodies, string(ctx.PostBody()))
	e.mu.Unlock()
	var req struct {
		Model    string
		Stream   bool
		Messages []struct{ Content string }
		Options  *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.Unmarshal(ctx.PostBody(), &req); err != nil || len(req.Messages) == 0 {
		ctx.SetStatusCode(400)
		ctx.SetBodyString(`{"error":{"message":"bad request","type":"invalid_request_error"}}`)
		return
	}
	text := "you said: " + req.Messages[len(req.Messages)-1].Content
	if f := e.fixed.Load(); f != nil {
		text = *f
	}
	usage := `{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}`
	if !req.Stream {
		b, _ := json.Marshal(text)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"id":"echo-1","object":"chat.completion","created":1,"model":"` + req.Model +
			`","choices":[{"index":0,"message":{"role":"assistant","content":` + string(b) + `},"finish_reason":"stop"}],"usage":` + usage + `}`)
		return
	}
	ctx.SetContentType("text/event-stream")
	chunk, pace := e.chunk, e.pace
	includeUsage := req.Options != nil && req.Options.IncludeUsage
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		head := `data: {"id":"echo-1","object":"chat.completion.chunk","created":1,"model":"` + req.Model + `","choices":[`
		send := func(choice string) {
			_, _ = w.WriteString(head + choice + "]}\n\n")
			_ = w.Flush()
		}
		send(`{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}`)
		for rest := text; rest != ""; {
			n := min(chunk, len(rest))
			for n < len(rest) && !utf8.RuneStart(rest[n]) {
				n++
			}
			b, _ := json.Marshal(rest[:n])
			rest = rest[n:]
			if pace > 0 {
				time.Sleep(pace)
			}
			send(`{"index":0,"delta":{"content":` + string(b) + `},"finish_reason":null}`)
		}
		send(`{"index":0,"delta":{},"finish_reason":"stop"}`)
		if includeUsage {
			_, _ = w.WriteString(`data: {"id":"echo-1","object":"chat.completion.chunk","created":1,"model":"` + req.Model +
				`","choices":[],"usage":` + usage + "}\n\n")
		}
		_, _ = w.WriteString("data: [DONE]\n\n")
		_ = w.Flush()
	})
}
