package scenario

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/internal/redisconn"
)

// TestRedisClusterFailsOver: a 3-master cluster with a replica each serves keys on every master through
// the gateway's client (go-redis UniversalClient, several addrs), and a killed master's slots move to its
// replica with the data written before the kill; the client follows within seconds (go-redis alone
// re-reads the slot map only every 60s when a master dies: no MOVED reply tells it).
func TestRedisClusterFailsOver(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env, err := NewEnv(ctx, EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	c, err := StartRedisCluster(ctx, env, ClusterOptions{ReplicasPerMaster: 1, AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rdb := redisconn.New(config.RedisConfig{Addrs: c.Addrs(), Timeout: 100 * time.Millisecond})
	defer rdb.Close()
	if _, ok := rdb.(*redis.ClusterClient); !ok {
		t.Fatalf("UniversalClient with %d addrs is %T, want a ClusterClient", len(c.Addrs()), rdb)
	}
	for i := range 300 {
		if err := rdb.Set(ctx, fmt.Sprintf("tg:cache:e:%d", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	st, err := c.Stats(ctx, GatewayKeyClasses)
	if err != nil {
		t.Fatal(err)
	}
	masters, total := 0, 0
	for _, s := range st {
		if s.Master {
			masters++
			total += s.Keys["cache"]
			if s.Keys["cache"] == 0 || s.Keys["cache"] == 300 {
				t.Errorf("master %s holds %d of 300 keys", s.Addr, s.Keys["cache"])
			}
		}
	}
	if masters != 3 || total != 300 {
		t.Fatalf("%d masters hold %d keys, want 3 holding 300", masters, total)
	}
	const key = "tg:cache:e:7"
	old, err := c.Master(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Kill(); err != nil {
		t.Fatal(err)
	}
	now, err := c.WaitFailover(ctx, old, key, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var v string
	start := time.Now()
	for ; time.Since(start) < 3*redisconn.ClusterReload; time.Sleep(50 * time.Millisecond) {
		if v, err = rdb.Get(ctx, key).Result(); err == nil {
			break
		}
	}
	if err != nil || v != "v" {
		t.Fatalf("after failover to %s: get %s = %q, %v", now.Addr, key, v, err)
	}
	t.Logf("the client followed the failover %s after the cluster did", time.Since(start).Round(time.Millisecond))
	if err := old.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitOK(ctx, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}
