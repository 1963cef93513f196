// Package health keeps Tollgate's per-model health: Prometheus metrics (VictoriaMetrics/metrics), rolling 1 min and
// 5 min windows per model and deployment, a status (healthy, degraded, unhealthy) judged against per-model SLOs or,
// where none is set, against the deployment's own latency baseline, the /v1/health/models API, /metrics, optional
// push to a VictoriaMetrics/Prometheus import URL, Alertmanager/webhook alerts on status changes, the built-in /ui
// ops page and a JSON access log.
//
// Hot path: the gateway resolves *Model and *Deployment handles once (Registry.Model, Model.Deployment: map
// lookups, no allocations) and calls Registry.Record once per finished request (0 allocations). A background loop
// (one goroutine per Registry, not per request) rotates the windows and re-evaluates statuses every second.
package health
