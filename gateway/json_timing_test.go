package gateway

import (
	"strings"
	"testing"
)

// Bodies for the parse benchmarks: the proxy benchmark's one-message chat,
// and a larger agent-style request (20 messages with content parts, tools,
// stream_options, metadata).
var (
	benchSmallChat = []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)
	benchLargeChat = func() []byte {
		var b strings.Builder
		b.WriteString(`{"model":"mock-gpt","stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"max_tokens":512,"user":"u-1","metadata":{"team":"a","env":"prod"},"messages":[`)
		for i := 0; i < 20; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"role":"user","content":[{"type":"text","text":"` + strings.Repeat("lorem ipsum ", 40) + `"},{"type":"image_url","image_url":{"url":"https://example.com/x.png","detail":"low"}}]}`)
		}
		b.WriteString(`],"tools":[{"type":"function","function":{"name":"lookup","description":"d","parameters":{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}}}]}`)
		return []byte(b.String())
	}()
)

func BenchmarkParseRequest(b *testing.B) {
	for _, c := range []struct {
		name string
		body []byte
	}{{"small", benchSmallChat}, {"large", benchLargeChat}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for i := 0; i < b.N; i++ {
				var f requestFields
				if e := parseRequest(epChat, c.body, &f); e != nil {
					b.Fatal(e)
				}
			}
		})
	}
}

func BenchmarkSetTopLevel(b *testing.B) {
	b.ReportAllocs()
	dst := make([]byte, 0, 2*len(benchLargeChat))
	for i := 0; i < b.N; i++ {
		var err error
		if dst, err = setTopLevel(dst[:0], benchLargeChat, "max_tokens", []byte("64")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkObserveEvent: the per-event metering scan over a typical content
// chunk (OpenAI sends "usage":null and "finish_reason":null on each).
func BenchmarkObserveEvent(b *testing.B) {
	ev := []byte(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello there, "},"logprobs":null,"finish_reason":null}],"usage":null}` + "\n\n")
	b.ReportAllocs()
	x := &Exchange{estimate: -1, outText: make([]byte, 0, 1<<20)}
	for i := 0; i < b.N; i++ {
		if len(x.outText) > 1<<19 {
			x.outText = x.outText[:0]
		}
		x.observeEvent(ev)
	}
}
