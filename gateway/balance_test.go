package gateway

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

func testDeployments(weights ...int) []*deployment {
	var ds []*deployment
	for i, w := range weights {
		ds = append(ds, newDeployment(config.Deployment{Name: string(rune('a' + i)), Weight: w}, nil,
			config.CircuitConfig{ConsecutiveFailures: 1, ErrorRate: 1, Window: time.Second, MinRequests: 1, Cooldown: time.Hour, HalfOpenProbes: 1}))
	}
	return ds
}

func TestWeightedFollowsWeights(t *testing.T) {
	ds := testDeployments(1, 3)
	var counts [2]int
	now := time.Now()
	for i := 0; i < 4000; i++ {
		counts[(weighted{}).pick(ds, 0, now)]++
	}
	ratio := float64(counts[1]) / float64(counts[0])
	if ratio < 2.4 || ratio > 3.8 {
		t.Fatalf("weight 3:1 gave %v", counts)
	}
}

func TestSelectorsSkipTriedOpenAndCooling(t *testing.T) {
	now := time.Now()
	for _, sel := range []selector{weighted{}, leastInFlight{}, latencyAware{}} {
		ds := testDeployments(1, 1, 1)
		ds[0].breaker.record(now, false) // circuit open
		ds[1].coolUntil.Store(now.Add(time.Minute).UnixNano())
		for i := 0; i < 50; i++ {
			if got := sel.pick(ds, 0, now); got != 2 {
				t.Fatalf("%T picked %d, want 2", sel, got)
			}
		}
		if got := sel.pick(ds, 1<<2, now); got != -1 {
			t.Fatalf("%T picked %d with everything excluded", sel, got)
		}
	}
}

func TestLeastInFlight(t *testing.T) {
	ds := testDeployments(1, 1)
	ds[0].inflight.Store(5)
	if got := (leastInFlight{}).pick(ds, 0, time.Now()); got != 1 {
		t.Fatalf("picked %d", got)
	}
}

func TestLatencyAwarePrefersFast(t *testing.T) {
	ds := testDeployments(1, 1)
	ds[0].observeLatency(300 * time.Millisecond)
	ds[1].observeLatency(100 * time.Millisecond)
	fast := 0
	for i := 0; i < 1000; i++ {
		if (latencyAware{}).pick(ds, 0, time.Now()) == 1 {
			fast++
		}
	}
	// 1 in 20 explores at random; the rest must go to the fast one.
	if fast < 900 {
		t.Fatalf("fast deployment picked %d/1000", fast)
	}
}
