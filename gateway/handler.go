package gateway

import (
	"bytes"
	"encoding/json"
	"runtime/debug"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

var (
	pathChat        = []byte("/v1/chat/completions")
	pathCompletions = []byte("/v1/completions")
	pathEmbeddings  = []byte("/v1/embeddings")
	pathModels      = []byte("/v1/models")
	pathModelsSlash = []byte("/v1/models/")
	pathAzure       = []byte("/openai/deployments/")
)

// handleAzurePath serves Azure OpenAI style URLs, so Azure SDK clients can
// point at the gateway unchanged: /openai/deployments/{model}/chat/completions
// (api-version is accepted and ignored; the gateway speaks to upstreams in
// their own dialect).
func (s *Server) handleAzurePath(ctx *fasthttp.RequestCtx, rest []byte) {
	i := bytes.IndexByte(rest, '/')
	if i <= 0 {
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url", Message: "expected /openai/deployments/{model}/chat/completions"})
		return
	}
	model, op := rest[:i], rest[i:]
	var ep endpoint
	switch string(op) {
	case "/chat/completions":
		ep = epChat
	case "/completions":
		ep = epCompletions
	case "/embeddings":
		ep = epEmbeddings
	default:
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url", Message: "unknown Azure operation " + truncate(string(op), 100)})
		return
	}
	s.serveModelAPI(ctx, ep, model)
}

// headerRequestID is X-Request-Id in canonical case: set with SetCanonical,
// it is not re-normalised on every request.
var headerRequestID = []byte("X-Request-Id")

// handle routes a request. Model APIs are matched first: they are the hot path.
func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	defer s.recoverPanic(ctx)
	path := ctx.Path()
	if isModelPath(path) { // admission control (gateway/admission.go)
		if !s.admit(ctx) {
			return
		}
		defer s.leave(ctx)
	}
	switch {
	case bytes.Equal(path, pathChat):
		s.handleModelAPI(ctx, epChat)
	case bytes.Equal(path, pathCompletions):
		s.handleModelAPI(ctx, epCompletions)
	case bytes.Equal(path, pathEmbeddings):
		s.handleModelAPI(ctx, epEmbeddings)
	case bytes.HasPrefix(path, pathAzure):
		s.handleAzurePath(ctx, path[len(pathAzure):])
	case bytes.HasPrefix(path, pathMessages):
		s.handleMessagesPath(ctx, path) // Anthropic's Messages API (gateway/messages_api.go)
	case bytes.Equal(path, pathModels):
		s.handleModels(ctx)
	case bytes.HasPrefix(path, pathModelsSlash):
		s.handleModel(ctx, path[len(pathModelsSlash):])
	case string(path) == "/healthz":
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"status":"ok"}`)
	case string(path) == "/readyz":
		s.handleReady(ctx)
	case string(path) == "/v1/feedback":
		s.handleFeedback(ctx)
	case string(path) == "/admin/reload":
		s.handleAdminReload(ctx, onMain, s.listeners.mainLocal(ctx))
	default:
		if e, ok := s.extra[string(path)]; ok {
			s.handleExtra(ctx, e, onMain, s.listeners.mainLocal(ctx))
			return
		}
		if r := s.rt.Load().route(path); r != nil {
			if s.admit(ctx) {
				defer s.leave(ctx)
				s.handlePassthrough(ctx, r)
			}
			return
		}
		if e, ok := s.extraPrefix(path); ok {
			s.handleExtra(ctx, e, onMain, s.listeners.mainLocal(ctx))
			return
		}
		writeError(ctx, &APIError{Status: 404, Type: typeNotFound, Code: "unknown_url",
			Message: "unknown endpoint " + string(ctx.Method()) + " " + string(path) + "; this gateway serves the OpenAI API under /v1"})
	}
}

// extraPrefix matches extra handlers registered with a trailing slash
// ("/ui/") against deeper paths.
func (s *Server) extraPrefix(path []byte) (extraHandler, bool) {
	for p, e := range s.extra {
		if len(p) > 1 && p[len(p)-1] == '/' && bytes.HasPrefix(path, []byte(p)) {
			return e, true
		}
	}
	return extraHandler{}, false
}

// handleExtra serves an endpoint registered with Handle once the caller
// may use it there (keyring.authorize).
func (s *Server) handleExtra(ctx *fasthttp.RequestCtx, e extraHandler, on listenerKind, local bool) {
	if err := s.rt.Load().keys.authorize(&ctx.Request.Header, e.access, on, local); err != nil {
		if err.Status == 401 {
			// A browser opening /ui prompts for it; the password is the key.
			ctx.Response.Header.Set("WWW-Authenticate", `Basic realm="tollgate ops", charset="UTF-8"`)
		}
		writeError(ctx, err)
		return
	}
	e.h(ctx)
}

// handleModelAPI serves chat, completions and embeddings.
func (s *Server) handleModelAPI(ctx *fasthttp.RequestCtx, ep endpoint) { s.serveModelAPI(ctx, ep, nil) }

// serveModelAPI runs the pipeline; pathModel is the model named by an
// Azure-style URL (nil for OpenAI paths).
func (s *Server) serveModelAPI(ctx *fasthttp.RequestCtx, ep endpoint, pathModel []byte) {
	s.serveModelAPIAs(ctx, ep, pathModel, nil)
}

// serveModelAPIAs runs the pipeline for a request that came in on another
// API (in; nil for OpenAI's), on the OpenAI-shaped body translated from
// it. It reports whether a stream writer took the request over.
func (s *Server) serveModelAPIAs(ctx *fasthttp.RequestCtx, ep endpoint, pathModel []byte, in *inbound) (handedOff bool) {
	x := acquireExchange()
	x.endpoint = ep
	var body []byte
	if in != nil {
		x.api, x.native, body = in.api, in.native, in.body
	}
	if pathModel != nil {
		x.fields.Model, x.fields.modelFromPath = string(pathModel), true
	}
	x.rt = s.rt.Load()
	x.setRequestID(&ctx.Request.Header)
	ctx.Response.Header.SetCanonical(headerRequestID, x.requestID)
	// Once a stream writer owns x it may run (and release x) before this
	// handler returns, so ownership is tracked here, never read from x.
	defer func() {
		if !handedOff {
			if x.status == 0 { // only a panic leaves no status: recoverPanic answers 500
				x.status, x.errKind = errInternal.Status, health.ErrInternal
			}
			if x.entered != 0 || x.rollout != nil {
				x.respBody = ctx.Response.Body() // for the stages' Finish and the rollout's observation
			}
			s.finish(x)
		}
	}()

	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		s.failNow(ctx, x, &APIError{Status: 405, Type: typeInvalidRequest, Code: "method_not_allowed",
			Message: "use POST for " + string(ctx.Path())})
		return
	}
	p, err := x.rt.keys.authenticate(&ctx.Request.Header)
	if err != nil {
		s.failNow(ctx, x, err)
		return
	}
	x.principal = p
	x.reqHeader = &ctx.Request.Header
	if !isJSONContentType(ctx.Request.Header.ContentType()) {
		s.failNow(ctx, x, &APIError{Status: 415, Type: typeInvalidRequest, Code: "unsupported_media_type",
			Message: "Content-Type must be application/json, got " + truncate(string(ctx.Request.Header.ContentType()), 100)})
		return
	}
	if body == nil {
		body = ctx.PostBody()
	}
	x.noteAPI()
	if e := s.readBody(x, ep, body); e != nil {
		s.failNow(ctx, x, e)
		return
	}
	m := x.rt.models[x.fields.Model]
	if m == nil {
		s.failNow(ctx, x, &APIError{Status: 404, Type: typeInvalidRequest, Code: "model_not_found", Param: "model",
			Message: "the model '" + truncate(x.fields.Model, 200) + "' does not exist on this gateway; GET /v1/models lists the models you can use"})
		return
	}
	if !p.Allows(m.name) {
		s.failNow(ctx, x, &APIError{Status: 403, Type: typePermission, Code: "model_not_allowed", Param: "model",
			Message: "your key may not use model '" + m.name + "'"})
		return
	}
	x.requested = m
	x.body = body
	if m.health != nil {
		m.health.InFlight(1)
	}
	tags, e := parseTags(ctx.Request.Header.Peek("X-Tollgate-Tags"), p.Tags)
	if e != nil {
		s.failNow(ctx, x, e)
		return
	}
	x.tags = tags
	s.inspectRequest(x) // stages: findings for the policy (gateway/pipeline.go)
	if e := s.decide(ctx, x); e != nil {
		s.failNow(ctx, x, e)
		return
	}
	if e := s.applyDecision(x); e != nil { // stages: redact, pseudonymise, refuse
		s.failNow(ctx, x, e)
		return
	}
	body = x.body // the policy may have capped max_tokens, a stage redacted
	if e := s.limit(ctx, x); e != nil {
		s.failNow(ctx, x, e)
		return
	}
	if a := s.stageAnswer(x); a != nil { // a cache hit, a coalesced follower
		handedOff = s.writeAnswer(ctx, x, a)
		return
	}
	if x.rt.rollouts != nil { // after the policy's model and the cache's answer: the variant (gateway/rollout_split.go)
		s.splitRollout(x, body)
	}
	if x.fields.Stream {
		x.meter.CountPromptNow() // the stream outlives the handler: count now in case usage never comes,
		x.meter.ReleaseRequest() // then let the parsed body go
	}
	handedOff = s.forward(ctx, x, s.prepareBody(x, body))
	return handedOff
}

// isJSONContentType accepts application/json (with parameters) and the
// empty type some minimal clients send; form posts and text are refused.
func isJSONContentType(ct []byte) bool {
	if len(ct) == 0 {
		return true
	}
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = bytes.TrimSpace(ct)
	return bytes.EqualFold(ct, []byte("application/json")) || bytes.HasSuffix(bytes.ToLower(ct), []byte("+json"))
}

// failNow answers with e; the caller returns right after.
func (s *Server) failNow(ctx *fasthttp.RequestCtx, x *Exchange, e *APIError) *APIError {
	s.fail(ctx, x, e)
	return e
}

func (s *Server) fail(ctx *fasthttp.RequestCtx, x *Exchange, e *APIError) {
	x.status = e.Status
	s.setModelHeader(ctx, x)
	writeError(ctx, e)
}

// setModelHeader names the model that served the request, or, when none
// did, the one that was asked for.
func (s *Server) setModelHeader(ctx *fasthttp.RequestCtx, x *Exchange) {
	switch {
	case x.served != nil:
		ctx.Response.Header.Set("X-Tollgate-Model", x.served.name)
	case x.fields.Model != "":
		ctx.Response.Header.Set("X-Tollgate-Model", truncate(x.fields.Model, 200))
	}
	if x.cacheResult != "" { // every answer path names the model: the cache's verdict goes with it
		ctx.Response.Header.Set("X-Tollgate-Cache", x.cacheResult)
	}
}

// finish runs the end-of-request stages and returns x to its pool.
func (s *Server) finish(x *Exchange) {
	if x.entered != 0 {
		s.finishStages(x) // before account: their notes reach the ledger record
	}
	s.account(x)
	releaseExchange(x)
}

func (s *Server) recoverPanic(ctx *fasthttp.RequestCtx) {
	if r := recover(); r != nil {
		panicsHandler.Inc()
		s.log.Error("panic serving request", "path", string(ctx.Path()),
			"request_id", string(ctx.Response.Header.Peek("X-Request-Id")), "panic", r, "stack", string(debug.Stack()))
		e := errInternal
		writeErrorFor(ctx, &e)
	}
}

func (s *Server) handleReady(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	rt := s.rt.Load()
	if s.closed.Load() || rt == nil || len(rt.models) == 0 {
		ctx.SetStatusCode(503)
		ctx.SetBodyString(`{"status":"not ready"}`)
		return
	}
	ctx.SetBodyString(`{"status":"ready"}`)
}

// ReloadFunc, when set, re-reads the config file (POST /admin/reload).
type ReloadFunc func() error

// SetReloadFunc installs the function behind POST /admin/reload.
func (s *Server) SetReloadFunc(f ReloadFunc) { s.reloadFn.Store(&f) }

func (s *Server) handleAdminReload(ctx *fasthttp.RequestCtx, on listenerKind, local bool) {
	if err := s.rt.Load().keys.authorize(&ctx.Request.Header, Admin, on, local); err != nil {
		writeError(ctx, err)
		return
	}
	if !ctx.IsPost() {
		writeError(ctx, &APIError{Status: 405, Type: typeInvalidRequest, Code: "method_not_allowed", Message: "use POST"})
		return
	}
	f := s.reloadFn.Load()
	if f == nil {
		writeError(ctx, &APIError{Status: 409, Type: typeInvalidRequest, Code: "no_config_file",
			Message: "this gateway runs the embedded default config; there is no file to reload"})
		return
	}
	if err := (*f)(); err != nil {
		writeError(ctx, &APIError{Status: 422, Type: typeInvalidRequest, Code: "invalid_config", Message: err.Error()})
		return
	}
	ctx.SetContentType("application/json")
	b, _ := json.Marshal(struct {
		Status       string   `json:"status"`
		NeedsRestart []string `json:"needs_restart,omitempty"`
	}{"reloaded", s.PendingRestart()})
	ctx.SetBody(b)
}
