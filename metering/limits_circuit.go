package metering

import (
	"log/slog"
	"sync/atomic"
	"time"
)

// redisCircuit decides when Redis counts as down for the limiter. One slow call on a busy host must
// not flip a replica to its fallback, so each call is retried once with a longer timeout (in
// Limiter.callRedis) and the circuit opens only after tripAfter consecutive calls failed both
// attempts. While open, Redis is skipped for retryEvery, then one caller probes it.
type redisCircuit struct {
	tripAfter  int64
	retryEvery time.Duration
	log        *slog.Logger
	failMode   string

	failures  atomic.Int64 // consecutive failed calls
	downUntil atomic.Int64 // unix nanos until which Redis is skipped; 0 = closed
}

// allow says whether to call Redis now: always while closed; while open, once per retryEvery, by
// one caller (the CAS winner) while the others keep the fallback.
func (c *redisCircuit) allow() bool {
	until := c.downUntil.Load()
	if until == 0 {
		return true
	}
	now := time.Now().UnixNano()
	return now >= until && c.downUntil.CompareAndSwap(until, now+int64(c.retryEvery))
}

func (c *redisCircuit) success() {
	c.failures.Store(0)
	if c.downUntil.Load() != 0 {
		c.downUntil.Store(0)
		c.log.Info("limits: redis answers again; shared limits restored")
	}
}

// failure records a call that failed both attempts; it opens the circuit at tripAfter in a row.
func (c *redisCircuit) failure(err error) {
	if c.failures.Add(1) < c.tripAfter {
		return
	}
	if c.downUntil.Swap(time.Now().Add(c.retryEvery).UnixNano()) == 0 {
		rateCircuitTrips.Inc()
		c.log.Warn("limits: redis unavailable; falling back", "fail_mode", c.failMode, "failed_calls", c.failures.Load(),
			"retry_in", c.retryEvery, "err", err)
	}
}

func (c *redisCircuit) open() bool { return c.downUntil.Load() != 0 }
