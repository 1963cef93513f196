package cache

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// BenchmarkL2Hit2KB: a 2 KB answer read from a local redis-server (one GET
// on loopback, s2 decompression, checksum), as a replica whose memory
// misses it does.
func BenchmarkL2Hit2KB(b *testing.B) {
	rdb := redis.NewClient(&redis.Options{Addr: testredis.Start(b)})
	b.Cleanup(func() { _ = rdb.Close() })
	l2 := newShared(rdb, time.Second)
	b.Cleanup(l2.close)
	var k Key
	copy(k[:], "bench")
	e := answer2KB()
	l2.do(write{key: redisKey(k), val: e.Encode(nil), ttl: time.Hour})
	b.ReportMetric(float64(len(e.Encode(nil))), "stored-bytes")
	b.ReportAllocs()
	for b.Loop() {
		if got := l2.get(k); got == nil || len(got.Body) != len(e.Body) {
			b.Fatal("miss")
		}
	}
}
