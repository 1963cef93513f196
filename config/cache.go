package config

import "time"

// CacheConfig is the response cache (package cache, docs/cache.md): exact
// answers in memory (L1) and on Redis shared by replicas (L2), keyed by the
// request that goes upstream, per tenant.
type CacheConfig struct {
	// Enabled turns the cache on for every model (models may opt out); off,
	// only models with enabled: true are cached.
	Enabled bool `yaml:"enabled"`
	// TTL is how long an answer is kept (default 1h); MaxTTL caps what a
	// client may ask for with x-tollgate-cache-ttl (default 24h).
	TTL    time.Duration `yaml:"ttl"`
	MaxTTL time.Duration `yaml:"max_ttl"`
	// When: "deterministic" (default) caches chat and completions requests
	// with temperature 0 or a seed; "always" caches every one. Embeddings
	// are always cached.
	When string `yaml:"when"`
	// MaxEntryBytes caps one answer (default 1 MiB): a bigger one is not stored.
	MaxEntryBytes int `yaml:"max_entry_bytes"`
	// MemoryBytes bounds the in-memory cache (default 64 MiB).
	MemoryBytes int `yaml:"memory_bytes"`
	// Redis: "on" (default) shares answers through the redis section's
	// server when one is configured; "off" keeps them in memory only.
	Redis string `yaml:"redis"`
	// RedisTimeout bounds a lookup on Redis (default 20ms): a slow or down
	// Redis means memory only, never a failed request.
	RedisTimeout time.Duration `yaml:"redis_timeout"`
	// GenerationRefresh is how often a replica re-reads the purge
	// generations from Redis (default 1s): how long a purge on one replica
	// takes to reach the others.
	GenerationRefresh time.Duration `yaml:"generation_refresh"`
	// Coalesce makes concurrent identical misses share one upstream call
	// ("on", default, or "off"); followers wait at most CoalesceTimeout
	// (default 60s) for the leader's next event or answer.
	Coalesce        string        `yaml:"coalesce"`
	CoalesceTimeout time.Duration `yaml:"coalesce_timeout"`
	// Models override the defaults per model name.
	Models map[string]CacheModel `yaml:"models"`
	// Keys override them per virtual key id (caching off, a shorter TTL).
	Keys map[string]CacheKey `yaml:"keys"`
}

// CacheModel is one model's cache settings; unset fields inherit the
// section's.
type CacheModel struct {
	Enabled *bool         `yaml:"enabled"`
	TTL     time.Duration `yaml:"ttl"`
	When    string        `yaml:"when"`
	// Shared lets every tenant read the model's answers (keys leave the
	// tenant out): only for models whose answers hold nothing private.
	Shared   bool                `yaml:"shared"`
	Semantic CacheSemanticConfig `yaml:"semantic"`
}

// CacheSemanticConfig is the semantic cache of one model (package
// cache/semantic): off unless enabled.
type CacheSemanticConfig struct {
	Enabled bool `yaml:"enabled"`
	// EmbeddingModel is the configured model that embeds the last user message.
	EmbeddingModel string `yaml:"embedding_model"`
	// Threshold is the cosine similarity a hit needs, in (0, 1].
	Threshold float64 `yaml:"threshold"`
}

// CacheKey is one virtual key's cache settings.
type CacheKey struct {
	Enabled *bool         `yaml:"enabled"`
	TTL     time.Duration `yaml:"ttl"`
}

// Cache "when" values and on/off switches.
const (
	CacheWhenDeterministic = "deterministic"
	CacheWhenAlways        = "always"
)

func defaultCache(c *CacheConfig) {
	setDur(&c.TTL, time.Hour)
	setDur(&c.MaxTTL, 24*time.Hour)
	if c.When == "" {
		c.When = CacheWhenDeterministic
	}
	setInt(&c.MaxEntryBytes, 1<<20)
	setInt(&c.MemoryBytes, 64<<20)
	if c.Redis == "" {
		c.Redis = "on"
	}
	setDur(&c.RedisTimeout, 20*time.Millisecond)
	setDur(&c.GenerationRefresh, time.Second)
	if c.Coalesce == "" {
		c.Coalesce = "on"
	}
	setDur(&c.CoalesceTimeout, 60*time.Second)
}
