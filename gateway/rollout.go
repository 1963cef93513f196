package gateway

import (
	"fmt"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
)

// rolloutServing is one rollout compiled for serving: the models that
// serve each variant (package rollouts decides which one a request gets,
// gateway/rollout_split.go asks it).
type rolloutServing struct {
	model     string // the client-facing model the rollout covers
	stickyKey bool   // sticky per key; else per the request's user field, then the key
	shadowing bool   // shadow mode: stable serves, the candidate gets background copies
	stable    *model // serves the Stable variant
	// candidate serves the Candidate variant in canary mode: the candidate
	// target whose fallback is stable (then stable's fallbacks), so a
	// candidate that fails retries on stable and the client never sees it.
	candidate *model
	// target is the candidate target alone: shadow calls go to it, with no
	// fallback (a shadow answer from stable would compare stable with itself).
	target *model
}

// buildRollouts compiles c.Rollouts into rt.rollouts (nil when there are
// none: the split then costs one nil check per request). The config was
// validated: every model and upstream a target names exists.
func (rt *servingConfig) buildRollouts(c *config.Config, prev *servingConfig, hr *health.Registry) error {
	if len(c.Rollouts) == 0 {
		return nil
	}
	rt.rollouts = make(map[string]*rolloutServing, len(c.Rollouts))
	for i := range c.Rollouts {
		r := &c.Rollouts[i]
		mc := modelConfig(c, r.Model)
		if mc == nil || rt.models[r.Model] == nil {
			return fmt.Errorf("rollouts[%d]: model %q is not configured", i, r.Model)
		}
		stable, err := rt.rolloutTarget(r, r.Stable, "stable", mc, prev, hr)
		if err != nil {
			return err
		}
		target, err := rt.rolloutTarget(r, r.Candidate, "candidate", mc, prev, hr)
		if err != nil {
			return err
		}
		rs := &rolloutServing{model: r.Model, stickyKey: r.Sticky == config.StickyKey,
			shadowing: r.Mode == config.RolloutModeShadow, stable: stable, target: target}
		cand := *target
		cand.fallbacks = append([]*model{stable}, stable.fallbacks...)
		// The deadline covers the candidate's attempts and then stable's in
		// full: a hanging candidate must not leave stable without time.
		cand.total = target.total + stable.total
		rs.candidate = &cand
		rt.rollouts[r.Model] = rs
	}
	return nil
}

// rolloutTarget is the model serving one side of a rollout: another
// configured model, or the target's own deployments as a model named
// "<model>@<role>" (with the rolled-out model's retry and circuit settings).
func (rt *servingConfig) rolloutTarget(r *config.Rollout, t config.RolloutTarget, role string, mc *config.Model,
	prev *servingConfig, hr *health.Registry) (*model, error) {
	if t.Model != "" {
		m := rt.models[t.Model]
		if m == nil {
			return nil, fmt.Errorf("rollout %s: %s model %q is not configured", r.Model, role, t.Model)
		}
		return m, nil
	}
	name := r.Model + "@" + role
	m := &model{name: name, sel: newSelector(mc.Balance), retry: *mc.Retry}
	if hr != nil {
		m.health = hr.Model(name)
	}
	var old *model
	if prev != nil && prev.rollouts[r.Model] != nil {
		if o := prev.rollouts[r.Model]; role == "stable" {
			old = o.stable
		} else {
			old = o.target
		}
	}
	for _, dc := range t.Deployments {
		up := rt.upstreams[dc.Upstream]
		if up == nil {
			return nil, fmt.Errorf("rollout %s: %s deployment names upstream %q, which is not configured", r.Model, role, dc.Upstream)
		}
		fp := deploymentFP(dc, up, *mc.Circuit)
		var d *deployment
		if old != nil { // a reload keeps its circuit and latency estimate
			for _, od := range old.deployments {
				if od.fp == fp {
					d = od
				}
			}
		}
		if d == nil {
			d = newDeployment(dc, up, *mc.Circuit)
			d.fp = fp
		}
		if m.health != nil {
			d.attachHealth(m.health.Deployment(d.name))
		}
		m.deployments = append(m.deployments, d)
		m.total = max(m.total, up.cfg.Timeouts.Total)
	}
	return m, nil
}

// variantModel is the model that serves v of rollout rs.
func (rs *rolloutServing) variantModel(v RolloutVariant) *model {
	if v == VariantCandidate {
		return rs.candidate
	}
	return rs.stable
}

func modelConfig(c *config.Config, name string) *config.Model {
	for i := range c.Models {
		if c.Models[i].Name == name {
			return &c.Models[i]
		}
	}
	return nil
}
