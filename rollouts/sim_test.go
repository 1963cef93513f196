package rollouts

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-ai/tollgate/config"
)

// profile is a variant's synthetic traffic: what the gateway would observe.
type profile struct {
	latency    time.Duration // median whole-request latency
	ttft       time.Duration // median time to first token
	errRate    float64
	refusal    float64 // share of answers that refuse
	tokens     float64 // mean output tokens
	costPerTok int64   // USD micros per output token
	// disagree: as a shadow, answer something else than stable (else the
	// same answer with a few words changed).
	disagree bool
}

var healthy = profile{latency: 800 * time.Millisecond, ttft: 200 * time.Millisecond, errRate: 0.01, refusal: 0.10, tokens: 200, costPerTok: 10}

// Planted regressions, as in the issue.
var regressions = []struct {
	name string
	p    func(profile) profile
}{
	{"3x latency", func(p profile) profile { p.latency *= 3; p.ttft *= 3; return p }},
	{"20% errors", func(p profile) profile { p.errRate = 0.20; return p }},
	{"2x refusals", func(p profile) profile { p.refusal *= 2; return p }},
	{"half length", func(p profile) profile { p.tokens /= 2; return p }},
}

var (
	answerWords = strings.Fields(`the function returns a sorted list of values and the caller can then merge both
		halves in linear time which keeps the whole algorithm at n log n while using only constant extra memory
		for each step so it works well on large inputs and you can test it with a few small examples first`)
	refusals = []string{
		"I'm sorry, but I can't help with that request.",
		"I cannot assist with that. It may be harmful.",
		"Sorry, I won't be able to provide that information.",
	}
)

// observation draws one request's outcome from a profile.
func (p profile) observation(rng *rand.Rand) Observation {
	jitter := func(d time.Duration) time.Duration {
		return time.Duration(float64(d) * math.Exp(0.25*rng.NormFloat64()))
	}
	if rng.Float64() < p.errRate {
		return Observation{Status: 502, Latency: jitter(p.latency / 4)}
	}
	o := Observation{Status: 200, Latency: jitter(p.latency), TTFT: jitter(p.ttft)}
	if o.TTFT >= o.Latency {
		o.TTFT = o.Latency / 2
	}
	if rng.Float64() < p.refusal {
		o.Text = refusals[rng.IntN(len(refusals))]
		o.OutputTokens = 12
	} else {
		o.OutputTokens = max(1, int(p.tokens*(1+0.2*rng.NormFloat64())))
		n := max(3, o.OutputTokens/8)
		w := make([]string, n)
		for i := range w {
			w[i] = answerWords[rng.IntN(len(answerWords))]
		}
		o.Text = strings.Join(w, " ")
	}
	o.CostMicros = int64(o.OutputTokens) * p.costPerTok
	return o
}

// sim drives one or more Controllers (replicas sharing a store) with
// synthetic traffic, one interval at a time, on a fake clock.
type sim struct {
	t        testing.TB
	cs       []*Controller
	clock    *atomic.Int64
	base     time.Time
	interval time.Duration
	rng      *rand.Rand
	perIv    int // requests per interval, over all replicas
	model    string
	iv       int
}

func simRollout(model string) config.Rollout {
	r := config.Rollout{Model: model, Candidate: config.RolloutTarget{Model: model + "-next"}}
	cfg := config.Config{Rollouts: []config.Rollout{r}}
	applyRolloutDefaults(&cfg)
	out := cfg.Rollouts[0]
	out.Interval = time.Minute
	out.MinSamples = 30
	return out
}

// applyRolloutDefaults runs the config package's defaults through a parse.
func applyRolloutDefaults(c *config.Config) {
	y := "upstreams: [{name: u, kind: mock}]\nmodels:\n"
	for _, r := range c.Rollouts {
		y += "  - {name: " + r.Model + ", deployments: [{upstream: u}]}\n  - {name: " + r.Candidate.Model + ", deployments: [{upstream: u}]}\n"
	}
	y += "rollouts:\n"
	for _, r := range c.Rollouts {
		y += "  - {model: " + r.Model + ", candidate: {model: " + r.Candidate.Model + "}}\n"
	}
	parsed, err := config.Parse([]byte(y), "sim.yaml")
	if err != nil {
		panic(err)
	}
	c.Rollouts = parsed.Rollouts
}

func newSim(t testing.TB, cfg config.Rollout, seed uint64, rdb []redis.UniversalClient, replicas int) *sim {
	s := &sim{t: t, clock: new(atomic.Int64), interval: cfg.Interval, rng: rand.New(rand.NewPCG(seed, 7)), perIv: 4000, model: cfg.Model}
	s.base = time.Unix(1_800_000_000, 0).Truncate(cfg.Interval)
	s.clock.Store(s.base.UnixNano())
	now := func() time.Time { return time.Unix(0, s.clock.Load()) }
	for i := range replicas {
		o := Options{Now: now, Replica: "r" + strconv.Itoa(i), Seed: seed, QueueSize: 1 << 16}
		if rdb != nil {
			o.Redis = rdb[i]
		}
		c, err := New([]config.Rollout{cfg}, o)
		if err != nil {
			t.Fatal(err)
		}
		s.cs = append(s.cs, c)
	}
	return s
}

// step sends one interval's traffic (stable and candidate drawn from their
// profiles by the split), then moves past the interval's end and lets each
// replica sync and judge. It returns the first replica's status.
func (s *sim) step(stable, candidate profile) Status {
	s.clock.Store(s.base.Add(time.Duration(s.iv)*s.interval + s.interval/10).UnixNano())
	for i := range s.perIv {
		c := s.cs[i%len(s.cs)]
		user := "user-" + strconv.Itoa(s.rng.IntN(1_000_000))
		rt := c.Route(s.model, user)
		p := stable
		if rt.Variant == Candidate {
			p = candidate
		}
		o := p.observation(s.rng)
		c.Observe(s.model, rt.Variant, o)
		if rt.Shadow {
			if release, ok := c.ShadowAdmit(s.model); ok {
				co := candidate.observation(s.rng)
				if !candidate.disagree && !isError(co.Status) && !isError(o.Status) {
					co.Text = paraphrase(o.Text, s.rng)
				}
				c.ObserveShadow(s.model, o, co)
				release(co.CostMicros)
			}
		}
	}
	for _, c := range s.cs {
		c.drain()
	}
	s.iv++
	s.clock.Store(s.base.Add(time.Duration(s.iv)*s.interval + 3*time.Second).UnixNano())
	ctx := context.Background()
	for _, c := range s.cs { // every replica writes its aggregate, then one judges
		c.collect(c.o.Now())
		for _, r := range c.table.load().list {
			c.flush(ctx, r, c.o.Now())
		}
	}
	for _, c := range s.cs {
		c.tick(ctx)
	}
	for _, c := range s.cs { // everyone sees the decision
		c.tick(ctx)
	}
	return s.cs[0].Status()[0]
}

// runUntil steps until the rollout is finished or max intervals passed;
// bad(i) says whether interval i serves the candidate's regressed profile.
func (s *sim) runUntil(max int, cand func(i int) profile) Status {
	var st Status
	for i := 0; i < max; i++ {
		st = s.step(healthy, cand(i))
		if st.State == StatePromoted || st.State == StateRolledBack {
			return st
		}
	}
	return st
}

func TestSimRegressionsRollBack(t *testing.T) {
	for _, reg := range regressions {
		t.Run(reg.name, func(t *testing.T) {
			s := newSim(t, simRollout("gpt"), 1, nil, 1)
			bad := reg.p(healthy)
			st := s.runUntil(40, func(int) profile { return bad })
			if st.State != StateRolledBack {
				t.Fatalf("state %s after %d intervals, want rolled_back; last analysis %+v", st.State, s.iv, st.Last)
			}
			if st.Percent != 0 || s.cs[0].Route("gpt", "anyone").Variant != Stable {
				t.Fatalf("rolled back but percent %v", st.Percent)
			}
			t.Logf("%s: rolled back after %d intervals: %s", reg.name, s.iv, st.Reason)
		})
	}
}

// TestSimCandidateDown: a candidate failing every request from the start
// (its latencies and texts never observed) is rolled back on its error rate.
func TestSimCandidateDown(t *testing.T) {
	s := newSim(t, simRollout("gpt"), 5, nil, 1)
	down := healthy
	down.errRate = 1
	st := s.runUntil(10, func(int) profile { return down })
	if st.State != StateRolledBack || !strings.Contains(st.Reason, "error_rate") {
		t.Fatalf("%s after %d intervals: %s", st.State, s.iv, st.Reason)
	}
	t.Logf("a candidate down from the start: rolled back after %d intervals", s.iv)
}

func TestSimHealthyPromoted(t *testing.T) {
	s := newSim(t, simRollout("gpt"), 2, nil, 1)
	st := s.runUntil(60, func(int) profile { return healthy })
	if st.State != StatePromoted || st.Percent != 100 {
		t.Fatalf("state %s at %v%% after %d intervals; last %+v", st.State, st.Percent, s.iv, st.Last)
	}
	var promotes int
	for _, d := range st.Decisions {
		if d.Outcome == OutcomePromote {
			promotes++
		}
	}
	if promotes != len(DefaultSteps())-1 {
		t.Fatalf("%d promote decisions, want %d: %+v", promotes, len(DefaultSteps())-1, st.Decisions)
	}
	if s.cs[0].Route("gpt", "anyone").Variant != Candidate {
		t.Fatal("promoted, but Route does not serve the candidate")
	}
	t.Logf("healthy candidate promoted to 100%% after %d intervals", s.iv)
}

func DefaultSteps() []float64 { return config.DefaultRolloutSteps }

// TestSimOneBadIntervalDoesNotRollBack: a healthy candidate with one
// interval of 50 % errors and 3× latency fails that analysis, and the next
// healthy interval resets the count instead of rolling back.
func TestSimOneBadIntervalDoesNotRollBack(t *testing.T) {
	s := newSim(t, simRollout("gpt"), 3, nil, 1)
	bad := healthy
	bad.errRate, bad.latency, bad.ttft = 0.5, 3*healthy.latency, 3*healthy.ttft
	// Run healthy until the canary is at 25 % (enough candidate traffic
	// for one interval to be judged on its own), then one bad interval.
	for i := 0; s.cs[0].Status()[0].Percent < 25; i++ {
		if i > 30 {
			t.Fatal("never reached 25 %")
		}
		s.step(healthy, healthy)
	}
	st := s.step(healthy, bad)
	if st.Failures != 1 || st.Decisions[0].Outcome != OutcomeFail || st.State != StateRunning {
		t.Fatalf("the bad interval: failures %d, state %s, last decision %+v; want one failing analysis", st.Failures, st.State, st.Decisions[0])
	}
	st = s.runUntil(40, func(int) profile { return healthy })
	if st.State != StatePromoted {
		t.Fatalf("state %s after the bad interval, want promoted; reason %s", st.State, st.Reason)
	}
	for _, d := range st.Decisions {
		if d.Outcome == OutcomeRollback {
			t.Fatalf("rolled back: %+v", d)
		}
	}
}

// paraphrase changes one word in ten.
func paraphrase(text string, rng *rand.Rand) string {
	w := strings.Fields(text)
	for i := range w {
		if rng.IntN(10) == 0 {
			w[i] = answerWords[rng.IntN(len(answerWords))]
		}
	}
	return strings.Join(w, " ")
}
