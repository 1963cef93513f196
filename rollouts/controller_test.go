package rollouts

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// TestManualActions: promote, pause, resume and rollback move the state as
// documented, and finished rollouts refuse what no longer applies.
func TestManualActions(t *testing.T) {
	set := metrics.NewSet()
	var alerts []Alert
	c, err := New([]config.Rollout{simRollout("gpt")}, Options{Metrics: set, Alert: func(a Alert) { alerts = append(alerts, a) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Promote(ctx, "nope", ""); !errors.Is(err, ErrUnknownRollout) {
		t.Fatalf("unknown model: %v", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Promote(ctx, "gpt", "looks fine"))
	if st := c.Status()[0]; st.Step != 1 || st.Percent != 5 || st.Decisions[0].Outcome != OutcomePromote || st.Decisions[0].By != "admin" {
		t.Fatalf("after promote: %+v", st)
	}
	must(c.Pause(ctx, "gpt", "weekend"))
	must(c.Pause(ctx, "gpt", "again")) // no-op
	if st := c.Status()[0]; st.State != StatePaused || st.Percent != 5 {
		t.Fatalf("paused keeps its percent: %+v", st)
	}
	must(c.Resume(ctx, "gpt", "monday"))
	for c.Status()[0].State != StatePromoted {
		must(c.Promote(ctx, "gpt", "go"))
	}
	if c.Route("gpt", "x").Variant != Candidate || len(alerts) != 1 || alerts[0].Name != "TollgateRolloutPromoted" {
		t.Fatalf("promoted: route %+v, alerts %+v", c.Route("gpt", "x"), alerts)
	}
	if err := c.Promote(ctx, "gpt", ""); !errors.Is(err, ErrFinished) {
		t.Fatalf("promote a promoted rollout: %v", err)
	}
	must(c.Rollback(ctx, "gpt", "users complain"))
	if st := c.Status()[0]; st.State != StateRolledBack || st.Percent != 0 || c.Route("gpt", "x").Variant != Stable {
		t.Fatalf("rolled back: %+v", st)
	}
	if len(alerts) != 2 || alerts[1].Severity != "critical" || !strings.Contains(alerts[1].Reason, "users complain") {
		t.Fatalf("alerts %+v", alerts)
	}
	must(c.Resume(ctx, "gpt", "fixed"))
	if st := c.Status()[0]; st.State != StateRunning || st.Step != 0 || st.Percent != 1 {
		t.Fatalf("resumed after rollback: %+v", st)
	}
	if n := set.GetOrCreateCounter(`tollgate_rollout_decisions_total{model="gpt",outcome="rollback"}`).Get(); n != 1 {
		t.Fatalf("rollback decisions counted %d", n)
	}
	var b strings.Builder
	set.WritePrometheus(&b)
	for _, want := range []string{`tollgate_rollout_step{model="gpt"} 0`, `tollgate_rollout_percent{model="gpt"} 1`, "tollgate_rollout_observations_dropped_total 0"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, b.String())
		}
	}
}

// TestUpdateKeepsState: a reload with the same targets, mode, steps and
// interval keeps the step (new limits apply); a changed candidate starts
// over.
func TestUpdateKeepsState(t *testing.T) {
	cfg := simRollout("gpt")
	c := newTestController(t, cfg)
	ctx := context.Background()
	for range 2 {
		if err := c.Promote(ctx, "gpt", ""); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Checks.LatencyP99.MaxRatio = 3
	if err := c.Update([]config.Rollout{cfg}); err != nil {
		t.Fatal(err)
	}
	if st := c.Status()[0]; st.Step != 2 || st.Percent != 25 {
		t.Fatalf("after a limit change: %+v", st)
	}
	if c.table.load().list[0].cfg.Load().Checks.LatencyP99.MaxRatio != 3 {
		t.Fatal("the new limit did not apply")
	}
	cfg.Candidate.Model = "gpt-other"
	if err := c.Update([]config.Rollout{cfg}); err != nil {
		t.Fatal(err)
	}
	if st := c.Status()[0]; st.Step != 0 || st.Percent != 1 || st.Decisions[0].Outcome != OutcomeStart {
		t.Fatalf("after a candidate change: %+v", st)
	}
	if err := c.Update(nil); err != nil || len(c.Status()) != 0 || c.Route("gpt", "u").Active {
		t.Fatalf("a removed rollout still routes: %v %+v", err, c.Status())
	}
}

// TestObserveDropsWhenFull: a full queue drops, counts, and never blocks.
func TestObserveDropsWhenFull(t *testing.T) {
	set := metrics.NewSet()
	c, err := New([]config.Rollout{simRollout("gpt")}, Options{Metrics: set, QueueSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		c.Observe("gpt", Stable, Observation{Status: 200})
	}
	if n := set.GetOrCreateCounter("tollgate_rollout_observations_dropped_total").Get(); n != 12 {
		t.Fatalf("dropped %d of 20 with a queue of 8, want 12", n)
	}
}

// TestShadowAdmit: concurrency and the daily spend cap bound shadow calls;
// the cap is shared by replicas through Redis; skips are counted by reason.
func TestShadowAdmit(t *testing.T) {
	rs := testredis.StartOpts(t)
	rdb := redisClients(t, rs.Addr, 2)
	cfg := simRollout("gpt")
	cfg.Mode, cfg.Steps = config.RolloutModeShadow, nil
	cfg.Shadow = config.RolloutShadow{Share: 1, MaxConcurrency: 2, DailyUSD: 1}
	set := metrics.NewSet()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	a, err := New([]config.Rollout{cfg}, Options{Redis: rdb[0], Metrics: set, Replica: "a", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New([]config.Rollout{cfg}, Options{Redis: rdb[1], Replica: "b", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if rt := a.Route("gpt", "u"); !rt.Active || rt.Variant != Stable || !rt.Shadow {
		t.Fatalf("shadow share 1: %+v", rt)
	}
	r1, ok1 := a.ShadowAdmit("gpt")
	r2, ok2 := a.ShadowAdmit("gpt")
	_, ok3 := a.ShadowAdmit("gpt")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("max_concurrency 2: admitted %v %v %v", ok1, ok2, ok3)
	}
	r1(600_000) // $0.60
	r1(600_000) // a second release is ignored
	r2(0)
	ctx := context.Background()
	a.tick(ctx)
	// Replica b sees a's spend and adds its own: $0.60 + $0.50 ≥ $1.
	b.tick(ctx)
	rb, ok := b.ShadowAdmit("gpt")
	if !ok {
		t.Fatal("b refused with $0.60 of $1 spent")
	}
	rb(500_000)
	b.tick(ctx)
	a.tick(ctx)
	for name, c := range map[string]*Controller{"a": a, "b": b} {
		if _, ok := c.ShadowAdmit("gpt"); ok {
			t.Fatalf("replica %s admitted a shadow call over the shared daily cap (spent %v)", name, c.Status()[0].Shadow.SpentUSD)
		}
	}
	if got := a.Status()[0].Shadow.SpentUSD; got != 1.1 {
		t.Fatalf("spent %v, want 1.1", got)
	}
	for reason, want := range map[string]uint64{"concurrency": 1, "budget": 1} {
		if n := set.GetOrCreateCounter(`tollgate_rollout_shadow_skipped_total{model="gpt",reason="` + reason + `"}`).Get(); n != want {
			t.Errorf("skipped for %s: %d, want %d", reason, n, want)
		}
	}
	now = now.Add(24 * time.Hour) // a new UTC day
	a.tick(ctx)
	if _, ok := a.ShadowAdmit("gpt"); !ok {
		t.Fatal("the cap did not reset on a new day")
	}
}

// TestSimShadow: in shadow mode the client is always served by stable; a
// candidate answering like stable passes and is promoted (shadowing stops),
// one that answers something else fails agreement and is rolled back.
func TestSimShadow(t *testing.T) {
	cfg := simRollout("gpt")
	cfg.Mode, cfg.Steps = config.RolloutModeShadow, nil
	cfg.Shadow.Share = 0.05
	cfg.Shadow.DailyUSD = 1000
	for _, c := range []struct {
		name string
		cand profile
		want string
	}{{"agrees", healthy, StatePromoted}, {"disagrees", profile{latency: healthy.latency, ttft: healthy.ttft, errRate: 0.01, refusal: 0.1, tokens: 200, costPerTok: 10, disagree: true}, StateRolledBack}} {
		t.Run(c.name, func(t *testing.T) {
			s := newSim(t, cfg, 21, nil, 1)
			st := s.runUntil(20, func(int) profile { return c.cand })
			if st.State != c.want {
				t.Fatalf("state %s after %d intervals: %s", st.State, s.iv, st.Reason)
			}
			a := st.Last
			if a.Candidate.Pairs < 30 || a.Stable.Requests < int64(s.perIv)-1 {
				t.Fatalf("analysis on %d pairs and %d stable requests", a.Candidate.Pairs, a.Stable.Requests)
			}
			if c.want == StateRolledBack && !strings.Contains(st.Reason, "agreement") {
				t.Fatalf("rolled back for %s, want agreement", st.Reason)
			}
			if rt := s.cs[0].Route("gpt", "u"); rt.Variant != Stable || rt.Shadow {
				t.Fatalf("after the analysis: %+v", rt)
			}
			t.Logf("%s: %s after %d intervals", c.name, st.State, s.iv)
		})
	}
}

// TestStatusJSON: Status marshals (unbounded check sides as null) and the
// Redis round trip keeps it.
func TestStatusJSON(t *testing.T) {
	s := newSim(t, simRollout("gpt"), 4, nil, 1)
	s.step(healthy, healthy)
	st := s.step(healthy, healthy)
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"model":"gpt"`, `"state":"running"`, `"checks":[`, `"verdict":`, `"decisions":[`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("status JSON lacks %s: %s", want, b)
		}
	}
}
