package redisconn

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
)

// TestNewPicksTheTopology: one address is a node, several or cluster: true a Cluster (the failover-following
// client), master_name Sentinel. That the Cluster client follows a real failover is tested against a real
// cluster in loadtest/scenario (TestRedisClusterFailsOver).
func TestNewPicksTheTopology(t *testing.T) {
	for _, c := range []struct {
		cfg  config.RedisConfig
		want string
	}{
		{config.RedisConfig{Addrs: []string{"127.0.0.1:1"}}, "*redis.Client"},
		{config.RedisConfig{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}}, "*redis.ClusterClient"},
		{config.RedisConfig{Addrs: []string{"127.0.0.1:1"}, Cluster: true}, "*redis.ClusterClient"},
		{config.RedisConfig{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}, MasterName: "m"}, "*redis.Client"}, // Sentinel-backed
	} {
		c.cfg.Timeout = 100 * time.Millisecond
		rdb := New(c.cfg)
		got := ""
		switch r := rdb.(type) {
		case *redis.Client:
			got = "*redis.Client"
			if !r.Options().ContextTimeoutEnabled || r.Options().ReadTimeout < 2*time.Second {
				t.Errorf("%+v: options %+v", c.cfg, r.Options())
			}
		case *redis.ClusterClient:
			got = "*redis.ClusterClient"
			if o := r.Options(); o.ClusterStateReloadInterval != ClusterReload || !o.ContextTimeoutEnabled {
				t.Errorf("%+v: reload every %s, context timeouts %v", c.cfg, o.ClusterStateReloadInterval, o.ContextTimeoutEnabled)
			}
		}
		if got != c.want {
			t.Errorf("%+v: %T, want %s", c.cfg, rdb, c.want)
		}
		_ = rdb.Close()
	}
}
