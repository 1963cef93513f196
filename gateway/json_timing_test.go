package gateway

import (
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/metering/tokenizer"
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

// BenchmarkReadBody: what the request path reads from a body when a policy
// and a tokenizer are on: the one parse, the policy's extras and the
// prompt estimate (before issue 11, three parses).
func BenchmarkReadBody(b *testing.B) {
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		b.Fatal(err)
	}
	s := &Server{stages: Stages{Tokens: tokens}}
	for _, c := range []struct {
		name string
		body []byte
	}{{"small", benchSmallChat}, {"large", benchLargeChat}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(c.body)))
			for i := 0; i < b.N; i++ {
				x := acquireExchange()
				if e := s.readBody(x, epChat, c.body); e != nil {
					b.Fatal(e)
				}
				x.parseExtras()
				s.promptEstimate(x)
				releaseExchange(x)
			}
		})
	}
}
