package gateway

import (
	"bufio"

	"github.com/valyala/fasthttp"
)

// handlePassthrough forwards any request under a configured prefix to its
// upstream (model servers' own APIs, e.g. KServe's /v2/models/{m}/infer or
// TGI's /generate_stream). Auth and the upstream's credentials apply;
// bodies are not parsed or metered. Server-sent events are relayed as they
// arrive. One attempt: arbitrary methods are not known to be idempotent.
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
	for _, h := range s.hooks.BeforeUpstream {
		if e := h(x, nil); e != nil {
			s.failNow(ctx, x, e)
			return
		}
	}
	u := r.upstream
	x.upReq, x.upResp = fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req, resp := x.upReq, x.upResp
	req.Header.SetMethodBytes(ctx.Method())
	path := ctx.Path()
	if r.strip {
		path = path[len(r.prefix)-1:] // keep the leading slash
	}
	uri := req.URI()
	uri.SetScheme(u.scheme)
	uri.SetHost(u.host)
	uri.SetPathBytes(append(append(uri.Path()[:0], u.prefix...), path...))
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
	req.SetTimeout(u.cfg.Timeouts.Total)
	if err := u.stream.Do(req, resp); err != nil {
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
		cl := holdClient(ctx, x.rt.cfg.Server.StreamWriteTimeout)
		ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
			defer s.endStream(x, cl, nil)
			defer s.recoverStream(w, x, cl, resp)
			s.copyFlushing(w, x, cl, resp)
		})
		return
	}
	if err := bufferStreamBody(resp); err != nil {
		s.failNow(ctx, x, transportError(x, "route "+r.prefix, u.cfg.Name, err))
		return
	}
	old := ctx.Response.SwapBody(resp.SwapBody(nil))
	resp.SwapBody(old)
}
