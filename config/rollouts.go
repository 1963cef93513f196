package config

import "time"

// Rollout rolls a new version of a model out the way Flagger rolls out a
// service (package rollouts, docs/rollouts.md): a share of the model's
// traffic goes to a candidate (canary) or is copied to it (shadow), and
// each interval an analysis of candidate against stable promotes it a step,
// holds, or rolls it back.
//
//	rollouts:
//	  - model: gpt-4o
//	    candidate: {model: gpt-4o-next}
//	    mode: canary
//	    steps: [1, 5, 25, 50, 100]
//	    interval: 5m
//	    checks:
//	      latency_p99: {max_ratio: 2.0}
type Rollout struct {
	// Model is the client-facing model name the rollout covers (after the
	// policy's rewrite).
	Model string `yaml:"model"`
	// Candidate serves the candidate's share; Stable the rest (default: the
	// model's own deployments).
	Candidate RolloutTarget `yaml:"candidate"`
	Stable    RolloutTarget `yaml:"stable"`
	Mode      string        `yaml:"mode"`   // canary (default) | shadow
	Sticky    string        `yaml:"sticky"` // user (default: the request's user field, else the key) | key
	// Steps are the candidate's percent of traffic, one per passing
	// analysis (canary only; default 1, 5, 25, 50, 100).
	Steps    []float64     `yaml:"steps"`
	Interval time.Duration `yaml:"interval"` // analysis interval (default 5m)
	// MinSamples per variant before an analysis judges (else it holds and
	// the window grows into the next interval).
	MinSamples int `yaml:"min_samples"`
	// RollbackAfter consecutive failing analyses roll back (default 2).
	RollbackAfter int `yaml:"rollback_after"`
	// Alpha is each check's one-sided error level (default 0.05): a check
	// fails only when the candidate is past its limit at this confidence.
	Alpha  float64       `yaml:"alpha"`
	Shadow RolloutShadow `yaml:"shadow"`
	Checks RolloutChecks `yaml:"checks"`
}

// RolloutTarget is another configured model or a deployment list.
type RolloutTarget struct {
	Model       string       `yaml:"model"`
	Deployments []Deployment `yaml:"deployments"`
}

// Empty reports whether the target names nothing.
func (t RolloutTarget) Empty() bool { return t.Model == "" && len(t.Deployments) == 0 }

// RolloutShadow bounds shadow traffic: the share of requests copied, the
// concurrent shadow calls, and their spend per UTC day.
type RolloutShadow struct {
	Share          float64 `yaml:"share"`           // default 0.1
	MaxConcurrency int     `yaml:"max_concurrency"` // default 4
	DailyUSD       float64 `yaml:"daily_usd"`       // default 5; shared via Redis when configured
}

// RolloutChecks are the analysis' limits, candidate against stable. Every
// check is on with its default unless `off: true`.
type RolloutChecks struct {
	ErrorRate       RolloutCheck `yaml:"error_rate"`        // max_increase (absolute, default 0.05)
	LatencyP50      RolloutCheck `yaml:"latency_p50"`       // max_ratio (default 1.5)
	LatencyP99      RolloutCheck `yaml:"latency_p99"`       // max_ratio (default 2)
	TTFTP50         RolloutCheck `yaml:"ttft_p50"`          // max_ratio (default 1.5)
	TokensPerSecond RolloutCheck `yaml:"tokens_per_second"` // min_ratio (default 0.6)
	CostPerRequest  RolloutCheck `yaml:"cost_per_request"`  // max_ratio (default 1.5)
	RefusalRate     RolloutCheck `yaml:"refusal_rate"`      // max_increase (default 0.05)
	ResponseLength  RolloutCheck `yaml:"response_length"`   // min_ratio 0.7, max_ratio 1.5 (median)
	Sentiment       RolloutCheck `yaml:"sentiment"`         // max_drop of the mean (default 0.2)
	Drift           RolloutCheck `yaml:"drift"`             // alpha (default 0.01); off by default
	Agreement       RolloutCheck `yaml:"agreement"`         // shadow pairs: min mean agreement (default 0.5)
}

// RolloutCheck is one check's limit; each check reads the fields its
// comment in RolloutChecks names (validation rejects the others).
type RolloutCheck struct {
	Off         bool    `yaml:"off"`
	MaxIncrease float64 `yaml:"max_increase"`
	MaxRatio    float64 `yaml:"max_ratio"`
	MinRatio    float64 `yaml:"min_ratio"`
	MaxDrop     float64 `yaml:"max_drop"`
	Alpha       float64 `yaml:"alpha"`
	Min         float64 `yaml:"min"`
	// On turns on a check that is off by default (drift).
	On bool `yaml:"on"`
}

// Rollout modes and sticky sources.
const (
	RolloutModeCanary = "canary"
	RolloutModeShadow = "shadow"
	StickyUser        = "user"
	StickyKey         = "key"
)

// DefaultRolloutSteps are the canary's percent per step.
var DefaultRolloutSteps = []float64{1, 5, 25, 50, 100}

func defaultRollouts(rs []Rollout) {
	for i := range rs {
		r := &rs[i]
		if r.Mode == "" {
			r.Mode = RolloutModeCanary
		}
		if r.Sticky == "" {
			r.Sticky = StickyUser
		}
		if r.Stable.Empty() {
			r.Stable.Model = r.Model
		}
		if len(r.Steps) == 0 && r.Mode == RolloutModeCanary {
			r.Steps = append([]float64(nil), DefaultRolloutSteps...)
		}
		setDur(&r.Interval, 5*time.Minute)
		setInt(&r.MinSamples, 50)
		setInt(&r.RollbackAfter, 2)
		setFloat(&r.Alpha, 0.05)
		s := &r.Shadow
		setFloat(&s.Share, 0.1)
		setInt(&s.MaxConcurrency, 4)
		setFloat(&s.DailyUSD, 5)
		for j := range r.Candidate.Deployments {
			defaultRolloutDeployment(&r.Candidate.Deployments[j])
		}
		for j := range r.Stable.Deployments {
			defaultRolloutDeployment(&r.Stable.Deployments[j])
		}
		c := &r.Checks
		setFloat(&c.ErrorRate.MaxIncrease, 0.05)
		setFloat(&c.LatencyP50.MaxRatio, 1.5)
		setFloat(&c.LatencyP99.MaxRatio, 2)
		setFloat(&c.TTFTP50.MaxRatio, 1.5)
		setFloat(&c.TokensPerSecond.MinRatio, 0.6)
		setFloat(&c.CostPerRequest.MaxRatio, 1.5)
		setFloat(&c.RefusalRate.MaxIncrease, 0.05)
		setFloat(&c.ResponseLength.MinRatio, 0.7)
		setFloat(&c.ResponseLength.MaxRatio, 1.5)
		setFloat(&c.Sentiment.MaxDrop, 0.2)
		if c.Drift.Alpha != 0 {
			c.Drift.On = true
		}
		setFloat(&c.Drift.Alpha, 0.01)
		setFloat(&c.Agreement.Min, 0.5)
	}
}

func defaultRolloutDeployment(d *Deployment) {
	setInt(&d.Weight, 1)
	if d.Name == "" {
		d.Name = d.Upstream + "/" + d.Model
	}
}

func setFloat(p *float64, v float64) {
	if *p == 0 {
		*p = v
	}
}
