package config

import (
	"strings"
	"time"
)

// Bounds of a rollout: intervals short enough for tests, long enough for a
// week-long canary; few steps; sample floors a window can reach.
const (
	minRolloutInterval = 100 * time.Millisecond
	maxRolloutInterval = 24 * time.Hour
	maxRolloutSteps    = 20
	maxRolloutSamples  = 1_000_000
	maxRolloutFailures = 100
	maxShadowConc      = 1024
)

// validateRollouts checks the rollouts list: the models and upstreams it
// names exist, one rollout per model, steps, mode and limits.
func validateRollouts(rs []Rollout, models map[string]bool, upstreams map[string]*Upstream, at reporter) {
	seen := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		p := indexPath("rollouts", i)
		switch {
		case r.Model == "":
			at(p+".model", "required")
		case !models[r.Model]:
			at(p+".model", "unknown model %q", r.Model)
		case seen[r.Model]:
			at(p+".model", "duplicate rollout for model %q", r.Model)
		}
		seen[r.Model] = true
		if strings.ContainsAny(r.Model, "{}") {
			at(p+".model", "braces are not allowed in a rolled-out model's name (Redis hash tags), got %q", r.Model)
		}
		validateRolloutTarget(r.Candidate, p+".candidate", r.Model, models, upstreams, at)
		validateRolloutTarget(r.Stable, p+".stable", "", models, upstreams, at)
		if r.Candidate.Model != "" && r.Candidate.Model == r.Stable.Model {
			at(p+".candidate.model", "is the stable target too (%q)", r.Candidate.Model)
		}
		switch r.Mode {
		case RolloutModeCanary:
			validateRolloutSteps(r.Steps, p+".steps", at)
		case RolloutModeShadow:
			if len(r.Steps) > 0 {
				at(p+".steps", "steps apply to canary mode only (a shadow rollout never serves the candidate)")
			}
		default:
			at(p+".mode", "must be canary or shadow, got %q", r.Mode)
		}
		if r.Sticky != StickyUser && r.Sticky != StickyKey {
			at(p+".sticky", "must be user or key, got %q", r.Sticky)
		}
		if r.Interval < minRolloutInterval || r.Interval > maxRolloutInterval {
			at(p+".interval", "must be in [%s, %s], got %s", minRolloutInterval, maxRolloutInterval, r.Interval)
		}
		if r.MinSamples < 1 || r.MinSamples > maxRolloutSamples {
			at(p+".min_samples", "must be in [1, %d], got %d", maxRolloutSamples, r.MinSamples)
		}
		if r.RollbackAfter < 1 || r.RollbackAfter > maxRolloutFailures {
			at(p+".rollback_after", "must be in [1, %d], got %d", maxRolloutFailures, r.RollbackAfter)
		}
		if r.Alpha <= 0 || r.Alpha >= 0.5 {
			at(p+".alpha", "must be in (0, 0.5), got %v", r.Alpha)
		}
		s := r.Shadow
		if s.Share <= 0 || s.Share > 1 {
			at(p+".shadow.share", "must be in (0, 1], got %v", s.Share)
		}
		if s.MaxConcurrency < 1 || s.MaxConcurrency > maxShadowConc {
			at(p+".shadow.max_concurrency", "must be in [1, %d], got %d", maxShadowConc, s.MaxConcurrency)
		}
		if s.DailyUSD <= 0 {
			at(p+".shadow.daily_usd", "must be positive, got %v", s.DailyUSD)
		}
		validateRolloutChecks(&r.Checks, p+".checks", at)
	}
}

func validateRolloutTarget(t RolloutTarget, p, self string, models map[string]bool, upstreams map[string]*Upstream, at reporter) {
	switch {
	case t.Empty():
		at(p, "required: a model or deployments")
		return
	case t.Model != "" && len(t.Deployments) > 0:
		at(p, "choose a model or deployments, not both")
	case t.Model != "" && !models[t.Model]:
		at(p+".model", "unknown model %q", t.Model)
	case self != "" && t.Model == self:
		at(p+".model", "the candidate cannot be the rolled-out model itself (%q)", self)
	}
	for j, d := range t.Deployments {
		dp := indexPath(p+".deployments", j)
		if upstreams[d.Upstream] == nil {
			at(dp+".upstream", "unknown upstream %q (known: %s)", d.Upstream, names(upstreams))
		}
		if d.Model == "" {
			at(dp+".model", "required: the upstream's model name")
		}
		if d.Weight < 0 {
			at(dp+".weight", "must not be negative, got %d", d.Weight)
		}
	}
}

func validateRolloutSteps(steps []float64, p string, at reporter) {
	if len(steps) > maxRolloutSteps {
		at(p, "at most %d steps, got %d", maxRolloutSteps, len(steps))
	}
	prev := 0.0
	for j, s := range steps {
		switch {
		case s <= 0 || s > 100:
			at(indexPath(p, j), "must be a percent in (0, 100], got %v", s)
		case s <= prev:
			at(indexPath(p, j), "steps must ascend, got %v after %v", s, prev)
		}
		prev = s
	}
	if len(steps) > 0 && steps[0] >= 100 {
		// At 100 % stable serves nothing: the candidate is judged against
		// stable's window from the step before, which must exist.
		at(indexPath(p, 0), "the first step must be below 100 (the analysis needs stable traffic to compare with)")
	}
}

// rolloutCheckFields says which limit fields each check reads.
var rolloutCheckFields = []struct {
	name   string
	get    func(*RolloutChecks) *RolloutCheck
	fields string // of max_increase, max_ratio, min_ratio, max_drop, alpha, min
}{
	{"error_rate", func(c *RolloutChecks) *RolloutCheck { return &c.ErrorRate }, "max_increase"},
	{"latency_p50", func(c *RolloutChecks) *RolloutCheck { return &c.LatencyP50 }, "max_ratio"},
	{"latency_p99", func(c *RolloutChecks) *RolloutCheck { return &c.LatencyP99 }, "max_ratio"},
	{"ttft_p50", func(c *RolloutChecks) *RolloutCheck { return &c.TTFTP50 }, "max_ratio"},
	{"tokens_per_second", func(c *RolloutChecks) *RolloutCheck { return &c.TokensPerSecond }, "min_ratio"},
	{"cost_per_request", func(c *RolloutChecks) *RolloutCheck { return &c.CostPerRequest }, "max_ratio"},
	{"refusal_rate", func(c *RolloutChecks) *RolloutCheck { return &c.RefusalRate }, "max_increase"},
	{"response_length", func(c *RolloutChecks) *RolloutCheck { return &c.ResponseLength }, "min_ratio max_ratio"},
	{"sentiment", func(c *RolloutChecks) *RolloutCheck { return &c.Sentiment }, "max_drop"},
	{"drift", func(c *RolloutChecks) *RolloutCheck { return &c.Drift }, "alpha"},
	{"agreement", func(c *RolloutChecks) *RolloutCheck { return &c.Agreement }, "min"},
}

func validateRolloutChecks(c *RolloutChecks, p string, at reporter) {
	for _, f := range rolloutCheckFields {
		k := f.get(c)
		cp := p + "." + f.name
		uses := func(field string) bool { return strings.Contains(" "+f.fields+" ", " "+field+" ") }
		for _, x := range []struct {
			field string
			v     float64
		}{{"max_increase", k.MaxIncrease}, {"max_ratio", k.MaxRatio}, {"min_ratio", k.MinRatio}, {"max_drop", k.MaxDrop}, {"alpha", k.Alpha}, {"min", k.Min}} {
			if x.v != 0 && !uses(x.field) {
				at(cp+"."+x.field, "not a limit of %s (it takes %s)", f.name, strings.ReplaceAll(f.fields, " ", ", "))
			}
		}
		switch {
		case k.MaxIncrease < 0 || k.MaxIncrease >= 1:
			at(cp+".max_increase", "must be in (0, 1), got %v", k.MaxIncrease)
		case k.MaxRatio < 0 || (k.MaxRatio != 0 && k.MaxRatio < 1):
			at(cp+".max_ratio", "must be at least 1, got %v", k.MaxRatio)
		case k.MinRatio < 0 || k.MinRatio > 1:
			at(cp+".min_ratio", "must be in (0, 1], got %v", k.MinRatio)
		case k.MaxDrop < 0 || k.MaxDrop > 2:
			at(cp+".max_drop", "must be in (0, 2] (sentiment is in [-1, 1]), got %v", k.MaxDrop)
		case k.Alpha < 0 || k.Alpha >= 0.5:
			at(cp+".alpha", "must be in (0, 0.5), got %v", k.Alpha)
		case k.Min < 0 || k.Min > 1:
			at(cp+".min", "must be in (0, 1], got %v", k.Min)
		}
	}
}
