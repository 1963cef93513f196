package bedrock

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fasthttp"
)

var benchChat = []byte(`{"model":"claude","messages":[
 {"role":"system","content":"You are a helpful assistant that answers briefly."},
 {"role":"user","content":"What is the weather like in Paris today, and should I take an umbrella?"},
 {"role":"assistant","content":null,"tool_calls":[{"id":"tooluse_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},
 {"role":"tool","tool_call_id":"tooluse_1","content":"{\"temp_c\":18,\"rain\":0.7}"}],
 "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
 "temperature":0.2,"max_tokens":256,"stream":true,"stream_options":{"include_usage":true}}`)

// BenchmarkTranslateRequest: the Converse body alone (parse and
// translate), the part the < 10 µs goal is about; signing is measured
// apart in BenchmarkSign.
func BenchmarkTranslateRequest(b *testing.B) {
	var dst []byte
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		ps := parsers.Get()
		v, err := ps.ParseBytes(benchChat)
		if err != nil {
			b.Fatal(err)
		}
		wp := scratch.Get().(*wire.Params)
		var perr *providers.Error
		if dst, perr = appendConverse(dst[:0], v, wp); perr != nil {
			b.Fatal(perr)
		}
		scratch.Put(wp)
		parsers.Put(ps)
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkPrepareRequest: translation, headers and SigV4 signing.
func BenchmarkPrepareRequest(b *testing.B) {
	p := testProvider(b)
	c := &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true, Body: benchChat}
	var req fasthttp.Request
	req.SetRequestURI("https://bedrock-runtime.us-east-1.amazonaws.com/")
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		if err := p.PrepareRequest(&req, "", c); err != nil {
			b.Fatal(err)
		}
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkSign: SigV4 alone (the SDK signer over a prepared request).
func BenchmarkSign(b *testing.B) {
	p := testProvider(b)
	var req fasthttp.Request
	req.SetRequestURI("https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream")
	req.Header.SetContentType("application/json")
	req.SetBody(benchChat)
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		if err := p.sign(&req); err != nil {
			b.Fatal(err)
		}
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkStreamEvent: one event-stream frame (a text delta) to one chunk.
func BenchmarkStreamEvent(b *testing.B) {
	p := testProvider(b)
	ev := []streamEvent{{Event: "contentBlockDelta", Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":" and you should take an umbrella"}}`)}}
	frame := encodeEvents(b, ev)
	c := &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true}
	providertest.BenchStreamEvent(b, func(r io.Reader) providers.Stream { return p.NewStream(r, c) }, frame, 256)
}

func BenchmarkTranslateResponse(b *testing.B) {
	p := testProvider(b)
	body, err := os.ReadFile("testdata/response_tool_use.bedrock.json")
	if err != nil {
		b.Fatal(err)
	}
	c := &providers.Call{Endpoint: providers.Chat, Model: chatModel, Body: benchChat}
	providertest.BenchTranslateResponse(b, p, nil, body, c)
}

// BenchmarkStreamEventTranslate: the translation of one decoded frame
// alone (the SDK decoder's cost, most of BenchmarkStreamEvent, left out).
func BenchmarkStreamEventTranslate(b *testing.B) {
	p := testProvider(b)
	frame := encodeEvents(b, []streamEvent{{Event: "contentBlockDelta",
		Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":" and you should take an umbrella"}}`)}})
	s := p.NewStream(bytes.NewReader(nil), &providers.Call{Endpoint: providers.Chat, Model: chatModel, Stream: true}).(*stream)
	defer s.Close()
	msg, err := eventstream.NewDecoder().Decode(bytes.NewReader(frame), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		if _, perr := s.message(&msg); perr != nil {
			b.Fatal(perr)
		}
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkStreamEventDecodeSDK: the SDK's decoder alone on one buffered
// frame, payload buffer reused: the floor BenchmarkStreamEvent stands on
// (its allocations are all the SDK's own, see stream.go's decode).
func BenchmarkStreamEventDecodeSDK(b *testing.B) {
	frame := encodeEvents(b, []streamEvent{{Event: "contentBlockDelta",
		Payload: json.RawMessage(`{"contentBlockIndex":0,"delta":{"text":" and you should take an umbrella"}}`)}})
	dec := eventstream.NewDecoder()
	var r bytes.Reader
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	cpu := providertest.CPUTime()
	for b.Loop() {
		r.Reset(frame)
		msg, err := dec.Decode(&r, buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		buf = msg.Payload
	}
	providertest.ReportCPU(b, cpu)
}
