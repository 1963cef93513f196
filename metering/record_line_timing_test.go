package metering

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
)

// BenchmarkRecordWrite is the ledger writer's own work per record of the
// load run (loadtest/gateway-full.yaml): its JSON line and its aggregate.
func BenchmarkRecordWrite(b *testing.B) {
	r := &Record{Time: time.Now().UTC(), RequestID: "tg-4027eb7c-000000000000039b", Tenant: "globex", Team: "default",
		KeyID: "load", ModelRequested: "mock-gpt", ModelServed: "mock-gpt", Deployment: "mock/mock-gpt", Endpoint: "chat",
		Tags: map[string]string{"team": "default"}, Usage: Usage{PromptTokens: 19, CompletionTokens: 16},
		CostPicos: 51000000, CostMicros: 51, Status: 200, LatencyMs: 3}
	s := &fileStore{agg: map[aggKey]*Totals{}}
	var line []byte
	var clock jsonw.Clock // as dayFiles keeps one
	b.ReportAllocs()
	for b.Loop() {
		line, _ = r.appendJSONClock(line[:0], &clock)
		s.aggregate(r)
	}
}
