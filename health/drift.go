package health

// DriftStatusFunc reports a model's drift status ("ok", "drift",
// "warming_up"); ok is false for a model nobody monitors.
type DriftStatusFunc func(model string) (status string, ok bool)

// SetDriftStatus installs the source of ModelHealth.Drift (the evals drift
// monitor); nil removes it.
func (r *Registry) SetDriftStatus(f DriftStatusFunc) {
	if f == nil {
		r.drift.Store(nil)
		return
	}
	r.drift.Store(&f)
}

func (r *Registry) driftStatus(model string) string {
	f := r.drift.Load()
	if f == nil {
		return ""
	}
	s, ok := (*f)(model)
	if !ok {
		return ""
	}
	return s
}
