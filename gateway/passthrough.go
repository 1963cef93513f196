package gateway

import (
	"github.com/valyala/fasthttp"
)

// handlePassthrough forwards any request under a configured prefix to its
// upstream (model servers' own APIs, e.g. KServe's /v2/models/{m}/infer or
// TGI's /generate_stream). Bodies are forwarded as they are, but the
// gateway's rules still apply: auth, the route's keys and the model the
// path names (keys' allowlists), rate limits and budgets, and a ledger
// record. Server-sent events are relayed as they arrive. One attempt:
// arbitrary methods are not known to be idempotent.
func (s *Server) handlePassthrough(ctx *fasthttp.RequestCtx, r *route) {
	x := acquireExchange()
	handedOff := false
	defer func() {
		if !handedOff {
			s.finish(x)
		}
	}()
	x.endpoint = epPassthrough
	x.rt = s.rt.Load()
	x.setRequestID(&ctx.Request.Header)
	ctx.Response.Header.SetBytesV("X-Request-Id", x.requestID)
	p, e := x.rt.keys.authenticate(&ctx.Request.Header)
	if e != nil {
		s.failNow(ctx, x, e)
		return
	}
	x.principal = p
	rest, pathModel, _ := r.match(ctx.Path())
	x.fields.Model = r.model // the model the request counts as: allowlist, limits, ledger
	if pathModel != nil {
		x.fields.Model = string(pathModel)
	}
	if e := r.authorize(p, x.fields.Model); e != nil {
		s.failNow(ctx, x, e)
		return
	}
	tags, e := parseTags(ctx.Request.Header.Peek("X-Tollgate-Tags"), p.Tags)
	if e != nil {
		s.failNow(ctx, x, e)
		return
	}
	x.tags, x.route, x.bytesIn = tags, r, int64(len(ctx.PostBody()))
	if e := s.limitPassthrough(ctx, x); e != nil {
		s.failNow(ctx, x, e)
		return
	}
	u := r.upstream
	x.upReq, x.upResp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req, resp := x.upReq, x.upResp
	req.Header.SetMethodBytes(ctx.Method())
	path := ctx.Path()
	if r.strip {
		path = rest
	}
	uri := req.URI()
	uri.SetScheme(u.scheme)
	uri.SetHost(u.host)
	up := append(append(uri.Path()[:0], u.prefix...), path...)
	if len(up) == 0 {
		up = append(up, '/')
	}
	uri.SetPathBytes(up)
	uri.SetQueryStringBytes(ctx.URI().QueryString())
	if ct := ctx.Request.Header.ContentType(); len(ct) > 0 {
		req.Header.SetContentTypeBytes(ct)
	}
	if a := ctx.Request.Header.Peek("Accept"); len(a) > 0 {
		req.Header.SetBytesV("Accept", a)
	}
	req.Header.SetBytesV("X-Request-Id", x.requestID)
	setTraceContext(&ctx.Request.Header, req)
	u.setHeaders(req)
	req.SetBodyRaw(ctx.PostBody())
	// u.do resends once on a fresh connection when a pooled one turns out
	// stale (closed before any answer byte), as the model APIs do.
	if err := u.do(u.stream, req, resp, x.start.Add(u.cfg.Timeouts.Total)); err != nil {
		if peerClosed(ctx.Conn()) { // the client left: not the upstream's failure
			s.abandon(ctx, x)
			return
		}
		s.failNow(ctx, x, transportError(x, "route "+r.prefix, u.cfg.Name, err))
		return
	}
	x.status = resp.StatusCode()
	ctx.SetStatusCode(x.status)
	ctx.Response.Header.SetContentTypeBytes(resp.Header.ContentType())
	if isEventStream(resp) && resp.IsBodyStream() {
		ctx.Response.Header.Set("Cache-Control", "no-cache")
		ctx.Response.Header.Set("X-Accel-Buffering", "no")
		handedOff = true
		s.startStream(ctx, &streamBody{x: x, resp: resp, kind: streamBytes}) // gateway/stream_body.go
		return
	}
	if err := bufferStreamBody(resp); err != nil {
		s.failNow(ctx, x, transportError(x, "route "+r.prefix, u.cfg.Name, err))
		return
	}
	x.readPassthroughUsage(resp)
	old := ctx.Response.SwapBody(resp.SwapBody(nil))
	resp.SwapBody(old)
}
