package gateway

import (
	"testing"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"

	"github.com/valyala/fasthttp"
)

// BenchmarkDecide is the decide stage alone (input filled, policy evaluated,
// decision applied) with tokenizer, health and a budgeted local limiter on:
// the example policies, and a policy that reads nothing costly.
func BenchmarkDecide(b *testing.B) {
	body := []byte(`{"model":"mock-gpt","max_tokens":16,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)
	for _, c := range []struct{ name, dir string }{
		{"examples", "../policy/examples"},
		{"reads-nothing-costly", ""},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := c.dir
			if dir == "" {
				dir = regoDir(b, readsNothingCostly)
			}
			s := decideServer(b, dir)
			x := decideExchange(b, s, body)
			ctx := &fasthttp.RequestCtx{}
			b.ReportAllocs()
			cpu := benchcpu.CPUTime()
			for b.Loop() {
				if e := s.decide(ctx, x); e != nil {
					b.Fatalf("denied: %+v", e)
				}
				if x.policyIn != nil {
					releaseInput(x.policyIn)
					x.policyIn = nil
				}
				b.StopTimer() // a new request: parsed, not counted yet
				x.meter.Reset()
				x.fields = requestFields{}
				if e := s.readBody(x, epChat, body); e != nil {
					b.Fatal(e)
				}
				b.StartTimer()
			}
			benchcpu.ReportCPU(b, cpu) // the untimed parse counted too: compare runs of this benchmark only
		})
	}
}
