package health

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// pushLoop pushes all metrics every Push.Interval. It uses the library's PushMetricsExt per tick rather than
// InitPushExt so that each push has its own Timeout (a hanging receiver cannot pile up requests) and failures go
// to our logger. The library counts pushes and errors in metrics_push_total / metrics_push_errors_total.
func (r *Registry) pushLoop(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(r.opts.Push.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := r.pushOnce(ctx); err != nil {
				r.log.Warn("health: metrics push failed", "error", err)
			}
		}
	}
}

// pushOnce pushes the whole default set (every package's metrics plus process metrics) once.
func (r *Registry) pushOnce(ctx context.Context) error {
	p := r.opts.Push
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	opts := &metrics.PushOptions{ExtraLabels: extraLabelsString(p.ExtraLabels), Method: p.Method, Headers: p.Headers}
	err := metrics.PushMetricsExt(ctx, p.URL, writeAllMetrics, opts)
	if err == nil && ctx.Err() != nil {
		// The library reports a cancelled push as success; a deadline is a failure we want to see.
		err = ctx.Err()
	}
	if err != nil {
		return fmt.Errorf("push to %s: %w", redactURL(p.URL), err)
	}
	return nil
}

func writeAllMetrics(w io.Writer) { metrics.WritePrometheus(w, true) }
