package metering

import (
	"context"
	"testing"
	"time"
)

// BenchmarkLedgerAdd measures what the request path pays: copy + enqueue (the writer drains in the
// background; a queue big enough for the run keeps spills out of the number).
func BenchmarkLedgerAdd(b *testing.B) {
	l, err := OpenLedger(LedgerOptions{Dir: b.TempDir(), QueueSize: 1 << 16, Logger: quietLog()})
	if err != nil {
		b.Fatal(err)
	}
	rec := sampleRecord(3) // has tags: the worst case for the copy
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			l.Add(rec)
		}
	})
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		b.Fatal(err)
	}
}
