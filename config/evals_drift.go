package config

import "time"

// DriftConfig is the continuous drift monitor (package evals/drift,
// docs/evals.md): per model, a baseline against a sliding window of
// sampled traffic, compared every Interval off the request path.
//
//	evals:
//	  drift:
//	    enabled: true
//	    models: [gpt-4o]            # default: every configured model
//	    baseline: {first_n: 1000}   # or {file: base.jsonl}, or {from: 2026-01-01T00:00:00Z, to: …}
//	    window: 500
//	    interval: 5m
type DriftConfig struct {
	Enabled bool `yaml:"enabled"`
	// Models lists the model names watched; empty watches every
	// configured model.
	Models     []string      `yaml:"models"`
	Baseline   DriftBaseline `yaml:"baseline"`
	Window     int           `yaml:"window"`      // current sliding window, samples (default 500)
	MinSamples int           `yaml:"min_samples"` // the window's fewest before a comparison (default 100)
	Interval   time.Duration `yaml:"interval"`    // between comparisons (default 5m)
	// Alpha is the false-alarm rate per comparison over all features
	// (default 0.05); Permutations per feature (default 999, raised to
	// what the Holm correction needs); Seed makes comparisons reproducible.
	Alpha        float64 `yaml:"alpha"`
	Permutations int     `yaml:"permutations"`
	Seed         uint64  `yaml:"seed"`
	// Text turns the domain classifiers on prompt and response text on or
	// off ("on" default: most of a comparison's cost).
	Text      string `yaml:"text"`
	QueueSize int    `yaml:"queue_size"` // samples waiting for feature extraction (default 1024)
}

// DriftBaseline chooses the baseline: a sample file, a pinned time range,
// or else the first FirstN samples of each model. FirstN also caps the
// samples a file or range keeps per model.
type DriftBaseline struct {
	File   string    `yaml:"file"`
	From   time.Time `yaml:"from"`
	To     time.Time `yaml:"to"`
	FirstN int       `yaml:"first_n"`
}

func defaultDrift(d *DriftConfig) {
	setInt(&d.Baseline.FirstN, 1000)
	setInt(&d.Window, 500)
	setInt(&d.MinSamples, min(100, d.Window))
	setDur(&d.Interval, 5*time.Minute)
	setInt(&d.Permutations, 999)
	setInt(&d.QueueSize, 1024)
	if d.Alpha == 0 {
		d.Alpha = 0.05
	}
	if d.Seed == 0 {
		d.Seed = 1
	}
	if d.Text == "" {
		d.Text = "on"
	}
}
