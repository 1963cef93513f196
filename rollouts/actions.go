package rollouts

import (
	"context"
	"errors"
	"fmt"

	"github.com/tollgate-ai/tollgate/config"
)

// casAttempts bounds the retries of a manual action racing other writers.
const casAttempts = 5

// errNoop ends an action that has nothing to change (e.g. pausing a
// paused rollout): not an error for the caller.
var errNoop = errors.New("no change")

// Promote moves the rollout to its next step now (at the last step, or in
// shadow mode: promoted).
func (c *Controller) Promote(ctx context.Context, model, reason string) error {
	return c.act(ctx, model, reason, func(rec *record, cfg *config.Rollout) (string, error) {
		if rec.State == StatePromoted || rec.State == StateRolledBack {
			return "", ErrFinished
		}
		if cfg.Mode == config.RolloutModeCanary && rec.Step+1 < len(cfg.Steps) {
			rec.Step++
			return OutcomePromote, nil
		}
		rec.State = StatePromoted
		return OutcomePromoted, nil
	})
}

// Rollback sends all traffic to stable now and marks the rollout rolled
// back (also after a promotion).
func (c *Controller) Rollback(ctx context.Context, model, reason string) error {
	return c.act(ctx, model, reason, func(rec *record, _ *config.Rollout) (string, error) {
		if rec.State == StateRolledBack {
			return "", errNoop
		}
		rec.State = StateRolledBack
		return OutcomeRollback, nil
	})
}

// Pause freezes a running rollout at its current percent: no analysis
// decides until Resume.
func (c *Controller) Pause(ctx context.Context, model, reason string) error {
	return c.act(ctx, model, reason, func(rec *record, _ *config.Rollout) (string, error) {
		switch rec.State {
		case StatePaused:
			return "", errNoop
		case StateRunning:
			rec.State = StatePaused
			return OutcomePause, nil
		}
		return "", ErrFinished
	})
}

// Resume restarts a paused rollout's analysis with a fresh window; a rolled
// back one starts over at its first step.
func (c *Controller) Resume(ctx context.Context, model, reason string) error {
	return c.act(ctx, model, reason, func(rec *record, _ *config.Rollout) (string, error) {
		switch rec.State {
		case StateRunning:
			return "", errNoop
		case StatePromoted:
			return "", ErrFinished
		case StateRolledBack:
			rec.Step = 0
			rec.Started = rec.Updated
		}
		rec.State = StateRunning
		return OutcomeResume, nil
	})
}

// act applies a manual change to the shared state with compare-and-set.
func (c *Controller) act(ctx context.Context, model, reason string, change func(*record, *config.Rollout) (string, error)) error {
	r := c.table.load().byModel[model]
	if r == nil {
		return ErrUnknownRollout
	}
	if reason == "" {
		reason = "manual"
	}
	for range casAttempts {
		now := c.o.Now()
		cfg := r.cfg.Load()
		sh, ok, err := c.st.load(ctx, model)
		if err != nil {
			c.storeErrs.Inc()
			return fmt.Errorf("rollouts: load state: %w", err)
		}
		if !ok || (sh.rec.Fingerprint != r.fp && !r.started()) {
			// Never started (Redis was down, or lost its data): start it,
			// then act.
			c.syncState(ctx, r, now)
			continue
		}
		if sh.rec.Fingerprint != r.fp {
			return fmt.Errorf("rollouts: %s: the shared state belongs to another config; reload this replica", model)
		}
		rec := sh.rec
		rec.Version++
		rec.Updated = now
		outcome, err := change(&rec, cfg)
		if errors.Is(err, errNoop) {
			return nil
		}
		if err != nil {
			return err
		}
		// Every manual change starts a fresh window: what was observed
		// before it is not evidence about what comes after.
		k := intervalIndex(now, cfg.Interval)
		rec.WindowStart, rec.LastJudged, rec.Failures = k, k-1, 0
		rec.Reason = "manual " + outcome + ": " + reason
		if outcome == OutcomePromote && cfg.Mode == config.RolloutModeCanary && stepPercent(cfg, rec.Step) >= 100 {
			if err := c.saveBaseline(ctx, r, sh.rec, k); err != nil {
				return err
			}
		}
		d := &Decision{At: now, Outcome: outcome, Step: rec.Step, Percent: stepPercent(cfg, rec.Step), Reason: rec.Reason, By: "admin"}
		done, err := c.st.commit(ctx, model, sh.rec.Version, rec, d, nil)
		if err != nil {
			c.storeErrs.Inc()
			return fmt.Errorf("rollouts: write state: %w", err)
		}
		if done {
			c.decided(r, outcome, rec.Reason, now)
			sh.rec = rec
			sh.decisions = append([]Decision{*d}, sh.decisions...)
			r.apply(sh)
			return nil
		}
	}
	return fmt.Errorf("rollouts: %s: state changed %d times while applying; try again", model, casAttempts)
}

// saveBaseline keeps stable's current window as what the candidate is
// judged against at 100 % (a manual promotion there skips the analysis
// that would have saved it).
func (c *Controller) saveBaseline(ctx context.Context, r *rollout, rec record, k int64) error {
	st, _, err := c.window(ctx, r.model, max(rec.WindowStart, k-maxWindowIntervals+1), k)
	if err != nil {
		c.storeErrs.Inc()
		return fmt.Errorf("rollouts: read the window: %w", err)
	}
	if err := c.st.putBaseline(ctx, r.model, st); err != nil {
		c.storeErrs.Inc()
		return fmt.Errorf("rollouts: write the baseline: %w", err)
	}
	return nil
}
