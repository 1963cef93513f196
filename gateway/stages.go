package gateway

import (
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
)

// Stages are the pipeline's optional parts, each owned by its package. A
// nil stage is off and costs one branch on the hot path. The gateway owns
// the order (gateway/pipeline.go, docs/ARCHITECTURE.md).
type Stages struct {
	Tokens  *tokenizer.Registry // prompt estimates and counts when upstreams report no usage
	Limiter *metering.Limiter   // RPM/TPM limits and budgets
	Ledger  *metering.Ledger    // one record per request
	Health  *health.Registry    // metrics and per-model health
	Policy  *policy.Engine      // Rego decisions, request and response phase
	Access  *health.AccessLog   // one JSON line per request
	// Rollouts splits rolled-out models between stable and candidate and
	// judges the candidate (gateway/rollout_split.go; gateway/rolloutgw
	// adapts package rollouts' Controller); nil: no rollouts.
	Rollouts Rollouts

	// Stages that plug in through the Stage contract (gateway/stage.go),
	// run in this order (Stages.ordered in gateway/pipeline.go).
	Filters Stage // content filters: findings before the policy, redaction after it
	Evals   Stage // sampling traffic for evals
	Cache   Stage // the response cache; answers in the upstream's place
}
