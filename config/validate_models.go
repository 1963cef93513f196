package config

// validateModels checks each model, its deployments and fallbacks, and
// returns the set of model names (keys' allowlists refer to them).
func validateModels(ms []Model, upstreams map[string]*Upstream, at reporter) map[string]bool {
	models := map[string]bool{}
	for i := range ms {
		m := &ms[i]
		p := indexPath("models", i)
		switch {
		case m.Name == "":
			at(p+".name", "is required")
		case models[m.Name]:
			at(p+".name", "duplicate model %q", m.Name)
		default:
			models[m.Name] = true
		}
		if len(m.Deployments) == 0 {
			at(p+".deployments", "at least one deployment is required")
		}
		for j, d := range m.Deployments {
			dp := indexPath(p+".deployments", j)
			if upstreams[d.Upstream] == nil {
				at(dp+".upstream", "unknown upstream %q (defined: %s)", d.Upstream, names(upstreams))
			}
			if d.Weight < 0 {
				at(dp+".weight", "must not be negative")
			}
		}
		validateBalance(m.Balance, p+".balance", at)
		if m.Retry.Attempts < 1 || m.Retry.Attempts > 10 {
			at(p+".retry.attempts", "must be within 1..10, got %d", m.Retry.Attempts)
		}
		if m.Circuit.ErrorRate <= 0 || m.Circuit.ErrorRate > 1 {
			at(p+".circuit.error_rate", "must be within (0,1]")
		}
	}
	// Fallbacks may name models defined later: checked once all are known.
	for i := range ms {
		for j, f := range ms[i].Fallbacks {
			if !models[f] {
				at(indexPath(indexPath("models", i)+".fallbacks", j), "unknown model %q", f)
			} else if f == ms[i].Name {
				at(indexPath(indexPath("models", i)+".fallbacks", j), "a model cannot fall back to itself")
			}
		}
	}
	return models
}
