package health

import (
	"math"
	"time"
)

// WindowStats summarizes one rolling window. Latencies and tokens_per_s cover requests the upstream answered
// without error (not cache hits, not denials); tokens_per_s is mean generation speed (output tokens / generation
// time).
type WindowStats struct {
	Requests     uint64  `json:"requests"`
	Errors       uint64  `json:"errors"`
	Served       uint64  `json:"served"` // answered by the upstream without error: the latency sample size
	ErrorRate    float64 `json:"error_rate"`
	LatencyP50Ms float64 `json:"latency_p50_ms"`
	LatencyP99Ms float64 `json:"latency_p99_ms"`
	TTFTP50Ms    float64 `json:"ttft_p50_ms"`
	TTFTP99Ms    float64 `json:"ttft_p99_ms"`
	TokensPerS   float64 `json:"tokens_per_s"`
	CostUSD      float64 `json:"cost_usd"`
	CacheHitRate float64 `json:"cache_hit_rate"`
}

// DeploymentHealth is one deployment in ModelHealth.
type DeploymentHealth struct {
	Deployment string    `json:"deployment"`
	Status     Status    `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Since      time.Time `json:"since,omitzero"`
	Circuit    string    `json:"circuit"`
	WindowStats
	Window5m WindowStats `json:"window_5m"`
}

// ModelHealth is one model in GET /v1/health/models and the policy's input.health. The top-level numbers are
// the 1 min window; Window5m holds the 5 min window.
type ModelHealth struct {
	Model    string    `json:"model"`
	Status   Status    `json:"status"`
	Reason   string    `json:"reason,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	InFlight int64     `json:"in_flight"`
	Drift    string    `json:"drift,omitempty"` // the evals drift monitor's status, when it watches the model
	WindowStats
	Window5m    WindowStats        `json:"window_5m"`
	Deployments []DeploymentHealth `json:"deployments"`
}

var circuitNames = [...]string{"closed", "half_open", "open"}

// Snapshot returns every configured model (and "other" while it has traffic) with its deployments.
func (r *Registry) Snapshot() []ModelHealth {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := epochOf(r.now().Unix())
	var out []ModelHealth
	for _, m := range r.state.Load().list {
		var m1, m5 stats
		mh := ModelHealth{Model: m.name, Status: m.Status(), Since: unixTime(m.since.Load()), InFlight: m.inFlight.Load(),
			Drift: r.driftStatus(m.name)}
		for _, d := range m.deps.Load().list {
			var w1, w5 stats
			d.win.collect(e, shortSlots, &w1)
			d.win.collect(e, longSlots, &w5)
			if d.name == OtherLabel && w5.requests == 0 {
				continue
			}
			m1.merge(&w1)
			m5.merge(&w5)
			dh := DeploymentHealth{
				Deployment: d.name, Status: d.Status(), Since: unixTime(d.since.Load()),
				Circuit:     circuitName(d.circuit.Load()),
				WindowStats: w1.summary(), Window5m: w5.summary(),
			}
			if dh.Status != Healthy {
				dh.Reason = d.reason
				if mh.Reason == "" || dh.Status > Degraded {
					mh.Reason = d.name + ": " + d.reason
				}
			}
			mh.Deployments = append(mh.Deployments, dh)
		}
		if m.name == OtherLabel && m5.requests == 0 {
			continue
		}
		if mh.Status == Healthy {
			mh.Reason = ""
		}
		mh.WindowStats, mh.Window5m = m1.summary(), m5.summary()
		if mh.Deployments == nil {
			mh.Deployments = []DeploymentHealth{}
		}
		out = append(out, mh)
	}
	return out
}

func circuitName(s int32) string {
	if s >= 0 && int(s) < len(circuitNames) {
		return circuitNames[s]
	}
	return OtherLabel
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}

func (a *stats) summary() WindowStats {
	return WindowStats{
		Requests:     a.requests,
		Errors:       a.errors,
		Served:       a.ok,
		ErrorRate:    round(a.errorRate(), 4),
		LatencyP50Ms: ms(quantile(&a.lat, 0.5)),
		LatencyP99Ms: ms(quantile(&a.lat, 0.99)),
		TTFTP50Ms:    ms(quantile(&a.ttft, 0.5)),
		TTFTP99Ms:    ms(quantile(&a.ttft, 0.99)),
		TokensPerS:   round(a.tokensPerSecond(), 1),
		CostUSD:      round(float64(a.costMicros)/1e6, 6),
		CacheHitRate: round(a.cacheHitRate(), 4),
	}
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 1) }

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}
