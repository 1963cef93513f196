package config

import "time"

// Bounds of the drift monitor's sizes: each model keeps a baseline and a
// window of feature vectors in memory, and a comparison's cost grows with
// them and with the permutations.
const (
	maxDriftSamples      = 20000
	maxDriftPermutations = 100000
	maxDriftQueue        = 1 << 20
)

// validateEvalsDrift checks evals.drift: sizes, the baseline source and
// that the watched models are configured.
func validateEvalsDrift(d *DriftConfig, models map[string]bool, at reporter) {
	const p = "evals.drift"
	for _, m := range d.Models {
		if !models[m] {
			at(p+".models", "unknown model %q", m)
		}
	}
	b := d.Baseline
	if b.FirstN < 2 || b.FirstN > maxDriftSamples {
		at(p+".baseline.first_n", "must be in [2, %d], got %d", maxDriftSamples, b.FirstN)
	}
	if b.File != "" && !b.To.IsZero() {
		at(p+".baseline", "choose a file or a time range, not both")
	}
	if !b.To.IsZero() && !b.From.Before(b.To) {
		at(p+".baseline.to", "must be after from")
	}
	if b.To.IsZero() && !b.From.IsZero() {
		at(p+".baseline.to", "required with from")
	}
	if d.Window < 2 || d.Window > maxDriftSamples {
		at(p+".window", "must be in [2, %d], got %d", maxDriftSamples, d.Window)
	}
	if d.MinSamples < 2 || d.MinSamples > d.Window {
		at(p+".min_samples", "must be in [2, window=%d], got %d", d.Window, d.MinSamples)
	}
	if d.Interval < time.Second {
		at(p+".interval", "must be at least 1s, got %s", d.Interval)
	}
	if d.Alpha <= 0 || d.Alpha >= 0.5 {
		at(p+".alpha", "must be in (0, 0.5), got %v", d.Alpha)
	}
	if d.Permutations < 1 || d.Permutations > maxDriftPermutations {
		at(p+".permutations", "must be in [1, %d], got %d", maxDriftPermutations, d.Permutations)
	}
	if d.Text != "on" && d.Text != "off" {
		at(p+".text", "must be on or off, got %q", d.Text)
	}
	if d.QueueSize < 1 || d.QueueSize > maxDriftQueue {
		at(p+".queue_size", "must be in [1, %d], got %d", maxDriftQueue, d.QueueSize)
	}
}
