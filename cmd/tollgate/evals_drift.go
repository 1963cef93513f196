package main

import (
	"log/slog"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/drift"
	"github.com/tollgate-ai/tollgate/health"
)

// newDriftMonitor starts the continuous drift monitor when evals.drift is
// enabled (nil otherwise): its status joins /v1/health/models and /ui, its
// transitions the health alerts. The sampler feeds it (Monitor.Observe).
func newDriftMonitor(cfg *config.Config, reg *health.Registry, log *slog.Logger) (*drift.Monitor, error) {
	d := cfg.Evals.Drift
	if !d.Enabled {
		return nil, nil
	}
	models := d.Models
	if len(models) == 0 {
		for _, m := range cfg.Models {
			models = append(models, m.Name)
		}
	}
	m, err := drift.NewMonitor(drift.MonitorOptions{
		Models: models, BaselineFile: d.Baseline.File, BaselineFrom: d.Baseline.From, BaselineTo: d.Baseline.To,
		BaselineSize: d.Baseline.FirstN, Window: d.Window, MinSamples: d.MinSamples, Interval: d.Interval,
		Compare:   drift.Options{Alpha: d.Alpha, Permutations: d.Permutations, Seed: d.Seed, NoText: d.Text == "off"},
		QueueSize: d.QueueSize, Scorers: textScorers(), Alert: reg.Alert, Logger: log,
		OnReport: func(model string, rep drift.Report) { reg.SetDrift(model, driftShare(rep)) },
	})
	if err != nil {
		return nil, err
	}
	reg.SetDriftStatus(m.Status)
	reg.AddUISource("drift", m.UIStatus)
	return m, nil
}

// driftShare is the share of a comparison's feature tests that found
// drift: the /ui sparkline's drift value for the minute.
func driftShare(rep drift.Report) float64 {
	if len(rep.Features) == 0 {
		return 0
	}
	n := 0
	for _, f := range rep.Features {
		if f.Drift {
			n++
		}
	}
	return float64(n) / float64(len(rep.Features))
}
