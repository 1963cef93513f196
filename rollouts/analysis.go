package rollouts

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/drift"
)

// verdict of one window: every judged check passed, one failed, or some
// stayed inconclusive (or a variant lacks min_samples).
type verdict int

const (
	windowHold verdict = iota
	windowPass
	windowFail
)

// analyze judges candidate against stable over one window. A check fails
// only when its confidence bound is past the limit (the candidate is worse
// than allowed at level alpha), passes only when the opposite bound is
// within it, and is inconclusive in between: a small or noisy window holds
// rather than deciding on a point value.
func analyze(r *config.Rollout, st, cd *aggregate, seed uint64) (verdict, []Check, string) {
	if st.Requests < int64(r.MinSamples) || cd.Requests < int64(r.MinSamples) {
		return windowHold, nil, fmt.Sprintf("too few requests (stable %d, candidate %d, need %d each)", st.Requests, cd.Requests, r.MinSamples)
	}
	// Each quantity's bound is at alpha; a ratio of two bounds takes half
	// of it from each side (Bonferroni), so it holds at alpha too.
	z := zOneSided(r.Alpha)
	z2 := zOneSided(r.Alpha / 2)
	min := int64(r.MinSamples)
	c := &r.Checks
	var checks []Check

	if k := c.ErrorRate; !k.Off {
		d, lo, hi := rateDiff(cd.Errors, cd.Requests, st.Errors, st.Requests, z)
		checks = append(checks, atMost("error_rate", d, lo, hi, k.MaxIncrease, "increase ≤ %.3g"))
	}
	if k := c.LatencyP50; !k.Off {
		checks = append(checks, quantileRatio("latency_p50", &st.Latency, &cd.Latency, 0.5, z2, min, 0, k.MaxRatio))
	}
	if k := c.LatencyP99; !k.Off {
		checks = append(checks, quantileRatio("latency_p99", &st.Latency, &cd.Latency, 0.99, z2, min, 0, k.MaxRatio))
	}
	if k := c.TTFTP50; !k.Off {
		checks = append(checks, quantileRatio("ttft_p50", &st.TTFT, &cd.TTFT, 0.5, z2, min, 0, k.MaxRatio))
	}
	if k := c.TokensPerSecond; !k.Off {
		checks = append(checks, quantileRatio("tokens_per_second_p50", &st.TPS, &cd.TPS, 0.5, z2, min, k.MinRatio, 0))
	}
	if k := c.CostPerRequest; !k.Off {
		checks = append(checks, costRatio(&st.Cost, &cd.Cost, z2, min, k.MaxRatio))
	}
	if k := c.RefusalRate; !k.Off {
		if st.Answers < min || cd.Answers < min {
			checks = append(checks, skipped("refusal_rate", "too few answers with text"))
		} else {
			d, lo, hi := rateDiff(cd.Refusals, cd.Answers, st.Refusals, st.Answers, z)
			checks = append(checks, atMost("refusal_rate", d, lo, hi, k.MaxIncrease, "increase ≤ %.3g"))
		}
	}
	if k := c.ResponseLength; !k.Off {
		checks = append(checks, quantileRatio("response_length_p50", &st.Length, &cd.Length, 0.5, z2, min, k.MinRatio, k.MaxRatio))
	}
	if k := c.Sentiment; !k.Off {
		if st.Sentiment.N < min || cd.Sentiment.N < min {
			checks = append(checks, skipped("sentiment", "too few answers with text"))
		} else {
			// drop = stable mean − candidate mean; its bounds from each
			// mean's at alpha/2.
			ms, sl, sh := st.Sentiment.meanBounds(z2)
			mc, cl, ch := cd.Sentiment.meanBounds(z2)
			checks = append(checks, atMost("sentiment_drop", ms-mc, sl-ch, sh-cl, k.MaxDrop, "drop of the mean ≤ %.3g"))
		}
	}
	if k := c.Drift; k.On && !k.Off {
		checks = append(checks, driftCheck(st, cd, k.Alpha, seed, min))
	}
	if k := c.Agreement; !k.Off && r.Mode == config.RolloutModeShadow {
		if cd.Agreement.N < min {
			checks = append(checks, skipped("agreement", "too few shadow pairs"))
		} else {
			m, lo, hi := cd.Agreement.meanBounds(z)
			checks = append(checks, atLeast("agreement", m, lo, hi, k.Min, "mean ≥ %.3g"))
		}
	}

	var failed, open []string
	for _, ch := range checks {
		switch ch.Verdict {
		case VerdictFail:
			failed = append(failed, ch.Name+" "+ch.Detail)
		case VerdictInconclusive:
			open = append(open, ch.Name)
		}
	}
	switch {
	case len(failed) > 0:
		return windowFail, checks, "failed: " + strings.Join(failed, "; ")
	case len(open) > 0:
		return windowHold, checks, "inconclusive: " + strings.Join(open, ", ")
	}
	return windowPass, checks, "all checks passed"
}

func skipped(name, why string) Check {
	return Check{Name: name, Verdict: VerdictSkipped, Detail: why}
}

// atMost judges a value whose limit is a maximum.
func atMost(name string, v, lo, hi, limit float64, format string) Check {
	ch := Check{Name: name, Value: v, Low: lo, High: hi, Limit: fmt.Sprintf(format, limit), Verdict: VerdictInconclusive}
	switch {
	case lo > limit:
		ch.Verdict = VerdictFail
		ch.Detail = fmt.Sprintf("%.4g (≥ %.4g at confidence) over %.4g", v, lo, limit)
	case hi <= limit:
		ch.Verdict = VerdictPass
	}
	return ch
}

// atLeast judges a value whose limit is a minimum.
func atLeast(name string, v, lo, hi, limit float64, format string) Check {
	ch := Check{Name: name, Value: v, Low: lo, High: hi, Limit: fmt.Sprintf(format, limit), Verdict: VerdictInconclusive}
	switch {
	case hi < limit:
		ch.Verdict = VerdictFail
		ch.Detail = fmt.Sprintf("%.4g (≤ %.4g at confidence) under %.4g", v, hi, limit)
	case lo >= limit:
		ch.Verdict = VerdictPass
	}
	return ch
}

// quantileRatio judges candidate's q-quantile over stable's against
// [minRatio, maxRatio] (a zero side is unbounded); each quantile's bounds
// at z, so the ratio's are candidate low / stable high and candidate high
// / stable low.
func quantileRatio(name string, st, cd *sketch, q, z float64, min int64, minRatio, maxRatio float64) Check {
	if st.n < min || cd.n < min {
		return skipped(name, fmt.Sprintf("too few values (stable %d, candidate %d)", st.n, cd.n))
	}
	se, sl, sh := st.quantile(q, z)
	ce, cl, chi := cd.quantile(q, z)
	if se <= 0 || sl <= 0 {
		return skipped(name, "stable's values are zero")
	}
	v, lo, hi := ce/se, cl/sh, chi/sl
	var limits []string
	if maxRatio > 0 {
		limits = append(limits, fmt.Sprintf("ratio ≤ %.3g", maxRatio))
	}
	if minRatio > 0 {
		limits = append(limits, fmt.Sprintf("ratio ≥ %.3g", minRatio))
	}
	ch := Check{Name: name, Value: v, Low: lo, High: hi, Limit: strings.Join(limits, ", "), Verdict: VerdictPass}
	switch {
	case maxRatio > 0 && lo > maxRatio:
		ch.Verdict = VerdictFail
		ch.Detail = fmt.Sprintf("ratio %.3g (≥ %.3g at confidence) over %.3g", v, lo, maxRatio)
	case minRatio > 0 && hi < minRatio:
		ch.Verdict = VerdictFail
		ch.Detail = fmt.Sprintf("ratio %.3g (≤ %.3g at confidence) under %.3g", v, hi, minRatio)
	case math.IsInf(hi, 1) || lo == 0:
		// The quantile's rank interval runs off the window's ends (p99 of
		// 100 values): the data cannot bound it, so it cannot hold a
		// promotion, only fail one (above).
		ch.Verdict = VerdictSkipped
		ch.Detail = "too few values to bound this quantile"
	case maxRatio > 0 && !(hi <= maxRatio), minRatio > 0 && !(lo >= minRatio):
		ch.Verdict = VerdictInconclusive
	}
	return ch
}

// costRatio judges the mean cost per request, candidate over stable.
func costRatio(st, cd *moments, z float64, min int64, maxRatio float64) Check {
	const name = "cost_per_request"
	if st.N < min || cd.N < min {
		return skipped(name, "too few answers")
	}
	ms, sl, sh := st.meanBounds(z)
	mc, cl, ch := cd.meanBounds(z)
	if sh <= 0 {
		if mc == 0 {
			return skipped(name, "no cost on either side")
		}
		return skipped(name, "stable costs nothing")
	}
	v := mc / ms
	if ms == 0 {
		v = math.Inf(1)
	}
	hi := math.Inf(1)
	if sl > 0 {
		hi = ch / sl
	}
	return atMost(name, v, math.Max(cl, 0)/sh, hi, maxRatio, "ratio ≤ %.3g")
}

// driftCheck runs evals/drift's permutation tests (Holm-corrected over its
// features) of stable's answers against candidate's: a difference of the
// two distributions at level alpha fails the check.
func driftCheck(st, cd *aggregate, alpha float64, seed uint64, min int64) Check {
	const name = "drift"
	if int64(len(st.Drift)) < min || int64(len(cd.Drift)) < min {
		return skipped(name, fmt.Sprintf("too few answers sampled (stable %d, candidate %d)", len(st.Drift), len(cd.Drift)))
	}
	rep := drift.Compare(st.Drift, cd.Drift, nil, drift.Options{Alpha: alpha, Seed: seed, NoText: true, Permutations: 199, MinSamples: 10})
	p := 1.0
	var drifted []string
	for _, f := range rep.Features {
		p = math.Min(p, f.PValue)
		if f.Drift {
			drifted = append(drifted, f.Feature+"/"+f.Stat)
		}
	}
	ch := Check{Name: name, Value: p, Low: p, High: p, Limit: fmt.Sprintf("no drift at alpha %.3g (Holm)", alpha), Verdict: VerdictPass}
	if rep.Drift {
		ch.Verdict = VerdictFail
		ch.Detail = "drifted: " + strings.Join(drifted, ", ")
	}
	return ch
}

// newRand is a seeded source for merges and drift.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
