package cache

import "github.com/VictoriaMetrics/metrics"

// The cache's own metrics (its hit/miss counts per model are the health
// package's tollgate_cache_requests_total, from x-tollgate-cache). Fixed
// label values only.
var (
	evictions      = metrics.NewCounter(`tollgate_cache_evictions_total{tier="memory"}`)
	corruptEntries = metrics.NewCounter(`tollgate_cache_corrupt_entries_total`)
	notStored      = map[string]*metrics.Counter{
		"too_big":    metrics.NewCounter(`tollgate_cache_not_stored_total{reason="too_big"}`),
		"incomplete": metrics.NewCounter(`tollgate_cache_not_stored_total{reason="incomplete"}`),
		"flagged":    metrics.NewCounter(`tollgate_cache_not_stored_total{reason="flagged"}`),
	}
	l2Errors  = metrics.NewCounter(`tollgate_cache_redis_errors_total`)
	l2Skipped = metrics.NewCounter(`tollgate_cache_redis_skipped_total`)
	l2Dropped = metrics.NewCounter(`tollgate_cache_redis_writes_dropped_total`)
	stored    = metrics.NewCounter(`tollgate_cache_stores_total`)
)

// registerGauges adds the memory tier's size gauges, read from s (once per
// process: the gauges are global).
func registerGauges(s *Stage) {
	metrics.GetOrCreateGauge(`tollgate_cache_bytes{tier="memory"}`, func() float64 {
		if m := current.Load(); m != nil {
			return float64(m.mem.bytes())
		}
		return 0
	})
	metrics.GetOrCreateGauge(`tollgate_cache_entries{tier="memory"}`, func() float64 {
		if m := current.Load(); m != nil {
			return float64(m.mem.entries())
		}
		return 0
	})
	current.Store(s)
}
