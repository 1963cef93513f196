package metering

import (
	"testing"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"
	"github.com/valyala/fasthttp"
)

// BenchmarkAdmit is a request's admission on the embedded store as the
// gateway runs it for the load run's key (RPM, TPM, a daily budget; the
// tenant's monthly budget): plan, reserve, the x-ratelimit-* headers,
// settle, on an Admission kept from request to request. CPU per op counts
// the garbage collector's work too.
func BenchmarkAdmit(b *testing.B) {
	rules := &StaticRules{Keys: map[string]Limit{"load": {RPM: 1e8, TPM: 1e9, DailyMicros: 1e12}},
		Tenants: map[string]Limit{"globex": {MonthlyMicros: 1e13}}}
	l, err := NewLimiter(LimitsOptions{Logger: quietLog()}, rules)
	if err != nil {
		b.Fatal(err)
	}
	s := Subject{Tenant: "globex", Team: "default", KeyID: "load", Model: "mock-gpt"}
	var (
		a   Admission
		hdr fasthttp.ResponseHeader
	)
	b.ReportAllocs()
	start := benchcpu.CPUTime()
	for b.Loop() {
		l.Plan(&a, s)
		r, err := l.ReservePlanned(ctx, &a, 30, 40)
		if err != nil {
			b.Fatal(err)
		}
		hdr.Reset()
		r.Headers().Apply(&hdr)
		r.Settle(ctx, 25, 30)
		a = a.Reuse()
	}
	benchcpu.ReportCPU(b, start)
}
