package scenario

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions shapes a loopback Redis Cluster.
type ClusterOptions struct {
	Masters           int  // default 3
	ReplicasPerMaster int  // 0 or more; 1 lets a killed master fail over
	AppendOnly        bool // appendonly yes, appendfsync always: a restarted node keeps its writes
	// NodeTimeout is cluster-node-timeout: how long a master may be unreachable before its replica takes
	// over (default 1s here; Redis's default is 15s).
	NodeTimeout time.Duration
}

// RedisCluster is a Redis Cluster of redis-server processes (the Env's, stopped with it) on loopback
// ports, created with `redis-cli --cluster create`.
type RedisCluster struct {
	Nodes []*ClusterNode
}

// ClusterNode is one redis-server of a RedisCluster.
type ClusterNode struct {
	Addr string // 127.0.0.1:PORT, stable across Restart
	proc *Proc
}

// StartRedisCluster starts the nodes, joins them into a cluster (masters get the slots in equal ranges,
// each replica follows a master) and waits until every node reports cluster_state:ok.
func StartRedisCluster(ctx context.Context, env *Env, o ClusterOptions) (*RedisCluster, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis cluster: redis-server not installed (make deps installs it)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, errors.New("redis cluster: redis-cli not installed (it comes with redis-server)")
	}
	if o.Masters <= 0 {
		o.Masters = 3
	}
	if o.Masters < 3 {
		return nil, errors.New("redis cluster: redis-cli --cluster create needs at least 3 masters")
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = time.Second
	}
	aof := "no"
	if o.AppendOnly {
		aof = "yes"
	}
	c := &RedisCluster{}
	for i := range o.Masters * (1 + o.ReplicasPerMaster) {
		port, err1 := env.FreePort()
		bus, err2 := env.FreePort()
		name := fmt.Sprintf("redis-node%d", i)
		dir, err3 := env.TempDir(name)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, err
		}
		args := []string{"--port", strconv.Itoa(port), "--cluster-port", strconv.Itoa(bus), "--bind", "127.0.0.1",
			"--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(o.NodeTimeout.Milliseconds(), 10),
			// The slots of a failed master stop answering; the others keep serving (Redis's default, yes,
			// stops the whole cluster until the failover).
			"--cluster-require-full-coverage", "no",
			// Replicas sync at once (Redis waits 5s for more replicas), so one is ready to take over early.
			"--repl-diskless-sync-delay", "0",
			"--appendonly", aof, "--appendfsync", "always", "--save", "", "--protected-mode", "no"}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := env.Start(ProcSpec{Name: name, Bin: bin, Args: args, Dir: dir, Addr: addr, Ready: redisReady})
		if err != nil {
			return nil, err
		}
		c.Nodes = append(c.Nodes, &ClusterNode{Addr: addr, proc: p})
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", strconv.Itoa(o.ReplicasPerMaster), "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("redis cluster: redis-cli --cluster create: %v: %s", err, lastLines(string(out), 5, " | "))
	}
	if err := c.WaitOK(ctx, 30*time.Second); err != nil {
		return nil, err
	}
	return c, nil
}

// Kill ends the node as a crash would (SIGKILL).
func (n *ClusterNode) Kill() error { return n.proc.Kill() }

// Restart starts a killed node again on its port with its files (nodes.conf, the append-only file): it
// rejoins the cluster, as a replica if its slots failed over meanwhile.
func (n *ClusterNode) Restart() error {
	if n.proc.Running() {
		if err := n.proc.Kill(); err != nil {
			return err
		}
	}
	return n.proc.Start()
}

// Alive reports whether the node's process runs.
func (n *ClusterNode) Alive() bool { return n.proc.Running() }

// Addrs lists every node's address: the gateway's redis.addrs (go-redis discovers the rest).
func (c *RedisCluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// Close kills every node (Env.Close would too).
func (c *RedisCluster) Close() {
	for _, n := range c.Nodes {
		_ = n.Kill()
	}
}

// WaitOK waits until every live node reports cluster_state:ok and every live replica has synced with its
// master (a replica that never synced cannot take over).
func (c *RedisCluster) WaitOK(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		last = ""
		for _, n := range c.Nodes {
			if !n.Alive() {
				continue
			}
			info, err := n.do(ctx, "CLUSTER", "INFO")
			if err != nil {
				last = fmt.Sprintf("%s: %v", n.Addr, err)
				break
			}
			if !strings.Contains(info, "cluster_state:ok") {
				last = fmt.Sprintf("%s: %s", n.Addr, infoField(info, "cluster_state"))
				break
			}
			repl, err := n.do(ctx, "INFO", "replication")
			if err != nil || infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
				last = fmt.Sprintf("%s: replica not synced (%v)", n.Addr, err)
				break
			}
		}
		if last == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("redis cluster: not ok after %s (%s)", timeout, last)
}

// Master returns the node that serves key's slot now (as the cluster says, asked of a live node).
func (c *RedisCluster) Master(ctx context.Context, key string) (*ClusterNode, error) {
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr})
		slot, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err == nil {
			var shards []redis.ClusterSlot
			shards, err = rdb.ClusterSlots(ctx).Result()
			for _, s := range shards {
				if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
					_ = rdb.Close()
					return c.node(s.Nodes[0].Addr), nil
				}
			}
		}
		_ = rdb.Close()
		if err != nil {
			return nil, err
		}
	}
	return nil, errors.New("redis cluster: no live node knows the slot")
}

// WaitFailover waits until key's slot is served by a node other than old (its replica promoted) and the cluster is ok.
func (c *RedisCluster) WaitFailover(ctx context.Context, old *ClusterNode, key string, timeout time.Duration) (*ClusterNode, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if m, err := c.Master(ctx, key); err == nil && m != nil && m != old {
			return m, c.WaitOK(ctx, time.Until(deadline))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil, fmt.Errorf("redis cluster: %s's slots did not fail over in %s", old.Addr, timeout)
}

func (c *RedisCluster) node(addr string) *ClusterNode {
	for _, n := range c.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// KeyClass names a family of the gateway's keys by prefix, as the cluster report groups them.
type KeyClass struct{ Name, Prefix string }

// GatewayKeyClasses are the families the cluster report shows (docs/ARCHITECTURE.md lists the keys).
var GatewayKeyClasses = []KeyClass{
	{"limits", "tg:rl:"}, {"budgets", "tg:budget:"}, {"ledger", "tg:ledger:"},
	{"cache", "tg:cache:"}, {"samples", "tg:samples"},
}

// NodeStats is one node's share: role, keys per class and commands run (INFO commandstats) since the
// snapshot it is compared with (Sub).
type NodeStats struct {
	Addr   string
	Master bool
	Keys   map[string]int   // per KeyClass name
	Calls  map[string]int64 // per command, lower case ("evalsha", "xadd", …)
}

// writeCommands are the commands the gateway writes with (directly or inside its scripts).
var writeCommands = []string{"set", "incrby", "decrby", "incr", "zadd", "zrem", "zremrangebyscore", "pexpire", "expire",
	"sadd", "hincrby", "xadd", "del", "unlink"}

// Writes sums the calls of writing commands.
func (s NodeStats) Writes() int64 {
	var w int64
	for _, c := range writeCommands {
		w += s.Calls[c]
	}
	return w
}

// Stats reads every live node's role, key counts per class (SCAN on masters) and command calls.
func (c *RedisCluster) Stats(ctx context.Context, classes []KeyClass) ([]NodeStats, error) {
	var out []NodeStats
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		st, err := nodeStats(ctx, n.Addr, classes)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// RedisStats is Stats for a single (non-cluster) Redis.
func RedisStats(ctx context.Context, addr string, classes []KeyClass) (NodeStats, error) {
	return nodeStats(ctx, addr, classes)
}

func nodeStats(ctx context.Context, addr string, classes []KeyClass) (NodeStats, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	st := NodeStats{Addr: addr, Keys: map[string]int{}, Calls: map[string]int64{}}
	repl, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return st, fmt.Errorf("stats of %s: %w", addr, err)
	}
	st.Master = infoField(repl, "role") == "master"
	cmds, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return st, fmt.Errorf("stats of %s: %w", addr, err)
	}
	for _, line := range strings.Split(cmds, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		calls := strings.TrimPrefix(strings.Split(rest, ",")[0], "calls=")
		v, _ := strconv.ParseInt(calls, 10, 64)
		st.Calls[strings.ReplaceAll(strings.TrimPrefix(name, "cmdstat_"), "|", " ")] = v
	}
	if !st.Master || len(classes) == 0 {
		return st, nil
	}
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, "tg:*", 1000).Result()
		if err != nil {
			return st, fmt.Errorf("scan %s: %w", addr, err)
		}
		for _, k := range keys {
			for _, cl := range classes {
				if strings.HasPrefix(k, cl.Prefix) {
					st.Keys[cl.Name]++
					break
				}
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	return st, nil
}

// SubCalls returns now's command calls less before's, per node address (a node missing from before
// counts from zero).
func SubCalls(now, before []NodeStats) []NodeStats {
	prev := map[string]map[string]int64{}
	for _, b := range before {
		prev[b.Addr] = b.Calls
	}
	out := make([]NodeStats, len(now))
	for i, s := range now {
		d := s
		d.Calls = map[string]int64{}
		for k, v := range s.Calls {
			d.Calls[k] = v - prev[s.Addr][k]
		}
		out[i] = d
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Addr < out[j].Addr })
	return out
}

func (n *ClusterNode) do(ctx context.Context, args ...any) (string, error) {
	rdb := redis.NewClient(&redis.Options{Addr: n.Addr, MaxRetries: -1})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return rdb.Do(ctx, args...).Text()
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}
