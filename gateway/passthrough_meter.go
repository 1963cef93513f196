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
	x.meter.ReadReportedUsage(body)
}

// passthroughFacts fills what a pass-through request's record says: it is
// charged for the usage its answer reported, priced under the model its
// route names, and never estimated (the body has no known shape). It has a
// record once the caller was allowed on the route.
func (x *Exchange) passthroughFacts(f *metering.Facts) (recorded bool) {
	*f = metering.Facts{Start: x.start, Duration: time.Since(x.start), RequestID: x.requestID,
		ModelRequested: x.fields.Model, Endpoint: epPassthrough.String(), Tags: x.tags, Status: x.status,
		BytesIn: x.bytesIn, BytesOut: x.bytesOut, Committed: true,
		ClientAborted: x.errKind == health.ErrClientCancel}
	if x.route == nil {
		return false
	}
	f.Deployment = x.route.upstream.cfg.Name
	p := x.principal
	f.Tenant, f.Team, f.KeyID = p.Tenant, p.Team, p.KeyID
	return true
}
