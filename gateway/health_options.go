package gateway

import (
	"log/slog"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
)

// HealthOptions maps the config onto the health registry's options: only
// configured model, deployment and tenant names become metric labels.
func HealthOptions(c *config.Config, log *slog.Logger) health.Options {
	opts := health.Options{
		Tenants: c.Health.Tenants,
		Push: health.PushOptions{URL: c.Health.Push.URL, Interval: c.Health.Push.Interval,
			ExtraLabels: c.Health.Push.Labels},
		Alerts: health.AlertOptions{AlertmanagerURL: c.Health.Alerts.AlertmanagerURL, WebhookURL: c.Health.Alerts.WebhookURL},
		Logger: log,
	}
	if len(opts.Tenants) == 0 {
		seen := map[string]bool{}
		for _, k := range c.Keys {
			if !seen[k.Tenant] {
				seen[k.Tenant] = true
				opts.Tenants = append(opts.Tenants, k.Tenant)
			}
		}
	}
	for _, m := range c.Models {
		spec := health.ModelSpec{Name: m.Name}
		if slo, ok := c.Health.SLOs[m.Name]; ok {
			spec.SLO = health.SLO{MaxErrorRate: slo.MaxErrorRate, LatencyP99: slo.LatencyP99, TTFTP99: slo.TTFTP99}
		}
		for _, d := range m.Deployments {
			spec.Deployments = append(spec.Deployments, d.Name)
		}
		opts.Models = append(opts.Models, spec)
	}
	return opts
}
