// Package rolloutgw adapts package rollouts' Controller to the gateway's
// Rollouts interface. The gateway cannot import rollouts (rollouts judges
// answers with evals, whose pipeline stage imports the gateway); this
// package imports both.
package rolloutgw

import (
	"context"
	"errors"
	"fmt"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/rollouts"
)

// Adapter is a *rollouts.Controller seen by the gateway.
type Adapter struct{ C *rollouts.Controller }

var _ gateway.Rollouts = Adapter{}

// New adapts c; nil stays nil (no rollouts).
func New(c *rollouts.Controller) gateway.Rollouts {
	if c == nil {
		return nil
	}
	return Adapter{c}
}

// Route splits one request (no allocation).
func (a Adapter) Route(model, sticky string) gateway.RolloutRoute {
	r := a.C.Route(model, sticky)
	return gateway.RolloutRoute{Active: r.Active, Variant: gateway.RolloutVariant(r.Variant), Shadow: r.Shadow}
}

// Observe records a finished request of a variant.
func (a Adapter) Observe(model string, v gateway.RolloutVariant, o gateway.RolloutObservation) {
	a.C.Observe(model, rollouts.Variant(v), rollouts.Observation(o))
}

// ObserveShadow records a shadow pair.
func (a Adapter) ObserveShadow(model string, stable, candidate gateway.RolloutObservation) {
	a.C.ObserveShadow(model, rollouts.Observation(stable), rollouts.Observation(candidate))
}

// ShadowAdmit reserves one shadow call.
func (a Adapter) ShadowAdmit(model string) (func(costMicros int64), bool) {
	return a.C.ShadowAdmit(model)
}

// Act runs promote, rollback, pause or resume.
func (a Adapter) Act(ctx context.Context, action, model, reason string) error {
	var err error
	switch action {
	case "promote":
		err = a.C.Promote(ctx, model, reason)
	case "rollback":
		err = a.C.Rollback(ctx, model, reason)
	case "pause":
		err = a.C.Pause(ctx, model, reason)
	case "resume":
		err = a.C.Resume(ctx, model, reason)
	default:
		return fmt.Errorf("unknown rollout action %q", action)
	}
	switch {
	case errors.Is(err, rollouts.ErrUnknownRollout):
		return gateway.ErrUnknownRollout
	case errors.Is(err, rollouts.ErrFinished):
		return fmt.Errorf("%w: %v", gateway.ErrRolloutFinished, err)
	}
	return err
}

// Update applies a reloaded config's rollouts.
func (a Adapter) Update(rs []config.Rollout) error { return a.C.Update(rs) }

// Status lists every rollout ([]rollouts.Status, never nil).
func (a Adapter) Status() any {
	st := a.C.Status()
	if st == nil {
		st = []rollouts.Status{}
	}
	return st
}
