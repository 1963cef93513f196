package mockllm

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// serveBedrock answers Amazon Bedrock runtime paths, every request SigV4-verified against BedrockAccessKeyID:
//
//	POST /model/{modelId}/converse          Converse
//	POST /model/{modelId}/converse-stream   ConverseStream (AWS event-stream frames)
//	POST /model/{modelId}/invoke            InvokeModel, for Titan and Cohere embedding models
//
// handled is false for any other path.
func (s *Server) serveBedrock(ctx *fasthttp.RequestCtx) (streaming, handled bool) {
	rest, ok := bytes.CutPrefix(ctx.Path(), []byte("/model/"))
	if !ok {
		return false, false
	}
	slash := bytes.LastIndexByte(rest, '/')
	if slash <= 0 {
		return false, false
	}
	model, op := rest[:slash], string(rest[slash+1:])
	switch op {
	case "converse", "converse-stream", "invoke":
	default:
		return false, false
	}
	if string(ctx.Method()) != fasthttp.MethodPost {
		s.writeBedrockError(ctx, 405, "ValidationException", "method not allowed; use POST")
		return false, true
	}
	if exc, msg := verifySigV4(ctx); exc != "" {
		s.writeBedrockError(ctx, 403, exc, msg)
		return false, true
	}
	var k knobs
	if err := s.readKnobs(&ctx.Request.Header, &k); err != nil {
		s.writeBedrockError(ctx, 400, "ValidationException", err.message)
		return false, true
	}
	if !s.delay(k.latency) {
		s.writeBedrockError(ctx, 503, "ServiceUnavailableException", "mockllm: shutting down")
		return false, true
	}
	if s.injectError(k.errorRate) {
		s.stats.errorsInjected.Add(1)
		if k.retryAfter >= 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(k.retryAfter))
		}
		writeBedrockError(ctx, s.appendID(nil), k.errorStatus, bedrockException(k.errorStatus),
			"mockllm: injected error with status "+strconv.Itoa(k.errorStatus))
		return false, true
	}
	stream := op == "converse-stream"
	if k.garbage {
		s.stats.garbage.Add(1)
		if stream {
			ctx.SetContentType("application/vnd.amazon.eventstream")
			ctx.SetBodyString("\x00\x00\x00\x20mockllm garbage, not an event-stream frame")
		} else {
			ctx.SetContentType("application/json")
			ctx.SetBodyString("{\"output\": mockllm garbage")
		}
		return false, true
	}
	p := s.parsers.Get()
	defer s.parsers.Put(p)
	v, err := p.ParseBytes(ctx.PostBody())
	if err != nil || v.Type() != fastjson.TypeObject {
		s.writeBedrockError(ctx, 400, "ValidationException", "Malformed input request, please reformat your input and try again.")
		return false, true
	}
	if op == "invoke" {
		bb := bufPool.Get()
		var msg string
		bb.B, msg = s.appendBedrockEmbeddings(bb.B[:0], v, model)
		if msg != "" {
			s.writeBedrockError(ctx, 400, "ValidationException", msg)
		} else if s.holdAtGate(ctx, &k) {
			s.answer(ctx, &k, bb.B)
		}
		bufPool.Put(bb)
		return false, true
	}
	var g bedrockGen
	if msg := s.parseConverse(v, model, &k, &g); msg != "" {
		s.writeBedrockError(ctx, 400, "ValidationException", msg)
		return false, true
	}
	if stream {
		ctx.Response.Header.Set("X-Amzn-Bedrock-Content-Type", "application/json")
		s.startEvents(ctx, "application/vnd.amazon.eventstream", s.converseStream(&g, &k))
		return true, true
	}
	if !s.holdAtGate(ctx, &k) {
		return false, true
	}
	bb := bufPool.Get()
	bb.B = s.appendConverseResponse(bb.B[:0], &g, !k.noUsage)
	s.answer(ctx, &k, bb.B)
	bufPool.Put(bb)
	return false, true
}

// bedrockException names the exception Bedrock answers with a status.
func bedrockException(status int) string {
	switch status {
	case 400:
		return "ValidationException"
	case 403:
		return "AccessDeniedException"
	case 404:
		return "ResourceNotFoundException"
	case 408:
		return "ModelTimeoutException"
	case 424:
		return "ModelErrorException"
	case 429:
		return "ThrottlingException"
	case 503:
		return "ServiceUnavailableException"
	}
	if status >= 500 {
		return "InternalServerException"
	}
	return "ValidationException"
}

// writeBedrockError answers a request the mock refuses (counted as a bad request when it is a 4xx).
func (s *Server) writeBedrockError(ctx *fasthttp.RequestCtx, status int, exception, msg string) {
	if status < 500 {
		s.stats.badRequests.Add(1)
	}
	writeBedrockError(ctx, s.appendID(nil), status, exception, msg)
}

// writeBedrockError answers as AWS's restJson1 protocol does: the exception in X-Amzn-ErrorType, the message in
// the body (with __type too, which the SDK also reads).
func writeBedrockError(ctx *fasthttp.RequestCtx, requestID []byte, status int, exception, msg string) {
	ctx.Response.Header.Set("X-Amzn-ErrorType", exception+":http://internal.amazon.com/coral/com.amazon.bedrock/")
	ctx.Response.Header.Set("X-Amzn-RequestId", "mockllm-"+string(requestID))
	bb := bufPool.Get()
	bb.B = append(bb.B[:0], `{"__type":`...)
	bb.B = jsonw.String(bb.B, exception)
	bb.B = append(bb.B, `,"message":`...)
	bb.B = jsonw.String(bb.B, msg)
	bb.B = append(bb.B, '}')
	ctx.SetContentType("application/json")
	ctx.SetStatusCode(status)
	ctx.SetBody(bb.B)
	bufPool.Put(bb)
}
