package config

import (
	"strings"
	"testing"
)

func TestRedisClusterSettings(t *testing.T) {
	for _, c := range []struct{ yml, want string }{
		{"redis:\n  addrs: [a:1, b:1]\n  db: 2\n", "cfg.yaml:3: redis.db: a Redis Cluster has only db 0, got 2"},
		{"redis:\n  addrs: [a:1]\n  cluster: true\n  db: 1\n", "redis.db: a Redis Cluster has only db 0"},
		{"redis:\n  addrs: [a:1]\n  cluster: true\n  master_name: m\n", "redis.cluster: cluster and master_name"},
		{"redis:\n  cluster: true\n", "redis.cluster: needs the cluster's address"},
	} {
		_, err := Parse([]byte(c.yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yml, err, c.want)
		}
	}
	for _, ok := range []string{
		"redis:\n  addrs: [a:1]\n  db: 3\n",                        // one node: any db
		"redis:\n  addrs: [a:1, b:1]\n  master_name: m\n  db: 3\n", // Sentinel: any db
		"redis:\n  addrs: [cfg.example:6379]\n  cluster: true\n",
	} {
		if _, err := Parse([]byte(ok), "cfg.yaml"); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
