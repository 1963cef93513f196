package config

// validateCache checks the cache section: durations, sizes, switches, and
// that per-model settings name configured models.
func validateCache(c *CacheConfig, models map[string]bool, at reporter) {
	checkWhen := func(path, w string) {
		if w != "" && w != CacheWhenDeterministic && w != CacheWhenAlways {
			at(path, "must be deterministic or always, got %q", w)
		}
	}
	checkWhen("cache.when", c.When)
	if c.TTL < 0 || c.MaxTTL < 0 {
		at("cache.ttl", "durations must not be negative")
	}
	if c.MaxEntryBytes < 64 && c.MaxEntryBytes != 0 {
		at("cache.max_entry_bytes", "must be at least 64, got %d", c.MaxEntryBytes)
	}
	if c.MemoryBytes < 1<<16 {
		at("cache.memory_bytes", "must be at least 65536, got %d", c.MemoryBytes)
	}
	for path, v := range map[string]string{"cache.redis": c.Redis, "cache.coalesce": c.Coalesce} {
		if v != "on" && v != "off" {
			at(path, "must be on or off, got %q", v)
		}
	}
	if c.RedisTimeout <= 0 || c.GenerationRefresh <= 0 || c.CoalesceTimeout <= 0 {
		at("cache.redis_timeout", "redis_timeout, generation_refresh and coalesce_timeout must be positive")
	}
	for name, m := range c.Models {
		p := "cache.models." + name
		if !models[name] {
			at(p, "unknown model %q", name)
		}
		checkWhen(p+".when", m.When)
		if m.TTL < 0 {
			at(p+".ttl", "must not be negative")
		}
		if s := m.Semantic; s.Enabled {
			switch {
			case s.EmbeddingModel == "":
				at(p+".semantic.embedding_model", "required: the configured model that embeds the last user message")
			case !models[s.EmbeddingModel]:
				at(p+".semantic.embedding_model", "unknown model %q", s.EmbeddingModel)
			}
			if s.Threshold < 0 || s.Threshold > 1 { // 0: the default (semantic.DefaultThreshold)
				at(p+".semantic.threshold", "must be within (0,1] (or unset), got %g", s.Threshold)
			}
		}
	}
	for id, k := range c.Keys {
		if k.TTL < 0 {
			at("cache.keys."+id+".ttl", "must not be negative")
		}
	}
}
