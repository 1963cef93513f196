package main

import (
	"fmt"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals"
)

// newEvals builds the sampling stage and its writer from the evals
// section: the file sink by default, the Redis stream on the redis
// section's server when chosen. Sample text is scrubbed of secrets and
// PII before it is written.
func (a *app) newEvals(cfg *config.Config) error {
	c := &cfg.Evals
	var sink evals.Sink
	switch c.Sink.Kind {
	case config.EvalsSinkRedis:
		if a.redis == nil {
			return fmt.Errorf("evals: sink redis needs the redis section")
		}
		sink = evals.NewShardedRedisSink(a.redis, c.Sink.Redis.Stream, c.Sink.Redis.MaxLen, c.Sink.Redis.Shards)
	default:
		sink = evals.NewFileSink(c.Sink.File.Path, c.Sink.File.MaxSizeMB, c.Sink.File.MaxBackups)
	}
	scrub, err := evals.NewScrubScanner()
	if err != nil {
		return fmt.Errorf("evals: %w", err)
	}
	var onSample func(*evals.Sample)
	var onFeedback func(*evals.Feedback)
	if a.drift != nil {
		onSample = a.drift.Observe // the drift monitor learns from what is sampled
		onFeedback = a.drift.ObserveFeedback
	}
	a.evalsWriter = evals.NewWriter(evals.WriterOptions{Sink: sink, QueueSize: c.QueueSize, Scrub: scrub,
		Logger: a.log, Alert: a.health.Alert, OnSample: onSample, OnFeedback: onFeedback})
	a.evals = evals.NewStage(evals.StageOptions{Config: c, Writer: a.evalsWriter})
	return nil
}
