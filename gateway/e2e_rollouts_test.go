package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// canaryYAML rolls model m (upstream stable) out to m-next (upstream
// cand) in steps of 20, 50 and 100 %, judged every second on at least 30
// requests per variant, rolled back after 2 failing intervals.
const canaryYAML = stableAndCandidateYAML + `
rollouts:
  - model: m
    candidate: {model: m-next}
    steps: [20, 50, 100]
    interval: 1s
    min_samples: 30
    rollback_after: 2
`

// regressionYAML is canaryYAML starting at 50 %: each variant then has
// its min_samples in every interval even when the shared machine slows the
// clients down, so the intervals counted are the analysis', not the
// traffic's.
var regressionYAML = strings.Replace(canaryYAML, "steps: [20, 50, 100]", "steps: [50, 100]", 1)

// stableMock is the stable model in the rollout tests: 20 ms to answer,
// 32 tokens, 10 % refusals.
func stableMock() mockllm.Options {
	return mockllm.Options{Latency: 20 * time.Millisecond, MaxTokens: 32, RefusalRate: 0.1, Seed: 1}
}

// maxIntervalsToRollback bounds the intervals a planted regression
// survives, from the rollout's start to its rollback: rollback_after (2)
// failing analyses, the partial interval the rollout started in, and up
// to 3 that hold (a check still inconclusive while its window grows, or
// a slow machine leaving a variant short of min_samples).
// docs/rollouts-operations.md reports what the runs took.
const maxIntervalsToRollback = 6

// TestRolloutCanaryRollsBackRegressions plants one regression per case in
// the candidate (mockllm's knobs) and drives traffic through the gateway
// with go-openai: the rollout is rolled back within maxIntervalsToRollback
// analyses, with an alert, no client request fails (a failing candidate
// retries on stable), and afterwards every user is served by stable.
func TestRolloutCanaryRollsBackRegressions(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a rollout for several seconds per case")
	}
	for _, tc := range []struct {
		name         string
		cand         func(o *mockllm.Options)
		maxIntervals int
	}{
		{"latency_3x", func(o *mockllm.Options) { o.Latency *= 3 }, maxIntervalsToRollback},
		{"errors_20pct", func(o *mockllm.Options) { o.ErrorRate = 0.2 }, maxIntervalsToRollback},
		// 10 % → 20 % against a limit of +5 %: the lower confidence bound
		// of the increase passes 0.05 only after some 300–600 candidate
		// answers, so the window grows over several holding intervals
		// (how many depends on the requests per interval).
		{"refusals_2x", func(o *mockllm.Options) { o.RefusalRate *= 2 }, 5 * maxIntervalsToRollback},
		{"length_half", func(o *mockllm.Options) { o.MaxTokens /= 2 }, maxIntervalsToRollback},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stableURL, _ := startMock(t, stableMock())
			co := stableMock()
			co.Seed = 2
			tc.cand(&co)
			candURL, _ := startMock(t, co)
			rig := startRolloutGateway(t, regressionYAML, map[string]string{"STABLE": stableURL, "CAND": candURL}, nil, "")
			start := time.Now()
			tr := drive(t, []string{rig.base}, 12, 45*time.Second, 20000, func() bool {
				return rig.status(t, "m").State != rollouts.StateRunning
			})
			st := rig.status(t, "m")
			as := analyses(st)
			n := intervalsTo(st, rollouts.OutcomeRollback, time.Second)
			t.Logf("DETECTION %s: %s after %d intervals, %d decisions %v, in %s (%d requests, %d on m-next); reason %q",
				tc.name, st.State, n, len(as), outcomes(as), time.Since(start).Round(100*time.Millisecond), tr.sent.Load(),
				tr.served("m-next"), st.Reason)
			if st.State != rollouts.StateRolledBack {
				t.Fatalf("state %s, want rolled_back; reason %q; last %+v", st.State, st.Reason, st.Last)
			}
			if n > tc.maxIntervals {
				t.Errorf("rolled back after %d intervals, want at most %d", n, tc.maxIntervals)
			}
			if n := tr.failed.Load(); n != 0 {
				t.Errorf("%d of %d client requests failed (first: %v)", n, tr.sent.Load(), tr.firstErr)
			}
			if tr.served("m-next") == 0 {
				t.Error("the candidate served nobody before the rollback")
			}
			if rig.alertsNamed("TollgateRolloutRolledBack") != 1 {
				t.Errorf("alerts %+v, want one TollgateRolloutRolledBack", rig.alerts)
			}
			users := make([]string, 60)
			for i := range users {
				users[i] = fmt.Sprintf("user-%d", i+1) // the drive's first users, some of them on the candidate before
			}
			for i, m := range servedBy(t, rig.base, users) {
				if m != "m" {
					t.Fatalf("after the rollback %s was served by %q", users[i], m)
				}
			}
		})
	}
}

func outcomes(ds []rollouts.Decision) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Outcome
	}
	return out
}

// TestRolloutCanaryPromotesHealthyCandidate: a candidate that behaves like
// stable (another seed, so other words) goes through every step and is
// promoted; then every user is served by it.
func TestRolloutCanaryPromotesHealthyCandidate(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a rollout for several seconds")
	}
	stableURL, _ := startMock(t, stableMock())
	co := stableMock()
	co.Seed = 2
	candURL, _ := startMock(t, co)
	rig := startRolloutGateway(t, canaryYAML, map[string]string{"STABLE": stableURL, "CAND": candURL}, nil, "")
	tr := drive(t, []string{rig.base}, 12, 60*time.Second, 30000, func() bool {
		return rig.status(t, "m").State != rollouts.StateRunning
	})
	st := rig.status(t, "m")
	t.Logf("%s after %d analyses (%v), %d requests", st.State, len(analyses(st)), outcomes(analyses(st)), tr.sent.Load())
	if st.State != rollouts.StatePromoted || st.Percent != 100 {
		t.Fatalf("state %s at %g %%, want promoted at 100; reason %q, last %+v", st.State, st.Percent, st.Reason, st.Last)
	}
	if n := tr.failed.Load(); n != 0 {
		t.Errorf("%d client requests failed (first: %v)", n, tr.firstErr)
	}
	users := make([]string, 40)
	for i := range users {
		users[i] = fmt.Sprintf("after-%d", i)
	}
	for i, m := range servedBy(t, rig.base, users) {
		if m != "m-next" {
			t.Fatalf("after the promotion %s was served by %q", users[i], m)
		}
	}
}

// TestRolloutCandidateDownFromTheStart: a candidate (an inline deployment
// list) whose upstream refuses connections is rolled back, and not one
// client request fails: its share retries on stable.
func TestRolloutCandidateDownFromTheStart(t *testing.T) {
	stableURL, _ := startMock(t, stableMock())
	ln := listenLoopback(t)
	deadURL := "http://" + ln.Addr().String() + "/v1"
	_ = ln.Close() // nothing listens there now
	rig := startRolloutGateway(t, `
upstreams:
  - {name: stable, kind: openai, base_url: "{{STABLE}}"}
  - {name: dead, kind: openai, base_url: "{{DEAD}}"}
models:
  - {name: m, deployments: [{upstream: stable, model: mock-gpt}]}
rollouts:
  - model: m
    candidate: {deployments: [{upstream: dead, model: mock-gpt}]}
    steps: [20, 50, 100]
    interval: 500ms
    min_samples: 20
    rollback_after: 2
`, map[string]string{"STABLE": stableURL, "DEAD": deadURL}, nil, "")
	tr := drive(t, []string{rig.base}, 8, 30*time.Second, 10000, func() bool {
		return rig.status(t, "m").State != rollouts.StateRunning
	})
	st := rig.status(t, "m")
	t.Logf("%s after %d analyses (%v); %d requests; served by %v", st.State, len(analyses(st)), outcomes(analyses(st)),
		tr.sent.Load(), tr.byModel)
	if st.State != rollouts.StateRolledBack {
		t.Fatalf("state %s, want rolled_back; last %+v", st.State, st.Last)
	}
	if n := tr.failed.Load(); n != 0 {
		t.Fatalf("%d of %d client requests failed (first: %v)", n, tr.sent.Load(), tr.firstErr)
	}
	if tr.served("m") != int(tr.sent.Load()) {
		t.Errorf("served by %v, want all %d by m (stable)", tr.byModel, tr.sent.Load())
	}
	if st.Last == nil || st.Last.Candidate.Errors == 0 {
		t.Errorf("the analysis saw no candidate errors: %+v", st.Last)
	}
}

// TestRolloutAdminEndpoints: GET /admin/rollouts lists the rollout, the
// actions change its state (pause keeps the percent, rollback stops the
// candidate), an unknown model is a 404 in OpenAI's error shape, a GET on
// an action a 405, and /v1/health/models carries the rollout. With an
// admin key configured, no key is a 401 on the main listener.
func TestRolloutAdminEndpoints(t *testing.T) {
	stableURL, _ := startMock(t, stableMock())
	candURL, _ := startMock(t, stableMock())
	yml := strings.Replace(canaryYAML, "interval: 1s", "interval: 1h", 1) + `
admin: {key: sk-admin}
keys: [{id: k1, key: sk-test}]
`
	rig := startRolloutGateway(t, yml, map[string]string{"STABLE": stableURL, "CAND": candURL}, nil, "")
	call := func(method, path, key string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, rig.root+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	if code, body := call("GET", "/admin/rollouts", ""); code != 401 || !strings.Contains(string(body), `"admin_key_required"`) {
		t.Fatalf("no key: %d %s", code, body)
	}
	if code, body := call("POST", "/admin/rollouts/m/rollback", "sk-test"); code != 403 {
		t.Fatalf("a client key: %d %s", code, body)
	}
	code, body := call("GET", "/admin/rollouts", "sk-admin")
	var doc struct{ Rollouts []rollouts.Status }
	if err := json.Unmarshal(body, &doc); code != 200 || err != nil || len(doc.Rollouts) != 1 ||
		doc.Rollouts[0].Model != "m" || doc.Rollouts[0].State != rollouts.StateRunning || doc.Rollouts[0].Percent != 20 {
		t.Fatalf("list: %d %s %v", code, body, err)
	}
	if code, body := call("POST", "/admin/rollouts/m/pause?reason=looking", "sk-admin"); code != 200 ||
		rig.status(t, "m").State != rollouts.StatePaused || rig.status(t, "m").Percent != 20 {
		t.Fatalf("pause: %d %s; %+v", code, body, rig.status(t, "m"))
	}
	if code, body := call("POST", "/admin/rollouts/m/resume", "sk-admin"); code != 200 || rig.status(t, "m").State != rollouts.StateRunning {
		t.Fatalf("resume: %d %s", code, body)
	}
	if code, body := call("POST", "/admin/rollouts/m/promote", "sk-admin"); code != 200 || rig.status(t, "m").Percent != 50 {
		t.Fatalf("promote: %d %s; %+v", code, body, rig.status(t, "m"))
	}
	if code, body := call("POST", "/admin/rollouts/nope/rollback", "sk-admin"); code != 404 || !strings.Contains(string(body), `"rollout_not_found"`) {
		t.Fatalf("unknown model: %d %s", code, body)
	}
	if code, body := call("GET", "/admin/rollouts/m/rollback", "sk-admin"); code != 405 {
		t.Fatalf("GET on an action: %d %s", code, body)
	}
	if code, body := call("POST", "/admin/rollouts/m/explode", "sk-admin"); code != 404 {
		t.Fatalf("unknown action: %d %s", code, body)
	}
	if code, body := call("POST", "/admin/rollouts/m/rollback?reason=bad+answers", "sk-admin"); code != 200 {
		t.Fatalf("rollback: %d %s", code, body)
	}
	if st := rig.status(t, "m"); st.State != rollouts.StateRolledBack || !strings.Contains(st.Reason, "bad answers") {
		t.Fatalf("after rollback: %+v", st)
	}
	if code, body := call("POST", "/admin/rollouts/m/promote", "sk-admin"); code != 409 || !strings.Contains(string(body), `"rollout_finished"`) {
		t.Fatalf("promote after the rollback: %d %s", code, body)
	}
	code, body = call("GET", "/v1/health/models", "sk-admin")
	var health struct {
		Models   []json.RawMessage
		Rollouts []rollouts.Status
	}
	if err := json.Unmarshal(body, &health); code != 200 || err != nil || len(health.Models) == 0 ||
		len(health.Rollouts) != 1 || health.Rollouts[0].State != rollouts.StateRolledBack {
		t.Fatalf("/v1/health/models: %d %s %v", code, body, err)
	}
	code, body = call("GET", "/ui/data.json", "sk-admin")
	if code != 200 || !strings.Contains(string(body), `"rollouts"`) || !strings.Contains(string(body), `"rolled_back"`) {
		t.Fatalf("/ui/data.json: %d %.300s", code, body)
	}
	for i, m := range servedBy(t, rig.base, []string{"a", "b", "c", "d", "e", "f", "g", "h"}) {
		if m != "m" {
			t.Fatalf("user %d served by %q after the rollback", i, m)
		}
	}
}

// TestRolloutReload: a reload that adds a rollout starts splitting at
// once (the controller is updated with the serving config), and one that
// removes it sends everyone back to the model's own deployments.
func TestRolloutReload(t *testing.T) {
	stableURL, _ := startMock(t, mockllm.Options{Seed: 1})
	candURL, _ := startMock(t, mockllm.Options{Seed: 2})
	vars := map[string]string{"STABLE": stableURL, "CAND": candURL}
	base := `
upstreams:
  - {name: stable, kind: openai, base_url: "{{STABLE}}"}
  - {name: cand, kind: openai, base_url: "{{CAND}}"}
models:
  - {name: m, deployments: [{upstream: stable, model: mock-gpt}]}
`
	with := base + `
rollouts:
  - {model: m, candidate: {deployments: [{upstream: cand, model: mock-gpt}]}, steps: [50, 100], interval: 1h}
`
	rig := startRolloutGateway(t, base, vars, nil, "")
	users := make([]string, 40)
	for i := range users {
		users[i] = fmt.Sprintf("reload-user-%d", i)
	}
	count := func(model string) int {
		n := 0
		for _, m := range servedBy(t, rig.base, users) {
			if m == model {
				n++
			}
		}
		return n
	}
	if n := count("m"); n != len(users) {
		t.Fatalf("without a rollout %d of %d served by m", n, len(users))
	}
	if err := rig.gw.Reload(parseConfig(t, with, vars)); err != nil {
		t.Fatal(err)
	}
	if n := count("m@candidate"); n < 8 || n > 32 { // binomial(40, 0.5): ±12 is 3.8σ
		t.Fatalf("after adding the rollout %d of %d on the candidate at 50 %%", n, len(users))
	}
	if err := rig.gw.Reload(parseConfig(t, base, vars)); err != nil {
		t.Fatal(err)
	}
	if n := count("m"); n != len(users) {
		t.Fatalf("after removing the rollout %d of %d served by m", n, len(users))
	}
	if st := rig.ctrl.Status(); len(st) != 0 {
		t.Fatalf("the controller still runs %+v", st)
	}
}
