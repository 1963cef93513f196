package health

// PolicyInput returns the health summary for the policy's input.health, rebuilt once per evaluation (so the
// per-request cost is one atomic load). Shape:
//
//	{"mock-gpt": {"status": "healthy", "error_rate": 0.01, "latency_p99_ms": 812.5, "ttft_p50_ms": 120,
//	              "deployments": {"primary": "healthy", "backup": "unhealthy"}}, …}
//
// The returned map is shared: callers must not modify it.
func (r *Registry) PolicyInput() map[string]any {
	if p := r.policyInput.Load(); p != nil {
		return *p
	}
	return r.buildPolicyInput()
}

func (r *Registry) buildPolicyInput() map[string]any {
	snap := r.Snapshot()
	out := make(map[string]any, len(snap))
	for _, m := range snap {
		deps := make(map[string]any, len(m.Deployments))
		for _, d := range m.Deployments {
			deps[d.Deployment] = d.Status.String()
		}
		out[m.Model] = map[string]any{
			"status":         m.Status.String(),
			"error_rate":     m.ErrorRate,
			"latency_p99_ms": m.LatencyP99Ms,
			"ttft_p50_ms":    m.TTFTP50Ms,
			"deployments":    deps,
		}
	}
	return out
}

// refreshPolicyInput runs after each evaluation on the loop goroutine.
func (r *Registry) refreshPolicyInput() {
	m := r.buildPolicyInput()
	r.policyInput.Store(&m)
}
