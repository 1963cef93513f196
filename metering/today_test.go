package metering

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// countingStore counts queries: the ops page must not cause any.
type countingStore struct {
	ledgerStore
	queries atomic.Int64
}

func (c *countingStore) query(ctx context.Context, q UsageQuery) ([]UsageRow, error) {
	c.queries.Add(1)
	return c.ledgerStore.query(ctx, q)
}

// TestCostTodayNeedsNoStoreQuery: /ui/data.json's cost table used to query the ledger on every poll
// (a scan of every aggregate under the file store's mutex, or a Redis HGETALL). It now reads a running
// aggregate: after the seed at open, a thousand reads make no query, and the figures equal a query's.
func TestCostTodayNeedsNoStoreQuery(t *testing.T) {
	var cs *countingStore
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(),
		wrapStore: func(s ledgerStore) ledgerStore { cs = &countingStore{ledgerStore: s}; return cs }})
	defer closeLedger(t, l)
	now := time.Now().UTC()
	const n = 200
	for i := range n {
		r := sampleRecord(i)
		r.Time = now
		r.RequestID = fmt.Sprintf("today-%d", i)
		r.Team = []string{"t1", "t2"}[i%4/2]
		l.Add(r)
	}
	old := sampleRecord(n) // yesterday's record is not today's cost
	old.Time = now.Add(-24 * time.Hour)
	l.Add(old)
	total := func(rows []TeamCost) (usd float64) {
		for _, r := range rows {
			usd += r.CostUSD
		}
		return usd
	}
	var want float64
	for i := range n {
		want += float64(sampleRecord(i).CostPicos) / 1e12
	}
	waitFor(t, func() bool { return total(l.CostToday()) >= want-1e-12 })

	before := cs.queries.Load()
	var got []TeamCost
	for range 1000 {
		got = l.CostToday()
	}
	if q := cs.queries.Load() - before; q != 0 {
		t.Fatalf("1000 reads of today's cost made %d store queries; want 0", q)
	}
	rows, err := l.Query(context.Background(), UsageQuery{GroupBy: []string{"tenant", "team"},
		From: now.Truncate(24 * time.Hour), To: now.Truncate(24 * time.Hour).Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) || len(got) != 4 {
		t.Fatalf("running aggregate %+v; query %d rows; want the same 4 tenant/team rows", got, len(rows))
	}
	for i, r := range rows {
		if got[i].Tenant != r.Values[0] || got[i].Team != r.Values[1] || got[i].CostUSD != r.CostUSD() {
			t.Fatalf("row %d: running %+v, query %v %.12f", i, got[i], r.Values, r.CostUSD())
		}
	}
}

// TestCostTodaySeedsFromStoreAndRollsOver: a restart starts from what the store holds for today, and a
// new UTC day starts from zero.
func TestCostTodaySeedsFromStoreAndRollsOver(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	l := openTestLedger(t, LedgerOptions{Dir: dir})
	r := sampleRecord(1)
	r.Time = now
	l.Add(r)
	closeLedger(t, l)

	l = openTestLedger(t, LedgerOptions{Dir: dir})
	defer closeLedger(t, l)
	waitFor(t, func() bool { return len(l.CostToday()) == 1 })
	if got := l.CostToday()[0]; got.Tenant != r.Tenant || got.CostUSD != float64(r.CostPicos)/1e12 {
		t.Fatalf("seeded %+v; want %s %.12f", got, r.Tenant, float64(r.CostPicos)/1e12)
	}
	if rows := l.today.snapshot(now.Add(24 * time.Hour)); len(rows) != 0 {
		t.Fatalf("tomorrow shows %+v; want nothing", rows)
	}
}
