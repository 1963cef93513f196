package metering

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// Two replicas on one Redis hand every record to their archives exactly once between them, and the
// streams are trimmed by age only past what the archive group has taken.
func TestLedgerRedisArchiveHandsOffBeforeTrimming(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	ctx := context.Background()
	now := time.Now().UTC()
	dirs := []string{t.TempDir(), t.TempDir()}
	var ls []*Ledger
	for _, d := range dirs {
		ls = append(ls, openTestLedger(t, LedgerOptions{Dir: d, Redis: rdb, Archive: true, Shards: 2, FlushInterval: 20 * time.Millisecond}))
	}
	const n = 600
	for i := range n {
		r := sampleRecord(i)
		r.Time = now.Add(-time.Duration(i) * time.Second)
		ls[i%2].Add(r)
	}
	archived := func() map[string]int {
		seen := map[string]int{}
		for _, d := range dirs {
			if _, _, err := ReadLedger(d, time.Time{}, time.Time{}, func(r *Record) error { seen[r.RequestID]++; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		return seen
	}
	waitFor(t, func() bool { return len(archived()) == n })
	for id, c := range archived() {
		if c != 1 {
			t.Fatalf("%s archived %d times", id, c)
		}
	}
	for i, l := range ls {
		closeLedger(t, l)
		if len(archived()) != n {
			t.Fatalf("replica %d's close lost archived records", i)
		}
	}
	byReplica := [2]int{}
	for i, d := range dirs {
		ReadLedger(d, time.Time{}, time.Time{}, func(*Record) error { byReplica[i]++; return nil })
	}
	t.Logf("archived by replica: %v", byReplica)

	// Entries the group has not taken are never trimmed, whatever their age.
	s := newRedisStore(LedgerOptions{Redis: rdb, Archive: true, Shards: 1})
	var late []*Record
	old := now.Add(-48 * time.Hour) // a day the replicas above did not write
	for i := range 250 {
		r := sampleRecord(10_000 + i)
		r.Time = old
		r.normalize()
		late = append(late, r)
	}
	if err := s.write(ctx, late); err != nil {
		t.Fatal(err)
	}
	_, _, stream := shardKeys(old.Format(time.DateOnly), 0, 0)
	a, err := newArchiver(s, LedgerOptions{Dir: t.TempDir(), FlushInterval: time.Second}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if err := a.trim(ctx, []string{stream}, now.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := rdb.XLen(ctx, stream).Val(); got != 250 {
		t.Fatalf("trim before archiving left %d of 250", got)
	}
	// Archived, and past retention: trimmed (MINID ~ keeps at most a partial node of 100).
	if _, err := a.readNew(ctx, []string{stream}); err != nil {
		t.Fatal(err)
	}
	if err := a.trim(ctx, []string{stream}, time.Now().Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := rdb.XLen(ctx, stream).Val(); got > 100 {
		t.Fatalf("after archiving and trimming the stream holds %d", got)
	}
	got := 0
	ReadLedger(a.files.dir, time.Time{}, time.Time{}, func(r *Record) error { got++; return nil })
	if err := a.files.close(); err != nil {
		t.Fatal(err)
	}
	if got != 250 {
		t.Fatalf("archive holds %d of 250", got)
	}
}

// A replica that took records and died before acknowledging them: another claims and archives them.
func TestLedgerRedisArchiveClaimsFromADeadReplica(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	ctx := context.Background()
	s := newRedisStore(LedgerOptions{Redis: rdb, Archive: true, Shards: 1})
	var recs []*Record
	for i := range 40 {
		r := sampleRecord(i)
		r.Time = time.Now().UTC()
		r.normalize()
		recs = append(recs, r)
	}
	if err := s.write(ctx, recs); err != nil {
		t.Fatal(err)
	}
	_, _, stream := shardKeys(recs[0].Time.Format(time.DateOnly), 0, 0)
	// The dead replica read them (pending under its name) and never acknowledged them.
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: ledgerArchiveGroupKey, Consumer: "dead", Streams: []string{stream, ">"}, Count: 100, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}
	a, err := newArchiver(s, LedgerOptions{Dir: t.TempDir(), FlushInterval: time.Second}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer a.files.close()
	if full, err := a.readNew(ctx, []string{stream}); err != nil || full {
		t.Fatalf("readNew: full %v, err %v", full, err)
	}
	if got := countFiles(t, a.files.dir); got != 0 {
		t.Fatalf("a live replica archived %d records another holds", got)
	}
	a.idle = 20 * time.Millisecond
	time.Sleep(50 * time.Millisecond) // the dead replica's entries are now idle past a.idle
	if err := a.claim(ctx, []string{stream}); err != nil {
		t.Fatal(err)
	}
	if got := countFiles(t, a.files.dir); got != 40 {
		t.Fatalf("after the claim the archive holds %d of 40", got)
	}
	if p := rdb.XPending(ctx, stream, ledgerArchiveGroupKey).Val(); p.Count != 0 {
		t.Fatalf("still pending after the claim: %+v", p)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	if _, _, err := ReadLedger(dir, time.Time{}, time.Time{}, func(*Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// SIGTERM with a hung Redis and the archive on: Close returns at its deadline (a pass stuck on Redis
// is cut short) and the records wait in the spool.
func TestLedgerCloseWithHungRedisAndArchive(t *testing.T) {
	dir := t.TempDir()
	rdb := newTestRedis(t, blackhole(t)) // socket timeouts 500ms, as cmd/tollgate sets them (≥ the limiter's retry)
	l := openTestLedger(t, LedgerOptions{Dir: dir, Redis: rdb, Archive: true, FlushInterval: 10 * time.Millisecond, StoreTimeout: time.Minute})
	for i := range 10 {
		l.Add(sampleRecord(i))
	}
	time.Sleep(50 * time.Millisecond) // an archive pass is now waiting on the hung Redis
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- l.Close(ctx) }()
	select {
	case err := <-done:
		t.Logf("Close returned after %v: %v", time.Since(start), err)
		if err == nil {
			t.Fatal("Close returned nil although records were left unwritten")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a hung Redis past its deadline")
	}
	sp, err := openSpool(dir, quietLog())
	if err != nil || !sp.pending {
		t.Fatalf("spool pending %v, err %v; want the records spooled", sp != nil && sp.pending, err)
	}
}
