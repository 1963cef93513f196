package cache

import (
	"strconv"
	"testing"
	"time"

	"github.com/VictoriaMetrics/fastcache"
	"github.com/maypok86/otter/v2"
)

// The L1 candidates on the cache's hit path: a 2 KB answer read by many
// goroutines from a cache of 10,000 entries bounded at 64 MiB. otter
// returns the stored value itself; fastcache copies it out of its arena
// (into a reused buffer here, its best case) and has no TTL of its own.
// docs/cache.md has the table.

const compareEntries = 10_000

func compareKeys() [][32]byte {
	ks := make([][32]byte, compareEntries)
	for i := range ks {
		copy(ks[i][:], "key-"+strconv.Itoa(i))
	}
	return ks
}

func BenchmarkL1CompareOtterGet2KB(b *testing.B) {
	c := otter.Must(&otter.Options[Key, *memEntry]{
		MaximumWeight: 64 << 20,
		Weigher:       func(_ Key, m *memEntry) uint32 { return uint32(m.e.size()) },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[Key, *memEntry]) time.Duration {
			return e.Value.ttl
		}),
	})
	ks := compareKeys()
	e := answer2KB()
	for _, k := range ks {
		c.Set(k, &memEntry{e: e, ttl: time.Hour})
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			v, ok := c.GetIfPresent(ks[i%compareEntries])
			if !ok || len(v.e.Body) < 2000 {
				b.Fatal("miss")
			}
			i++
		}
	})
}

func BenchmarkL1CompareFastcacheGet2KB(b *testing.B) {
	c := fastcache.New(64 << 20)
	ks := compareKeys()
	e := answer2KB()
	for _, k := range ks {
		c.Set(k[:], e.Body)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 4096)
		i := 0
		for pb.Next() {
			v := c.Get(buf[:0], ks[i%compareEntries][:])
			if len(v) < 2000 {
				b.Fatal("miss")
			}
			i++
		}
	})
}

// BenchmarkL1CompareFastcacheGetOwned2KB: a hit's body must outlive the
// call (the gateway sends it after Answer returns), so each Get needs its
// own buffer.
func BenchmarkL1CompareFastcacheGetOwned2KB(b *testing.B) {
	c := fastcache.New(64 << 20)
	ks := compareKeys()
	e := answer2KB()
	for _, k := range ks {
		c.Set(k[:], e.Body)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			v := c.Get(nil, ks[i%compareEntries][:])
			if len(v) < 2000 {
				b.Fatal("miss")
			}
			i++
		}
	})
}

func BenchmarkL1CompareOtterSet2KB(b *testing.B) {
	c := otter.Must(&otter.Options[Key, *memEntry]{
		MaximumWeight: 64 << 20,
		Weigher:       func(_ Key, m *memEntry) uint32 { return uint32(m.e.size()) },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[Key, *memEntry]) time.Duration {
			return e.Value.ttl
		}),
	})
	ks := compareKeys()
	e := answer2KB()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Set(ks[i%compareEntries], &memEntry{e: e, ttl: time.Hour})
		i++
	}
}

func BenchmarkL1CompareFastcacheSet2KB(b *testing.B) {
	c := fastcache.New(64 << 20)
	ks := compareKeys()
	e := answer2KB()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Set(ks[i%compareEntries][:], e.Body)
		i++
	}
}
