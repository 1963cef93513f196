package main

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
)

// TestRedisSocketsAllowCallersDeadlines: go-redis caps a call's context deadline at the socket
// timeouts. With sockets at redis.timeout (100ms) the limiter's retry and the ledger's 2s batch were
// silently cut to 100ms, so one slow call on a busy host flipped a replica to its fallback.
func TestRedisSocketsAllowCallersDeadlines(t *testing.T) {
	rdb := newRedis(config.RedisConfig{Addrs: []string{"127.0.0.1:1"}, Timeout: 100 * time.Millisecond})
	defer rdb.Close()
	o := rdb.(*redis.Client).Options()
	if !o.ContextTimeoutEnabled || o.ReadTimeout < 2*time.Second || o.WriteTimeout < 2*time.Second {
		t.Fatalf("redis client: context timeouts %v, read %s, write %s; want on and ≥ 2s (ledger batch; limiter retry 400ms)",
			o.ContextTimeoutEnabled, o.ReadTimeout, o.WriteTimeout)
	}
}
