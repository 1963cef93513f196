package metering

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkOpsPageCost compares what one /ui/data.json poll cost before (a tenant/team query of today
// over the file store's aggregates, under its mutex) with the running aggregate it reads now, on a
// ledger of 100k records over 30 days, 200 keys and 4 models.
func BenchmarkOpsPageCost(b *testing.B) {
	s, err := openFileStore(b.TempDir(), fileStoreOptions{}, quietLog())
	if err != nil {
		b.Fatal(err)
	}
	defer s.close()
	var today todayCosts
	now := time.Now().UTC()
	recs := make([]*Record, 0, 1000)
	for i := range 100_000 {
		r := &Record{Time: now.Add(-time.Duration(i%(30*24)) * time.Hour), Tenant: fmt.Sprintf("t%d", i%20),
			Team: fmt.Sprintf("team%d", i%10), KeyID: fmt.Sprintf("k%d", i%200),
			ModelServed: []string{"gpt-4o", "gpt-4o-mini", "o3", "mock-gpt"}[i%4], CostPicos: int64(1000 + i)}
		recs = append(recs, r)
		if len(recs) == cap(recs) {
			if err := s.write(context.Background(), recs); err != nil {
				b.Fatal(err)
			}
			today.add(recs)
			recs = recs[:0]
		}
	}
	b.Run("store_query", func(b *testing.B) {
		q := UsageQuery{GroupBy: []string{"tenant", "team"}, From: now.Truncate(24 * time.Hour), To: now.Truncate(24 * time.Hour).Add(24 * time.Hour)}
		for b.Loop() {
			if _, err := s.query(context.Background(), q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("running_aggregate", func(b *testing.B) {
		for b.Loop() {
			_ = today.snapshot(now)
		}
	})
}
