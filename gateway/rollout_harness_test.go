package gateway_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/rolloutgw"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// rolloutRig is a gateway with a rollouts controller, a ledger and the
// health endpoints, as cmd/tollgate wires them.
type rolloutRig struct {
	root, base, ledgerDir string
	gw                    *gateway.Server
	ctrl                  *rollouts.Controller
	lim                   *metering.Limiter

	mu     sync.Mutex
	alerts []rollouts.Alert
}

// startRolloutGateway serves yml (placeholders from vars) with its rollouts
// on rdb (nil: state in memory) as replica; the controller syncs every
// 100 ms so tests with sub-second intervals judge on time.
func startRolloutGateway(t testing.TB, yml string, vars map[string]string, rdb redis.UniversalClient, replica string) *rolloutRig {
	t.Helper()
	cfg := parseConfig(t, yml, vars)
	ledger, dir := testLedger(t)
	hr, err := health.New(gateway.HealthOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	rig := &rolloutRig{ledgerDir: dir}
	ctrl, err := rollouts.New(cfg.Rollouts, rollouts.Options{Redis: rdb, Replica: replica, Sync: 100 * time.Millisecond,
		Alert: func(a rollouts.Alert) { rig.mu.Lock(); rig.alerts = append(rig.alerts, a); rig.mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ctrl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	var gw *gateway.Server
	lim, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	gw, err = gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Ledger: ledger, Health: hr, Limiter: lim,
		Rollouts: rolloutgw.New(ctrl)}})
	if err != nil {
		t.Fatal(err)
	}
	gw.Handle("/v1/health/models", hr.ServeModelsHealth, gateway.Ops)
	gw.Handle("/ui/", hr.ServeUI, gateway.Ops)
	rig.gw, rig.ctrl, rig.lim = gw, ctrl, lim
	rig.root = serveGateway(t, gw)
	rig.base = rig.root + "/v1"
	return rig
}

// status is the rollout of model.
func (r *rolloutRig) status(t *testing.T, model string) rollouts.Status {
	t.Helper()
	for _, st := range r.ctrl.Status() {
		if st.Model == model {
			return st
		}
	}
	t.Fatalf("no rollout for %s", model)
	return rollouts.Status{}
}

func (r *rolloutRig) alertsNamed(name string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.alerts {
		if a.Name == name {
			n++
		}
	}
	return n
}

// analyses are the rollout's analysis outcomes, oldest first (manual
// actions left out): one per judged interval.
func analyses(st rollouts.Status) []rollouts.Decision {
	var out []rollouts.Decision
	for i := len(st.Decisions) - 1; i >= 0; i-- {
		switch d := st.Decisions[i]; d.Outcome {
		case rollouts.OutcomePause, rollouts.OutcomeResume, rollouts.OutcomeStart:
		default:
			if d.By != "admin" {
				out = append(out, d)
			}
		}
	}
	return out
}

// traffic counts what the clients of a drive got.
type traffic struct {
	sent, failed atomic.Int64
	mu           sync.Mutex
	byModel      map[string]int // x-tollgate-model of the answers
	firstErr     error
}

func (tr *traffic) served(model string) int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.byModel[model]
}

// drive sends chats from workers go-openai clients (worker i to
// bases[i % len(bases)]), each request from a new user (so the sticky
// split spreads them) with a new prompt, until stop holds or limit
// passes; at most maxRequests in all.
func drive(t *testing.T, bases []string, workers int, limit time.Duration, maxRequests int64, stop func() bool) *traffic {
	t.Helper()
	tr := &traffic{byModel: map[string]int{}}
	var seq atomic.Int64
	deadline := time.Now().Add(limit)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(bases[w%len(bases)], "sk-test")
			for time.Now().Before(deadline) && !stop() {
				n := seq.Add(1)
				if n > maxRequests {
					return
				}
				req := chatReq("m", fmt.Sprintf("question number %d about the weather", n))
				req.User = fmt.Sprintf("user-%d", n)
				resp, err := c.CreateChatCompletion(context.Background(), req)
				tr.sent.Add(1)
				tr.mu.Lock()
				if err != nil {
					tr.failed.Add(1)
					if tr.firstErr == nil {
						tr.firstErr = err
					}
				} else {
					tr.byModel[resp.Header().Get("X-Tollgate-Model")]++
				}
				tr.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return tr
}

// servedBy asks model m as each of users through base and returns the
// x-tollgate-model each got.
func servedBy(t *testing.T, base string, users []string) []string {
	t.Helper()
	c := newClient(base, "sk-test")
	out := make([]string, len(users))
	for i, u := range users {
		req := chatReq("m", "which variant serves "+u)
		req.User = u
		resp, err := c.CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatalf("user %s: %v", u, err)
		}
		out[i] = resp.Header().Get("X-Tollgate-Model")
	}
	return out
}

// intervalsTo is how many analysis intervals passed from the rollout's
// start to its first decision with outcome (holds, which record no
// decision, included), rounded up; -1 when there is none.
func intervalsTo(st rollouts.Status, outcome string, interval time.Duration) int {
	var start, end time.Time
	for _, d := range st.Decisions { // newest first
		switch d.Outcome {
		case rollouts.OutcomeStart:
			start = d.At
		case outcome:
			end = d.At
		}
	}
	if start.IsZero() || end.IsZero() {
		return -1
	}
	return int((end.Sub(start) + interval - 1) / interval)
}

// stableAndCandidateYAML serves model m from the {{STABLE}} mock and m-next,
// the candidate of the tests' rollouts, from the {{CAND}} mock.
const stableAndCandidateYAML = `
upstreams:
  - {name: stable, kind: openai, base_url: "{{STABLE}}"}
  - {name: cand, kind: openai, base_url: "{{CAND}}"}
models:
  - {name: m, deployments: [{upstream: stable, model: mock-gpt}]}
  - {name: m-next, deployments: [{upstream: cand, model: mock-gpt}]}
`
