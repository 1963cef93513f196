package gateway

import (
	"testing"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"
	"github.com/valyala/fasthttp"
)

// BenchmarkDecideBothPhases is the policy's whole share of one load-test
// request (tenant globex, mock-gpt, no findings) as the gateway runs it:
// the request phase (input filled, decided, applied), then the response
// phase over a buffered answer (decideResponse).
func BenchmarkDecideBothPhases(b *testing.B) {
	body := []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)
	answer := []byte(`{"id":"c1","object":"chat.completion","model":"mock-gpt","choices":[{"index":0,"message":{"role":"assistant","content":"Pooling reuses connections."},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"total_tokens":25}}`)
	s := decideServer(b, "../policy/examples")
	x := decideExchange(b, s, body)
	ctx := &fasthttp.RequestCtx{}
	both := func() {
		if e := s.decide(ctx, x); e != nil {
			b.Fatalf("request phase denied: %+v", e)
		}
		if x.policyIn == nil {
			b.Fatal("the examples' response phase is skipped")
		}
		if e := s.decideResponse(x, "stop", answer); e != nil {
			b.Fatalf("response phase denied: %+v", e)
		}
		releaseInput(x.policyIn)
		x.policyIn = nil
	}
	next := func() { // a new request: parsed, not counted
		x.meter.Reset()
		x.fields = requestFields{}
		if e := s.readBody(x, epChat, body); e != nil {
			b.Fatal(e)
		}
	}
	both() // loads the tokenizer's encoding, outside the measurement
	next()
	b.ReportAllocs()
	cpu := benchcpu.CPUTime()
	for b.Loop() {
		both()
		b.StopTimer()
		next()
		b.StartTimer()
	}
	benchcpu.ReportCPU(b, cpu) // the untimed parse counted too: compare runs of this benchmark only
}
