package config

import (
	"strings"
	"testing"
	"time"
)

const rolloutBase = `
upstreams: [{name: u, kind: openai, base_url: "http://127.0.0.1:1"}]
models:
  - {name: gpt-4o, deployments: [{upstream: u}]}
  - {name: gpt-4o-next, deployments: [{upstream: u}]}
rollouts:
`

// TestRolloutValidation: every rollout problem is reported at its line
// (the rollout's entry is on line 7, its fields on the lines below).
func TestRolloutValidation(t *testing.T) {
	bad := []struct{ yml, want, at string }{
		{"  - {model: nope, candidate: {model: gpt-4o-next}}", `rollouts[0].model: unknown model "nope"`, ":7:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-5}", `rollouts[0].candidate.model: unknown model "gpt-5"`, ":8:"},
		{"  - model: gpt-4o\n    candidate: {deployments: [{upstream: nowhere, model: m}]}", `unknown upstream "nowhere"`, ":8:"},
		{"  - model: gpt-4o\n    candidate: {deployments: [{upstream: u}]}", "the upstream's model name", ":8:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    stable: {model: ghost}", `rollouts[0].stable.model: unknown model "ghost"`, ":9:"},
		{"  - model: gpt-4o", "rollouts[0].candidate: required", ":7:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o}", "cannot be the rolled-out model itself", ":8:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next, deployments: [{upstream: u, model: m}]}", "not both", ":8:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    steps: [5, 1, 100]", "steps must ascend, got 1 after 5", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    steps: [0, 100]", "(0, 100]", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    steps: [50, 150]", "(0, 100]", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    steps: [100]", "first step must be below 100", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    mode: blue-green", "must be canary or shadow", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    mode: shadow\n    steps: [1, 100]", "canary mode only", ":10:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    sticky: ip", "must be user or key", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    interval: 1ms", "interval: must be in [100ms, 24h0m0s]", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    min_samples: -1", "min_samples", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    rollback_after: 1000", "rollback_after", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    alpha: 0.7", "alpha: must be in (0, 0.5)", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    shadow: {share: 2}", "shadow.share", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    shadow:\n      max_concurrency: 100000", "max_concurrency", ":10:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    shadow: {daily_usd: -1}", "daily_usd", ":9:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    checks:\n      latency_p99: {max_increase: 0.1}", "not a limit of latency_p99 (it takes max_ratio)", ":10:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    checks:\n      latency_p50: {max_ratio: 0.5}", "at least 1", ":10:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    checks:\n      error_rate: {max_increase: 1.5}", "max_increase", ":10:"},
		{"  - model: gpt-4o\n    candidate: {model: gpt-4o-next}\n    checks:\n      lattency_p50: {max_ratio: 2}", "unknown field", ":10:"},
		{"  - {model: gpt-4o, candidate: {model: gpt-4o-next}}\n  - {model: gpt-4o, candidate: {model: gpt-4o-next}}", "duplicate rollout", ":8:"},
	}
	for _, c := range bad {
		_, err := Parse([]byte(rolloutBase+c.yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "cfg.yaml"+c.at) {
			t.Errorf("%s\nwant an error at cfg.yaml%s containing %q, got %v", c.yml, c.at, c.want, err)
		}
	}
}

// TestRolloutDefaults: what a minimal rollout turns into.
func TestRolloutDefaults(t *testing.T) {
	c, err := Parse([]byte(rolloutBase+"  - {model: gpt-4o, candidate: {deployments: [{upstream: u, model: gpt-4o-2026}]}}"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Rollouts[0]
	if r.Mode != RolloutModeCanary || r.Sticky != StickyUser || r.Stable.Model != "gpt-4o" || len(r.Steps) != 5 || r.Steps[4] != 100 ||
		r.Interval != 5*time.Minute || r.MinSamples != 50 || r.RollbackAfter != 2 || r.Alpha != 0.05 {
		t.Errorf("defaults: %+v", r)
	}
	if d := r.Candidate.Deployments[0]; d.Weight != 1 || d.Name != "u/gpt-4o-2026" {
		t.Errorf("deployment defaults: %+v", d)
	}
	k := r.Checks
	if k.ErrorRate.MaxIncrease != 0.05 || k.LatencyP99.MaxRatio != 2 || k.ResponseLength.MinRatio != 0.7 || k.ResponseLength.MaxRatio != 1.5 ||
		k.Drift.On || k.Agreement.Min != 0.5 || r.Shadow.Share != 0.1 || r.Shadow.MaxConcurrency != 4 || r.Shadow.DailyUSD != 5 {
		t.Errorf("check defaults: %+v shadow %+v", k, r.Shadow)
	}
	c, err = Parse([]byte(rolloutBase+"  - {model: gpt-4o, candidate: {model: gpt-4o-next}, mode: shadow, checks: {drift: {alpha: 0.02}}}"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r := c.Rollouts[0]; len(r.Steps) != 0 || !r.Checks.Drift.On || r.Checks.Drift.Alpha != 0.02 {
		t.Errorf("shadow rollout: %+v", r)
	}
}
