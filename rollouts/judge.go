package rollouts

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// grace is how long after an interval ends the judge waits for every
// replica's aggregate of it (they write each sync).
func (c *Controller) grace(iv time.Duration) time.Duration {
	return min(2*c.syncEvery(), iv/2)
}

// judge analyses the last finished interval once it is due: one replica
// per interval (a lock in the store), on every replica's observations
// merged over the window, and commits the outcome.
func (c *Controller) judge(ctx context.Context, r *rollout, now time.Time) {
	cfg := r.cfg.Load()
	sh, known := r.snapshot()
	k := intervalIndex(now, cfg.Interval) - 1
	if !known || !due(sh.rec, k) || now.Before(intervalEnd(k, cfg.Interval).Add(c.grace(cfg.Interval))) {
		return
	}
	ok, err := c.st.lock(ctx, r.model, k, c.o.Replica, cfg.Interval)
	if err != nil {
		c.storeErrs.Inc()
		return
	}
	if !ok {
		return
	}
	sh, found, err := c.st.load(ctx, r.model)
	if err != nil || !found {
		c.storeErrs.Inc()
		return
	}
	rec := sh.rec
	if rec.Fingerprint != r.fp || !due(rec, k) {
		return
	}
	from := max(rec.WindowStart, k-maxWindowIntervals+1)
	st, cd, err := c.window(ctx, r.model, from, k)
	if err != nil {
		c.storeErrs.Inc()
		return
	}
	atFull := cfg.Mode == config.RolloutModeCanary && stepPercent(cfg, rec.Step) >= 100
	if atFull {
		// At 100 % stable serves nothing: the candidate is judged against
		// stable's window before the step to 100 %.
		base, err := c.st.baseline(ctx, r.model)
		if err != nil {
			c.storeErrs.Inc()
			return
		}
		if base != nil {
			st = base
		}
	}
	v, checks, why := analyze(cfg, st, cd, c.o.Seed^uint64(k))
	next := rec
	next.Version++
	next.LastJudged = k
	next.Updated = now
	outcome := OutcomeHold
	switch v {
	case windowPass:
		next.Failures = 0
		next.WindowStart = k + 1
		if cfg.Mode == config.RolloutModeCanary && rec.Step+1 < len(cfg.Steps) {
			next.Step++
			outcome = OutcomePromote
			if stepPercent(cfg, next.Step) >= 100 {
				if err := c.st.putBaseline(ctx, r.model, st); err != nil {
					c.storeErrs.Inc()
					return
				}
			}
		} else {
			next.State = StatePromoted
			outcome = OutcomePromoted
		}
		next.Reason = why
	case windowFail:
		next.Failures++
		next.WindowStart = k + 1
		outcome = OutcomeFail
		if next.Failures >= cfg.RollbackAfter {
			next.State = StateRolledBack
			outcome = OutcomeRollback
		}
		next.Reason = fmt.Sprintf("%s (failing analysis %d of %d)", why, next.Failures, cfg.RollbackAfter)
	}
	windowN := k - from + 1
	a := &Analysis{
		At: now, Outcome: outcome, Window: strconv.FormatInt(windowN, 10) + " interval(s) of " + cfg.Interval.String(),
		Stable: counts(st), Candidate: counts(cd), Checks: checks, Reason: why,
	}
	if atFull {
		a.Window += " (stable: its baseline before 100 %)"
	}
	var d *Decision
	if outcome != OutcomeHold {
		d = &Decision{At: now, Outcome: outcome, Step: next.Step, Percent: stepPercent(cfg, next.Step), Reason: next.Reason, By: c.o.Replica}
	}
	committed, err := c.st.commit(ctx, r.model, rec.Version, next, d, a)
	if err != nil {
		c.storeErrs.Inc()
		return
	}
	if !committed {
		return // a manual action won the race; the next interval judges
	}
	c.decided(r, outcome, next.Reason, now)
	c.syncState(ctx, r, now)
}

// due: a running rollout whose interval k is in its window and unjudged.
func due(rec record, k int64) bool {
	return rec.State == StateRunning && k > rec.LastJudged && k >= rec.WindowStart
}

// window merges every replica's aggregates of intervals from…to.
func (c *Controller) window(ctx context.Context, model string, from, to int64) (st, cd *aggregate, err error) {
	pairs, err := c.st.aggregates(ctx, model, from, to)
	if err != nil {
		return nil, nil, err
	}
	st, cd = new(aggregate), new(aggregate)
	rng := newRand(c.o.Seed ^ uint64(to)) // own: manual actions merge windows too, concurrently
	for _, p := range pairs {
		st.merge(&p.Stable, rng)
		cd.merge(&p.Candidate, rng)
	}
	return st, cd, nil
}

func counts(a *aggregate) Counts {
	return Counts{Requests: a.Requests, Errors: a.Errors, Pairs: a.Agreement.N}
}

// decided counts a decision and alerts on the ends of a rollout.
func (c *Controller) decided(r *rollout, outcome, reason string, now time.Time) {
	c.set.GetOrCreateCounter(`tollgate_rollout_decisions_total{model=` + strconv.Quote(r.model) + `,outcome="` + outcome + `"}`).Inc()
	if c.o.Alert == nil {
		return
	}
	switch outcome {
	case OutcomeRollback:
		c.o.Alert(Alert{Name: "TollgateRolloutRolledBack", Severity: "critical", Model: r.model, Reason: reason, At: now})
	case OutcomePromoted:
		c.o.Alert(Alert{Name: "TollgateRolloutPromoted", Severity: "info", Model: r.model, Reason: reason, At: now})
	}
}
