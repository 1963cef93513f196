package report

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/evals/drift"
)

// LoadSource reads the latest maxSamples samples of a sample source
// (evals.ReadRecords: file, directory or redis://…) as feature vectors,
// with the feedback records of the source joined by (tenant, request id)
// into their feedback_score. Memory is bounded by maxSamples samples.
func LoadSource(src string, maxSamples int, ex *drift.Extractor) ([]drift.Vector, evals.ReadStats, error) {
	if maxSamples <= 0 {
		return nil, evals.ReadStats{}, fmt.Errorf("report: maxSamples must be positive")
	}
	ring := make([]*evals.Sample, 0, min(maxSamples, 4096))
	next := 0
	ix := evals.FeedbackIndex{}
	st, err := evals.ReadRecords(src, func(s *evals.Sample) error {
		if len(ring) < maxSamples {
			ring = append(ring, s)
		} else {
			ring[next] = s
			next = (next + 1) % maxSamples
		}
		return nil
	}, func(f *evals.Feedback) error { ix.Add(f); return nil })
	if err != nil {
		return nil, st, err
	}
	ordered := append(ring[next:len(ring):len(ring)], ring[:next]...)
	vs := make([]drift.Vector, len(ordered))
	for i, s := range ordered {
		vs[i] = ex.Extract(s)
		if f := ix.For(s); f != nil {
			vs[i].SetFeedback(f.Score)
		}
	}
	return vs, st, nil
}

// ScheduleOptions configure StartSchedule.
type ScheduleOptions struct {
	Source     string // the sample sink to read
	Out        string // the HTML file to (re)write
	Every      time.Duration
	MaxSamples int
	Scorers    drift.TextScorers
	Logger     *slog.Logger
}

// StartSchedule rewrites Out from Source every Every (first run at once)
// on one goroutine until the returned stop is called. A run reads at most
// MaxSamples samples and writes through a temporary file and a rename,
// so /ui never serves half a report.
func StartSchedule(o ScheduleOptions) (stop func(), err error) {
	ex, err := drift.NewExtractor(o.Scorers)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			start := time.Now()
			if err := WriteFromSource(o.Source, o.Out, o.MaxSamples, ex, start); err != nil {
				o.Logger.Warn("evals report: not written", "out", o.Out, "err", err)
			} else {
				o.Logger.Info("evals report written", "out", o.Out, "took", time.Since(start).Round(time.Millisecond))
			}
			t.Reset(o.Every)
		}
	}()
	return func() { close(done); <-finished }, nil
}

// WriteFromSource builds the report of the latest maxSamples samples of
// src and writes it to out atomically.
func WriteFromSource(src, out string, maxSamples int, ex *drift.Extractor, now time.Time) error {
	vs, st, err := LoadSource(src, maxSamples, ex)
	if err != nil {
		return err
	}
	if st.Valid == 0 {
		return fmt.Errorf("no valid sample in %s yet", src)
	}
	page := Build(Input{Current: vs, Skipped: ex.Skipped(), Now: now, Options: drift.Options{Seed: drift.DefaultSeed}})
	tmp, err := os.CreateTemp(filepath.Dir(out), ".report-*.html")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename: nothing to remove
	if _, err := tmp.WriteString(page); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), out)
}
