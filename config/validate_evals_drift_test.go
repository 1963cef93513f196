package config

import (
	"strings"
	"testing"
	"time"
)

// TestEvalsDriftValidation: evals.drift's values are checked with the line
// they are on; the defaults fill what is left out.
func TestEvalsDriftValidation(t *testing.T) {
	bad := map[string]string{
		"evals: {drift: {models: [nope]}}":                                                   `unknown model "nope"`,
		"evals: {drift: {window: 1}}":                                                        "window",
		"evals: {drift: {window: 50, min_samples: 60}}":                                      "min_samples",
		"evals: {drift: {interval: 10ms}}":                                                   "at least 1s",
		"evals: {drift: {alpha: 0.7}}":                                                       "(0, 0.5)",
		"evals: {drift: {text: maybe}}":                                                      "on or off",
		"evals: {drift: {baseline: {first_n: 1}}}":                                           "first_n",
		"evals: {drift: {baseline: {from: 2026-01-02T00:00:00Z}}}":                           "required with from",
		"evals: {drift: {baseline: {from: 2026-01-02T00:00:00Z, to: 2026-01-01T00:00:00Z}}}": "after from",
		"evals: {drift: {baseline: {file: b.jsonl, to: 2026-01-01T00:00:00Z}}}":              "not both",
		"evals: {drift: {permutations: -1}}":                                                 "permutations",
	}
	for yml, want := range bad {
		_, err := Parse([]byte(routeBase+yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "cfg.yaml:5") {
			t.Errorf("%s: want an error at cfg.yaml:5 containing %q, got %v", yml, want, err)
		}
	}
	c, err := Parse([]byte(routeBase+"evals: {drift: {enabled: true, models: [gpt-4o]}}"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := c.Evals.Drift
	if !d.Enabled || d.Window != 500 || d.MinSamples != 100 || d.Interval != 5*time.Minute || d.Alpha != 0.05 ||
		d.Permutations != 999 || d.Seed != 1 || d.Text != "on" || d.Baseline.FirstN != 1000 || d.QueueSize != 1024 {
		t.Errorf("defaults: %+v", d)
	}
}
