package rollouts

import (
	"context"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

func newTestController(t testing.TB, cfgs ...config.Rollout) *Controller {
	t.Helper()
	c, err := New(cfgs, Options{Replica: "t"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSplitProportionsAndStickiness: at each step the candidate's share of
// 100 000 users is the step's percent (within 4.5 binomial standard
// deviations), a user keeps their variant while the percent holds, and a
// user on the candidate stays on it as the percent grows.
func TestSplitProportionsAndStickiness(t *testing.T) {
	cfg := simRollout("gpt")
	c := newTestController(t, cfg)
	const users = 100_000
	var prev []bool
	for step, pct := range cfg.Steps {
		if step > 0 {
			if err := c.Promote(context.Background(), "gpt", "test"); err != nil {
				t.Fatal(err)
			}
		}
		cur := make([]bool, users)
		n := 0
		for u := range users {
			sticky := "user-" + strconv.Itoa(u)
			rt := c.Route("gpt", sticky)
			if !rt.Active || rt.Shadow {
				t.Fatalf("route %+v", rt)
			}
			cur[u] = rt.Variant == Candidate
			if cur[u] {
				n++
			}
			if again := c.Route("gpt", sticky); again.Variant != rt.Variant {
				t.Fatalf("user %d flipped between two requests at %v%%", u, pct)
			}
			if prev != nil && prev[u] && !cur[u] {
				t.Fatalf("user %d left the candidate when the percent grew to %v", u, pct)
			}
		}
		p := pct / 100
		if sd := math.Sqrt(users * p * (1 - p)); math.Abs(float64(n)-users*p) > 4.5*sd+0.5 {
			t.Errorf("step %v%%: %d of %d users on the candidate, want %v ± %.0f", pct, n, users, users*p, 4.5*sd)
		}
		prev = cur
	}
	if rt := c.Route("other-model", "user-1"); rt.Active {
		t.Fatalf("a model without a rollout is routed: %+v", rt)
	}
}

// TestSplitSameOnEveryReplica: the bucket depends only on model and
// sticky value (two controllers, no shared state, agree), and differs by
// model so one user is not the canary of every rollout.
func TestSplitSameOnEveryReplica(t *testing.T) {
	a, b := newTestController(t, simRollout("gpt")), newTestController(t, simRollout("gpt"))
	var both, onlyOne int
	for u := range 50_000 {
		s := "u" + strconv.Itoa(u)
		if a.Route("gpt", s) != b.Route("gpt", s) {
			t.Fatalf("replicas disagree on %q", s)
		}
		x, y := bucket("gpt", s) < 5000, bucket("claude", s) < 5000
		if x && y {
			both++
		} else if x != y {
			onlyOne++
		}
	}
	if both == 0 || onlyOne == 0 || math.Abs(float64(both)-12500) > 600 {
		t.Errorf("buckets of two models look correlated: %d in both halves, %d in one", both, onlyOne)
	}
}

// TestRouteAndObserveDoNotAllocate: the hot path's two calls allocate
// nothing (a shadow rollout too).
func TestRouteAndObserveDoNotAllocate(t *testing.T) {
	cfg := simRollout("gpt")
	sh := simRollout("sh")
	sh.Mode, sh.Steps = config.RolloutModeShadow, nil
	c := newTestController(t, cfg, sh)
	o := Observation{Status: 200, Latency: time.Second, OutputTokens: 10, Text: "an answer"}
	if n := testing.AllocsPerRun(1000, func() {
		rt := c.Route("gpt", "user-42")
		c.Observe("gpt", rt.Variant, o)
		c.Route("sh", "user-42")
		c.Route("none", "user-42")
		c.Observe("none", Stable, o)
	}); n != 0 {
		t.Fatalf("Route+Observe allocate %v times per call", n)
	}
}

func BenchmarkRoute(b *testing.B) {
	c := newTestController(b, simRollout("gpt"))
	users := make([]string, 1024)
	for i := range users {
		users[i] = "user-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Route("gpt", users[i&1023])
		i++
	}
}

func BenchmarkRouteNoRollout(b *testing.B) {
	c := newTestController(b, simRollout("gpt"))
	b.ReportAllocs()
	for b.Loop() {
		c.Route("other", "user-1")
	}
}

// BenchmarkObserve is the request's side only: the enqueue. The queue is
// drained outside the timer when it fills (a full queue would measure the
// drop path instead).
func BenchmarkObserve(b *testing.B) {
	c := newTestController(b, simRollout("gpt"))
	o := Observation{Status: 200, Latency: time.Second, OutputTokens: 10, Text: "an answer"}
	b.ReportAllocs()
	for b.Loop() {
		if len(c.q) == cap(c.q) {
			b.StopTimer()
			for len(c.q) > 0 {
				<-c.q
			}
			b.StartTimer()
		}
		c.Observe("gpt", Stable, o)
	}
}

// BenchmarkAggregate is the worker's cost per observation (text scoring
// included), off the request path.
func BenchmarkAggregate(b *testing.B) {
	c := newTestController(b, simRollout("gpt"))
	r := c.table.load().list[0]
	o := Observation{Status: 200, Latency: time.Second, TTFT: 200 * time.Millisecond, OutputTokens: 120,
		Text: "Here is how to sort the list: split it in halves, sort each half and merge them in linear time."}
	b.ReportAllocs()
	for b.Loop() {
		c.aggregate(item{r: r, v: Candidate, o: o})
		if p := r.cur[intervalIndex(c.o.Now(), time.Minute)]; p != nil && p.Candidate.Answers >= maxScoredPerInterval {
			p.Candidate.Answers = 0 // keep scoring: measure the full cost
		}
	}
}
