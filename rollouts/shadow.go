package rollouts

import (
	"context"
	"sync/atomic"
	"time"
)

// ShadowAdmit reserves a shadow call of model's candidate: false (and
// counted in tollgate_rollout_shadow_skipped_total{model,reason}) when the
// rollout is not shadowing, max_concurrency calls are in flight, or today's
// shadow spend reached daily_usd. release(costMicros) must be called once
// when the call ends; it adds the call's cost to today's spend.
func (c *Controller) ShadowAdmit(model string) (release func(costMicros int64), ok bool) {
	r := c.table.load().byModel[model]
	if r == nil {
		return nil, false
	}
	if r.shadowCut.Load() == 0 {
		r.skipInactive.Inc()
		return nil, false
	}
	cfg := r.cfg.Load()
	r.rollDay(dayIndex(c.o.Now()))
	if r.inflight.Add(1) > int64(cfg.Shadow.MaxConcurrency) {
		r.inflight.Add(-1)
		r.skipConcurrency.Inc()
		return nil, false
	}
	if float64(r.spent.Load()) >= cfg.Shadow.DailyUSD*1e6 {
		r.inflight.Add(-1)
		r.skipBudget.Inc()
		return nil, false
	}
	var done atomic.Bool
	return func(costMicros int64) {
		if done.Swap(true) {
			return
		}
		r.inflight.Add(-1)
		r.spent.Add(costMicros)
		r.pending.Add(costMicros)
	}, true
}

func dayIndex(t time.Time) int64 { return t.Unix() / 86400 }

func dayName(d int64) string { return time.Unix(d*86400, 0).UTC().Format("20060102") }

// rollDay starts a new UTC day's spend.
func (r *rollout) rollDay(d int64) {
	if old := r.day.Load(); old != d && r.day.CompareAndSwap(old, d) {
		r.spent.Store(r.pending.Load())
	}
}

// syncSpend adds this replica's new shadow spend to the shared daily total
// and reads the total back (every replica's spend counts against one cap).
func (c *Controller) syncSpend(ctx context.Context, r *rollout, now time.Time) {
	if r.shadowCut.Load() == 0 && r.pending.Load() == 0 {
		return
	}
	d := dayIndex(now)
	r.rollDay(d)
	p := r.pending.Swap(0)
	total, err := c.st.addSpend(ctx, r.model, dayName(d), p)
	if err != nil {
		r.pending.Add(p)
		c.storeErrs.Inc()
		return
	}
	r.spent.Store(total + r.pending.Load())
}
