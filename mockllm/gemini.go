package mockllm

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// GeminiAPIKey is the only API key the mock's Gemini API accepts (x-goog-api-key or ?key=). Vertex AI paths
// take any non-empty Bearer token: the mock cannot check Google's tokens.
const GeminiAPIKey = "mockllm-gemini-key"

// serveGemini answers Google's Gemini API and Vertex AI paths:
//
//	POST /v1beta/models/{model}:generateContent | :streamGenerateContent?alt=sse | :embedContent | :batchEmbedContents
//	POST /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent | :streamGenerateContent?alt=sse
//
// handled is false for any other path.
func (s *Server) serveGemini(ctx *fasthttp.RequestCtx) (streaming, handled bool) {
	path := ctx.Path()
	rest, ok := bytes.CutPrefix(path, []byte("/v1beta/models/"))
	vertex := false
	if !ok {
		if rest, ok = bytes.CutPrefix(path, []byte("/v1/projects/")); !ok {
			return false, false
		}
		i := bytes.Index(rest, []byte("/publishers/google/models/"))
		if i < 0 {
			return false, false
		}
		rest, vertex = rest[i+len("/publishers/google/models/"):], true
	}
	colon := bytes.LastIndexByte(rest, ':')
	if colon <= 0 {
		s.writeGeminiError(ctx, 404, "NOT_FOUND", "mockllm: want models/{model}:{method}")
		return false, true
	}
	model, method := rest[:colon], string(rest[colon+1:])
	if string(ctx.Method()) != fasthttp.MethodPost {
		s.writeGeminiError(ctx, 405, "INVALID_ARGUMENT", "mockllm: method "+string(ctx.Method())+" not allowed; use POST")
		return false, true
	}
	if !s.geminiAuth(ctx, vertex) {
		return false, true
	}
	var k knobs
	if err := s.readKnobs(&ctx.Request.Header, &k); err != nil {
		s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", err.message)
		return false, true
	}
	if !s.delay(k.latency) {
		s.writeGeminiError(ctx, 503, "UNAVAILABLE", "mockllm: shutting down")
		return false, true
	}
	if s.injectError(k.errorRate) {
		s.stats.errorsInjected.Add(1)
		s.injectGeminiError(ctx, &k)
		return false, true
	}
	stream := method == "streamGenerateContent"
	if stream && string(ctx.QueryArgs().Peek("alt")) != "sse" {
		s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", "mockllm: streamGenerateContent is served with alt=sse only")
		return false, true
	}
	if k.garbage {
		s.stats.garbage.Add(1)
		if stream {
			ctx.SetContentType("text/event-stream")
			ctx.SetBodyString("data: {\"candidates\": mockllm garbage\n\n")
		} else {
			ctx.SetContentType("application/json")
			ctx.SetBodyString("{\"candidates\": mockllm garbage")
		}
		return false, true
	}
	p := s.parsers.Get()
	defer s.parsers.Put(p)
	v, err := p.ParseBytes(ctx.PostBody())
	if err != nil || v.Type() != fastjson.TypeObject {
		s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
		return false, true
	}
	switch method {
	case "generateContent", "streamGenerateContent":
		var g geminiGen
		if msg := s.parseGemini(v, model, &k, &g); msg != "" {
			s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", msg)
			return false, true
		}
		if stream {
			s.startEvents(ctx, "text/event-stream", s.geminiStream(&g, &k))
			return true, true
		}
		if !s.holdAtGate(ctx, &k) {
			return false, true
		}
		bb := bufPool.Get()
		bb.B = s.appendGeminiResponse(bb.B[:0], &g, -1, !k.noUsage)
		s.answer(ctx, &k, bb.B)
		bufPool.Put(bb)
	case "embedContent", "batchEmbedContents":
		if vertex {
			s.writeGeminiError(ctx, 404, "NOT_FOUND", "mockllm: Vertex AI embeds through :predict")
			return false, true
		}
		bb := bufPool.Get()
		var msg string
		bb.B, msg = s.appendGeminiEmbeddings(bb.B[:0], v, method == "batchEmbedContents")
		if msg != "" {
			s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", msg)
		} else if s.holdAtGate(ctx, &k) {
			s.answer(ctx, &k, bb.B)
		}
		bufPool.Put(bb)
	default:
		s.writeGeminiError(ctx, 404, "NOT_FOUND", "mockllm: unknown method "+strconv.Quote(method))
	}
	return false, true
}

// geminiAuth checks the API key as Google does: none is a 403, a wrong one a 400 (API_KEY_INVALID).
func (s *Server) geminiAuth(ctx *fasthttp.RequestCtx, vertex bool) bool {
	if vertex {
		tok, ok := bytes.CutPrefix(ctx.Request.Header.Peek("Authorization"), []byte("Bearer "))
		if !ok || len(bytes.TrimSpace(tok)) == 0 {
			s.writeGeminiError(ctx, 401, "UNAUTHENTICATED", "Request is missing required authentication credential. Expected OAuth 2 access token.")
			return false
		}
		return true
	}
	key := ctx.Request.Header.Peek("x-goog-api-key")
	if len(key) == 0 {
		key = ctx.QueryArgs().Peek("key")
	}
	switch {
	case len(key) == 0:
		s.writeGeminiError(ctx, 403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.")
		return false
	case string(key) != GeminiAPIKey:
		s.writeGeminiError(ctx, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.")
		return false
	}
	return true
}

// geminiStatus names the google.rpc code for an HTTP status.
func geminiStatus(status int) string {
	switch status {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ABORTED"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case 501:
		return "UNIMPLEMENTED"
	case 503:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return "FAILED_PRECONDITION"
}

func (s *Server) injectGeminiError(ctx *fasthttp.RequestCtx, k *knobs) {
	if k.retryAfter >= 0 {
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(k.retryAfter))
	}
	bb := bufPool.Get()
	bb.B = appendGeminiError(bb.B[:0], k.errorStatus, geminiStatus(k.errorStatus),
		"mockllm: injected error with status "+strconv.Itoa(k.errorStatus), k.retryAfter)
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(k.errorStatus)
	ctx.SetBody(bb.B)
	bufPool.Put(bb)
}

// appendGeminiError appends Google's error JSON; retryAfter >= 0 adds a google.rpc.RetryInfo detail.
func appendGeminiError(dst []byte, code int, status, msg string, retryAfter int) []byte {
	dst = append(dst, `{"error":{"code":`...)
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, `,"message":`...)
	dst = jsonw.String(dst, msg)
	dst = append(dst, `,"status":"`...)
	dst = append(dst, status...)
	dst = append(dst, '"')
	if retryAfter >= 0 {
		dst = append(dst, `,"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"`...)
		dst = strconv.AppendInt(dst, int64(retryAfter), 10)
		dst = append(dst, `s"}]`...)
	}
	return append(dst, "}}"...)
}

func (s *Server) writeGeminiError(ctx *fasthttp.RequestCtx, code int, status, msg string) {
	if code < 500 {
		s.stats.badRequests.Add(1)
	}
	bb := bufPool.Get()
	bb.B = appendGeminiError(bb.B[:0], code, status, msg, -1)
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(code)
	ctx.SetBody(bb.B)
	bufPool.Put(bb)
}
