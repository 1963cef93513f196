package gateway

import (
	"context"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/providers/messagesapi"
	"github.com/valyala/fasthttp"
)

// handleCountTokens serves POST /v1/messages/count_tokens: the prompt's
// tokens, {"input_tokens": N}. A model whose first deployment is an
// anthropic upstream asks it (the model's own tokenizer); any other is
// counted with the gateway's tokenizer (the estimate metering uses) on the
// request's OpenAI translation, marked x-tollgate-estimate: true.
//
// It is authenticated and checked against the model allowlist like a
// Messages request, and counts as one request against the key's (team's,
// tenant's, model's) RPM, but reserves no tokens and no budget, and
// writes no ledger record: nothing is billed.
func (s *Server) handleCountTokens(ctx *fasthttp.RequestCtx) {
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		writeMessagesError(ctx, 405, messagesapi.TypeInvalidRequest, "use POST for /v1/messages/count_tokens")
		return
	}
	rt := s.rt.Load()
	p, e := rt.keys.authenticate(&ctx.Request.Header)
	if e != nil {
		writeMessagesError(ctx, e.Status, messagesapi.ErrorType(e.Status), e.Message)
		return
	}
	b := messagesBufPool.Get().(*messagesBuffers)
	defer releaseMessagesBuffers(b)
	var req messagesapi.Request
	var terr *messagesapi.Error
	b.body, req, terr = messagesapi.TranslateRequest(b.body[:0], ctx.PostBody(), &b.p, messagesapi.CountTokens)
	if terr != nil {
		writeMessagesError(ctx, terr.Status, terr.Type, terr.Message)
		return
	}
	m := rt.models[req.Model]
	if m == nil {
		writeMessagesError(ctx, 404, messagesapi.TypeNotFound, "model: "+truncate(req.Model, 200))
		return
	}
	if !p.Allows(m.name) {
		writeMessagesError(ctx, 403, messagesapi.TypePermission, "your key may not use model '"+m.name+"'")
		return
	}
	if s.stages.Limiter != nil && rt.limitsOn {
		res, err := s.stages.Limiter.Reserve(context.Background(),
			metering.Subject{Tenant: p.Tenant, Team: p.Team, KeyID: p.KeyID, Model: m.name}, 0, 0)
		if err != nil {
			var x Exchange
			le := limitError(&x, err)
			if le.RetryAfter > 0 {
				ctx.Response.Header.Set("Retry-After", strconv.Itoa(le.RetryAfter))
			}
			writeMessagesError(ctx, le.Status, messagesapi.ErrorType(le.Status), le.Message)
			return
		}
		res.Headers().Apply(&ctx.Response.Header)
		res.Settle(context.Background(), 0, 0)
	}
	if d := anthropicDeployment(m); d != nil {
		s.forwardCountTokens(ctx, m, d)
		return
	}
	n, e := s.countPrompt(b.body, req.Model)
	if e != nil {
		writeMessagesError(ctx, e.Status, messagesapi.ErrorType(e.Status), e.Message)
		return
	}
	ctx.Response.Header.Set("X-Tollgate-Estimate", "true")
	ctx.SetContentType("application/json")
	out := append(b.out[:0], `{"input_tokens":`...)
	out = strconv.AppendInt(out, int64(n), 10)
	b.out = append(out, '}')
	ctx.SetBody(b.out)
}

// anthropicDeployment is the deployment of m's that count_tokens asks
// when m's first deployment is an anthropic upstream; nil otherwise.
func anthropicDeployment(m *model) *deployment {
	if len(m.deployments) == 0 || m.deployments[0].upstream.cfg.Kind != config.KindAnthropic {
		return nil
	}
	return m.deployments[0]
}

var anthropicCountPath = []byte("/v1/messages/count_tokens")

// forwardCountTokens asks an anthropic upstream to count the client's own
// body (the model's real tokenizer) and relays its answer as it is.
func (s *Server) forwardCountTokens(ctx *fasthttp.RequestCtx, m *model, d *deployment) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	body, err := setTopLevel(nil, ctx.PostBody(), "model", d.modelJSON)
	if err != nil {
		writeMessagesError(ctx, 400, messagesapi.TypeInvalidRequest, "request body is not valid JSON")
		return
	}
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	d.upstream.setURI(req, epChat, d.upstreamModel)
	d.upstream.setHeaders(req)
	setAnthropicRequest(req, d.upstream, &ctx.Request.Header, anthropicCountPath)
	req.SetBodyRaw(body)
	if err := d.upstream.do(d.upstream.plain, req, resp, time.Now().Add(m.total)); err != nil {
		writeMessagesError(ctx, 502, messagesapi.TypeAPI, "count_tokens: upstream "+d.name+" did not answer: "+err.Error())
		return
	}
	ctx.SetStatusCode(resp.StatusCode())
	ctx.SetContentTypeBytes(resp.Header.ContentType())
	ctx.SetBody(resp.Body())
}

// countPrompt counts an OpenAI chat body's prompt as the meter estimates
// it for the limits and for streams without usage.
func (s *Server) countPrompt(body []byte, model string) (int, *APIError) {
	var m metering.Meter
	defer m.Reset()
	v, err := m.ParseRequest(body)
	if err != nil {
		return 0, errInvalid("", "request body is not valid JSON")
	}
	var f requestFields
	if e := readRequest(epChat, v, &f); e != nil {
		return 0, e
	}
	m.SetPrompt(s.stages.Tokens, metering.Prompt{Kind: metering.PromptChat, Model: model, Chars: f.PromptChars, Messages: f.MessageCount})
	return m.PromptEstimate(), nil
}
