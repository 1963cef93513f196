package rollouts

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

func redisClients(t *testing.T, addr string, n int) []redis.UniversalClient {
	var out []redis.UniversalClient
	for range n {
		rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{addr}, ContextTimeoutEnabled: true,
			DialTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { rdb.Close() })
		out = append(out, rdb)
	}
	return out
}

// routes is every replica's variant for the same users.
func sameSplit(t *testing.T, s *sim, users int) (candidates int) {
	t.Helper()
	for u := range users {
		id := "user-" + strconv.Itoa(u)
		want := s.cs[0].Route(s.model, id)
		for i, c := range s.cs[1:] {
			if got := c.Route(s.model, id); got != want {
				t.Fatalf("replica %d routes %s to %+v, replica 0 to %+v", i+1, id, got, want)
			}
		}
		if want.Variant == Candidate {
			candidates++
		}
	}
	return candidates
}

// TestThreeReplicasAgree: three Controllers on one real redis-server
// split the same users the same way at every step, judge on everyone's
// observations merged (one replica per interval), and a rollback by one
// stops the candidate on all.
func TestThreeReplicasAgree(t *testing.T) {
	rs := testredis.StartOpts(t)
	s := newSim(t, simRollout("gpt"), 11, redisClients(t, rs.Addr, 3), 3)
	n1 := sameSplit(t, s, 20_000)
	if n1 < 100 || n1 > 320 {
		t.Fatalf("%d of 20000 users on the candidate at 1 %%", n1)
	}
	merged := 0
	for s.cs[0].Status()[0].Percent < 25 {
		if s.iv > 30 {
			t.Fatal("never reached 25 %")
		}
		st := s.step(healthy, healthy)
		if a := st.Last; a != nil && a.Outcome != OutcomeStart {
			// A window holds one or more intervals, each of perIv requests
			// spread over the three replicas: all of them were merged.
			n, err := strconv.Atoi(strings.Fields(a.Window)[0])
			if err != nil || a.Stable.Requests+a.Candidate.Requests != int64(n*s.perIv) {
				t.Fatalf("analysis of %q saw %d+%d requests; each interval has %d over three replicas", a.Window, a.Stable.Requests, a.Candidate.Requests, s.perIv)
			}
			merged++
		}
		for i, c := range s.cs {
			if got := c.Status()[0]; got.Step != st.Step || got.State != st.State {
				t.Fatalf("replica %d at step %d %s, replica 0 at %d %s", i, got.Step, got.State, st.Step, st.State)
			}
		}
	}
	if merged == 0 {
		t.Fatal("no analysis to check the merge on")
	}
	// Each decision was made once, by one replica, and all replicas list it.
	st := s.cs[2].Status()[0]
	var promotes int
	for _, d := range st.Decisions {
		if d.Outcome == OutcomePromote {
			promotes++
		}
	}
	if promotes != st.Step {
		t.Fatalf("%d promote decisions for step %d: %+v", promotes, st.Step, st.Decisions)
	}
	n25 := sameSplit(t, s, 20_000)
	if n25 < 4500 || n25 > 5500 {
		t.Fatalf("%d of 20000 users on the candidate at 25 %%", n25)
	}
	t.Logf("3 replicas agree on all 20000 users: %d on the candidate at 1 %%, %d at 25 %% (after %d intervals, %d analyses checked for the merge)", n1, n25, s.iv, merged)

	if err := s.cs[1].Rollback(context.Background(), "gpt", "bad answers reported"); err != nil {
		t.Fatal(err)
	}
	for _, c := range s.cs {
		c.tick(context.Background())
	}
	if n := sameSplit(t, s, 5000); n != 0 {
		t.Fatalf("%d users still on the candidate after the rollback", n)
	}
	t.Log("a rollback by replica 1 is in force on all three after one sync")
	for i, c := range s.cs {
		if got := c.Status()[0]; got.State != StateRolledBack || got.Decisions[0].By != "admin" || got.Reason != "manual rollback: bad answers reported" {
			t.Fatalf("replica %d: %s, reason %q, last decision %+v", i, got.State, got.Reason, got.Decisions[0])
		}
	}
}

// TestThreeReplicasRollBackARegression: the analysis of a regressed
// candidate on three replicas rolls it back once, and everyone routes to
// stable.
func TestThreeReplicasRollBackARegression(t *testing.T) {
	rs := testredis.StartOpts(t)
	s := newSim(t, simRollout("gpt"), 12, redisClients(t, rs.Addr, 3), 3)
	var alerts []Alert
	s.cs[0].o.Alert = func(a Alert) { alerts = append(alerts, a) }
	s.cs[1].o.Alert = s.cs[0].o.Alert
	s.cs[2].o.Alert = s.cs[0].o.Alert
	bad := healthy
	bad.errRate = 0.2
	st := s.runUntil(20, func(int) profile { return bad })
	if st.State != StateRolledBack {
		t.Fatalf("state %s after %d intervals", st.State, s.iv)
	}
	if n := sameSplit(t, s, 5000); n != 0 {
		t.Fatalf("%d users on the candidate after the rollback", n)
	}
	if len(alerts) != 1 || alerts[0].Name != "TollgateRolloutRolledBack" || alerts[0].Model != "gpt" {
		t.Fatalf("alerts %+v, want one rollback alert", alerts)
	}
	var rollbacks int
	for _, d := range st.Decisions {
		if d.Outcome == OutcomeRollback {
			rollbacks++
		}
	}
	if rollbacks != 1 {
		t.Fatalf("%d rollback decisions", rollbacks)
	}
}

// TestRedisOutageKeepsRouting: with Redis down, Route keeps the last known
// split, ticks count errors instead of failing, and once Redis is back the
// replica syncs again.
func TestRedisOutageKeepsRouting(t *testing.T) {
	rs := testredis.StartOpts(t)
	set := metrics.NewSet()
	cfg := simRollout("gpt")
	rdb := redisClients(t, rs.Addr, 2)
	a, err := New([]config.Rollout{cfg}, Options{Redis: rdb[0], Metrics: set, Replica: "a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := a.Promote(ctx, "gpt", "to 5"); err != nil {
		t.Fatal(err)
	}
	before := map[string]Variant{}
	for u := range 2000 {
		before["u"+strconv.Itoa(u)] = a.Route("gpt", "u"+strconv.Itoa(u)).Variant
	}
	rs.Stop()
	a.tick(ctx)
	for u, v := range before {
		if got := a.Route("gpt", u); got.Variant != v {
			t.Fatalf("%s moved from %s to %s during the outage", u, v, got.Variant)
		}
	}
	if n := set.GetOrCreateCounter("tollgate_rollout_redis_errors_total").Get(); n == 0 {
		t.Fatal("no Redis errors counted during the outage")
	}
	if err := a.Rollback(ctx, "gpt", "during outage"); err == nil {
		t.Fatal("a manual rollback with Redis down reported success")
	}
	rs.Restart()
	b, err := New([]config.Rollout{cfg}, Options{Redis: rdb[1], Replica: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Rollback(ctx, "gpt", "after outage"); err != nil {
		t.Fatal(err)
	}
	a.tick(ctx)
	if st := a.Status()[0]; st.State != StateRolledBack || a.Route("gpt", "u1").Variant != Stable {
		t.Fatalf("after Redis came back replica a is %s", st.State)
	}
}
