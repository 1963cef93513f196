package gateway

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

var inputPool = sync.Pool{New: func() any { return new(policy.Input) }}

// releaseInput returns in to the pool. Input.Reset clears maps in place to
// reuse them, but the gateway fills them with shared maps (the key's tags
// from config, the health view every request sees): detach those first.
func releaseInput(in *policy.Input) {
	in.Principal.Tags, in.Health, in.Request.Metadata, in.Request.Tools = nil, nil, nil, nil
	in.Reset()
	inputPool.Put(in)
}

// decide evaluates the request phase of the policy and applies its
// decision: deny, model rewrite, max_tokens cap, tags and headers. The input
// holds only the parts the serving revision reads, and that same revision
// decides: a reload in between cannot meet an input built for another.
func (s *Server) decide(ctx *fasthttp.RequestCtx, x *Exchange) *APIError {
	e := s.stages.Policy
	if e == nil {
		return nil
	}
	rev := e.Serving()
	reads := rev.Reads()
	if reads.Has(policy.InputTools | policy.InputMetadata) {
		x.parseExtras()
	}
	in := inputPool.Get().(*policy.Input)
	s.fillInput(x, in, reads)
	if rev.UsesResponsePhase() {
		x.policyIn, x.policyRev = in, rev // reused by the response phase, released with x
	} else {
		defer releaseInput(in)
	}
	d := rev.Decide(context.Background(), in)
	x.policyResult = policyResult(d)
	if s.pipe.stages != nil {
		x.decision, x.decided = d, true // for the stages' ApplyDecision and View.Decision
	}
	if !d.Allow {
		x.errKind = health.ErrPolicy
		return denial(d)
	}
	if d.Model != "" && d.Model != x.requested.name {
		m := x.rt.models[d.Model]
		if m == nil {
			x.errKind = health.ErrPolicy
			return &APIError{Status: 500, Type: typeServer, Code: "policy_error",
				Message: "the policy rewrote the model to '" + d.Model + "', which this gateway does not serve"}
		}
		if x.requested.health != nil {
			x.requested.health.InFlight(-1)
		}
		if m.health != nil {
			m.health.InFlight(1)
		}
		x.requested = m
	}
	if d.MaxTokens > 0 && (x.fields.MaxTokens == 0 || x.fields.MaxTokens > d.MaxTokens) && x.endpoint != epEmbeddings {
		key := "max_tokens"
		if x.fields.maxTokensKey != "" {
			key = x.fields.maxTokensKey
		}
		edited, err := setTopLevel(x.reqBuf[:0], x.body, key, strconv.AppendInt(nil, int64(d.MaxTokens), 10))
		if err == nil {
			x.reqBuf, x.body = edited, edited
			x.fields.MaxTokens = d.MaxTokens
		}
	}
	if len(d.Tags) > 0 {
		x.tags = mergeTags(x.tags, d.Tags)
	}
	for k, v := range d.Headers {
		if safePolicyHeader(k) {
			ctx.Response.Header.Set(k, v)
		} else if now := time.Now().UnixNano(); now-droppedHeaderWarn.Load() > int64(time.Minute) {
			droppedHeaderWarn.Store(now)
			s.log.Warn("policy header not set: names must start with x- and not be the gateway's own "+
				"(x-tollgate-*, x-ratelimit-*, x-request-id)", "header", k)
		}
	}
	return nil
}

// decideResponse runs the response phase over the answer (body: a
// buffered answer, nil for a stream); a denial replaces the answer.
func (s *Server) decideResponse(x *Exchange, finishReason string, body []byte) *APIError {
	in := x.policyIn
	if in == nil {
		return nil
	}
	// The request phase's input, as the policy saw it, plus the answer.
	in.Phase = "response"
	u, _ := x.meter.Usage()
	in.Response = policy.Response{Model: x.ServedModel(), FinishReason: finishReason, Usage: policy.Usage{
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.PromptTokens + u.CompletionTokens},
		Findings: in.Response.Findings[:0]}
	s.findInResponse(x, in, body) // the stages' output findings
	d := x.policyRev.Decide(context.Background(), in)
	if d.Allow {
		x.respRedact = d.Redact
		return nil
	}
	x.policyResult = "deny"
	x.errKind = health.ErrPolicy
	return denial(d)
}

func denial(d policy.Decision) *APIError {
	code, msg := "policy_denied", "denied by policy"
	if len(d.Reasons) > 0 {
		if d.Reasons[0].Code != "" {
			code = d.Reasons[0].Code
		}
		if d.Reasons[0].Message != "" {
			msg = d.Reasons[0].Message
		}
	}
	return &APIError{Status: 403, Type: "policy_denied", Code: code, Message: msg}
}

func policyResult(d policy.Decision) string {
	switch {
	case d.Err != nil:
		return "error"
	case !d.Allow:
		return "deny"
	case d.Model != "":
		return "rewrite"
	}
	return "allow"
}

// droppedHeaderWarn is when a dropped policy header was last logged (unix nanos).
var droppedHeaderWarn atomic.Int64

// safePolicyHeader keeps policies to informational headers: they may not
// override framing, content type or the gateway's own headers.
func safePolicyHeader(k string) bool {
	lk := strings.ToLower(k)
	return strings.HasPrefix(lk, "x-") && !strings.HasPrefix(lk, "x-tollgate-") && !strings.HasPrefix(lk, "x-ratelimit") && lk != "x-request-id"
}

// mergeTags is base with add over it. base may be shared (the key's tags
// from config), so it is copied; add is the decision's own map, made for
// this request, and serves as it is when there is nothing to merge.
func mergeTags(base, add map[string]string) map[string]string {
	if len(base) == 0 {
		return add
	}
	out := make(map[string]string, len(base)+len(add))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range add {
		out[k] = v
	}
	return out
}

// fillInput builds the policy input from what the pipeline knows: the
// parts in reads, and the cheap ones every policy may read (phase, request
// fields, principal). A part left out stays zero; the policy never sees it.
// Each skipped part saves real work: the estimate a tokenizer pass (unless
// the limiter counts it anyway), spend a Redis read, health a snapshot.
func (s *Server) fillInput(x *Exchange, in *policy.Input, reads policy.InputParts) {
	in.Phase = "request"
	f := &x.fields
	in.Request = policy.Request{Endpoint: x.endpoint.clientPath(), Model: x.requested.name, Stream: f.Stream,
		MaxTokens: f.MaxTokens, Temperature: f.Temperature, HasTemperature: f.HasTemperature, N: max(f.N, 1),
		Tools: f.Tools, MessageCount: f.MessageCount, PromptChars: f.PromptChars, User: f.User, Metadata: f.Metadata}
	p := x.principal
	in.Principal = policy.Principal{Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID, Tags: x.tags}
	in.Findings = append(in.Findings, x.findings...) // the stages' request inspection
	if reads.Has(policy.InputEstimate) {
		est := s.promptEstimate(x)
		maxOut := f.MaxTokens
		if maxOut == 0 && x.endpoint != epEmbeddings {
			maxOut = defaultMaxOutput
		}
		in.Estimate = policy.Estimate{PromptTokens: est,
			MaxCostUSD: float64(x.rt.prices.WorstCaseMicros(x.requested.name, est, maxOut)) / 1e6}
	}
	if l := s.stages.Limiter; l != nil && reads.Has(policy.InputSpend) {
		l.Plan(&x.admission, metering.Subject{Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID, Model: x.requested.name})
		if sp, err := l.SpendPlanned(context.Background(), &x.admission); err == nil {
			in.Spend = spendInput(sp)
		}
	}
	if reads.Has(policy.InputHealth) {
		in.Health = s.policyHealth()
	}
	if reads.Has(policy.InputTime) {
		in.Time = s.policyTime()
	}
}

func spendInput(sp metering.Spend) policy.Spend {
	usd := func(m int64) float64 { return float64(m) / 1e6 }
	out := policy.Spend{TenantToday: usd(sp.Tenant.TodayMicros), TenantMonth: usd(sp.Tenant.MonthMicros),
		TeamToday: usd(sp.Team.TodayMicros), TeamMonth: usd(sp.Team.MonthMicros),
		KeyToday: usd(sp.Key.TodayMicros), KeyMonth: usd(sp.Key.MonthMicros)}
	// The tightest budget of any scope; undefined for the policy when none is set.
	for _, sc := range [3]metering.ScopeSpend{sp.Key, sp.Team, sp.Tenant} {
		if r, ok := sc.Remaining(); ok && (!out.HasBudget || usd(r) < out.BudgetRemaining) {
			out.BudgetRemaining, out.HasBudget = usd(r), true
		}
	}
	return out
}

// policyTime is the policy's input.time. Its finest field is the second,
// so it is formatted once a second, not per request.
func (s *Server) policyTime() policy.Time {
	now := time.Now().UTC()
	sec := now.Unix()
	if t := s.timeView.Load(); t != nil && t.sec == sec {
		return t.t
	}
	t := &timeView{sec: sec, t: policy.Time{Now: now.Format(time.RFC3339), Hour: now.Hour(), Weekday: strings.ToLower(now.Weekday().String())}}
	s.timeView.Store(t)
	return t.t
}

type timeView struct {
	sec int64
	t   policy.Time
}

// healthView is the policy's input.health, rebuilt at most once a second.
type healthView struct {
	at time.Time
	m  map[string]policy.ModelHealth
}

var emptyHealth = map[string]policy.ModelHealth{}

func (s *Server) policyHealth() map[string]policy.ModelHealth {
	h := s.stages.Health
	if h == nil {
		return emptyHealth
	}
	if v := s.healthView.Load(); v != nil && time.Since(v.at) < time.Second {
		return v.m
	}
	snap := h.Snapshot()
	m := make(map[string]policy.ModelHealth, len(snap))
	for _, mh := range snap {
		m[mh.Model] = policy.ModelHealth{Status: mh.Status.String(), ErrorRate: mh.ErrorRate, P99Ms: mh.LatencyP99Ms}
	}
	s.healthView.Store(&healthView{at: time.Now(), m: m})
	return m
}
