package config

// validateEvals checks the evals section: rates within [0, 1], sizes,
// the sink, and that per-model rates name configured models.
func validateEvals(c *EvalsConfig, models map[string]bool, hasRedis bool, at reporter) {
	rate := func(path string, r float64) {
		if r < 0 || r > 1 {
			at(path, "must be within [0,1], got %g", r)
		}
	}
	if c.SampleRate != nil {
		rate("evals.sample_rate", *c.SampleRate)
	}
	for name, m := range c.Models {
		if !models[name] {
			at("evals.models."+name, "unknown model %q", name)
		}
		rate("evals.models."+name+".sample_rate", m.SampleRate)
	}
	for name, t := range c.Tenants {
		rate("evals.tenants."+name+".sample_rate", t.SampleRate)
	}
	if c.MinPerMinute != nil && *c.MinPerMinute < 0 {
		at("evals.min_per_minute", "must not be negative, got %d", *c.MinPerMinute)
	}
	if c.MaxPerMinute < 1 {
		at("evals.max_per_minute", "must be at least 1, got %d", c.MaxPerMinute)
	}
	if c.MinPerMinute != nil && *c.MinPerMinute > c.MaxPerMinute {
		at("evals.min_per_minute", "must not exceed max_per_minute (%d)", c.MaxPerMinute)
	}
	if c.MaxTextBytes < 256 || c.MaxTextBytes > 1<<20 {
		at("evals.max_text_bytes", "must be within [256, 1048576], got %d", c.MaxTextBytes)
	}
	if c.QueueSize < 1 || c.QueueSize > 1<<20 {
		at("evals.queue_size", "must be within [1, 1048576], got %d", c.QueueSize)
	}
	switch c.Sink.Kind {
	case EvalsSinkFile:
		if c.Sink.File.MaxSizeMB < 1 {
			at("evals.sink.file.max_size_mb", "must be at least 1, got %d", c.Sink.File.MaxSizeMB)
		}
		if c.Sink.File.MaxBackups < 0 {
			at("evals.sink.file.max_backups", "must not be negative, got %d", c.Sink.File.MaxBackups)
		}
	case EvalsSinkRedis:
		if !hasRedis {
			at("evals.sink.kind", "redis needs a server in the redis section (redis.addrs)")
		}
		if c.Sink.Redis.MaxLen < 1 {
			at("evals.sink.redis.maxlen", "must be at least 1, got %d", c.Sink.Redis.MaxLen)
		}
		if n := c.Sink.Redis.Shards; n < 1 || n > 256 {
			at("evals.sink.redis.shards", "must be within [1,256], got %d", n)
		}
	default:
		at("evals.sink.kind", "must be file or redis, got %q", c.Sink.Kind)
	}
}
