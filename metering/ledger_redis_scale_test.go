package metering

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// crc16 is Redis Cluster's key hash (CRC16-CCITT/XMODEM); clusterSlot maps a key to its slot.
func crc16(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func clusterSlot(key string) int { return int(crc16([]byte(hashTag(key))) % 16384) }

// masterOf is the master owning slot in a three-master cluster as redis-cli --cluster create splits it.
func masterOf(slot int) int { return min(slot/5462, 2) }

func scanKeys(t *testing.T, rdb *redis.Client, pattern string) []string {
	t.Helper()
	var keys []string
	iter := rdb.Scan(context.Background(), 0, pattern, 1000).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	return keys
}

// A day of one tenant's requests to one model (the worst case for a key scheme by tenant or model)
// lands in every shard, and the shards' slots spread over the three masters of a cluster.
func TestLedgerRedisSpreadsADayOverClusterSlots(t *testing.T) {
	if got := crc16([]byte("123456789")); got != 0x31C3 {
		t.Fatalf("crc16 check value = %#x; want 0x31c3 (Redis Cluster's)", got)
	}
	rdb := newTestRedis(t, testredis.Start(t))
	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Redis: rdb})
	const n = 2400
	for i := range n {
		r := sampleRecord(0) // tenant a, model gpt-4o
		r.Time = testDay.Truncate(24 * time.Hour).Add(time.Duration(i) * 36 * time.Second)
		r.RequestID = fmt.Sprintf("req-%06d", i)
		l.Add(r)
	}
	closeLedger(t, l)

	aggs := scanKeys(t, rdb, "tg:ledger:*:agg")
	if len(aggs) != defaultLedgerShards {
		t.Fatalf("aggregate hashes of the day: %d %v; want one per shard (%d)", len(aggs), aggs, defaultLedgerShards)
	}
	slots := map[int]bool{}
	perMaster := [3]int64{}
	for _, agg := range aggs {
		if !strings.HasPrefix(agg, "tg:ledger:{2026-03-14/s") {
			t.Fatalf("key %q is not a shard of 2026-03-14", agg)
		}
		slot := clusterSlot(agg)
		slots[slot] = true
		stream := strings.TrimSuffix(agg, "agg") + "records"
		if clusterSlot(stream) != slot {
			t.Fatalf("%s and %s are in different slots", agg, stream)
		}
		xl, err := rdb.XLen(context.Background(), stream).Result()
		if err != nil {
			t.Fatal(err)
		}
		perMaster[masterOf(slot)] += xl
	}
	if len(slots) < defaultLedgerShards-1 { // two tags may share a slot by chance; not most
		t.Errorf("the day's %d shards use %d slots", defaultLedgerShards, len(slots))
	}
	for m, c := range perMaster {
		if c < n/10 {
			t.Errorf("master %d takes %d of %d records (%v): writes are not spread", m, c, n, perMaster)
		}
	}
	t.Logf("records per master of a 3-master cluster: %v; slots used: %d", perMaster, len(slots))
}

// Retention: every key expires, the streams are trimmed by age and capped by length.
func TestLedgerRedisBoundsWhatItKeeps(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	ctx := context.Background()
	now := time.Now().UTC()
	s := newRedisStore(LedgerOptions{Redis: rdb, Shards: 1, StreamMaxLen: 300})
	recs := func(from, n int) []*Record {
		out := make([]*Record, n)
		for i := range out {
			r := sampleRecord(from + i)
			r.Time = now
			r.normalize()
			out[i] = r
		}
		return out
	}
	if err := s.write(ctx, recs(0, 250)); err != nil {
		t.Fatal(err)
	}
	ids, agg, stream := shardKeys(now.Format(time.DateOnly), 0, now.Hour())
	dayEnd := now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	for key, want := range map[string]time.Duration{
		ids:    time.Until(now.Truncate(time.Hour).Add(time.Hour + defaultIDRetention)),
		agg:    time.Until(dayEnd.Add(defaultAggRetention)),
		stream: time.Until(dayEnd.Add(defaultStreamKeep)),
	} {
		ttl, err := rdb.TTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= 0 || (ttl-want).Abs() > 5*time.Second {
			t.Errorf("TTL of %s = %v; want about %v", key, ttl, want)
		}
	}

	// Once the old entries are past StreamRetention the next write trims them (MINID ~ drops whole
	// nodes of 100 entries, so up to 100 old entries may stay). Stream ids are Redis's clock, so the
	// entries are made old by waiting past a short retention.
	s.lay.StreamRetention = 300 * time.Millisecond
	time.Sleep(400 * time.Millisecond)
	if err := s.write(ctx, recs(1000, 10)); err != nil {
		t.Fatal(err)
	}
	s.lay.StreamRetention = defaultStreamKeep
	if n := rdb.XLen(ctx, stream).Val(); n < 10 || n > 110 {
		t.Errorf("stream after a write past retention holds %d; want the 10 new and at most 100 old", n)
	}

	// The length cap holds whatever the age.
	for i := range 10 {
		if err := s.write(ctx, recs(2000+i*100, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if n := rdb.XLen(ctx, stream).Val(); n < 300 || n > 400 {
		t.Errorf("stream capped at 300 (approximately) holds %d", n)
	}
	// The aggregates keep every record although the stream was trimmed.
	c, err := CountRedisLedger(ctx, rdb, now.Truncate(time.Hour), now.Add(time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Records != 1260 || c.IDs != 1260 {
		t.Errorf("count = %+v; want 1260 records and ids", c)
	}
}

// A writer that retries a batch (a lost reply, a Redis that forgot its scripts) stores it once.
func TestLedgerRedisRetriedWriteCountsOnce(t *testing.T) {
	rdb := newTestRedis(t, testredis.Start(t))
	ctx := context.Background()
	s := newRedisStore(LedgerOptions{Redis: rdb})
	batch := make([]*Record, 300)
	for i := range batch {
		batch[i] = sampleRecord(i)
		batch[i].normalize()
	}
	dup := ledgerDuplicatesTotal.Get()
	for attempt := range 3 {
		if attempt == 2 {
			rdb.ScriptFlush(ctx) // as after a restart: NOSCRIPT, load, send again
		}
		if err := s.write(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if got := ledgerDuplicatesTotal.Get() - dup; got != 600 {
		t.Errorf("duplicates seen = %d; want 600 (two retries of 300)", got)
	}
	w := wholeDay()
	c, err := CountRedisLedger(ctx, rdb, w.From, w.To, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c != (RedisLedgerCount{Records: 300, Streamed: 300, IDs: 300}) {
		t.Fatalf("after 3 attempts: %+v; want 300 of each", c)
	}
	keys := RedisLedgerKeys(w.From, w.To, 0)
	for _, k := range scanKeys(t, rdb, "tg:ledger:*") {
		if !slices.Contains(keys, k) {
			t.Errorf("key %s exists but RedisLedgerKeys does not list it", k)
		}
	}
}

// With WaitReplicas a batch no replica acknowledged is not taken as stored: it is spooled, and
// replayed once a replica is attached; the replay finds the writes the master kept and counts them once.
func TestLedgerRedisWaitReplicasSpoolsUntilReplicated(t *testing.T) {
	master := testredis.StartOpts(t, "--repl-diskless-sync-delay", "0") // a replica syncs at once
	rdb := newTestRedis(t, master.Addr)
	dir := t.TempDir()
	// WAIT's timeout is served at the server's hz (10/s): a replay without a replica takes ~100ms.
	l := openTestLedger(t, LedgerOptions{Dir: dir, Redis: rdb, WaitReplicas: 1, WaitTimeout: 20 * time.Millisecond,
		FlushInterval: 200 * time.Millisecond})
	unreplicated, spooled, replayed := ledgerUnreplicatedTotal.Get(), ledgerSpooledStoreDown.Get(), ledgerReplayedTotal.Get()
	const n = 100
	for i := range n {
		l.Add(sampleRecord(i))
	}
	waitFor(t, func() bool {
		return ledgerUnreplicatedTotal.Get() > unreplicated && ledgerSpooledStoreDown.Get()-spooled == n
	})

	host, port, _ := strings.Cut(master.Addr, ":")
	replica := testredis.StartOpts(t, "--replicaof", host, port)
	waitFor(t, func() bool { return ledgerReplayedTotal.Get()-replayed >= n })
	closeLedger(t, l)
	if left, _ := filepath.Glob(filepath.Join(dir, "spool*")); len(left) > 0 {
		if st, _ := os.Stat(left[0]); st.Size() > 0 {
			t.Fatalf("spool files left: %v", left)
		}
	}
	w := wholeDay()
	for name, addr := range map[string]string{"master": master.Addr, "replica": replica.Addr} {
		c, err := CountRedisLedger(context.Background(), newTestRedis(t, addr), w.From, w.To, 0)
		if err != nil {
			t.Fatal(err)
		}
		if c != (RedisLedgerCount{Records: n, Streamed: n, IDs: n}) {
			t.Fatalf("%s holds %+v; want %d of each", name, c, n)
		}
	}
}

// Days written before sharding (one hash and one stream a day, tg:ledger:{day}:…) still answer usage
// queries and ReadLedger after the upgrade, added to what the shards hold.
func TestLedgerRedisReadsTheUnshardedLayout(t *testing.T) {
	addr := testredis.Start(t)
	rdb := newTestRedis(t, addr)
	ctx := context.Background()
	old := sampleRecord(1)
	old.normalize()
	line, _ := old.appendJSON(nil)
	p := legacyDayPrefix(testDay.Format(time.DateOnly))
	field := fmt.Sprintf("%02d", old.Time.Hour()) + fieldSep + encodeDims(old) + fieldSep
	rt := recordTotals(old)
	for i, v := range rt.ptrs() {
		if *v != 0 {
			rdb.HIncrBy(ctx, p+"agg", field+totalsFields[i], *v)
		}
	}
	rdb.XAdd(ctx, &redis.XAddArgs{Stream: p + "records", Values: []string{"r", string(line[:len(line)-1])}})

	l := openTestLedger(t, LedgerOptions{Dir: t.TempDir(), Redis: rdb})
	for i := 2; i < 12; i++ {
		l.Add(sampleRecord(i))
	}
	closeLedger(t, l)
	rows, err := l.Query(ctx, wholeDay())
	if err != nil {
		t.Fatal(err)
	}
	want := expectedTotals(12)
	first := recordTotals(func() *Record { r := sampleRecord(0); r.normalize(); return r }())
	for i, v := range first.ptrs() { // records 1..11: drop record 0 from the expected sum
		*want.ptrs()[i] -= *v
	}
	if got := sumTotals(rows); got != want {
		t.Fatalf("usage over both layouts = %+v; want %+v", got, want)
	}
	n := 0
	if _, _, err := ReadLedger("redis://"+addr+"/0", testDay.Truncate(24*time.Hour), testDay.Add(24*time.Hour), func(*Record) error { n++; return nil }); err != nil || n != 11 {
		t.Fatalf("ReadLedger over both layouts: %d records, %v; want 11", n, err)
	}
}
