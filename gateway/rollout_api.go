package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// Rollouts is what the gateway needs of package rollouts' Controller. The
// gateway cannot import package rollouts (it judges answers with evals,
// whose stage imports the gateway), so the types mirror its own and
// gateway/rolloutgw adapts a *rollouts.Controller to this interface.
type Rollouts interface {
	// Route is the split for one request (hot path: no allocation, no I/O).
	Route(model, sticky string) RolloutRoute
	// Observe records a finished request of a variant (never blocks).
	Observe(model string, v RolloutVariant, o RolloutObservation)
	// ObserveShadow records a shadow pair: the client's answer and the candidate's.
	ObserveShadow(model string, stable, candidate RolloutObservation)
	// ShadowAdmit reserves one shadow call; release must be called once.
	ShadowAdmit(model string) (release func(costMicros int64), ok bool)
	// Act runs a manual action: promote, rollback, pause or resume. A model
	// no rollout covers is ErrUnknownRollout.
	Act(ctx context.Context, action, model, reason string) error
	// Update applies a reloaded config's rollouts.
	Update(rollouts []config.Rollout) error
	// Status is every rollout's state and last analysis, JSON-ready.
	Status() any
}

// Errors of the manual actions (Rollouts.Act).
var (
	// ErrUnknownRollout: the action named a model no rollout covers.
	ErrUnknownRollout = errors.New("no rollout covers this model")
	// ErrRolloutFinished: the rollout was promoted or rolled back already.
	ErrRolloutFinished = errors.New("the rollout has finished (promoted or rolled back)")
)

// RolloutVariant is who serves a rolled-out model's request.
type RolloutVariant uint8

// Variants, in package rollouts' order.
const (
	VariantStable RolloutVariant = iota
	VariantCandidate
)

func (v RolloutVariant) String() string {
	if v == VariantCandidate {
		return "candidate"
	}
	return "stable"
}

// RolloutRoute is the split's decision for one request; zero: no rollout.
type RolloutRoute struct {
	Active  bool           // a rollout covers the model
	Variant RolloutVariant // who serves the client
	Shadow  bool           // also send a copy to the candidate in the background
}

// RolloutObservation is one finished request of a variant (the fields of
// rollouts.Observation, in its order).
type RolloutObservation struct {
	Status       int           // HTTP status the variant produced (its first answer's)
	Latency      time.Duration // whole request
	TTFT         time.Duration // streams; 0 otherwise
	OutputTokens int
	CostMicros   int64
	Text         string // the answer's text, copied
	ToolCall     string // first tool call's name ("" for streams)
}
