package gateway

import (
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
)

// account runs when a request is over (after the last byte of a stream):
// exact usage (the upstream's, else our own count of what was relayed),
// cost, budget settlement, the ledger record, metrics and the access log.
// It never blocks on I/O: the ledger and health take copies into queues.
func (s *Server) account(x *Exchange) {
	if x.endpoint == epPassthrough {
		s.accountPassthrough(x) // gateway/passthrough_meter.go
		return
	}
	var flags metering.Flags
	u := x.usage
	model := ""
	if x.requested != nil {
		model = x.requested.name
		if x.served != nil {
			model = x.served.name
		}
		if !x.usageKnown && x.served != nil && x.endpoint != epPassthrough {
			u = metering.Usage{PromptTokens: max(x.estimate, 0), CompletionTokens: s.countOutput(x, x.dep.upstreamModel)}
			flags |= metering.FlagEstimatedUsage
		}
		if x.errKind == health.ErrClientCancel {
			flags |= metering.FlagClientAborted
		}
	}
	var picos int64
	if x.served != nil {
		var known bool
		// The upstream's model name is the billed one; the client-facing
		// name is tried second (an alias like "fast-chat" has no price).
		if picos, known = x.rt.prices.CostPicos(x.dep.upstreamModel, u); !known {
			if picos, known = x.rt.prices.CostPicos(model, u); !known {
				flags |= metering.FlagUnknownPrice
			}
		}
	}
	micros := metering.PicosToMicros(picos)
	if x.reservation != nil {
		if x.served != nil {
			x.reservation.Settle(context.Background(), u.PromptTokens+u.CompletionTokens, micros)
		} else {
			x.reservation.Release(context.Background())
		}
	}
	dur := time.Since(x.start)
	if s.stages.Ledger != nil && x.requested != nil && x.endpoint != epPassthrough {
		p := x.principal
		rec := metering.Record{
			Time: x.start, RequestID: string(x.requestID), Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID,
			ModelRequested: x.requested.name, ModelServed: x.ServedModel(), Deployment: x.accountableDeployment(),
			Endpoint: x.endpoint.String(), Tags: x.tags, Usage: u, CostPicos: picos, Status: x.status,
			LatencyMs: dur.Milliseconds(), Flags: flags, AnsweredBy: x.answeredBy, Stages: x.notes,
		}
		s.stages.Ledger.Add(&rec)
	}
	s.observe(x, u, micros, dur)
}

// countOutput counts relayed text with the served model's tokenizer.
func (s *Server) countOutput(x *Exchange, model string) int {
	if len(x.outText) == 0 {
		return 0
	}
	if s.stages.Tokens != nil {
		if enc, err := s.stages.Tokens.ForModel(model); err == nil {
			return enc.Count(x.outText)
		}
	}
	return (len(x.outText) + 3) / 4
}

// observe feeds metrics, rolling health and the access log.
func (s *Server) observe(x *Exchange, u metering.Usage, costMicros int64, dur time.Duration) {
	tenant := ""
	if x.principal != nil {
		tenant = x.principal.Tenant
	}
	if h := s.stages.Health; h != nil {
		var m *health.Model
		var d *health.Deployment
		switch {
		case x.served != nil:
			m, d = x.served.health, x.dep.health
		case x.blamed != nil:
			m, d = x.blamedBy.health, x.blamed.health // a failed request counts against what failed
		case x.requested != nil:
			m = x.requested.health
		}
		if x.requested != nil && x.requested.health != nil {
			x.requested.health.InFlight(-1)
		}
		var itl time.Duration
		if x.events > 1 {
			itl = (dur - x.ttft) / time.Duration(x.events-1)
		}
		h.Record(&health.Record{
			Model: m, Deployment: d, Tenant: tenant, Status: x.status, ErrKind: x.errKind,
			Duration: dur, TTFT: x.ttft, InterTokenMean: itl,
			PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostMicros: costMicros,
			Stream: x.fields.Stream,
		})
	}
	if a := s.stages.Access; a != nil {
		e := health.AccessEntry{RequestID: string(x.requestID), Tenant: tenant, Model: x.ServedModel(),
			Deployment: x.accountableDeployment(), Status: x.status, ErrKind: x.errKind, Latency: dur, TTFT: x.ttft,
			PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostMicros: costMicros,
			Stream: x.fields.Stream, Policy: x.policyResult}
		if x.principal != nil {
			e.Team = x.principal.Team
		}
		if e.Model == "" {
			e.Model = x.fields.Model
		}
		a.Log(&e)
	}
}

// accountableDeployment names the deployment a request's records carry:
// the one that answered, else the last one that failed ("" when none was).
func (x *Exchange) accountableDeployment() string {
	switch {
	case x.dep != nil:
		return x.dep.name
	case x.blamed != nil:
		return x.blamed.name
	}
	return ""
}
