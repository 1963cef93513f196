package mockllm

import (
	"bytes"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// Handler is the whole router:
//
//	POST /v1/chat/completions, /v1/completions, /v1/embeddings   (also without /v1)
//	POST /v1/messages                                               (Anthropic Messages API: mockllm/anthropic.go)
//	GET  /v1/models, /v1/models/{id}                                (also without /v1)
//	POST /openai/deployments/{deployment}/chat/completions|completions|embeddings?api-version=…   (Azure)
//	POST /v2/models/{name}/infer                                    (KServe v2)
//	GET  /healthz, /_mock/stats
func (s *Server) Handler(ctx *fasthttp.RequestCtx) {
	s.stats.requests.Add(1)
	s.stats.inFlight.Add(1)
	if !s.route(ctx) {
		s.stats.inFlight.Add(-1)
	}
}

// route serves ctx and reports whether a stream took over the request (it decrements InFlight when done).
func (s *Server) route(ctx *fasthttp.RequestCtx) (streaming bool) {
	path := ctx.Path()
	if bytes.HasPrefix(path, []byte("/v1/")) {
		path = path[len("/v1"):]
	}
	switch string(path) {
	case "/messages": // Anthropic Messages API (mockllm/anthropic.go)
		return s.serveAnthropic(ctx)
	case "/chat/completions":
		return s.serveGenerate(ctx, epChat, nil)
	case "/completions":
		return s.serveGenerate(ctx, epCompletion, nil)
	case "/embeddings":
		return s.serveGenerate(ctx, epEmbedding, nil)
	case "/models":
		if s.allow(ctx, fasthttp.MethodGet) {
			s.writeJSON(ctx, appendModelList)
		}
		return false
	case "/healthz":
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("ok\n")
		return false
	case "/_mock/stats":
		st := s.Stats()
		s.writeJSON(ctx, func(dst []byte) []byte { return appendStatsJSON(dst, st) })
		return false
	}
	if id, ok := bytes.CutPrefix(path, []byte("/models/")); ok && len(id) > 0 {
		if s.allow(ctx, fasthttp.MethodGet) {
			s.writeJSON(ctx, func(dst []byte) []byte { return appendModel(dst, id) })
		}
		return false
	}
	if rest, ok := bytes.CutPrefix(ctx.Path(), []byte("/openai/deployments/")); ok {
		return s.serveAzure(ctx, rest)
	}
	if rest, ok := bytes.CutPrefix(ctx.Path(), []byte("/v2/models/")); ok {
		if name, ok := bytes.CutSuffix(rest, []byte("/infer")); ok && len(name) > 0 && bytes.IndexByte(name, '/') < 0 {
			s.serveInfer(ctx, name)
			return false
		}
	}
	s.writeBadRequest(ctx, &apiError{status: fasthttp.StatusNotFound, typ: "invalid_request_error",
		message: "Invalid URL (" + string(ctx.Method()) + " " + string(ctx.Path()) + ")"})
	return false
}

// serveAzure maps /openai/deployments/{deployment}/{operation} onto the OpenAI handlers; the deployment is the model.
func (s *Server) serveAzure(ctx *fasthttp.RequestCtx, rest []byte) bool {
	deployment, op, ok := bytes.Cut(rest, []byte("/"))
	var ep endpoint
	switch {
	case !ok || len(deployment) == 0:
		ok = false
	case string(op) == "chat/completions":
		ep = epChat
	case string(op) == "completions":
		ep = epCompletion
	case string(op) == "embeddings":
		ep = epEmbedding
	default:
		ok = false
	}
	if !ok {
		s.writeBadRequest(ctx, &apiError{status: fasthttp.StatusNotFound, typ: "invalid_request_error", code: "404",
			message: "Resource not found: want /openai/deployments/{deployment}/chat/completions|completions|embeddings"})
		return false
	}
	if len(ctx.QueryArgs().Peek("api-version")) == 0 {
		s.writeBadRequest(ctx, badRequest("api-version", "missing required query parameter api-version"))
		return false
	}
	return s.serveGenerate(ctx, ep, deployment)
}

func (s *Server) allow(ctx *fasthttp.RequestCtx, method string) bool {
	if string(ctx.Method()) == method {
		return true
	}
	ctx.Response.Header.Set("Allow", method)
	s.writeBadRequest(ctx, &apiError{status: fasthttp.StatusMethodNotAllowed, typ: "invalid_request_error",
		message: "method " + string(ctx.Method()) + " not allowed on " + string(ctx.Path()) + "; use " + method})
	return false
}

func (s *Server) writeBadRequest(ctx *fasthttp.RequestCtx, e *apiError) {
	s.stats.badRequests.Add(1)
	writeError(ctx, e)
}

func (s *Server) writeJSON(ctx *fasthttp.RequestCtx, build func([]byte) []byte) {
	bb := bufPool.Get()
	bb.B = build(bb.B[:0])
	ctx.SetContentType("application/json")
	ctx.SetBody(bb.B)
	bufPool.Put(bb)
}

var errShuttingDown = apiError{status: fasthttp.StatusServiceUnavailable, typ: "server_error",
	code: "service_unavailable", message: "mockllm: shutting down"}

// serveGenerate answers chat, completions and embeddings: knobs, latency, injected errors, garbage, then the
// parsed request, a gate, and a JSON answer or a stream.
func (s *Server) serveGenerate(ctx *fasthttp.RequestCtx, ep endpoint, deployment []byte) (streaming bool) {
	if !s.allow(ctx, fasthttp.MethodPost) {
		return false
	}
	var k knobs
	if err := s.readKnobs(&ctx.Request.Header, &k); err != nil {
		s.writeBadRequest(ctx, err)
		return false
	}
	if !s.delay(k.latency) {
		writeError(ctx, &errShuttingDown)
		return false
	}
	if s.injectError(k.errorRate) {
		s.stats.errorsInjected.Add(1)
		e := injectedError(k.errorStatus)
		if k.retryAfter >= 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(k.retryAfter))
		}
		writeError(ctx, &e)
		return false
	}

	p := s.parsers.Get()
	defer s.parsers.Put(p)
	v, err := p.ParseBytes(ctx.PostBody())
	if err != nil {
		s.writeBadRequest(ctx, badRequest("", "request body is not valid JSON: "+err.Error()))
		return false
	}
	if v.Type() != fastjson.TypeObject {
		s.writeBadRequest(ctx, badRequest("", "request body must be a JSON object"))
		return false
	}
	if ep == epEmbedding {
		s.serveEmbeddings(ctx, v, deployment, &k)
		return false
	}
	return s.serveCompletions(ctx, ep, v, deployment, &k)
}

// serveCompletions answers a parsed chat or completions request, as JSON or as a stream.
func (s *Server) serveCompletions(ctx *fasthttp.RequestCtx, ep endpoint, v *fastjson.Value, deployment []byte, k *knobs) (streaming bool) {
	var plan genPlan
	var err *apiError
	if ep == epChat {
		err = s.parseChat(v, deployment, k, &plan)
	} else {
		err = s.parseCompletion(v, deployment, k, &plan)
	}
	if err != nil {
		s.writeBadRequest(ctx, err)
		return false
	}
	if s.garbage(ctx, k, plan.stream) {
		return false
	}
	if plan.stream {
		s.startStream(ctx, s.newStreamJob(&plan, k))
		return true
	}
	if !s.holdAtGate(ctx, k) {
		return false
	}
	bb := bufPool.Get()
	if ep == epChat {
		bb.B = s.appendChatResponse(bb.B[:0], &plan, !k.noUsage)
	} else {
		bb.B = s.appendCompletionResponse(bb.B[:0], &plan, !k.noUsage)
	}
	s.answer(ctx, k, bb.B)
	bufPool.Put(bb)
	return false
}

// serveEmbeddings answers a parsed embeddings request.
func (s *Server) serveEmbeddings(ctx *fasthttp.RequestCtx, v *fastjson.Value, deployment []byte, k *knobs) {
	var emb embedPlan
	if err := s.parseEmbedding(v, deployment, &emb); err != nil {
		s.writeBadRequest(ctx, err)
		return
	}
	emb.lexical = k.lexical
	if s.garbage(ctx, k, false) || !s.holdAtGate(ctx, k) {
		return
	}
	bb, scratch := bufPool.Get(), bufPool.Get()
	bb.B, scratch.B = s.appendEmbeddingResponse(bb.B[:0], scratch.B[:0], &emb, !k.noUsage)
	s.answer(ctx, k, bb.B)
	bufPool.Put(bb)
	bufPool.Put(scratch)
}

// answer writes a JSON body, or with x-mock-fail-after a truncated one on a connection that is then closed.
func (s *Server) answer(ctx *fasthttp.RequestCtx, k *knobs, body []byte) {
	if k.failAfter >= 0 {
		s.breakResponse(ctx, body, k.failAfter)
		return
	}
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}

// garbage answers 200 with a body that is not JSON (or an SSE stream whose event is not JSON) when asked to.
func (s *Server) garbage(ctx *fasthttp.RequestCtx, k *knobs, stream bool) bool {
	if !k.garbage {
		return false
	}
	s.stats.garbage.Add(1)
	if stream {
		ctx.SetContentType("text/event-stream")
		ctx.SetBodyString("data: {\"id\": mockllm garbage, not JSON\n\ndata: [DONE]\n\n")
	} else {
		ctx.SetContentType("application/json")
		ctx.SetBodyString("{\"id\": mockllm garbage, not JSON")
	}
	return true
}

// holdAtGate blocks a non-stream request at its gate; false means the server is closing and ctx was answered.
func (s *Server) holdAtGate(ctx *fasthttp.RequestCtx, k *knobs) bool {
	g := k.gate
	if g == nil {
		return true
	}
	g.markReached()
	t := time.NewTimer(s.gateTimeout)
	defer t.Stop()
	select {
	case <-g.open:
	case <-t.C:
		s.gateTimedOut(g)
	case <-s.closing:
		writeError(ctx, &errShuttingDown)
		return false
	}
	return true
}

// delay sleeps d in the handler; false when the server closed meanwhile.
func (s *Server) delay(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}
