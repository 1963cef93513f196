package metering

import (
	"context"
	"sync"
	"testing"
	"time"
)

// batchStore records the size of each batch the writer stores.
type batchStore struct {
	ledgerStore
	mu      sync.Mutex
	batches []int
}

func (b *batchStore) write(ctx context.Context, recs []*Record) error {
	b.mu.Lock()
	b.batches = append(b.batches, len(recs))
	b.mu.Unlock()
	return b.ledgerStore.write(ctx, recs)
}

func (b *batchStore) sizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.batches...)
}

// The writer lingers after a batch's first record without waking for each
// record queued meanwhile, writes as soon as a batch is waiting, and a
// Close does not wait the linger out.
func TestLedgerLingerWakesForABatchAndClose(t *testing.T) {
	var st *batchStore
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Linger: time.Hour, FlushInterval: time.Hour,
		wrapStore: func(s ledgerStore) ledgerStore { st = &batchStore{ledgerStore: s}; return st }})
	l.Add(sampleRecord(0))
	time.Sleep(50 * time.Millisecond)
	if got := st.sizes(); len(got) != 0 {
		t.Fatalf("batches %v written within an hour's linger, with one record queued", got)
	}
	for i := 1; i < ledgerBatch; i++ {
		l.Add(sampleRecord(i))
	}
	waitFor(t, func() bool { return len(st.sizes()) > 0 })
	if got := st.sizes(); len(got) != 1 || got[0] != ledgerBatch {
		t.Fatalf("batches %v; want one of %d, written once a batch was queued", got, ledgerBatch)
	}
	l.Add(sampleRecord(ledgerBatch))
	start := time.Now()
	closeLedger(t, l)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v: it waited out the linger", d)
	}
	if got := st.sizes(); len(got) != 2 || got[1] != 1 {
		t.Fatalf("batches %v; want the last record written at Close", got)
	}
}
