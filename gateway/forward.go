package gateway

import (
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// outcome of one upstream attempt.
type outcome uint8

const (
	answered  outcome = iota // the client has its response (success or a final answer)
	relaying                 // a stream writer owns the Exchange now: do not touch it again
	retryable                // failed before any byte reached the client: try again or elsewhere
	refused                  // the circuit admitted nothing: not an attempt, pick again
	abandoned                // the client left before an answer: nobody to retry for
)

// forward sends the request to the model's deployments, retrying and falling
// back along the model's chain until one answers or the deadline passes.
// Retries happen only before the first byte reaches the client. It reports
// true when a stream writer took ownership of x (it may already be released).
func (s *Server) forward(ctx *fasthttp.RequestCtx, x *Exchange, body []byte) (handedOff bool) {
	m := x.target()
	deadline := x.start.Add(m.total)
	var last *APIError
	// The last failed attempt, not yet reported to health: it is reported
	// when the request moves on, or blamed by the final record.
	var failed *deployment
	var failedModel *model
	var failedKind string
	report := func() {
		if failed != nil && s.stages.Health != nil {
			s.stages.Health.RecordAttempt(failed.healthHandle(), failedKind)
		}
		failed = nil
	}
chain:
	for i, cur := range x.chain() {
		if i == 1 && x.variantFail == 0 && x.split.Variant == VariantCandidate {
			x.variantFail = failStatus(last) // no attempt on the candidate (circuits open): stable serves
		}
		var tried uint64
		for attempt := 0; attempt < cur.retry.Attempts; {
			now := time.Now()
			if !now.Before(deadline) {
				last = upstreamTimeout(cur.name, "the total timeout expired")
				break chain
			}
			i := cur.sel.pick(cur.deployments, tried|unhealthyMask(cur), now)
			if i < 0 {
				i = cur.sel.pick(cur.deployments, tried, now)
			}
			if i < 0 && tried != 0 {
				i = cur.sel.pick(cur.deployments, 0, now) // all tried: retry one again
			}
			if i < 0 {
				if last == nil {
					last = noDeployment(cur.name)
				}
				break
			}
			d := cur.deployments[i]
			sameAgain := tried&(1<<uint(i&63)) != 0
			tried |= 1 << uint(i&63)
			if x.attempts > 0 && peerClosed(ctx.Conn()) {
				report()
				s.abandon(ctx, x)
				return false
			}
			if attempt > 0 && sameAgain && !sleepBackoff(attempt, cur, last, deadline) {
				break
			}
			res, apiErr := s.attempt(ctx, x, cur, d, body, deadline)
			switch res {
			case refused:
				continue
			case answered, relaying:
				report()
				return res == relaying
			case abandoned:
				report()
				s.abandon(ctx, x)
				return false
			}
			attempt++
			report()
			last, failed, failedModel, failedKind = apiErr, d, cur, x.errKind
			if i == 0 && x.variantFail == 0 {
				x.variantFail = failStatus(apiErr) // a rollout judges its variant by its first answer
			}
		}
	}
	if last == nil {
		last = noDeployment(m.name)
	}
	x.blamedBy, x.blamed = failedModel, failed // the final record blames the last failure
	s.fail(ctx, x, last)
	return false
}

// abandon ends a request whose client hung up before any answer: 499 in
// the records, no upstream failure, nothing more sent upstream.
func (s *Server) abandon(ctx *fasthttp.RequestCtx, x *Exchange) {
	x.errKind = health.ErrClientCancel
	s.fail(ctx, x, &APIError{Status: 499, Type: typeInvalidRequest, Code: "client_closed_request",
		Message: "the client closed the connection before the upstream answered"})
}

// unhealthyMask marks deployments rolling health calls unhealthy: they
// get traffic only when nothing better is left.
func unhealthyMask(m *model) uint64 {
	var mask uint64
	for i, d := range m.deployments {
		if i < 64 && d.unhealthy() {
			mask |= 1 << uint(i)
		}
	}
	return mask
}

// target is the model the request is forwarded to: the requested one, or
// the variant a rollout's split picked.
func (x *Exchange) target() *model {
	if x.variant != nil {
		return x.variant
	}
	return x.requested
}

// chain is the target model followed by its fallbacks.
func (x *Exchange) chain() []*model {
	m := x.target()
	if len(m.fallbacks) == 0 {
		return []*model{m} // escapes to heap only if fallbacks exist (below)
	}
	out := make([]*model, 0, 1+len(m.fallbacks))
	return append(append(out, m), m.fallbacks...)
}

// sleepBackoff waits before retrying a deployment: jittered exponential
// backoff, or the upstream's Retry-After when longer. It reports false when
// the wait would pass the deadline.
func sleepBackoff(attempt int, m *model, last *APIError, deadline time.Time) bool {
	ceil := m.retry.Backoff << uint(attempt-1)
	if ceil > m.retry.MaxBackoff || ceil <= 0 {
		ceil = m.retry.MaxBackoff
	}
	wait := time.Duration(rand.Int64N(int64(ceil) + 1))
	if last != nil && last.RetryAfter > 0 {
		if ra := time.Duration(last.RetryAfter) * time.Second; ra > wait {
			wait = ra
		}
	}
	if time.Now().Add(wait).After(deadline) {
		return false
	}
	time.Sleep(wait)
	return true
}

// commit makes m and d the request's served model and deployment: the
// attempt is good and its answer goes to the client. Only committed
// requests are billed, named in x-tollgate-model and recorded against a
// deployment as served; a failed attempt before it leaves no trace here.
func (x *Exchange) commit(m *model, d *deployment) {
	x.served, x.dep = m, d
	x.errKind = "" // earlier attempts' failures are not this request's outcome
}

// attempt makes one upstream call through d's circuit: it sends the
// request and reads what the deployment answered (the I/O), classify
// judges the result, and the verdict's bookkeeping happens once, below.
// On a good answer it commits and writes the response (or starts the
// stream relay).
//
// The circuit's ticket is resolved on every exit: succeed or fail as the
// verdict says, and the deferred release otherwise (a 429, a departed
// client, an answer too large, an invalid request, a panic), so a
// half-open probe slot is never kept.
func (s *Server) attempt(ctx *fasthttp.RequestCtx, x *Exchange, m *model, d *deployment, body []byte, deadline time.Time) (outcome, *APIError) {
	tk, ok := d.breaker.allow(time.Now())
	if !ok {
		return refused, nil
	}
	defer tk.release()
	x.attempts++
	if x.upReq == nil {
		x.upReq, x.upResp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	}
	if e := x.buildUpstreamRequest(ctx, x.upReq, d, body); e != nil {
		return answered, s.failNow(ctx, x, e)
	}
	d.inflight.Add(1)
	relayed := false // the stream writer decrements in-flight once it ends
	defer func() {
		if !relayed {
			d.inflight.Add(-1)
		}
	}()
	resp := x.upResp
	r, sc := s.call(ctx, x, m, d, deadline)

	v := classify(&r)
	// The bookkeeping, in one place.
	switch v.circuit {
	case success:
		tk.succeed(r.end)
	case failure:
		tk.fail(r.end)
	}
	if v.measured() {
		d.observeLatency(r.took)
	}
	if v.commits() {
		x.commit(m, d)
	}
	if v.errKind != "" {
		x.errKind = v.errKind
	}
	if v.coolFor > 0 {
		d.coolUntil.Store(r.end.Add(time.Duration(v.coolFor) * time.Second).UnixNano())
	}
	if sc != nil && v.act != actRelay {
		releaseScanner(sc)
		_ = resp.CloseBodyStream()
	}

	switch v.act {
	case actRelay:
		relayed = true
		x.ttft = r.end.Sub(x.start)
		s.startRelay(ctx, x, d, resp, sc, r.first, r.firstErr)
		return relaying, nil
	case actServe:
		// Committed before the response-phase policy: the upstream did the
		// work, so a withheld answer is still billed to the caller.
		x.meter.CountPromptNow()
		if e := s.decideResponse(x, x.meter.FinishReason(), bodyOf(resp)); e != nil {
			s.fail(ctx, x, e)
			return answered, nil
		}
		s.writeUpstreamResponse(ctx, x, resp)
		if e := s.inspectResponse(ctx, x); e != nil { // the stages' (gateway/pipeline.go)
			s.fail(ctx, x, e)
		}
		return answered, nil
	case actPassOn:
		s.writeUpstreamResponse(ctx, x, resp)
		return answered, nil
	case actFinal:
		x.blamedBy, x.blamed = m, d
		s.fail(ctx, x, v.err)
		return answered, nil
	case actAbandon:
		return abandoned, nil
	}
	return retryable, v.err
}

// call is attempt's I/O: it sends x.upReq to d and reads what d answered
// (an error answer or a non-relayed body buffered, a buffered 2xx answer
// metered, a relayed stream's first event read with its scanner returned)
// into the facts classify judges.
func (s *Server) call(ctx *fasthttp.RequestCtx, x *Exchange, m *model, d *deployment, deadline time.Time) (upstreamResult, *sseScanner) {
	req, resp := x.upReq, x.upResp
	client := d.upstream.plain
	if x.fields.Stream {
		client = d.upstream.stream
	}
	r := upstreamResult{model: m.name, target: d.name, wantStream: x.fields.Stream}
	started := time.Now()
	r.err = d.upstream.do(client, req, resp, deadline)
	prov := d.upstream.provider // nil: the OpenAI-shaped kinds; else translated (gateway/provider_call.go)
	if x.endpoint == epPassthrough {
		prov = nil // a route passes bytes as they are
	}
	if r.err == nil {
		r.status, r.eventStream = resp.StatusCode(), isEventStream(resp)
		if prov != nil && !r.eventStream {
			r.eventStream = translatedStream(resp) // e.g. Bedrock's AWS event stream
		}
		if resp.IsBodyStream() && !r.relays() {
			r.err = bufferStreamBody(resp)
		}
	}
	var sc *sseScanner
	switch {
	case r.err != nil:
	case r.relays():
		if prov != nil {
			sc = acquireTranslatedScanner(prov.NewStream(x.nativeStreamBody(d, resp.BodyStream()), &x.call))
		} else {
			sc = acquireScanner(resp.BodyStream())
		}
		r.first, r.firstErr = sc.next()
	case r.status >= 200 && r.status < 300:
		if prov != nil {
			// Translated before the meter and the stages read it.
			if r.provErr = x.native.keepAnswer(x, prov, resp); r.provErr != nil { // x.translateAnswer, the native answer kept
				break
			}
		}
		r.validBody = x.endpoint == epPassthrough || x.meter.ReadResponse(bodyOf(resp))
	case r.status >= 400:
		r.retryAfter, r.body = retryAfterSeconds(resp), bodyOf(resp) // an error answer explains itself
		if prov != nil {
			r.provErr = translateErrorAnswer(prov, resp, r.status)
		}
	}
	r.end = time.Now()
	r.took = r.end.Sub(started)
	r.pastDeadline = !r.end.Before(deadline)
	if r.silent() {
		r.clientGone = peerClosed(ctx.Conn())
	}
	return r, sc
}

// buildUpstreamRequest fills req for d: its URI, credentials and headers,
// and the body with d's model name where it differs from the client's.
func (x *Exchange) buildUpstreamRequest(ctx *fasthttp.RequestCtx, req *fasthttp.Request, d *deployment, body []byte) *APIError {
	req.Reset()
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	d.upstream.setURI(req, x.endpoint, d.upstreamModel)
	d.upstream.setHeaders(req)
	req.Header.SetCanonical(headerRequestID, x.requestID)
	setTraceContext(&ctx.Request.Header, req)
	if x.fields.Stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	prov := d.upstream.provider
	if x.meter.UsageInjected() && d.upstream.cfg.StreamUsage == "off" && prov == nil {
		body = x.body // this upstream rejects stream_options: send what the client sent
	}
	if d.upstreamModel != x.fields.Model || x.fields.modelFromPath {
		edited, err := setTopLevel(x.editBuf[:0], body, "model", d.modelJSON)
		if err != nil {
			return errInvalid("", "request body is not valid JSON")
		}
		x.editBuf, body = edited, edited
	}
	if prov != nil {
		if x.forwardNative(req, d, body) { // a Messages API client's own body (gateway/messages_api_native.go)
			return nil
		}
		return x.prepareProviderRequest(req, d, body) // gateway/provider_call.go
	}
	req.SetBodyRaw(body)
	return nil
}

func bodyOf(resp *fasthttp.Response) []byte {
	if resp.IsBodyStream() {
		return nil // never read a live stream here
	}
	return resp.Body()
}

func isEventStream(resp *fasthttp.Response) bool {
	ct := resp.Header.ContentType()
	return len(ct) >= 17 && string(ct[:17]) == "text/event-stream"
}

// maxBufferedBody bounds an upstream answer the gateway holds in memory:
// a non-relayed streamed body (pass-through, an error answer, JSON where
// SSE was asked for) and the plain pool's MaxResponseBodySize. Atomic so a
// test can lower it without allocating the real limit.
var maxBufferedBody atomic.Int64

func init() { maxBufferedBody.Store(64 << 20) }

// errBodyTooLarge: an upstream answer over maxBufferedBody. Cutting it
// would hand the client a truncated body with a 200.
var errBodyTooLarge = errors.New("the upstream's answer is larger than the gateway buffers")

func isTooLarge(err error) bool {
	return errors.Is(err, errBodyTooLarge) || errors.Is(err, fasthttp.ErrBodyTooLarge)
}

// bufferStreamBody turns a streamed upstream body into a buffered one, for
// answers that are not relayed event by event. It reads one byte past the
// limit to tell a body of exactly the limit from a longer one.
func bufferStreamBody(resp *fasthttp.Response) error {
	limit := maxBufferedBody.Load()
	b, err := io.ReadAll(io.LimitReader(resp.BodyStream(), limit+1))
	_ = resp.CloseBodyStream() // unread bytes: the connection is discarded, not drained
	if err == nil && int64(len(b)) > limit {
		err = errBodyTooLarge
	}
	if err != nil {
		return err
	}
	resp.SwapBody(b) // the body buffer, not SetBodyRaw: writeUpstreamResponse hands buffers over with SwapBody
	return nil
}

// writeUpstreamResponse hands the upstream's buffered body to the client
// without copying: the two responses swap body buffers.
func (s *Server) writeUpstreamResponse(ctx *fasthttp.RequestCtx, x *Exchange, resp *fasthttp.Response) {
	x.status = resp.StatusCode()
	ctx.SetStatusCode(x.status)
	ctx.Response.Header.SetContentTypeBytes(resp.Header.ContentType())
	s.setModelHeader(ctx, x)
	old := ctx.Response.SwapBody(resp.SwapBody(nil))
	resp.SwapBody(old)
}

// transportError explains a failed call and sets x's health kind.
func transportError(x *Exchange, model, target string, err error) *APIError {
	e, kind := transportFailure(model, target, err)
	x.errKind = kind
	return e
}

func upstreamTimeout(model, why string) *APIError {
	return &APIError{Status: 504, Type: typeUpstream, Code: "upstream_timeout", Message: "model " + model + ": " + why}
}

func noDeployment(model string) *APIError {
	return &APIError{Status: 503, Type: typeUpstream, Code: "upstream_unavailable", RetryAfter: 1,
		Message: "no deployment of model " + model + " is available: circuits open or cooling down after rate limits"}
}

// retryAfterSeconds reads Retry-After (seconds or an HTTP date).
func retryAfterSeconds(resp *fasthttp.Response) int {
	v := resp.Header.Peek("Retry-After")
	if len(v) == 0 {
		return 0
	}
	if n, err := strconv.Atoi(string(v)); err == nil && n >= 0 {
		return n
	}
	if t, err := fasthttp.ParseHTTPDate(v); err == nil {
		if d := time.Until(t); d > 0 {
			return int((d + time.Second - 1) / time.Second)
		}
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
