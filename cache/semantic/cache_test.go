package semantic

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/mockllm"
)

func newTestCache(t *testing.T, rdb redis.UniversalClient) (*Cache, *countingEmbedder) {
	t.Helper()
	emb := &countingEmbedder{Embedder: mockEmbedder(t, mockllm.Options{}, OpenAIEmbedderOptions{})}
	return New(Options{Embedder: emb, Redis: rdb, RedisTimeout: 200 * time.Millisecond}), emb
}

func TestCacheLookupAndStore(t *testing.T) {
	c, emb := newTestCache(t, nil)
	ctx := context.Background()
	const scope = "tenant-a|mock-gpt|t=0|sys:be brief"
	m, err := c.Lookup(ctx, scope, "How do I reset my password on the website?", 0)
	if err != nil || m.Hit || m.EmbedTokens == 0 {
		t.Fatalf("first lookup: %+v %v", m, err)
	}
	tokens, err := c.Store(ctx, scope, "How do I reset my password on the website?", "entry-1", time.Minute)
	if err != nil || tokens != 0 || emb.calls.Load() != 1 {
		t.Fatalf("Store after Lookup: %d tokens, %v, %d embedding calls (want the lookup's embedding reused)", tokens, err, emb.calls.Load())
	}
	m, err = c.Lookup(ctx, scope, "Please, how do I reset my password on the website", 0)
	if err != nil || !m.Hit || m.EntryKey != "entry-1" || m.Score < DefaultThreshold || m.Score >= 1 {
		t.Errorf("paraphrase: %+v %v", m, err)
	}
	for _, miss := range []struct{ scope, text string }{
		{scope, "How do I not reset my password on the website?"},                            // a negation
		{scope, "How do I reset my password on Reddit?"},                                     // a name
		{"tenant-b|mock-gpt|t=0|sys:be brief", "How do I reset my password on the website?"}, // another tenant
		{scope + "|another turn", "How do I reset my password on the website?"},              // another context
	} {
		if m, _ := c.Lookup(ctx, miss.scope, miss.text, 0); m.Hit {
			t.Errorf("%q in %q: hit %+v", miss.text, miss.scope, m)
		}
	}
	if m, _ := c.Lookup(ctx, scope, "Please, how do I reset my password on the website", 0.99); m.Hit {
		t.Errorf("threshold 0.99: hit at %v", m.Score)
	}
	c.Forget(ctx, scope, "entry-1")
	if m, _ := c.Lookup(ctx, scope, "How do I reset my password on the website?", 0); m.Hit {
		t.Error("forgotten entry still found")
	}
	emb.fail.Store(true)
	if _, err := c.Lookup(ctx, scope, "a text never embedded before", 0); err == nil {
		t.Error("Lookup with a failing embedder: want an error (the stage skips the semantic lookup)")
	}
	if _, err := c.Store(ctx, scope, "another new text", "entry-2", time.Minute); err == nil {
		t.Error("Store with a failing embedder: want an error")
	}
}

// TestCacheReplicasShareThroughRedis: a vector stored by one replica serves another that starts afterwards, and
// only in the same scope.
func TestCacheReplicasShareThroughRedis(t *testing.T) {
	addr := testredis.Start(t)
	ctx := context.Background()
	a, _ := newTestCache(t, redisClient(t, addr))
	const scope = "tenant-a|mock-gpt|t=0|"
	if _, err := a.Store(ctx, scope, "What is the boiling point of water at sea level?", "entry-w", time.Minute); err != nil {
		t.Fatal(err)
	}
	b, _ := newTestCache(t, redisClient(t, addr))
	m, err := b.Lookup(ctx, scope, "What is the boiling point of water at sea level, please", 0)
	if err != nil || !m.Hit || m.EntryKey != "entry-w" {
		t.Errorf("replica b: %+v %v", m, err)
	}
	if m, _ := b.Lookup(ctx, "tenant-b|mock-gpt|t=0|", "What is the boiling point of water at sea level?", 0); m.Hit {
		t.Error("tenant b read tenant a's vector")
	}
	// b has loaded the scope: what a saves later reaches b at its next refresh.
	if _, err := a.Store(ctx, scope, "How many moons does Mars have?", "entry-m", time.Minute); err != nil {
		t.Fatal(err)
	}
	if m, _ := b.Lookup(ctx, scope, "How many moons does Mars have?", 0); m.Hit {
		t.Error("b refreshed before refreshEvery")
	}
	b.refresh = 0
	if m, _ := b.Lookup(ctx, scope, "How many moons does Mars have?", 0); !m.Hit || m.EntryKey != "entry-m" {
		t.Errorf("b after a refresh: %+v", m)
	}
	a.Forget(ctx, scope, "entry-w")
	c, _ := newTestCache(t, redisClient(t, addr))
	if m, _ := c.Lookup(ctx, scope, "What is the boiling point of water at sea level?", 0); m.Hit {
		t.Error("a replica loaded a forgotten vector")
	}
}

// TestCacheRedisDown: with Redis stalled (paused: calls hang until their timeout) or stopped, Lookup and Store
// work from memory, and after one failed load new scopes do not wait for Redis again.
func TestCacheRedisDown(t *testing.T) {
	srv := testredis.StartOpts(t)
	c, _ := newTestCache(t, redisClient(t, srv.Addr))
	ctx := context.Background()
	srv.Pause()
	const scope = "tenant-a|m|"
	if _, err := c.Store(ctx, scope, "Where is the Eiffel Tower?", "entry-e", time.Minute); err == nil {
		t.Error("Store with Redis stalled: want an error saying the vector is in memory only")
	}
	m, err := c.Lookup(ctx, scope, "where is the Eiffel Tower", 0)
	if err != nil || !m.Hit || m.EntryKey != "entry-e" {
		t.Errorf("Lookup with Redis stalled: %+v %v", m, err)
	}
	for i := range 20 {
		if _, err := c.Lookup(ctx, fmt.Sprint(scope, "turn ", i), "where is the Eiffel Tower", 0); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Lock()
	loads := len(c.loaded)
	c.mu.Unlock()
	if loads != 1 {
		t.Errorf("%d scope loads started with Redis stalled, want 1 (then a pause)", loads)
	}
	srv.Resume()
	srv.Stop()
	if m, err := c.Lookup(ctx, scope, "Where is the Eiffel Tower?", 0); err != nil || !m.Hit {
		t.Errorf("Lookup with Redis stopped: %+v %v", m, err)
	}
}
