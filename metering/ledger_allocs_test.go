//go:build !race

package metering

import "testing"

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
