package metering

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// ReadLedger gives the same records from the embedded file and from the
// Redis day streams, within the range asked.
func TestReadLedgerFileAndRedis(t *testing.T) {
	addr := testredis.Start(t)
	dir := t.TempDir()
	red := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Redis: newTestRedis(t, addr)})
	emb := openTestLedger(t, LedgerOptions{Dir: dir})
	const n = 1500 // over a day boundary (a record a minute) and over one XRANGE page
	for i := range n {
		red.Add(sampleRecord(i))
		emb.Add(sampleRecord(i))
	}
	closeLedger(t, red)
	closeLedger(t, emb)
	from, to := testDay.Add(10*time.Minute), testDay.Add(1400*time.Minute)
	read := func(src string) []string {
		t.Helper()
		var ids []string
		good, bad, err := ReadLedger(src, from, to, func(r *Record) error { ids = append(ids, r.RequestID); return nil })
		if err != nil || bad != 0 || good < len(ids) {
			t.Fatalf("%s: good %d bad %d err %v", src, good, bad, err)
		}
		return ids
	}
	fromFile := read(dir)
	if len(fromFile) != 1390 || fromFile[0] != "req-000010" || fromFile[len(fromFile)-1] != "req-001399" {
		t.Fatalf("file: %d records, %s … %s", len(fromFile), fromFile[0], fromFile[len(fromFile)-1])
	}
	fromRedis := read("redis://" + addr + "/0")
	if len(fromRedis) != len(fromFile) {
		t.Fatalf("redis %d records, file %d", len(fromRedis), len(fromFile))
	}
	seen := map[string]bool{}
	for _, id := range fromRedis {
		seen[id] = true
	}
	for _, id := range fromFile {
		if !seen[id] {
			t.Fatalf("%s missing from redis", id)
		}
	}
	if _, _, err := ReadLedger("redis://"+addr+"/0", time.Time{}, to, func(*Record) error { return nil }); err == nil {
		t.Fatal("redis without a range: want an error")
	}
}
