package metering

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// BenchmarkLedgerRedisQuery measures what a usage query costs against the sharded Redis ledger: a
// day and a month (grouped by tenant) of 62k records (2k a day, 20 tenants, 200 keys, 4 models), with
// 1 shard (a single slot per day, the old layout's read cost) and 16 (the default: 16 hashes a day).
//
//	go test ./metering -run '^$' -bench LedgerRedisQuery
func BenchmarkLedgerRedisQuery(b *testing.B) {
	addr := testredis.Start(b)
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, shards := range []int{1, 16} {
		rdb := benchRedis(b, addr)
		rdb.FlushAll(ctx)
		s := newRedisStore(LedgerOptions{Redis: rdb, Shards: shards})
		recs := make([]*Record, 0, 500)
		for i := range 31 * 2000 {
			r := &Record{Time: base.Add(time.Duration(i) * (24 * time.Hour / 2000)), RequestID: fmt.Sprintf("tg-%d", i),
				Tenant: fmt.Sprintf("t%d", i%20), Team: fmt.Sprintf("team%d", i%10), KeyID: fmt.Sprintf("k%d", i%200),
				ModelServed: []string{"gpt-4o", "gpt-4o-mini", "o3", "mock-gpt"}[i%4], CostPicos: int64(1000 + i), Status: 200}
			r.normalize()
			recs = append(recs, r)
			if len(recs) == cap(recs) {
				if err := s.write(ctx, recs); err != nil {
					b.Fatal(err)
				}
				recs = recs[:0]
			}
		}
		for _, span := range []struct {
			name string
			d    time.Duration
		}{{"day", 24 * time.Hour}, {"month", 31 * 24 * time.Hour}} {
			q := UsageQuery{GroupBy: []string{"tenant"}, From: base, To: base.Add(span.d)}
			b.Run(fmt.Sprintf("%s/shards=%d", span.name, shards), func(b *testing.B) {
				keys := ledgerQueryKeysTotal.Get()
				for b.Loop() {
					rows, err := s.query(ctx, q)
					if err != nil || len(rows) != 20 {
						b.Fatalf("%d rows, %v", len(rows), err)
					}
				}
				b.ReportMetric(float64(ledgerQueryKeysTotal.Get()-keys)/float64(b.N), "hashes/op")
			})
		}
	}
}

// BenchmarkLedgerRedisWrite is the writer's cost per record (batches of 256, one pipeline each) with
// 1 and 16 shards, and with WAIT for a replica that is not there (the upper bound: WAIT's timeout).
func BenchmarkLedgerRedisWrite(b *testing.B) {
	rdb := benchRedis(b, testredis.Start(b))
	ctx := context.Background()
	for _, shards := range []int{1, 16} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			rdb.ConfigResetStat(ctx)
			s := newRedisStore(LedgerOptions{Redis: rdb, Shards: shards})
			batch := make([]*Record, 256)
			i := 0
			for b.Loop() {
				for j := range batch {
					r := sampleRecord(j)
					r.Time = time.Now().UTC()
					r.RequestID = fmt.Sprintf("w%d-%d", shards, i)
					i++
					batch[j] = r
				}
				if err := s.write(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/record")
			b.ReportMetric(redisUsecPerCall(b, rdb, "evalsha"), "redis-µs/record")
		})
	}
}

// redisUsecPerCall is Redis's own CPU time per call of cmd (INFO commandstats): what a record costs
// the server, the ceiling of a master, apart from the client and the network.
func redisUsecPerCall(b *testing.B, rdb *redis.Client, cmd string) float64 {
	info := rdb.Info(context.Background(), "commandstats").Val()
	for _, line := range strings.Split(info, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+cmd+":"); ok {
			for _, kv := range strings.Split(rest, ",") {
				if v, ok := strings.CutPrefix(kv, "usec_per_call="); ok {
					f, _ := strconv.ParseFloat(v, 64)
					return f
				}
			}
		}
	}
	b.Fatalf("no %s in commandstats", cmd)
	return 0
}

// benchRedis is a client with timeouts a loaded machine does not trip (benchmarks measure, they do not judge).
func benchRedis(b *testing.B, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second})
	b.Cleanup(func() { c.Close() })
	return c
}
