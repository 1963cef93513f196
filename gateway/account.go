package gateway

import (
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
)

// account runs when a request is over (after the last byte of a stream):
// the meter charges it (the upstream's usage, else its own count of what
// was relayed, priced), the budget reservation settles, and the ledger
// record, metrics and access log follow. It never blocks on I/O: the
// ledger and health take copies into queues.
func (s *Server) account(x *Exchange) {
	var f metering.Facts
	var recorded bool
	if x.endpoint == epPassthrough {
		recorded = x.passthroughFacts(&f) // gateway/passthrough_meter.go
	} else {
		recorded = x.facts(&f)
	}
	c := x.meter.Charge(&f, &x.rt.prices)
	micros := c.CostMicros()
	if x.reservation != nil {
		if f.Committed {
			x.reservation.Settle(context.Background(), c.Usage.PromptTokens+c.Usage.CompletionTokens, micros)
		} else {
			x.reservation.Release(context.Background())
		}
	}
	requestID := "" // as the ledger keeps it; the access log reuses it
	if s.stages.Ledger != nil && recorded {
		rec := new(metering.Record) // handed to the ledger, not copied
		*rec = c.Record(&f)
		requestID = rec.RequestID
		rec.AnsweredBy, rec.Stages = x.answeredBy, x.notes
		if x.answeredBy != "" && cacheAnswered(x.cacheResult) {
			rec.CacheHit = true
			if x.pricedAs != "" { // what the upstream call it replaced would have cost
				rec.CostSavedPicos, _ = x.rt.prices.CostPicos(x.pricedAs, c.Usage)
			}
		}
		switch {
		case x.shadow != nil:
			rec.Rollout = "shadow"
		case x.rollout != nil:
			rec.Rollout = x.split.Variant.String()
		}
		s.stages.Ledger.Put(rec)
	}
	if x.rollout != nil || x.shadow != nil {
		s.observeRollout(x, c.Usage, micros, f.Duration) // gateway/rollout_split.go
	}
	s.observe(x, c.Usage, micros, f.Duration, requestID)
}

// facts fills what a model API request's record says; it reports whether
// the request has a record (only one that got as far as a model does).
func (x *Exchange) facts(f *metering.Facts) (recorded bool) {
	*f = metering.Facts{Start: x.start, Duration: time.Since(x.start), Endpoint: x.endpoint.String(),
		Status: x.status, Tags: x.tags, Committed: x.served != nil, CountUnreported: true,
		ClientAborted: x.errKind == health.ErrClientCancel, ModelServed: x.ServedModel(),
		Deployment: x.accountableDeployment()}
	if x.served != nil {
		f.UpstreamModel = x.dep.upstreamModel
	}
	if x.requested != nil {
		f.ModelRequested, f.RequestID = x.requested.name, x.requestID
		p := x.principal
		f.Tenant, f.Team, f.KeyID = p.Tenant, p.Team, p.KeyID
	}
	return x.requested != nil
}

// observe feeds metrics, rolling health and the access log (requestID:
// x's, when account already made it a string; else "").
func (s *Server) observe(x *Exchange, u metering.Usage, costMicros int64, dur time.Duration, requestID string) {
	tenant := ""
	if x.principal != nil {
		tenant = x.principal.Tenant
	}
	if h := s.stages.Health; h != nil {
		var m *health.Model
		var d *health.Deployment
		switch {
		case x.served != nil:
			m, d = x.served.health, x.dep.healthHandle()
		case x.blamed != nil:
			m, d = x.blamedBy.health, x.blamed.healthHandle() // a failed request counts against what failed
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
			Stream: x.fields.Stream, Cache: x.cacheResult,
		})
	}
	if a := s.stages.Access; a != nil {
		if requestID == "" {
			requestID = string(x.requestID)
		}
		e := health.AccessEntry{RequestID: requestID, Tenant: tenant, Model: x.ServedModel(),
			Deployment: x.accountableDeployment(), Status: x.status, ErrKind: x.errKind, Latency: dur, TTFT: x.ttft,
			PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CostMicros: costMicros,
			Stream: x.fields.Stream, Policy: x.policyResult, Cache: x.cacheResult}
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

// cacheAnswered reports a cache result whose answer came from the cache
// (no upstream call of its own).
func cacheAnswered(result string) bool {
	return result == "hit" || result == "semantic-hit" || result == "coalesced"
}
