package metering

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// benchStage is the metering work the gateway adds to one request, tokenizer excluded: worst-case
// price, Reserve, bill the actual usage, Settle, and hand the record to the ledger.
func benchStage(b *testing.B, l *Limiter, led *Ledger) {
	p := DefaultPrices()
	s := Subject{Tenant: "acme", Team: "eng", KeyID: "key-1", Model: "gpt-4o"}
	rec := &Record{RequestID: "req", Tenant: "acme", Team: "eng", KeyID: "key-1", ModelRequested: "gpt-4o",
		ModelServed: "gpt-4o", Tags: map[string]string{"project": "x"}, Status: 200, LatencyMs: 120}
	b.ReportAllocs()
	for b.Loop() {
		worst := p.WorstCaseMicros("gpt-4o", 800, 400)
		r, err := l.Reserve(ctx, s, 1200, worst)
		if err != nil {
			b.Fatal(err)
		}
		rec.Time, rec.Usage = time.Now(), Usage{PromptTokens: 800, CompletionTokens: 250}
		p.Bill(rec)
		r.Settle(ctx, rec.PromptTokens+rec.CompletionTokens, rec.CostMicros)
		led.Add(rec)
	}
	b.StopTimer()
	cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := led.Close(cctx); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkMeteringStageEmbedded(b *testing.B) {
	l, err := NewLimiter(LimitsOptions{Logger: quietLog()}, benchRules)
	if err != nil {
		b.Fatal(err)
	}
	led, err := OpenLedger(LedgerOptions{Dir: b.TempDir(), QueueSize: 1 << 16, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	benchStage(b, l, led)
}

func BenchmarkMeteringStageRedis(b *testing.B) {
	rdb := newTestRedis(b, testredis.Start(b))
	l, err := NewLimiter(LimitsOptions{Redis: rdb, Timeout: time.Second, Logger: quietLog()}, benchRules)
	if err != nil {
		b.Fatal(err)
	}
	led, err := OpenLedger(LedgerOptions{Dir: b.TempDir(), Redis: rdb, QueueSize: 1 << 16, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	benchStage(b, l, led)
}
