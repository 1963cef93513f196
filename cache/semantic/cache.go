package semantic

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultThreshold is the cosine similarity a semantic hit needs unless the model's config says otherwise. Chosen
// on the generated paraphrase and near-miss pairs (TestSemanticQuality; docs/cache.md, "Semantic cache"): Guard
// stops the number, negation, name and unit near-misses at any threshold, so the threshold only has to keep
// texts about different things apart (a swapped common noun), which 0.85 does for all but about 1 % of them,
// while 0.90 would cost a sixth to a quarter of the hits.
const DefaultThreshold = 0.85

// Defaults of Options.
const (
	DefaultRedisTimeout = 100 * time.Millisecond
	loadRetryAfter      = 5 * time.Second  // after a failed load, scopes answer from memory alone this long
	refreshEvery        = 10 * time.Second // a scope loads what other replicas saved at most this often
	clockSkew           = 2 * time.Second  // replicas stamp saves with their own clocks: a refresh looks back this much
	maxLoadedScopes     = 100_000          // scopes remembered as loaded; over it the memory starts over
	maxMemo             = 1024             // recent embeddings kept, so Store after a missed Lookup does not embed again
)

// Options configure a Cache.
type Options struct {
	Embedder Embedder // required
	// Redis keeps the vectors for other replicas; nil: they live in this process only. RedisTimeout bounds a
	// stalled socket only with ContextTimeoutEnabled (as cmd/tollgate's client has).
	Redis        redis.UniversalClient
	RedisTimeout time.Duration // bounds each Redis call; 0 = DefaultRedisTimeout
	Index        IndexOptions
	Threshold    float32 // used when Lookup is given none; 0 = DefaultThreshold
	Logger       *slog.Logger
}

// Cache finds the entry key of an earlier request whose last user message means the same, within a scope. The
// scope is the caller's: tenant, model, the parameters and the conversation without its last user message (and
// the (tenant, model) generation, so purges apply). Safe for concurrent use.
type Cache struct {
	emb       Embedder
	idx       *Index
	store     *Store
	timeout   time.Duration
	threshold float32
	maxScope  int
	refresh   time.Duration // refreshEvery; tests shorten it
	log       *slog.Logger

	mu        sync.Mutex
	loaded    map[string]*scopeLoad
	redisCalm time.Time                       // no load starts before this: Redis just failed, so new scopes answer from memory
	memo      map[[sha256.Size]byte]Embedding // hash of a text → its embedding, for Store after Lookup
}

// scopeLoad is the state of one scope's fill from Redis. Fields but first are guarded by Cache.mu.
type scopeLoad struct {
	first     chan struct{} // closed when the first load attempt ended
	firstOnce sync.Once
	loading   bool
	loadedAt  time.Time // start of the last successful load; zero: none yet
}

func (l *scopeLoad) closeFirst() { l.firstOnce.Do(func() { close(l.first) }) }

// Match is a Lookup's outcome.
type Match struct {
	EntryKey    string  // the cache entry to serve, when Hit
	Score       float32 // cosine similarity of the best candidate that passed Guard, when Hit
	Hit         bool
	EmbedTokens int // tokens the embedding call used (the gateway's own cost); 0 when it was remembered
}

// New returns a Cache. It panics without an Embedder, a programming error.
func New(o Options) *Cache {
	if o.Embedder == nil {
		panic("semantic.New: Options.Embedder is nil")
	}
	if o.RedisTimeout <= 0 {
		o.RedisTimeout = DefaultRedisTimeout
	}
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	idx := NewIndex(o.Index)
	c := &Cache{emb: o.Embedder, idx: idx, timeout: o.RedisTimeout, threshold: o.Threshold,
		maxScope: idx.maxPerScope, refresh: refreshEvery, log: o.Logger, loaded: map[string]*scopeLoad{}, memo: map[[sha256.Size]byte]Embedding{}}
	if o.Redis != nil {
		c.store = NewStore(o.Redis)
	}
	return c
}

// Index returns the in-memory index (for its sizes in stats).
func (c *Cache) Index() *Index { return c.idx }

// Lookup embeds text (the last user message) and returns the most similar earlier entry of scope whose text
// passes Guard with it, if its similarity reaches threshold (0 = the Cache's default). A miss is not an error; an
// error means the embedding failed (timeout, endpoint down: see Embedder) and the caller skips the semantic
// lookup. Redis trouble is never an error: the index answers from memory.
func (c *Cache) Lookup(ctx context.Context, scope, text string, threshold float32) (Match, error) {
	if threshold <= 0 {
		threshold = c.threshold
	}
	c.ensureLoaded(ctx, scope)
	e, fresh, err := c.embed(ctx, text)
	if err != nil {
		return Match{}, err
	}
	m := Match{}
	if fresh {
		m.EmbedTokens = e.Tokens
	}
	m.EntryKey, m.Score, m.Hit = c.idx.SearchTagged(scope, e.Vector, threshold, GuardTag(text))
	return m, nil
}

// Store records that entryKey answers text in scope, for ttl (the entry's own): in the index and, with Redis,
// beside the entry. It reuses the embedding of a recent Lookup of the same text; tokens is what a new embedding
// call used. An error from the embedding means nothing was stored; a Redis error means the vector is in this
// replica's index only.
func (c *Cache) Store(ctx context.Context, scope, text, entryKey string, ttl time.Duration) (tokens int, err error) {
	e, fresh, err := c.embed(ctx, text)
	if err != nil {
		return 0, err
	}
	if fresh {
		tokens = e.Tokens
	}
	tag := GuardTag(text)
	c.idx.AddTagged(scope, entryKey, e.Vector, tag)
	if c.store != nil {
		rctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		if err := c.store.Save(rctx, scope, entryKey, tag, e.Vector, ttl); err != nil {
			return tokens, errors.Join(errors.New("semantic: vector kept in memory only"), err)
		}
	}
	return tokens, nil
}

// Forget removes entryKey from scope, e.g. when Lookup pointed at an entry that has expired or was corrupt.
func (c *Cache) Forget(ctx context.Context, scope, entryKey string) {
	c.idx.Remove(scope, entryKey)
	if c.store != nil {
		rctx, cancel := context.WithTimeout(ctx, c.timeout)
		defer cancel()
		if err := c.store.Delete(rctx, scope, entryKey); err != nil {
			c.log.Debug("semantic cache: forget in Redis failed", "err", err)
		}
	}
}

// ensureLoaded fills scope's index from Redis the first time this replica sees it, and with what other replicas
// saved since, once refreshEvery has passed. Concurrent first lookups wait for one load; a refresh runs in the
// lookup that noticed it was due while the others go on. After a failed load no scope loads for loadRetryAfter
// (a stalled Redis would otherwise cost every new scope the timeout): scopes answer from memory meanwhile.
func (c *Cache) ensureLoaded(ctx context.Context, scope string) {
	if c.store == nil {
		return
	}
	now := time.Now()
	c.mu.Lock()
	if now.Before(c.redisCalm) {
		c.mu.Unlock()
		return
	}
	l := c.loaded[scope]
	if l == nil {
		if len(c.loaded) >= maxLoadedScopes {
			clear(c.loaded) // reloading a scope costs one round trip and re-adds what is there
		}
		l = &scopeLoad{first: make(chan struct{})}
		c.loaded[scope] = l
	} else if l.loading || (!l.loadedAt.IsZero() && now.Sub(l.loadedAt) < c.refresh) {
		c.mu.Unlock()
		select { // the first load, if it is still running; a closed channel otherwise
		case <-l.first:
		case <-ctx.Done():
		}
		return
	}
	l.loading = true
	since := l.loadedAt
	c.mu.Unlock()

	if !since.IsZero() {
		since = since.Add(-clockSkew)
	}
	rctx, cancel := context.WithTimeout(ctx, c.timeout)
	vecs, err := c.store.Load(rctx, scope, since, c.maxScope)
	cancel()
	for _, v := range vecs {
		c.idx.AddTagged(scope, v.EntryKey, v.Vector, v.Tag)
	}
	c.mu.Lock()
	l.loading = false
	if err != nil {
		c.log.Debug("semantic cache: load from Redis failed", "err", err)
		c.redisCalm = time.Now().Add(loadRetryAfter)
	} else {
		l.loadedAt = now
	}
	c.mu.Unlock()
	l.closeFirst()
}

// embed returns text's embedding, from the memo of recent ones or from the Embedder (fresh).
func (c *Cache) embed(ctx context.Context, text string) (e Embedding, fresh bool, err error) {
	h := sha256.Sum256([]byte(text))
	c.mu.Lock()
	e, ok := c.memo[h]
	c.mu.Unlock()
	if ok {
		return e, false, nil
	}
	e, err = c.emb.Embed(ctx, text)
	if err != nil {
		return Embedding{}, false, err
	}
	c.mu.Lock()
	if len(c.memo) >= maxMemo {
		clear(c.memo)
	}
	c.memo[h] = e
	c.mu.Unlock()
	return e, true, nil
}
