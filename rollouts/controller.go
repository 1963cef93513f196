package rollouts

import (
	"context"
	"errors"

	"github.com/tollgate-ai/tollgate/config"
)

// ErrUnknownRollout is returned by the manual actions for a model no
// rollout covers.
var ErrUnknownRollout = errors.New("no rollout for this model")

// Controller runs every configured rollout. Its methods are safe for
// concurrent use.
type Controller struct {
	o Options
}

// New builds a Controller for the configured rollouts. Call Run to start
// the analysis and state sync.
func New(rollouts []config.Rollout, o Options) (*Controller, error) {
	return &Controller{o: o}, nil
}

// Update applies a reloaded config: an unchanged rollout keeps its state,
// a changed one (other target, mode or steps) starts over.
func (c *Controller) Update(rollouts []config.Rollout) error { return nil }

// Run aggregates observations, syncs state with Redis and analyses each
// interval until ctx ends.
func (c *Controller) Run(ctx context.Context) { <-ctx.Done() }

// Route splits one request: zero allocations, no Redis call.
func (c *Controller) Route(model, sticky string) Route { return Route{} }

// Observe records a finished request of a variant. It never blocks: a full
// queue drops and counts.
func (c *Controller) Observe(model string, v Variant, o Observation) {}

// ObserveShadow records a shadow pair: the candidate's answer and its
// agreement with stable's answer to the same request. Stable's own
// observation is recorded by Observe as usual.
func (c *Controller) ObserveShadow(model string, stable, candidate Observation) {}

// ShadowAdmit reserves a shadow call: false when the concurrency bound or
// the daily spend cap is reached. release(costMicros) must be called once.
func (c *Controller) ShadowAdmit(model string) (release func(costMicros int64), ok bool) {
	return nil, false
}

// Promote moves the rollout to its next step now (at the last step: promoted).
func (c *Controller) Promote(ctx context.Context, model, reason string) error {
	return ErrUnknownRollout
}

// Rollback sends all traffic to stable now and marks the rollout rolled back.
func (c *Controller) Rollback(ctx context.Context, model, reason string) error {
	return ErrUnknownRollout
}

// Pause freezes the rollout at its current percent (no analysis decisions).
func (c *Controller) Pause(ctx context.Context, model, reason string) error { return ErrUnknownRollout }

// Resume restarts a paused rollout's analysis.
func (c *Controller) Resume(ctx context.Context, model, reason string) error {
	return ErrUnknownRollout
}

// Status lists every rollout, in config order.
func (c *Controller) Status() []Status { return nil }
