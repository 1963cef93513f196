package metering

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

func newTestRedis(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// streamLen sums the record streams of every shard of day.
func streamLen(t *testing.T, rdb *redis.Client, day time.Time) int64 {
	t.Helper()
	var n int64
	for sh := range defaultLedgerShards {
		_, _, stream := shardKeys(day.Format(time.DateOnly), sh, 0)
		l, err := rdb.XLen(context.Background(), stream).Result()
		if err != nil {
			t.Fatalf("XLEN %s: %v", stream, err)
		}
		n += l
	}
	return n
}

func TestLedgerRedisMatchesEmbedded(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	red := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Redis: rdb})
	emb := openTestLedger(t, LedgerOptions{Dir: t.TempDir()})
	const n = 200
	for i := range n {
		red.Add(sampleRecord(i))
		emb.Add(sampleRecord(i))
	}
	closeLedger(t, red)
	closeLedger(t, emb)
	for _, gb := range [][]string{nil, {"tenant"}, {"model", "key"}, {"tag:project", "day"}} {
		q := wholeDay()
		q.GroupBy = gb
		a, err := red.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := emb.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("group_by %v: redis %d rows, embedded %d", gb, len(a), len(b))
		}
		for i := range a {
			if a[i].Totals != b[i].Totals || strings.Join(a[i].Values, "|") != strings.Join(b[i].Values, "|") {
				t.Fatalf("group_by %v row %d: redis %+v, embedded %+v", gb, i, a[i], b[i])
			}
		}
	}
	if got := streamLen(t, rdb, testDay); got != n {
		t.Fatalf("records stream holds %d; want %d", got, n)
	}
}

func TestLedgerRedisIdempotentReplay(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir, Redis: rdb})
	for i := range 50 {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)
	// A spool holding records Redis already has (a replay cut short by a crash) must not count twice.
	sp, err := openSpool(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		r := sampleRecord(i)
		r.normalize()
		if err := sp.append(r); err != nil {
			t.Fatal(err)
		}
	}
	sp.close()
	dupBefore := ledgerDuplicatesTotal.Get()
	l = openTestLedger(t, LedgerOptions{Dir: dir, Redis: rdb})
	waitFor(t, func() bool { return !l.spool.hasPending() })
	closeLedger(t, l)
	if got := ledgerDuplicatesTotal.Get() - dupBefore; got != 50 {
		t.Errorf("duplicates detected = %d; want 50", got)
	}
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumTotals(rows), expectedTotals(50); got != want {
		t.Fatalf("totals after duplicate replay = %+v; want %+v", got, want)
	}
	if got := streamLen(t, rdb, testDay); got != 50 {
		t.Fatalf("records stream holds %d after replay; want 50", got)
	}
}

// TestLedgerRedisOutageLosesNothing sends records before, during and after a Redis outage (the
// server is killed and restarted with its append-only file) and checks every record is counted once.
func TestLedgerRedisOutageLosesNothing(t *testing.T) {
	srv := testredis.StartOpts(t, "--appendonly", "yes", "--appendfsync", "always")
	rdb := newTestRedis(t, srv.Addr)
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Redis: rdb, FlushInterval: 50 * time.Millisecond, StoreTimeout: 300 * time.Millisecond})
	const perPhase = 400
	total := func() int64 {
		rows, err := l.Query(context.Background(), wholeDay())
		if err != nil {
			return -1
		}
		return sumTotals(rows).Requests
	}
	next := 0
	send := func(n int) {
		for range n {
			l.Add(sampleRecord(next))
			next++
		}
	}
	send(perPhase)
	waitFor(t, func() bool { return total() == perPhase })

	spooledBefore := ledgerSpooledStoreDown.Get()
	srv.Stop()
	send(perPhase) // Redis is down: these go to the spool
	waitFor(t, func() bool { return ledgerSpooledStoreDown.Get()-spooledBefore > 0 && len(l.queue) == 0 })
	srv.Restart()
	send(perPhase)
	closeLedger(t, l)

	if got := total(); got != 3*perPhase {
		t.Fatalf("records counted = %d; sent %d", got, 3*perPhase)
	}
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumTotals(rows), expectedTotals(3*perPhase); got != want {
		t.Fatalf("totals after outage = %+v; want %+v", got, want)
	}
	if got := streamLen(t, rdb, testDay) + streamLen(t, rdb, testDay.Add(24*time.Hour)); got != 3*perPhase { // records span two days
		t.Fatalf("records stream holds %d; want %d (no record lost or doubled)", got, 3*perPhase)
	}
	t.Logf("outage test: sent %d, recorded %d, spooled during outage %d", 3*perPhase, total(), ledgerSpooledStoreDown.Get()-spooledBefore)
}

// TestLedgerCloseWithHungRedisSpools: SIGTERM while Redis hangs must neither hang nor lose records: Close
// returns at its deadline, the records wait in the spool, and the next start replays them into Redis.
func TestLedgerCloseWithHungRedisSpools(t *testing.T) {
	dir := t.TempDir()
	l := openTestLedger(t, LedgerOptions{Dir: dir, Redis: newTestRedis(t, blackhole(t)), StoreTimeout: time.Minute})
	const n = 25
	for i := range n {
		l.Add(sampleRecord(i))
	}
	cctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- l.Close(cctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Close returned nil although its context expired with records unwritten")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close blocked on a hung Redis past its context deadline")
	}

	rdb := newTestRedis(t, testredis.Start(t))
	l = openTestLedger(t, LedgerOptions{Dir: dir, Redis: rdb})
	closeLedger(t, l)
	rows, err := l.Query(context.Background(), wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sumTotals(rows), expectedTotals(n); got != want {
		t.Fatalf("after restart against a live Redis: %+v; want %+v", got, want)
	}
}
