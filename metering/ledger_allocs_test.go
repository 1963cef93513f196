//go:build !race

package metering

import (
	"testing"
	"time"
)

func TestLedgerAddAllocs(t *testing.T) {
	gate := make(chan struct{})
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), QueueSize: 4096,
		wrapStore: func(s ledgerStore) ledgerStore { return &gatedStore{ledgerStore: s, gate: gate} }})
	defer func() { close(gate); closeLedger(t, l) }()
	rec := sampleRecord(3) // with one tag
	allocs := testing.AllocsPerRun(1000, func() { l.Add(rec) })
	// The copy of the record and of its tags map; nothing else on the request path.
	t.Logf("Add: %.0f allocs per record", allocs)
	if allocs > 3 {
		t.Fatalf("Add allocates %.0f times per record; want ≤ 3 (record copy + tags map)", allocs)
	}
}

// The file store adds a record to an hour's aggregate it already holds
// without allocating (the key is looked up through a reused buffer).
func TestFileStoreAggregateAllocs(t *testing.T) {
	s, err := openFileStore(t.TempDir(), fileStoreOptions{}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	rec := sampleRecord(3)
	rec.Time = time.Now().UTC()
	s.aggregate(rec)
	if n := testing.AllocsPerRun(1000, func() { s.aggregate(rec) }); n != 0 {
		t.Fatalf("aggregate: %v allocations per record; want 0", n)
	}
	if got := s.agg[aggKey{hour: hourOf(rec.Time), dims: encodeDims(rec)}].Requests; got != 1002 {
		t.Fatalf("aggregate counted %d records; want 1002", got)
	}
}
