package gateway

import (
	"fmt"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
)

// servingConfig is one config compiled for serving (named so it does not
// shadow the runtime package). It is immutable once built and
// swapped atomically on reload; requests keep the runtime they started with.
// Upstream pools and deployment state (circuits, latency) carry over from
// the previous runtime when their config did not change.
type servingConfig struct {
	cfg       *config.Config
	keys      *keyring
	models    map[string]*model
	order     []*model // config order, for /v1/models
	upstreams map[string]*upstream
	routes    []route // most specific first (sortRoutes)
	prices    metering.Prices
	rules     *metering.StaticRules
	limitsOn  bool                       // any limit or budget configured
	rollouts  map[string]*rolloutServing // by rolled-out model; nil when none (gateway/rollout.go)
}

// model is a client-facing model name and how to serve it.
type model struct {
	name        string
	deployments []*deployment
	fallbacks   []*model
	sel         selector
	retry       config.RetryConfig
	total       time.Duration // longest total timeout of its upstreams
	health      *health.Model // nil when health is off
}

func buildServingConfig(c *config.Config, prev *servingConfig, hr *health.Registry, startMock MockStarter) (*servingConfig, error) {
	prices, err := buildPrices(c)
	if err != nil {
		return nil, err
	}
	rt := &servingConfig{
		prices:    prices,
		cfg:       c,
		keys:      newKeyring(c),
		models:    make(map[string]*model, len(c.Models)),
		upstreams: make(map[string]*upstream, len(c.Upstreams)),
	}
	for _, uc := range c.Upstreams {
		fp := fmt.Sprintf("%#v", uc)
		if prev != nil {
			if old := prev.upstreams[uc.Name]; old != nil && old.fp == fp {
				rt.upstreams[uc.Name] = old
				continue
			}
		}
		u, err := newUpstreamFor(uc, startMock)
		if err != nil {
			rt.closeNew(prev)
			return nil, err
		}
		rt.upstreams[uc.Name] = u
	}
	for _, mc := range c.Models {
		m := &model{name: mc.Name, sel: newSelector(mc.Balance), retry: *mc.Retry}
		if hr != nil {
			m.health = hr.Model(mc.Name)
		}
		for _, dc := range mc.Deployments {
			up := rt.upstreams[dc.Upstream]
			fp := deploymentFP(dc, up, *mc.Circuit)
			d := prev.reuseDeployment(mc.Name, fp)
			if d == nil {
				d = newDeployment(dc, up, *mc.Circuit)
				d.fp = fp // a reused one has it already; it is shared with requests in flight, so left untouched
			}
			if m.health != nil {
				d.attachHealth(m.health.Deployment(d.name))
			}
			m.deployments = append(m.deployments, d)
			if t := up.cfg.Timeouts.Total; t > m.total {
				m.total = t
			}
		}
		rt.models[m.name] = m
		rt.order = append(rt.order, m)
	}
	for _, mc := range c.Models {
		m := rt.models[mc.Name]
		for _, f := range mc.Fallbacks {
			m.fallbacks = append(m.fallbacks, rt.models[f])
		}
	}
	for _, r := range c.Routes {
		rt.routes = append(rt.routes, newRoute(r, rt.upstreams[r.Upstream]))
	}
	sortRoutes(rt.routes)
	rt.rules, rt.limitsOn = buildRules(c)
	if err := rt.buildRollouts(c, prev, hr); err != nil {
		rt.closeNew(prev)
		return nil, err
	}
	return rt, nil
}

func deploymentFP(dc config.Deployment, up *upstream, cc config.CircuitConfig) string {
	return fmt.Sprintf("%#v|%p|%#v", dc, up, cc)
}

// reuseDeployment returns the previous runtime's deployment when nothing
// about it changed, so a reload keeps open circuits and latency estimates.
// fp is deploymentFP of the new configuration's deployment.
func (prev *servingConfig) reuseDeployment(modelName, fp string) *deployment {
	if prev == nil {
		return nil
	}
	m := prev.models[modelName]
	if m == nil {
		return nil
	}
	for _, d := range m.deployments {
		if d.fp == fp {
			return d
		}
	}
	return nil
}

// closeNew closes upstreams this runtime created (not the ones it reused).
func (rt *servingConfig) closeNew(prev *servingConfig) {
	for name, u := range rt.upstreams {
		if prev == nil || prev.upstreams[name] != u {
			u.close()
		}
	}
}

// retire closes upstreams the next runtime no longer uses. In-flight
// requests on them finish: only idle connections are closed.
func (rt *servingConfig) retire(next *servingConfig) {
	for name, u := range rt.upstreams {
		if next.upstreams[name] != u {
			u.close()
		}
	}
}
