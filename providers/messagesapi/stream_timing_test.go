package messagesapi

import (
	"testing"

	"github.com/tollgate-ai/tollgate/providers/internal/providertest"
	"github.com/valyala/fastjson"
)

var (
	benchChunk = []byte(`data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"content":" world"},"logprobs":null,"finish_reason":null}]}` + "\n\n")
	benchTool  = []byte(`data: {"id":"chatcmpl-123","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"loc"}}]},"finish_reason":null}]}` + "\n\n")
	benchReq   = []byte(`{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"You are a helpful assistant.","stream":true,` +
		`"tools":[{"name":"get_weather","description":"Get the weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}},"required":["location"]}}],` +
		`"messages":[{"role":"user","content":"What's the weather in Paris?"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}]},` +
		`{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},{"type":"text","text":"Thanks, and tomorrow?"}]}]}`)
	benchAnswer = []byte(`{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Tomorrow will be sunny, 21C."},"finish_reason":"stop"}],"usage":{"prompt_tokens":80,"completion_tokens":9,"total_tokens":89}}`)
)

// BenchmarkStreamTextEvent: one text chunk translated in a stream whose
// block is open (the steady state of a streamed answer).
func BenchmarkStreamTextEvent(b *testing.B) {
	benchEvents(b, benchChunk)
}

// BenchmarkStreamToolEvent: one tool call arguments chunk.
func BenchmarkStreamToolEvent(b *testing.B) {
	benchEvents(b, benchTool)
}

func benchEvents(b *testing.B, ev []byte) {
	var s Stream
	s.Reset("claude-sonnet-4-5", 10)
	dst, _ := s.Event(nil, ev, Usage{})
	b.ReportAllocs()
	b.SetBytes(int64(len(ev)))
	cpu := providertest.CPUTime()
	for b.Loop() {
		dst, _ = s.Event(dst[:0], ev, Usage{})
	}
	providertest.ReportCPU(b, cpu)
	if len(dst) == 0 {
		b.Fatal("no output")
	}
}

// BenchmarkTranslateRequest: a tool round trip's request, parsed and
// rewritten into the OpenAI shape.
func BenchmarkTranslateRequest(b *testing.B) {
	var p fastjson.Parser
	dst, _, _ := TranslateRequest(nil, benchReq, &p, Messages)
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		dst, _, _ = TranslateRequest(dst[:0], benchReq, &p, Messages)
	}
	providertest.ReportCPU(b, cpu)
}

// BenchmarkAppendMessage: a buffered answer translated back.
func BenchmarkAppendMessage(b *testing.B) {
	var p fastjson.Parser
	dst, _ := AppendMessage(nil, benchAnswer, &p, "claude-sonnet-4-5")
	b.ReportAllocs()
	cpu := providertest.CPUTime()
	for b.Loop() {
		dst, _ = AppendMessage(dst[:0], benchAnswer, &p, "claude-sonnet-4-5")
	}
	providertest.ReportCPU(b, cpu)
}
