package gateway_test

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// threeReplicas starts three gateways serving yml with their rollouts'
// state in one real redis-server.
func threeReplicas(t *testing.T, yml string, vars map[string]string) []*rolloutRig {
	t.Helper()
	addr := testredis.Start(t)
	var rigs []*rolloutRig
	for i := 0; i < 3; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addr})
		t.Cleanup(func() { _ = rdb.Close() })
		rigs = append(rigs, startRolloutGateway(t, yml, vars, rdb, fmt.Sprintf("replica-%d", i)))
	}
	return rigs
}

// TestRolloutReplicasAgree: three gateways on one Redis split the same
// sticky users the same way (both variants in use, at the 50 % step), and
// one rollback through one replica's admin endpoint stops the candidate
// on all three.
func TestRolloutReplicasAgree(t *testing.T) {
	stableURL, _ := startMock(t, mockllm.Options{Seed: 1})
	candURL, _ := startMock(t, mockllm.Options{Seed: 2})
	yml := stableAndCandidateYAML + `
rollouts:
  - {model: m, candidate: {model: m-next}, steps: [50, 100], interval: 1h}
`
	rigs := threeReplicas(t, yml, map[string]string{"STABLE": stableURL, "CAND": candURL})
	users := make([]string, 80)
	for i := range users {
		users[i] = fmt.Sprintf("sticky-user-%d", i)
	}
	first := servedBy(t, rigs[0].base, users)
	for i, rig := range rigs[1:] {
		if got := servedBy(t, rig.base, users); !slices.Equal(got, first) {
			t.Fatalf("replica %d splits otherwise:\n%v\n%v", i+1, got, first)
		}
	}
	if again := servedBy(t, rigs[0].base, users); !slices.Equal(again, first) {
		t.Fatalf("the split is not sticky:\n%v\n%v", again, first)
	}
	onCandidate := 0
	for _, m := range first {
		if m == "m-next" {
			onCandidate++
		}
	}
	t.Logf("%d of %d users on the candidate at 50 %%", onCandidate, len(users))
	if onCandidate < 20 || onCandidate > 60 { // binomial(80, 0.5): ±20 is 4.5σ
		t.Fatalf("%d of %d users on the candidate at the 50 %% step", onCandidate, len(users))
	}

	resp, err := http.Post(rigs[1].root+"/admin/rollouts/m/rollback?reason=replica+test", "application/json", bytes.NewReader(nil))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("rollback: %d", resp.StatusCode)
	}
	start := time.Now()
	for i, rig := range rigs {
		waitFor(t, fmt.Sprintf("replica %d to see the rollback", i), func() bool {
			return rig.status(t, "m").State == rollouts.StateRolledBack
		})
	}
	t.Logf("all replicas rolled back %s after the admin call", time.Since(start).Round(time.Millisecond))
	for i, rig := range rigs {
		for j, m := range servedBy(t, rig.base, users) {
			if m != "m" {
				t.Fatalf("replica %d served %s by %q after the rollback", i, users[j], m)
			}
		}
	}
}

// TestRolloutReplicasRollBackTogether: a candidate answering half as long
// gets traffic through all three replicas; their observations are merged
// in Redis, one analysis rolls it back, and every replica stops serving it.
func TestRolloutReplicasRollBackTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a rollout for several seconds")
	}
	stableURL, _ := startMock(t, stableMock())
	co := stableMock()
	co.Seed, co.MaxTokens = 2, co.MaxTokens/2
	candURL, _ := startMock(t, co)
	rigs := threeReplicas(t, canaryYAML, map[string]string{"STABLE": stableURL, "CAND": candURL})
	bases := []string{rigs[0].base, rigs[1].base, rigs[2].base}
	allDone := func() bool {
		for _, rig := range rigs {
			if rig.status(t, "m").State == rollouts.StateRunning {
				return false
			}
		}
		return true
	}
	tr := drive(t, bases, 12, 45*time.Second, 20000, allDone)
	for i, rig := range rigs {
		st := rig.status(t, "m")
		n := intervalsTo(st, rollouts.OutcomeRollback, time.Second)
		t.Logf("replica %d: %s after %d intervals, decisions %v; reason %q", i, st.State, n, outcomes(analyses(st)), st.Reason)
		if st.State != rollouts.StateRolledBack {
			t.Fatalf("replica %d: %s, want rolled_back; last %+v", i, st.State, st.Last)
		}
		if n > maxIntervalsToRollback {
			t.Errorf("replica %d: %d intervals before the rollback", i, n)
		}
	}
	if n := tr.failed.Load(); n != 0 {
		t.Errorf("%d client requests failed (first: %v)", n, tr.firstErr)
	}
	alerts := 0
	for _, rig := range rigs {
		alerts += rig.alertsNamed("TollgateRolloutRolledBack")
	}
	if alerts < 1 {
		t.Error("no replica raised the rollback alert")
	}
	t.Logf("%d requests, %d on the candidate; %d rollback alerts over the replicas", tr.sent.Load(), tr.served("m-next"), alerts)
	for i, rig := range rigs {
		for j, m := range servedBy(t, rig.base, []string{"user-1", "user-2", "user-3", "user-4", "user-5", "user-6"}) {
			if m != "m" {
				t.Fatalf("replica %d served user-%d by %q after the rollback", i, j+1, m)
			}
		}
	}
}
