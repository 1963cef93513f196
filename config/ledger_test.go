package config

import (
	"strings"
	"testing"
	"time"
)

func TestLedgerStoreDefaultsAndErrors(t *testing.T) {
	c, err := Parse([]byte("metering:\n  ledger: on\n"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := LedgerStoreConfig{RedisShards: 16, RedisIDRetention: 48 * time.Hour, RedisStreamRetention: 24 * time.Hour,
		RedisStreamMaxLen: 500_000, Archive: "on", AggregateRetentionDays: 400, FileMaxMB: 256, CheckpointInterval: time.Minute, RedisWaitTimeout: 100 * time.Millisecond}
	if c.Metering.LedgerStore != want {
		t.Fatalf("defaults %+v; want %+v", c.Metering.LedgerStore, want)
	}
	c, err = Parse([]byte("metering:\n  ledger_store:\n    redis_shards: 4\n    file_retention_days: 90\n    redis_stream_retention: 2h\n"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Metering.LedgerStore; l.RedisShards != 4 || l.FileRetentionDays != 90 || l.RedisStreamRetention != 2*time.Hour {
		t.Fatalf("parsed %+v", l)
	}
	for yml, msg := range map[string]string{
		"metering:\n  ledger_store:\n    redis_shards: 2000\n":           "cfg.yaml:3: metering.ledger_store.redis_shards: must be in [1, 1024]",
		"metering:\n  ledger_store:\n    redis_id_retention: 5m\n":       "cfg.yaml:3: metering.ledger_store.redis_id_retention: must be at least 1h",
		"metering:\n  ledger_store:\n    redis_stream_retention: 1s\n":   "cfg.yaml:3: metering.ledger_store.redis_stream_retention",
		"metering:\n  ledger_store:\n    redis_stream_max_len: 10\n":     "cfg.yaml:3: metering.ledger_store.redis_stream_max_len",
		"metering:\n  ledger_store:\n    archive: maybe\n":               "cfg.yaml:3: metering.ledger_store.archive: must be on or off",
		"metering:\n  ledger_store:\n    aggregate_retention_days: -1\n": "cfg.yaml:3: metering.ledger_store.aggregate_retention_days",
		"metering:\n  ledger_store:\n    file_max_mb: -5\n":              "cfg.yaml:3: metering.ledger_store.file_max_mb",
		"metering:\n  ledger_store:\n    file_retention_days: -1\n":      "cfg.yaml:3: metering.ledger_store.file_retention_days",
		"metering:\n  ledger_store:\n    checkpoint_interval: 1ms\n":     "cfg.yaml:3: metering.ledger_store.checkpoint_interval",
		"metering:\n  ledger_store:\n    redis_wait_replicas: -1\n":      "cfg.yaml:3: metering.ledger_store.redis_wait_replicas",
		"metering:\n  ledger_store:\n    redis_wait_timeout: 5s\n":       "cfg.yaml:3: metering.ledger_store.redis_wait_timeout",
	} {
		if _, err := Parse([]byte(yml), "cfg.yaml"); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v; want %q", yml, err, msg)
		}
	}
}
