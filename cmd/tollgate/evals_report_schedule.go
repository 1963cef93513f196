package main

import (
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/report"
)

// startEvalsReport links /ui to evals.report.path and, with
// evals.report.every, rewrites it from the file sink on a schedule.
func (a *app) startEvalsReport(c *config.EvalsConfig) {
	r := c.Report
	if r.Path == "" {
		return
	}
	a.health.SetReportFile(r.Path)
	if r.Every <= 0 || !c.Enabled || c.Sink.Kind == config.EvalsSinkRedis {
		return
	}
	stop, err := report.StartSchedule(report.ScheduleOptions{Source: c.Sink.File.Path, Out: r.Path, Every: r.Every,
		MaxSamples: orInt(r.MaxSamples, config.DefaultEvalsReportMaxSamples), Scorers: textScorers(), Logger: a.log})
	if err != nil {
		a.log.Error("evals report schedule: not started", "err", err)
		return
	}
	a.closers = append(a.closers, closerFunc(stop))
}
