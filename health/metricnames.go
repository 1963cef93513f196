package health

// ExportedMetricNames are the metric families this package registers (histograms also export _bucket, _sum and
// _count). The deploy/ dashboard and alert rules may only use these, ExternalMetricNames or
// ExternalMetricPrefixes; a test enforces it.
var ExportedMetricNames = []string{
	"tollgate_requests_total",
	"tollgate_upstream_errors_total",
	"tollgate_request_duration_seconds",
	"tollgate_upstream_ttft_seconds",
	"tollgate_inter_token_latency_seconds",
	"tollgate_output_tokens_per_second",
	"tollgate_tokens_total",
	"tollgate_cost_usd_total",
	"tollgate_cache_requests_total",
	"tollgate_in_flight_requests",
	"tollgate_circuit_state",
	"tollgate_model_health",
	"tollgate_deployment_health",
	"tollgate_queue_dropped_total", // {queue="alerts"} here; other packages add their own queue values
	"tollgate_alerts_deduplicated_total",
	"tollgate_alert_deliveries_total",
}

// ExternalMetricNames are registered by other packages into the same default set. Update this list when a
// package adds a metric that dashboards or alert rules use.
var ExternalMetricNames = []string{
	"tollgate_policy_decisions_total",
	"tollgate_policy_eval_seconds",
	"tollgate_policy_reloads_total",
	"tollgate_policy_compiled_fallbacks_total",
	"tollgate_policy_denials_total",
	"tollgate_filter_findings_total",
	"tollgate_drift_score",
	"tollgate_drift_detected",
	"tollgate_streams_cut_total",
	"tollgate_requests_shed_total", // gateway/admission.go, gateway/conn_limit.go
	"tollgate_admission_in_flight", // gateway/admission.go
	"tollgate_admission_limit",     // gateway/admission.go
	"tollgate_panics_total",
	"tollgate_bias_score",      // evals/bias, scheduled runs
	"tollgate_bias_flagged",    // evals/bias
	"tollgate_bias_runs_total", // evals/bias
}

// ExternalMetricPrefixes cover families other packages own as a group.
var ExternalMetricPrefixes = []string{
	"tollgate_ledger_",
	"tollgate_ratelimit_",
	"tollgate_budget_",
}
