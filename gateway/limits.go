package gateway

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fasthttp"
)

// buildRules turns the config's limits into the limiter's rules. ok is
// false when nothing is limited, so the limit stage can be skipped.
func buildRules(c *config.Config) (*metering.StaticRules, bool) {
	r := &metering.StaticRules{Keys: map[string]metering.Limit{}, Teams: map[string]metering.Limit{},
		Tenants: map[string]metering.Limit{}, Models: map[string]metering.Limit{}}
	on := false
	add := func(m map[string]metering.Limit, name string, rpm, tpm int, b config.Budget) {
		l := metering.Limit{RPM: int64(rpm), TPM: int64(tpm), DailyMicros: usdToMicros(b.DailyUSD),
			MonthlyMicros: usdToMicros(b.MonthlyUSD), TotalMicros: usdToMicros(b.TotalUSD)}
		if l != (metering.Limit{}) {
			m[name] = l
			on = true
		}
	}
	for _, k := range c.Keys {
		add(r.Keys, k.ID, k.RPM, k.TPM, k.Budget)
	}
	for _, t := range c.Teams {
		add(r.Teams, t.Name, t.RPM, t.TPM, t.Budget)
	}
	for _, t := range c.Tenants {
		add(r.Tenants, t.Name, t.RPM, t.TPM, t.Budget)
	}
	for _, m := range c.Models {
		add(r.Models, m.Name, m.RPM, m.TPM, config.Budget{})
	}
	return r, on
}

func usdToMicros(usd float64) int64 { return int64(math.Round(usd * 1e6)) }

// Rules is the limiter's RuleSource: the limits of the config serving now,
// so a reload changes limits without rebuilding the limiter.
func (s *Server) Rules(sub metering.Subject) metering.Rules { return s.rt.Load().rules.Rules(sub) }

// defaultMaxOutput bounds the worst case of a request without max_tokens.
const defaultMaxOutput = 4096

// limit reserves the request's worst case against rate limits and budgets.
func (s *Server) limit(ctx *fasthttp.RequestCtx, x *Exchange) *APIError {
	if s.stages.Limiter == nil || !x.rt.limitsOn {
		return nil
	}
	est := s.promptEstimate(x)
	maxOut := x.fields.MaxTokens
	if maxOut == 0 && x.endpoint != epEmbeddings {
		maxOut = defaultMaxOutput
	}
	if x.fields.N > 1 {
		maxOut *= x.fields.N
	}
	worst := x.rt.prices.WorstCaseMicros(x.requested.name, est, maxOut)
	p := x.principal
	l := s.stages.Limiter
	l.Plan(&x.admission, metering.Subject{Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID, Model: x.requested.name})
	res, err := l.ReservePlanned(context.Background(), &x.admission, est+maxOut, worst)
	if err != nil {
		return limitError(x, err)
	}
	x.reservation = res
	res.Headers().Apply(&ctx.Response.Header)
	return nil
}

func limitError(x *Exchange, err error) *APIError {
	var le *metering.LimitError
	if !errors.As(err, &le) {
		x.errKind = health.ErrInternal
		return &APIError{Status: 503, Type: typeServer, Code: "limiter_unavailable", RetryAfter: 1,
			Message: "rate limits could not be checked: " + err.Error()}
	}
	ra := int((le.RetryAfter + time.Second - 1) / time.Second)
	if errors.Is(err, metering.ErrBudgetExceeded) {
		x.errKind = health.ErrBudget
		return &APIError{Status: 429, Type: typeRateLimit, Code: "budget_exceeded", RetryAfter: ra, Message: le.Error()}
	}
	x.errKind = health.ErrRateLimit
	return &APIError{Status: 429, Type: typeRateLimit, Code: "rate_limit_exceeded", RetryAfter: ra, Message: le.Error()}
}
