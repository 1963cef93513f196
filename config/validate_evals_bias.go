package config

import "time"

// validateEvalsBias checks evals.bias_schedule: known models, a known
// suite, sane periods and bounds.
func validateEvalsBias(s *BiasSchedule, models map[string]bool, at reporter) {
	const p = "evals.bias_schedule"
	if s.Suite != "" && s.Suite != BiasSuiteCounterfactual && s.Suite != BiasSuiteBBQ {
		at(p+".suite", "must be counterfactual or bbq, got %q", s.Suite)
	}
	if s.Every != 0 && s.Every < time.Minute {
		at(p+".every", "must be at least 1m, got %s", s.Every)
	}
	if s.FirstDelay < 0 {
		at(p+".first_delay", "must not be negative")
	}
	if s.Limit < 0 {
		at(p+".limit", "must not be negative, got %d", s.Limit)
	}
	if s.Concurrency < 0 || s.Concurrency > 16 {
		at(p+".concurrency", "must be within 1..16 (or unset), got %d", s.Concurrency)
	}
	if s.Enabled && len(s.Models) == 0 {
		at(p+".models", "required when enabled: the models to probe")
	}
	for _, m := range s.Models {
		if !models[m] {
			at(p+".models", "unknown model %q", m)
		}
	}
}
