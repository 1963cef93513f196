package health

import "math"

// baseline learns a deployment's normal latency without configuration: an EWMA of the mean and variance of
// log(latency) per completed 10 s slot. Logs make the score a ratio ("3× slower"), independent of the model's
// absolute speed. Points that are already anomalous update the baseline only slowly and are winsorized, so a
// sudden slowdown is flagged for minutes instead of being learned in one window, while a lasting change is
// eventually accepted as the new normal.
type baseline struct {
	n        int     // slots fed
	mean     float64 // of log(seconds)
	variance float64
}

const (
	baselineAlpha     = 0.1  // normal learning rate (about 10 slots ≈ 100 s of memory)
	baselineSlowAlpha = 0.01 // learning rate while anomalous
	baselineWarmup    = 6    // slots needed before judging (1 min of traffic)
	minSigma          = 0.1  // log units (~10%): ignore jitter on very steady upstreams
	anomalyZ          = 3.0  // z-score needed to call a window anomalous
	degradedRatio     = 1.5  // and at least this much slower than baseline
	unhealthyRatio    = 2.5
	minSlotSamples    = 3 // requests a slot needs to be fed
)

func (b *baseline) sigma() float64 { return max(math.Sqrt(b.variance), minSigma) }

// feed adds one slot's mean latency in seconds.
func (b *baseline) feed(seconds float64) {
	if seconds <= 0 {
		return
	}
	x := math.Log(seconds)
	if b.n == 0 {
		b.mean, b.variance, b.n = x, 0, 1
		return
	}
	alpha := baselineAlpha
	if b.n >= baselineWarmup {
		if math.Abs(x-b.mean)/b.sigma() >= anomalyZ {
			alpha = baselineSlowAlpha
		}
		limit := 4 * b.sigma()
		x = min(max(x, b.mean-limit), b.mean+limit)
	}
	d := x - b.mean
	b.mean += alpha * d
	b.variance = (1 - alpha) * (b.variance + alpha*d*d)
	b.n++
}

// judge scores a current mean latency against the baseline: the status it implies and the slowdown ratio.
func (b *baseline) judge(seconds float64) (Status, float64) {
	if b.n < baselineWarmup || seconds <= 0 {
		return Healthy, 1
	}
	d := math.Log(seconds) - b.mean
	ratio := math.Exp(d)
	if d/b.sigma() < anomalyZ {
		return Healthy, ratio
	}
	switch {
	case ratio >= unhealthyRatio:
		return Unhealthy, ratio
	case ratio >= degradedRatio:
		return Degraded, ratio
	}
	return Healthy, ratio
}
