package gemini

import (
	"io"
	"testing"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fasthttp"
)

var benchChat = []byte(`{"model":"gemini-2.5-flash","messages":[
 {"role":"system","content":"You are a helpful assistant that answers briefly."},
 {"role":"user","content":"What is the weather like in Paris today, and should I take an umbrella?"},
 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
 {"role":"tool","tool_call_id":"call_1","content":"{\"temp_c\":18,\"rain\":0.7}"}],
 "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}}],
 "temperature":0.2,"max_tokens":256,"stream":true,"stream_options":{"include_usage":true}}`)

// BenchmarkPrepareRequest: one translated chat request (parse, translate,
// headers) — the goal is under 10 µs.
func BenchmarkPrepareRequest(b *testing.B) {
	p := testProvider(b)
	c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Stream: true, Body: benchChat}
	var req fasthttp.Request
	req.SetRequestURI("https://generativelanguage.googleapis.com/")
	b.ReportAllocs()
	b.SetBytes(int64(len(benchChat)))
	cpu := providertest.CPUTime()
	for b.Loop() {
		if err := p.PrepareRequest(&req, "", c); err != nil {
			b.Fatal(err)
		}
	}
	providertest.ReportCPU(b, cpu)
}

var benchEvent = []byte("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\" and you should take an umbrella\"}]},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":60,\"candidatesTokenCount\":12,\"totalTokenCount\":72},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"abc123\"}\r\n\r\n")

// BenchmarkStreamEvent: one SSE event to one chunk — the goal is under 2 µs
// and no allocation per event.
func BenchmarkStreamEvent(b *testing.B) {
	p := testProvider(b)
	c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Stream: true}
	providertest.BenchStreamEvent(b, func(r io.Reader) providers.Stream { return p.NewStream(r, c) }, benchEvent, 256)
}

var benchAnswer = []byte(`{"candidates":[{"content":{"role":"model","parts":[{"text":"It is 18 degrees with a 70% chance of rain: take an umbrella."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":60,"candidatesTokenCount":16,"totalTokenCount":76},"modelVersion":"gemini-2.5-flash","responseId":"abc123"}`)

func BenchmarkTranslateResponse(b *testing.B) {
	p := testProvider(b)
	c := &providers.Call{Endpoint: providers.Chat, Model: "gemini-2.5-flash", Body: benchChat}
	providertest.BenchTranslateResponse(b, p, nil, benchAnswer, c)
}
