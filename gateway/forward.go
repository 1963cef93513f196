package gateway

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// outcome of one upstream attempt.
type outcome uint8

const (
	answered  outcome = iota // the client has its response (success or a final upstream answer)
	relaying                 // a stream writer owns the Exchange now: do not touch it again
	retryable                // failed before any byte reached the client: try again or elsewhere
)

// forward sends the request to the model's deployments, retrying and falling
// back along the model's chain until one answers or the deadline passes.
// Retries happen only before the first byte reaches the client. It reports
// true when a stream writer took ownership of x (it may already be released).
func (s *Server) forward(ctx *fasthttp.RequestCtx, x *Exchange, body []byte) (handedOff bool) {
	m := x.requested
	deadline := x.start.Add(m.total)
	var last *APIError
	var failed *deployment // the last failed attempt, not yet reported to health
	report := func() {
		if failed != nil && s.stages.Health != nil {
			s.stages.Health.RecordAttempt(failed.health, x.errKind)
		}
		failed = nil
	}
chain:
	for _, cur := range x.chain() {
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
			if !d.breaker.allow(now) {
				tried |= 1 << uint(i&63)
				continue
			}
			sameAgain := tried&(1<<uint(i&63)) != 0
			tried |= 1 << uint(i&63)
			if attempt > 0 && sameAgain {
				if !sleepBackoff(attempt, cur, last, deadline) {
					break
				}
			}
			attempt++
			x.attempts++
			report()
			res, apiErr := s.attempt(ctx, x, cur, d, body, deadline)
			switch res {
			case answered:
				return false
			case relaying:
				return true
			}
			last, failed = apiErr, d
		}
	}
	if last == nil {
		last = noDeployment(m.name)
	}
	if failed != nil {
		x.dep = failed // the final record blames the last deployment tried
	}
	s.fail(ctx, x, last)
	return false
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

// chain is the requested model followed by its fallbacks.
func (x *Exchange) chain() []*model {
	m := x.requested
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

// attempt makes one upstream call. On success it writes the response (or
// starts the stream relay) and returns answered.
func (s *Server) attempt(ctx *fasthttp.RequestCtx, x *Exchange, m *model, d *deployment, body []byte, deadline time.Time) (outcome, *APIError) {
	if x.injectedUsage && d.upstream.cfg.StreamUsage == "off" {
		body = x.body // this upstream rejects stream_options: send what the client sent
	}
	if x.upReq == nil {
		x.upReq, x.upResp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	}
	req, resp := x.upReq, x.upResp
	req.Reset()
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	d.upstream.setURI(req, x.endpoint, d.upstreamModel)
	d.upstream.setHeaders(req)
	req.Header.SetBytesV("X-Request-Id", x.requestID)
	setTraceContext(&ctx.Request.Header, req)
	if x.fields.Stream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if d.upstreamModel != x.fields.Model || x.fields.modelFromPath {
		edited, err := setTopLevel(x.editBuf[:0], body, "model", d.modelJSON)
		if err != nil {
			return answered, s.failNow(ctx, x, errInvalid("", "request body is not valid JSON"))
		}
		x.editBuf = edited
		req.SetBodyRaw(edited)
	} else {
		req.SetBodyRaw(body)
	}
	req.SetTimeout(time.Until(deadline))

	client := d.upstream.plain
	if x.fields.Stream {
		client = d.upstream.stream
	}
	d.inflight.Add(1)
	started := time.Now()
	err := client.Do(req, resp)
	if err != nil {
		d.inflight.Add(-1)
		d.breaker.record(time.Now(), false)
		return retryable, transportError(x, m.name, d.name, err)
	}
	status := resp.StatusCode()
	relay := x.fields.Stream && status >= 200 && status < 300 && isEventStream(resp)
	if resp.IsBodyStream() && !relay {
		if err := bufferStreamBody(resp); err != nil {
			d.inflight.Add(-1)
			d.breaker.record(time.Now(), false)
			return retryable, transportError(x, m.name, d.name, err)
		}
	}
	switch {
	case status >= 200 && status < 300:
		x.served, x.dep = m, d
		if relay {
			// Read the first event before committing: a stream that breaks
			// or opens with an error event can still be retried elsewhere.
			sc := acquireScanner(resp.BodyStream())
			first, err := sc.next()
			if e := firstEventError(x, d, first, err, deadline); e != nil {
				releaseScanner(sc)
				_ = resp.CloseBodyStream()
				d.inflight.Add(-1)
				d.breaker.record(time.Now(), false)
				return retryable, e
			}
			x.errKind = "" // earlier attempts' failures are not this request's outcome
			x.ttft = time.Since(x.start)
			// Streams feed the balancer their time to first event: a stream's
			// total time measures the answer's length, not the deployment.
			d.observeLatency(time.Since(started))
			d.breaker.record(time.Now(), true)
			s.startRelay(ctx, x, d, resp, sc, first, err)
			return relaying, nil
		}
		if x.endpoint != epPassthrough && !x.readResponse(bodyOf(resp)) {
			d.inflight.Add(-1)
			d.breaker.record(time.Now(), false)
			x.errKind = health.ErrUpstream5xx
			return retryable, &APIError{Status: 502, Type: typeUpstream, Code: "upstream_invalid_response",
				Message: "upstream " + d.name + " answered 200 with a body that is not JSON"}
		}
		if !x.usageKnown && s.stages.Tokens != nil {
			s.promptEstimate(x)
		}
		x.errKind = ""
		d.inflight.Add(-1)
		lat := time.Since(started)
		d.observeLatency(lat)
		d.breaker.record(time.Now(), true)
		if e := s.decideResponse(x, x.finishReason); e != nil {
			s.fail(ctx, x, e)
			return answered, nil
		}
		s.writeUpstreamResponse(ctx, x, resp)
		return answered, nil
	case status == fasthttp.StatusTooManyRequests:
		ra := retryAfterSeconds(resp)
		if ra > 0 {
			d.coolUntil.Store(time.Now().Add(time.Duration(ra) * time.Second).UnixNano())
		}
		d.inflight.Add(-1)
		x.errKind = health.ErrUpstream429
		return retryable, &APIError{Status: 429, Type: typeRateLimit, Code: "rate_limit_exceeded", RetryAfter: ra,
			Message: "upstream " + d.name + " is rate limiting: " + upstreamMessage(resp)}
	case status >= 500:
		ra := retryAfterSeconds(resp)
		d.inflight.Add(-1)
		d.breaker.record(time.Now(), false)
		x.errKind = health.ErrUpstream5xx
		return retryable, &APIError{Status: 502, Type: typeUpstream, Code: "upstream_error", RetryAfter: ra,
			Message: "upstream " + d.name + " answered " + strconv.Itoa(status) + ": " + upstreamMessage(resp)}
	case status == 401 || status == 403:
		// The upstream refused the gateway's own credentials: the client
		// cannot fix that, ops can. Other deployments may still work.
		d.inflight.Add(-1)
		d.breaker.record(time.Now(), false)
		x.errKind = health.ErrUpstream5xx
		return retryable, &APIError{Status: 502, Type: typeUpstream, Code: "upstream_auth_failed",
			Message: "upstream " + d.name + " rejected the gateway's credentials (" + strconv.Itoa(status) + "): check its api_key"}
	default:
		// Other 4xx: the request itself is wrong; the upstream's answer is
		// the most useful thing the client can get. Not retried.
		d.inflight.Add(-1)
		d.breaker.record(time.Now(), true)
		x.served, x.dep = m, d
		s.writeUpstreamResponse(ctx, x, resp)
		return answered, nil
	}
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

// maxBufferedBody bounds how much of a non-relayed streamed body
// (an error answer, or JSON where SSE was asked for) is read into memory.
const maxBufferedBody = 64 << 20

// bufferStreamBody turns a streamed upstream body into a buffered one, for
// answers that are not relayed event by event.
func bufferStreamBody(resp *fasthttp.Response) error {
	b, err := io.ReadAll(io.LimitReader(resp.BodyStream(), maxBufferedBody))
	_ = resp.CloseBodyStream()
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

func transportError(x *Exchange, model, target string, err error) *APIError {
	var ne net.Error
	if errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || (errors.As(err, &ne) && ne.Timeout()) {
		x.errKind = health.ErrTimeout
		return upstreamTimeout(model, target+" did not answer in time")
	}
	x.errKind = health.ErrConnect
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_unreachable",
		Message: "upstream " + target + " for " + model + " is unreachable: " + err.Error()}
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

// upstreamMessage extracts error.message from an upstream's error body,
// bounded so a huge or hostile body cannot flood the client or logs.
func upstreamMessage(resp *fasthttp.Response) string {
	b := bodyOf(resp)
	if len(b) == 0 {
		return "no error message"
	}
	var p fastjson.Parser
	if v, err := p.ParseBytes(b); err == nil {
		if msg := v.GetStringBytes("error", "message"); len(msg) > 0 {
			return truncate(string(msg), 300)
		}
		if msg := v.GetStringBytes("message"); len(msg) > 0 {
			return truncate(string(msg), 300)
		}
	}
	return "non-JSON error body (" + strconv.Itoa(len(b)) + " bytes)"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
