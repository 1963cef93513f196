package config

import "time"

// LedgerStoreConfig bounds and spreads the ledger's storage (metering.ledger_store): Redis keys
// sharded per day, retention of ids, streams and aggregates, the archive of records handed off from
// Redis, and the embedded ledger's day files and checkpoint.
type LedgerStoreConfig struct {
	// RedisShards spreads each UTC day's ledger keys over this many Cluster slots. Set it once.
	RedisShards int `yaml:"redis_shards"`
	// RedisIDRetention keeps request ids for replay dedup this long after their hour.
	RedisIDRetention time.Duration `yaml:"redis_id_retention"`
	// RedisStreamRetention keeps records in the Redis streams this long; RedisStreamMaxLen caps each
	// shard's stream whatever the age.
	RedisStreamRetention time.Duration `yaml:"redis_stream_retention"`
	RedisStreamMaxLen    int64         `yaml:"redis_stream_max_len"`
	// Archive "on" (default) hands records from the Redis streams to day files under
	// ledger_dir/archive before they are trimmed; "off" trims by age alone.
	Archive string `yaml:"archive"`
	// AggregateRetentionDays keeps hourly aggregates (usage, budgets' history) this many days.
	AggregateRetentionDays int `yaml:"aggregate_retention_days"`
	// FileMaxMB rotates a day file (embedded ledger, archive) past this size.
	FileMaxMB int `yaml:"file_max_mb"`
	// FileRetentionDays deletes day files older than this; 0 keeps them all.
	FileRetentionDays int `yaml:"file_retention_days"`
	// CheckpointInterval is how often the embedded ledger checkpoints its aggregates.
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
	// RedisWaitReplicas > 0: a ledger batch counts as stored once this many replicas have it (WAIT up
	// to RedisWaitTimeout); else it is spooled and replayed. 0 trusts the master's acknowledgement.
	RedisWaitReplicas int           `yaml:"redis_wait_replicas"`
	RedisWaitTimeout  time.Duration `yaml:"redis_wait_timeout"`
}

func defaultLedgerStore(l *LedgerStoreConfig) {
	if l.RedisShards == 0 {
		l.RedisShards = 16
	}
	setDur(&l.RedisIDRetention, 48*time.Hour)
	setDur(&l.RedisStreamRetention, 24*time.Hour)
	if l.RedisStreamMaxLen == 0 {
		l.RedisStreamMaxLen = 500_000
	}
	if l.Archive == "" {
		l.Archive = "on"
	}
	if l.AggregateRetentionDays == 0 {
		l.AggregateRetentionDays = 400
	}
	if l.FileMaxMB == 0 {
		l.FileMaxMB = 256
	}
	setDur(&l.CheckpointInterval, time.Minute)
	setDur(&l.RedisWaitTimeout, 100*time.Millisecond)
}

func validateLedgerStore(l *LedgerStoreConfig, at reporter) {
	const p = "metering.ledger_store"
	if l.RedisShards < 1 || l.RedisShards > 1024 {
		at(p+".redis_shards", "must be in [1, 1024], got %d", l.RedisShards)
	}
	if l.RedisIDRetention < time.Hour {
		at(p+".redis_id_retention", "must be at least 1h (a spool replayed later than this may count twice), got %s", l.RedisIDRetention)
	}
	if l.RedisStreamRetention < time.Minute {
		at(p+".redis_stream_retention", "must be at least 1m, got %s", l.RedisStreamRetention)
	}
	if l.RedisStreamMaxLen < 1000 {
		at(p+".redis_stream_max_len", "must be at least 1000, got %d", l.RedisStreamMaxLen)
	}
	if l.Archive != "on" && l.Archive != "off" {
		at(p+".archive", "must be on or off, got %q", l.Archive)
	}
	if l.AggregateRetentionDays < 1 || l.AggregateRetentionDays > 3650 {
		at(p+".aggregate_retention_days", "must be in [1, 3650], got %d", l.AggregateRetentionDays)
	}
	if l.FileMaxMB < 1 || l.FileMaxMB > 65536 {
		at(p+".file_max_mb", "must be in [1, 65536], got %d", l.FileMaxMB)
	}
	if l.FileRetentionDays < 0 {
		at(p+".file_retention_days", "must be 0 (keep all) or more, got %d", l.FileRetentionDays)
	}
	if l.RedisWaitReplicas < 0 || l.RedisWaitReplicas > 16 {
		at(p+".redis_wait_replicas", "must be in [0, 16], got %d", l.RedisWaitReplicas)
	}
	if l.RedisWaitTimeout < 10*time.Millisecond || l.RedisWaitTimeout > time.Second {
		at(p+".redis_wait_timeout", "must be in [10ms, 1s] (a ledger batch waits this long for its replicas), got %s", l.RedisWaitTimeout)
	}
	if l.CheckpointInterval < time.Second {
		at(p+".checkpoint_interval", "must be at least 1s, got %s", l.CheckpointInterval)
	}
}
