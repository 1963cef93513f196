package scenario

import (
	"context"
	"fmt"
	"time"
)

func init() {
	Register(Scenario{Name: "cluster", Run: runCluster, SmokeTimeout: 90 * time.Second,
		About: "three gateways on a three-master Redis Cluster: limits and ledger as on one Redis, keys and writes spread over the masters"})
}

func runCluster(ctx context.Context, env *Env, o Options) (*Result, error) {
	res := NewResult("cluster")
	mock, err := env.StartMock()
	if err != nil {
		return nil, err
	}
	cl, err := StartRedisCluster(ctx, env, ClusterOptions{})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	c := fleetConfig{Mock: mock.Addr, Redis: cl.Addrs(), Tenants: 12, RPM: o.SetInt("rpm", 60), BudgetUSD: 3}
	if o.Smoke {
		c.RPM = 20
	}
	gws, err := startFleet(env, 3, c.yaml())
	if err != nil {
		return nil, err
	}
	before, err := cl.Stats(ctx, GatewayKeyClasses)
	if err != nil {
		return nil, err
	}
	lr := runLimits(ctx, gws, c, o.Int(0, 60, 30))
	n := o.Int(o.Rate, 3000, 300)
	start := time.Now()
	load := loadRun(ctx, gws, c.Tenants, n, 12)
	took := time.Since(start)
	mid, err := cl.Stats(ctx, GatewayKeyClasses)
	if err != nil {
		return nil, err
	}
	// One tenant alone: its limits share one slot, so one master takes all their writes (the per-tenant
	// ceiling); the ledger, cache and samples still spread.
	one := count(fire(ctx, n/3, 12, func(ctx context.Context, i int) shot {
		return chat(ctx, gws[i%len(gws)], "sk-load0", fmt.Sprintf("one tenant %d", i), 16)
	}))
	ids := append(append(append(append([]string(nil), lr.rl.ids...), lr.bud.ids...), load.ids...), one.ids...)
	l, a, err := waitLedger(ctx, func() []string { return masterAddrs(ctx, cl) }, ids, 20*time.Second)
	if err != nil {
		return nil, err
	}
	stopAll(gws)
	after, err := cl.Stats(ctx, GatewayKeyClasses)
	if err != nil {
		return nil, err
	}
	checkLimits(res, c, lr, l)
	res.Check("load: every request answered 200", load.failed()+one.failed() == 0, 0, load.failed()+one.failed())
	checkAccounting(res, "cluster", a)

	spread := SubCalls(mid, before)
	var total int64
	for _, s := range spread {
		total += s.Writes()
	}
	t := res.Table(fmt.Sprintf("Per master after the mixed phase (%d tenants, %d requests)", c.Tenants, load.sent+lr.rl.sent+lr.bud.sent),
		"master", "limits keys", "budgets keys", "ledger keys", "cache keys", "samples keys", "write cmds", "share", "evalsha", "xadd", "set", "get")
	held := map[string]int{} // class → masters holding some of its keys
	finalKeys := map[string]map[string]int{}
	for _, s := range after {
		finalKeys[s.Addr] = s.Keys
	}
	for _, s := range spread {
		if !s.Master {
			continue
		}
		k := finalKeys[s.Addr]
		for _, cl := range GatewayKeyClasses {
			if k[cl.Name] > 0 {
				held[cl.Name]++
			}
		}
		share := float64(s.Writes()) / float64(max(total, 1))
		t.Row(s.Addr, k["limits"], k["budgets"], k["ledger"], k["cache"], k["samples"], s.Writes(), fmt.Sprintf("%.0f%%", 100*share),
			s.Calls["evalsha"], s.Calls["xadd"], s.Calls["set"], s.Calls["get"])
		res.Check("no master takes all writes: "+s.Addr+"'s share", share > 0.1 && share < 0.6, "10%–60%", fmt.Sprintf("%.0f%%", 100*share))
	}
	for _, cl := range GatewayKeyClasses {
		res.Check(cl.Name+" keys on every master", held[cl.Name] == 3, 3, held[cl.Name])
	}

	solo := SubCalls(after, mid)
	t2 := res.Table(fmt.Sprintf("One tenant alone (%d requests): where its writes go", one.sent), "master", "evalsha", "write cmds", "commands per request")
	var maxEval, sumEval int64
	for _, s := range solo {
		if !s.Master {
			continue
		}
		var all int64
		for _, v := range s.Calls {
			all += v
		}
		sumEval += s.Calls["evalsha"]
		maxEval = max(maxEval, s.Calls["evalsha"])
		t2.Row(s.Addr, s.Calls["evalsha"], s.Writes(), float64(all)/float64(max(one.sent, 1)))
	}
	res.Value("solo_tenant_evalsha_share", float64(maxEval)/float64(max(sumEval, 1)))
	res.Note("A Redis Cluster of 3 masters (redis-server, cluster-enabled, created with redis-cli --cluster create) on loopback; the gateways' redis.addrs list all three (go-redis ClusterClient). Keys are counted with SCAN per master at the end; commands are INFO commandstats deltas (commands a script runs count too), write cmds = set/incr*/zadd/zrem*/expire*/sadd/hincrby/xadd/del.")
	res.Note("A tenant's limit and budget counters share one slot by design (one atomic reservation across key, team, tenant and tenant×model), so one tenant's reservations are bounded by one master (the one-tenant table); tenants spread over the masters, and so do ledger shards, cache entries and samples.")
	t3 := res.Table("Phases", "phase", "requests", "outcomes", "req/s")
	t3.Row("mixed load", load.sent, load.String(), float64(load.sent)/took.Seconds())
	t3.Row("one tenant", one.sent, one.String(), "")
	t3.Row("ledger", a.sent, fmt.Sprintf("recorded %d, lost %d, doubled %d, unknown %d (%d streams)", a.recorded, a.lost, a.doubled, a.unknown, l.streams), "")
	return res, nil
}

// masterAddrs lists the cluster's masters now (the ledger is read from masters only: replicas hold copies).
func masterAddrs(ctx context.Context, cl *RedisCluster) []string {
	st, err := cl.Stats(ctx, nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range st {
		if s.Master {
			out = append(out, s.Addr)
		}
	}
	return out
}
