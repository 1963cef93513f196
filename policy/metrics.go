package policy

import "github.com/VictoriaMetrics/metrics"

// Metric handles, created once (never per request).
var (
	decisionsAllow = metrics.NewCounter(`tollgate_policy_decisions_total{result="allow"}`)
	decisionsDeny  = metrics.NewCounter(`tollgate_policy_decisions_total{result="deny"}`)
	decisionsError = metrics.NewCounter(`tollgate_policy_decisions_total{result="error"}`)
	evalErrors     = metrics.NewCounter(`tollgate_policy_errors_total`)
	evalSeconds    = metrics.NewPrometheusHistogramExt(`tollgate_policy_eval_seconds`,
		[]float64{2e-6, 5e-6, 10e-6, 20e-6, 50e-6, 100e-6, 250e-6, 1e-3, 5e-3, 0.025, 0.05, 0.1})
	reloadsOK       = metrics.NewCounter(`tollgate_policy_reloads_total{result="ok"}`)
	reloadsError    = metrics.NewCounter(`tollgate_policy_reloads_total{result="error"}`)
	decisionLogDrop = metrics.NewCounter(`tollgate_queue_dropped_total{queue="decision_log"}`)
	// Decisions the compiled evaluator handed to topdown: its panics (a bug)
	// and conflict errors (topdown may skip them, see Engine.eval).
	compiledCrashes   = metrics.NewCounter(`tollgate_policy_compiled_fallbacks_total{reason="crash"}`)
	compiledConflicts = metrics.NewCounter(`tollgate_policy_compiled_fallbacks_total{reason="conflict"}`)
)
