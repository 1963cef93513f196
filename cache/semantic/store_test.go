package semantic

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

func redisClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func TestStoreRoundTrip(t *testing.T) {
	rdb := redisClient(t, testredis.Start(t))
	s, ctx := NewStore(rdb), context.Background()
	const scope = "tenant-a|mock-gpt|params|ctx"
	for i, key := range []string{"tg:cache:e:1", "tg:cache:e:2", "tg:cache:e:3"} {
		if err := s.Save(ctx, scope, key, uint64(i+10), []float32{float32(i), 1, -2.5}, time.Minute+time.Duration(i)*time.Second); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct save times, so the order is defined
	}
	if err := s.Save(ctx, "tenant-b|mock-gpt|params|ctx", "tg:cache:e:9", 1, []float32{1}, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, scope, time.Time{}, 100)
	if err != nil || len(got) != 3 {
		t.Fatalf("Load: %d vectors, %v", len(got), err)
	}
	if got[0].EntryKey != "tg:cache:e:1" || got[0].Tag != 10 || !equalVec(got[0].Vector, []float32{0, 1, -2.5}) ||
		got[2].EntryKey != "tg:cache:e:3" {
		t.Errorf("Load: %+v (want oldest first)", got)
	}
	if two, _ := s.Load(ctx, scope, time.Time{}, 2); len(two) != 2 || two[1].EntryKey != "tg:cache:e:3" {
		t.Errorf("Load with limit 2: %+v, want the two latest", two)
	}
	mark := time.Now()
	time.Sleep(2 * time.Millisecond)
	_ = s.Save(ctx, scope, "tg:cache:e:4", 13, []float32{4, 1, -2.5}, time.Minute)
	if since, _ := s.Load(ctx, scope, mark, 100); len(since) != 1 || since[0].EntryKey != "tg:cache:e:4" {
		t.Errorf("Load since a time: %+v, want only e:4", since)
	}
	keys, _ := rdb.Keys(ctx, "*").Result()
	for _, k := range keys {
		if !strings.HasPrefix(k, KeyPrefix) || strings.Contains(k, "tenant") || strings.Contains(k, "e:1") {
			t.Errorf("key %q: want %s and hashes only", k, KeyPrefix)
		}
	}
	if err := s.Delete(ctx, scope, "tg:cache:e:2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(ctx, scope, time.Time{}, 100); len(got) != 3 {
		t.Errorf("after Delete: %d vectors", len(got))
	}
	if ttl := rdb.TTL(ctx, scopeKey(scope)+":i").Val(); ttl <= time.Minute || ttl > 64*time.Second {
		t.Errorf("index set TTL %v, want about a minute", ttl)
	}
}

func TestStoreSkipsExpiredAndCorrupt(t *testing.T) {
	rdb := redisClient(t, testredis.Start(t))
	s, ctx := NewStore(rdb), context.Background()
	_ = s.Save(ctx, "s", "short", 1, []float32{1, 0}, 50*time.Millisecond)
	_ = s.Save(ctx, "s", "long", 2, []float32{0, 1}, time.Minute)
	_ = s.Save(ctx, "s", "corrupt", 3, []float32{1, 1}, time.Minute)
	rdb.Set(ctx, scopeKey("s")+":v:"+entryID("corrupt"), "\x01\x02truncated", time.Minute)
	time.Sleep(120 * time.Millisecond)
	got, err := s.Load(ctx, "s", time.Time{}, 100)
	if err != nil || len(got) != 1 || got[0].EntryKey != "long" {
		t.Fatalf("Load: %+v %v, want only long", got, err)
	}
	if n := rdb.ZCard(ctx, scopeKey("s")+":i").Val(); n != 1 {
		t.Errorf("index set holds %d after Load, want the expired and corrupt ones pruned", n)
	}
	if err := s.Save(ctx, "s", "k", 1, []float32{1}, 0); err == nil {
		t.Error("Save with no TTL accepted")
	}
}

func TestVectorEncoding(t *testing.T) {
	v := []float32{0.25, -1, 3e-8}
	got, ok := decodeVector(string(encodeVector("key:1", 0xfeed, v)))
	if !ok || got.EntryKey != "key:1" || got.Tag != 0xfeed || !equalVec(got.Vector, v) {
		t.Errorf("%+v %v", got, ok)
	}
	full := string(encodeVector("k", 1, v))
	for _, bad := range []string{"", full[:11], full[:20], full[:len(full)-1], "\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff"} {
		if _, ok := decodeVector(bad); ok {
			t.Errorf("%q decoded", bad)
		}
	}
}
