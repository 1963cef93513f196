package config

import "time"

// EvalsReport links /ui to the latest evals report (docs/evals.md): Path
// is the HTML file served at /ui/report.html under /ui's protection,
// written by `tollgate evals report --out PATH` (cron) or, when Every is
// set, by the gateway itself from the file sink.
type EvalsReport struct {
	Path string `yaml:"path"`
	// Every regenerates Path from the file sink's current file at this
	// interval (0 = never; at least 1m). The run reads at most MaxSamples
	// of the latest samples (default 5000) and runs on
	// one goroutine, off the request path.
	Every      time.Duration `yaml:"every"`
	MaxSamples int           `yaml:"max_samples"`
}

// DefaultEvalsReportMaxSamples bounds a scheduled report's input.
const DefaultEvalsReportMaxSamples = 5000

func validateEvalsReport(r *EvalsReport, sinkKind string, at reporter) {
	const p = "evals.report"
	if r.Every != 0 && r.Every < time.Minute {
		at(p+".every", "must be at least 1m, got %s", r.Every)
	}
	if r.Every > 0 && r.Path == "" {
		at(p+".path", "required with every: the file the scheduled report is written to")
	}
	if r.Every > 0 && sinkKind == EvalsSinkRedis {
		at(p+".every", "needs the file sink (the scheduled report reads the sink's current file); run `tollgate evals report` for a Redis sink")
	}
	if r.MaxSamples < 0 || r.MaxSamples > 1_000_000 {
		at(p+".max_samples", "must be within [0, 1000000], got %d", r.MaxSamples)
	}
}
