package scenario

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions shapes a loopback Redis Cluster.
type ClusterOptions struct {
	Masters           int    // default 3
	ReplicasPerMaster int    // 0 or more; 1 lets a killed master fail over
	AppendOnly        bool   // appendonly yes, appendfsync always: a restarted node keeps its writes
	Dir               string // where each node keeps its files (one folder per node)
	// NodeTimeout is cluster-node-timeout: how long a master may be unreachable before its replica takes
	// over (default 1s here; Redis's default is 15s).
	NodeTimeout time.Duration
}

// RedisCluster is a Redis Cluster of redis-server processes on loopback ports, created with
// `redis-cli --cluster create`. Close kills every node.
type RedisCluster struct {
	Nodes []*ClusterNode
	cli   string
}

// ClusterNode is one redis-server of a RedisCluster.
type ClusterNode struct {
	Addr string // 127.0.0.1:PORT, stable across Restart

	bin  string
	args []string
	log  string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan error
}

// StartRedisCluster starts the nodes, joins them into a cluster (masters get the slots in equal ranges,
// each replica follows a master) and waits until every node reports cluster_state:ok.
func StartRedisCluster(ctx context.Context, o ClusterOptions) (*RedisCluster, error) {
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
	if o.Dir == "" {
		return nil, errors.New("redis cluster: ClusterOptions.Dir is required")
	}
	c := &RedisCluster{cli: cli}
	n := o.Masters * (1 + o.ReplicasPerMaster)
	for i := range n {
		node, err := startClusterNode(bin, filepath.Join(o.Dir, fmt.Sprintf("node%d", i)), o)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Nodes = append(c.Nodes, node)
	}
	args := []string{"--cluster", "create"}
	for _, node := range c.Nodes {
		args = append(args, node.Addr)
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(o.ReplicasPerMaster), "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("redis cluster: redis-cli --cluster create: %v: %s", err, lastLines(string(out), 5, " | "))
	}
	if err := c.WaitOK(ctx, 30*time.Second); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func startClusterNode(bin, dir string, o ClusterOptions) (*ClusterNode, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var lastErr error
	for range 5 { // a picked port may be taken before redis binds it
		port, err1 := freeLoopbackPort()
		bus, err2 := freeLoopbackPort()
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		n := &ClusterNode{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, log: filepath.Join(dir, "redis.log")}
		aof := "no"
		if o.AppendOnly {
			aof = "yes"
		}
		n.args = []string{"--port", strconv.Itoa(port), "--cluster-port", strconv.Itoa(bus), "--bind", "127.0.0.1",
			"--dir", dir, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(o.NodeTimeout.Milliseconds(), 10),
			// The slots of a failed master stop answering; the others keep serving (Redis's default, yes,
			// stops the whole cluster until the failover).
			"--cluster-require-full-coverage", "no",
			// Replicas sync at once (Redis waits 5s for more replicas), so one is ready to take over early.
			"--repl-diskless-sync-delay", "0",
			"--appendonly", aof, "--appendfsync", "always", "--save", "", "--protected-mode", "no",
			"--logfile", n.log}
		if lastErr = n.launch(); lastErr == nil {
			return n, nil
		}
	}
	return nil, lastErr
}

func (n *ClusterNode) launch() error {
	cmd := exec.Command(n.bin, n.args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the runner
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis cluster: exec %s: %w", n.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			b, _ := os.ReadFile(n.log)
			return fmt.Errorf("redis cluster: node %s exited at start (%v): %s", n.Addr, err, lastLines(string(b), 3, " | "))
		default:
		}
		if pingRedis(n.Addr) == nil {
			n.mu.Lock()
			n.cmd, n.exited = cmd, exited
			n.mu.Unlock()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("redis cluster: node %s did not answer PING in 10s", n.Addr)
}

// Kill ends the node as a crash would (SIGKILL). Safe to call on a dead node.
func (n *ClusterNode) Kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.exited
	n.cmd, n.exited = nil, nil
}

// Restart starts a killed node again on its port with its files (nodes.conf, the append-only file): it
// rejoins the cluster, as a replica if its slots failed over meanwhile.
func (n *ClusterNode) Restart() error {
	n.Kill()
	var err error
	for range 10 { // the kernel may hold the port briefly
		if err = n.launch(); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// Alive reports whether the node's process runs.
func (n *ClusterNode) Alive() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.cmd != nil
}

// Addrs lists every node's address: the gateway's redis.addrs (go-redis discovers the rest).
func (c *RedisCluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// Close kills every node.
func (c *RedisCluster) Close() {
	for _, n := range c.Nodes {
		n.Kill()
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

// WaitMaster waits until addr's slots are served by another node (a replica promoted) and the cluster is ok.
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

func pingRedis(addr string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

func freeLoopbackPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
