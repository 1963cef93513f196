package health

import (
	"io"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/benchcpu"
)

// BenchmarkAccessLogLine is one access-log line as the gateway writes it
// (through a BufferedWriter, to io.Discard like /dev/null), in CPU time.
func BenchmarkAccessLogLine(b *testing.B) {
	bw := NewBufferedWriter(io.Discard, time.Hour)
	defer bw.Close()
	al := NewAccessLogger(bw)
	e := &AccessEntry{RequestID: "4f9c2a7e1d3b8c6a5e0f2d4b7a9c1e3f", Tenant: "globex", Team: "default", Model: "mock-gpt",
		Deployment: "mock", Status: 200, Latency: 1234567 * time.Nanosecond, TTFT: 1234567 * time.Nanosecond,
		PromptTokens: 20, CompletionTokens: 16, CostMicros: 37}
	b.ReportAllocs()
	start := benchcpu.CPUTime()
	for b.Loop() {
		al.Log(e)
	}
	benchcpu.ReportCPU(b, start)
}
