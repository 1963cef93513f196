package metering

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// benchRules give every scope RPM, TPM and budgets high enough never to deny: the full counter set.
var benchRules = &StaticRules{
	DefaultKey:    Limit{RPM: 1 << 40, TPM: 1 << 40, DailyMicros: 1 << 50},
	DefaultTeam:   Limit{RPM: 1 << 40, TPM: 1 << 40, MonthlyMicros: 1 << 50},
	DefaultTenant: Limit{RPM: 1 << 40, TPM: 1 << 40, TotalMicros: 1 << 50},
	DefaultModel:  Limit{RPM: 1 << 40, TPM: 1 << 40},
}

func benchReserve(b *testing.B, l *Limiter) {
	b.ReportAllocs()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := n.Add(1)
		s := Subject{Tenant: "acme", Team: "eng", KeyID: fmt.Sprintf("key-%d", i%8), Model: "gpt-4o"}
		for pb.Next() {
			r, err := l.Reserve(ctx, s, 500, 4000)
			if err != nil {
				b.Fatal(err)
			}
			r.Settle(ctx, 400, 3000)
		}
	})
}

func BenchmarkReserveSettleEmbedded(b *testing.B) {
	l, err := NewLimiter(LimitsOptions{Logger: quietLog()}, benchRules)
	if err != nil {
		b.Fatal(err)
	}
	benchReserve(b, l)
}

func BenchmarkReserveSettleRedis(b *testing.B) {
	addr := testredis.Start(b)
	l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(b, addr), Timeout: time.Second, Logger: quietLog()}, benchRules)
	if err != nil {
		b.Fatal(err)
	}
	benchReserve(b, l)
}

func BenchmarkCost(b *testing.B) {
	p := DefaultPrices()
	u := Usage{PromptTokens: 1200, CompletionTokens: 300, CachedTokens: 200}
	b.ReportAllocs()
	var sink int64
	for b.Loop() {
		c, _ := p.CostPicos("gpt-4o-2024-08-06", u)
		sink += c
	}
	_ = sink
}

// BenchmarkPlan: writing a request's counter keys, against taking them from
// the plan cache.
func BenchmarkPlan(b *testing.B) {
	s := Subject{Tenant: "globex", Team: "default", KeyID: "load", Model: "mock-gpt"}
	r := Rules{Key: Limit{RPM: 1e8, TPM: 1e9, DailyMicros: 1e12}, Tenant: Limit{MonthlyMicros: 1e13}}
	now := time.Now()
	b.Run("build", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = buildPlan(s, r, now, 0, 0)
		}
	})
	b.Run("cached", func(b *testing.B) {
		var c planCache
		var dst []counter
		b.ReportAllocs()
		for b.Loop() {
			dst = c.plan(dst, s, r, now).counters
		}
	})
}

// BenchmarkSpendPlanned is the policy's input.spend read on a planned
// admission (embedded counters, every scope budgeted): one allocation, the
// store's answer.
func BenchmarkSpendPlanned(b *testing.B) {
	l, err := NewLimiter(LimitsOptions{Logger: quietLog()}, benchRules)
	if err != nil {
		b.Fatal(err)
	}
	var a Admission
	l.Plan(&a, Subject{Tenant: "acme", Team: "eng", KeyID: "key-1", Model: "gpt-4o"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.SpendPlanned(ctx, &a); err != nil {
			b.Fatal(err)
		}
	}
}
