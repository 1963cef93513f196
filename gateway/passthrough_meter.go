package gateway

import (
	"bytes"
	"context"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fasthttp"
)

// Pass-through bodies have no format the gateway can rely on, so a
// pass-through request reserves one token and one micro-USD: RPM counts it
// exactly, and a TPM window or budget already spent refuses it. What it
// really used is settled at the end when the answer says so (an
// OpenAI-shaped "usage" in a buffered JSON answer); otherwise it costs
// nothing against TPM and budgets.
const (
	passthroughReserveTokens = 1
	passthroughReserveMicros = 1
)

// limitPassthrough applies the request limiter to a pass-through request,
// counted against the model its route names (if any).
func (s *Server) limitPassthrough(ctx *fasthttp.RequestCtx, x *Exchange) *APIError {
	if s.stages.Limiter == nil || !x.rt.limitsOn {
		return nil
	}
	p := x.principal
	res, err := s.stages.Limiter.Reserve(context.Background(),
		metering.Subject{Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID, Model: x.fields.Model},
		passthroughReserveTokens, passthroughReserveMicros)
	if err != nil {
		return limitError(x, err)
	}
	x.reservation = res
	res.Headers().Apply(&ctx.Response.Header)
	return nil
}

var usageField = []byte(`"usage"`)

// readPassthroughUsage notes the size of a buffered pass-through answer and
// the usage an OpenAI-shaped JSON answer reports. Bodies that do not
// mention "usage" are not parsed (tensors can be large).
func (x *Exchange) readPassthroughUsage(resp *fasthttp.Response) {
	body := resp.Body()
	x.bytesOut = int64(len(body))
	if x.status/100 != 2 || !isJSONContentType(resp.Header.ContentType()) || !bytes.Contains(body, usageField) {
		return
	}
	p := parserPool.Get()
	defer parserPool.Put(p)
	if v, err := p.ParseBytes(body); err == nil && readUsage(v, &x.usage) {
		x.usageKnown = true
	}
}

// accountPassthrough settles a pass-through request: its reservation, its
// ledger record (once the caller was allowed on the route) and metrics.
func (s *Server) accountPassthrough(x *Exchange) {
	dur := time.Since(x.start)
	var u metering.Usage
	var flags metering.Flags
	var picos int64
	if x.usageKnown {
		u = x.usage
		if x.fields.Model != "" {
			var known bool
			if picos, known = x.rt.prices.CostPicos(x.fields.Model, u); !known {
				flags |= metering.FlagUnknownPrice
			}
		}
	}
	if x.errKind == health.ErrClientCancel {
		flags |= metering.FlagClientAborted
	}
	micros := metering.PicosToMicros(picos)
	if x.reservation != nil {
		x.reservation.Settle(context.Background(), u.PromptTokens+u.CompletionTokens, micros)
	}
	if s.stages.Ledger != nil && x.route != nil {
		p := x.principal
		rec := metering.Record{
			Time: x.start, RequestID: string(x.requestID), Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID,
			ModelRequested: x.fields.Model, Deployment: x.route.upstream.cfg.Name, Endpoint: epPassthrough.String(),
			Tags: x.tags, Usage: u, CostPicos: picos, Status: x.status, LatencyMs: dur.Milliseconds(), Flags: flags,
			BytesIn: x.bytesIn, BytesOut: x.bytesOut,
		}
		s.stages.Ledger.Add(&rec)
	}
	s.observe(x, u, micros, dur)
}
