package drift

import (
	"reflect"
	"strings"
	"testing"
)

// ciTrialsFrom keeps CI's windows apart from the calibration run's.
const ciTrialsFrom = 100000

// TestFalseAlarmRate: two windows of one source raise drift rarely. The
// calibration run measures the rate (docs/evals.md); this bound sits a
// little above it (binomial noise of 60 trials included).
func TestFalseAlarmRate(t *testing.T) {
	if raceEnabled {
		t.Skip("quality test: runs without -race")
	}
	const trials, bound = 60, 0.10
	if r := alarmRate(t, scenarios[0], 100, ciTrialsFrom, trials, Options{}); r > bound {
		t.Errorf("false-alarm rate at n=100: %.3f over %d trials, want ≤ %.2f", r, trials, bound)
	}
}

// TestDetectionPower: real and planted shifts are caught at the window
// sizes the calibration run found enough.
func TestDetectionPower(t *testing.T) {
	if raceEnabled {
		t.Skip("quality test: runs without -race")
	}
	f := func(name string, n, trials int, floor float64) {
		t.Helper()
		var s scenario
		for _, sc := range scenarios {
			if sc.name == name {
				s = sc
			}
		}
		if r := alarmRate(t, s, n, ciTrialsFrom, trials, Options{}); r < floor {
			t.Errorf("%s at n=%d: power %.3f over %d trials, want ≥ %.2f", name, n, r, trials, floor)
		}
	}
	f("math → jailbreak prompts", 25, 20, 0.95)
	f("30 % of answers cut to one line", 200, 15, 0.75)
	f("refusals 2 % → 10 %", 500, 8, 0.85)
}

func TestCompareEmptyWindows(t *testing.T) {
	rep := Compare(nil, nil, nil, Options{})
	if rep.Drift || len(rep.Features) != 0 || rep.Features == nil {
		t.Errorf("empty windows: %+v", rep)
	}
	p := loadPools(t)
	rep = Compare(p.math[:50], nil, nil, Options{})
	if rep.Drift || len(rep.Features) != 0 {
		t.Errorf("empty current window: drift %v, %d rows", rep.Drift, len(rep.Features))
	}
	if !hasSkipped(rep, "prompt_tokens", "current: 0 values") {
		t.Errorf("empty current window: skipped %+v", rep.Skipped)
	}
}

// A baseline with another feature set: what only one window has is
// skipped and listed; the rest is compared.
func TestCompareDifferentFeatureSets(t *testing.T) {
	p := loadPools(t)
	base := append([]Vector(nil), p.math[:60]...)
	for i := range base {
		base[i].setNum(fLatency, float64(100+i))
	}
	cur := p.mathPrompt[60:120] // prompts only, no latency
	rep := Compare(base, cur, []Skipped{{"sentiment", "no sentiment scorer"}}, Options{NoText: true})
	for _, want := range []string{"latency_ms", "response_tokens", "response_script", "sentiment"} {
		if !hasSkipped(rep, want, "") {
			t.Errorf("%s not in skipped %+v", want, rep.Skipped)
		}
	}
	if !hasRow(rep, "prompt_tokens", "ks") || hasRow(rep, "latency_ms", "ks") {
		t.Errorf("rows: %+v", rep.Features)
	}
	if !hasSkipped(rep, "prompt_text", "text classifier off") {
		t.Errorf("NoText: skipped %+v", rep.Skipped)
	}
}

func TestCompareReproducible(t *testing.T) {
	p := loadPools(t)
	a := Compare(p.math[:80], p.math[80:160], nil, Options{Seed: 7, Permutations: 200})
	b := Compare(p.math[:80], p.math[80:160], nil, Options{Seed: 7, Permutations: 200})
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different reports")
	}
	c := Compare(p.math[:80], p.math[80:160], nil, Options{Seed: 8, Permutations: 200})
	if reflect.DeepEqual(a.Features, c.Features) {
		t.Error("another seed, identical p-values: the seed is not used")
	}
}

// Holm: a row is drift only if its p-value passes its level and every
// smaller p-value passed before it; thresholds grow with the level.
func TestCompareHolmConsistency(t *testing.T) {
	p := loadPools(t)
	rep := Compare(p.mathPrompt[:100], p.jailbreak[:100], nil, Options{})
	if !rep.Drift {
		t.Fatal("math → jailbreak: no drift")
	}
	for _, r := range rep.Features {
		if r.Drift && r.PValue > DefaultAlpha {
			t.Errorf("%s/%s: drift with p %v", r.Feature, r.Stat, r.PValue)
		}
		if r.Drift && r.Value < r.Threshold {
			t.Errorf("%s/%s: drift with value %v below threshold %v", r.Feature, r.Stat, r.Value, r.Threshold)
		}
	}
	if !hasDrift(rep, "prompt_text") || !hasDrift(rep, "prompt_tokens") {
		t.Errorf("math → jailbreak: rows %+v", rep.Features)
	}
}

func hasSkipped(rep Report, feature, reason string) bool {
	for _, s := range rep.Skipped {
		if s.Feature == feature && strings.Contains(s.Reason, reason) {
			return true
		}
	}
	return false
}

func hasRow(rep Report, feature, stat string) bool {
	for _, r := range rep.Features {
		if r.Feature == feature && r.Stat == stat {
			return true
		}
	}
	return false
}

func hasDrift(rep Report, feature string) bool {
	for _, r := range rep.Features {
		if r.Feature == feature && r.Drift {
			return true
		}
	}
	return false
}
