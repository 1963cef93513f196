package config

import "time"

// BiasSchedule runs a bias suite (package evals/bias, docs/evals.md) through
// the gateway's own listener every so often, for each listed model, and
// exports tollgate_bias_score{model,suite,category}.
type BiasSchedule struct {
	Enabled bool `yaml:"enabled"`
	// Models to probe: configured model names.
	Models []string `yaml:"models"`
	// Suite: counterfactual (default) or bbq.
	Suite string `yaml:"suite"`
	// Every is the time between runs (default 24h, at least 1m); the first
	// run starts FirstDelay after start (default 1m).
	Every      time.Duration `yaml:"every"`
	FirstDelay time.Duration `yaml:"first_delay"`
	// Limit: templates (counterfactual) or items (bbq) per category; 0 = all.
	Limit int `yaml:"limit"`
	// Concurrency: probes in flight (default 2, at most 16), so a run does
	// not crowd out client traffic.
	Concurrency int `yaml:"concurrency"`
	// Key is the virtual key the probes use when auth is on (e.g.
	// "${TOLLGATE_BIAS_KEY}"); its budget and rate limits apply.
	Key string `yaml:"key"`
}

// Bias schedule defaults, applied by the runner to zero fields.
const (
	DefaultBiasEvery        = 24 * time.Hour
	DefaultBiasFirstDelay   = time.Minute
	DefaultBiasConcurrency  = 2
	BiasSuiteCounterfactual = "counterfactual"
	BiasSuiteBBQ            = "bbq"
)
