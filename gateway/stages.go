package gateway

import (
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
)

// Stages are the pipeline's optional parts, each owned by its package. A
// nil stage is off and costs nothing on the hot path. The gateway owns the
// order (see docs/ARCHITECTURE.md):
//
//	auth → parse → route → meter → decide → limit → upstream → account → observe
type Stages struct {
	Tokens  *tokenizer.Registry // prompt estimates and counts when upstreams report no usage
	Limiter *metering.Limiter   // RPM/TPM limits and budgets
	Ledger  *metering.Ledger    // one record per request
	Health  *health.Registry    // metrics and per-model health
	Policy  *policy.Engine      // Rego decisions, request and response phase
	Access  *health.AccessLog   // one JSON line per request
}
