package gateway

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/tollgate-ai/tollgate/providers/messagesapi"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// inboundAPI is the API a client called. The pipeline always runs on the
// OpenAI shape: another API's request is translated into it on the way in
// and its answer back on the way out.
type inboundAPI uint8

const (
	apiOpenAI   inboundAPI = iota
	apiMessages            // Anthropic's Messages API, /v1/messages
)

var (
	pathMessages    = []byte("/v1/messages")
	pathCountTokens = "/v1/messages/count_tokens"
	// messagesNote marks a Messages API request's ledger record (its
	// stages map): stages write their own names, never "api".
	messagesNoteKey = "api"
)

// noteAPI marks the ledger record of a request that came in on another
// API than OpenAI's.
func (x *Exchange) noteAPI() {
	if x.api != apiMessages {
		return
	}
	if x.notes == nil {
		x.notes = make(map[string]string, 2)
	}
	x.notes[messagesNoteKey] = "messages"
}

// messagesBuffers are one Messages API request's translation buffers,
// pooled: the parser, the translated OpenAI body (which the upstream
// attempts send while the handler runs) and the translated answer.
type messagesBuffers struct {
	p      fastjson.Parser
	body   []byte
	out    []byte
	native nativeMessages
	in     inbound
}

var messagesBufPool = sync.Pool{New: func() any { return new(messagesBuffers) }}

func releaseMessagesBuffers(b *messagesBuffers) {
	b.native.reset()
	b.in = inbound{}
	if cap(b.body) > 1<<20 {
		b.body = nil
	}
	if cap(b.out) > 1<<20 {
		b.out = nil
	}
	messagesBufPool.Put(b)
}

// handleMessagesPath serves /v1/messages and /v1/messages/count_tokens;
// anthropic-version, anthropic-beta and ?beta=true are accepted as they
// come (the translation decides what it can carry).
func (s *Server) handleMessagesPath(ctx *fasthttp.RequestCtx, path []byte) {
	switch string(path) {
	case "/v1/messages":
		s.handleMessages(ctx)
	case pathCountTokens:
		s.handleCountTokens(ctx)
	default:
		writeMessagesError(ctx, 404, messagesapi.TypeNotFound, "unknown endpoint "+truncate(string(path), 100))
	}
}

// handleMessages serves POST /v1/messages: the body is translated to an
// OpenAI chat request, the usual pipeline runs on it (policy, filters,
// limits, cache, ledger, health), and the answer is translated back:
// here for a buffered answer, in the stream writer (streamOutputFor) for
// a stream.
func (s *Server) handleMessages(ctx *fasthttp.RequestCtx) {
	if !ctx.IsPost() {
		ctx.Response.Header.Set("Allow", "POST")
		writeMessagesError(ctx, 405, messagesapi.TypeInvalidRequest, "use POST for /v1/messages")
		return
	}
	b := messagesBufPool.Get().(*messagesBuffers)
	defer releaseMessagesBuffers(b)
	var req messagesapi.Request
	var terr *messagesapi.Error
	b.body, req, terr = messagesapi.TranslateRequest(b.body[:0], ctx.PostBody(), &b.p, messagesapi.Messages)
	if terr != nil {
		// A caller without a valid key learns that first, as from Anthropic.
		if _, e := s.rt.Load().keys.authenticate(&ctx.Request.Header); e != nil {
			writeMessagesError(ctx, e.Status, messagesapi.ErrorType(e.Status), e.Message)
			return
		}
		writeMessagesError(ctx, terr.Status, terr.Type, terr.Message)
		return
	}
	if req.Ignored != "" {
		ctx.Response.Header.Set("X-Tollgate-Ignored", req.Ignored)
	}
	n := &b.native
	n.client, n.translated, n.maxTokens, n.header = ctx.PostBody(), b.body, req.MaxTokens, &ctx.Request.Header
	b.in = inbound{api: apiMessages, body: b.body, native: n}
	if s.serveModelAPIAs(ctx, epChat, nil, &b.in) {
		return // the stream writer translates (gateway/messages_api_stream.go)
	}
	s.translateAnswer(ctx, b, req.Model)
}

// translateAnswer rewrites the buffered OpenAI answer in ctx (a chat
// completion or an error) into the Messages API's shape.
func (s *Server) translateAnswer(ctx *fasthttp.RequestCtx, b *messagesBuffers, model string) {
	status := ctx.Response.StatusCode()
	body := ctx.Response.Body()
	if status >= 200 && status < 300 {
		if native := b.native.nativeAnswer(body); native != nil {
			ctx.Response.SetBody(native) // an anthropic upstream's own answer (gateway/messages_api_native.go)
			return
		}
		out, err := messagesapi.AppendMessage(b.out[:0], body, &b.p, model)
		if err != nil {
			writeMessagesError(ctx, 502, messagesapi.TypeAPI, "the upstream's answer could not be read as a chat completion: "+err.Error())
			return
		}
		b.out = out
		ctx.Response.SetBody(out)
		ctx.SetContentType("application/json")
		return
	}
	msg := "request failed"
	if v, err := b.p.ParseBytes(body); err == nil {
		if m := v.GetStringBytes("error", "message"); len(m) > 0 {
			msg = string(m)
		}
	}
	writeMessagesError(ctx, status, messagesapi.ErrorType(status), msg)
}

// writeErrorFor answers with e in the shape of the API the request's path
// belongs to: the Messages API's, or OpenAI's.
func writeErrorFor(ctx *fasthttp.RequestCtx, e *APIError) {
	if bytes.HasPrefix(ctx.Path(), pathMessages) {
		if e.RetryAfter > 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		writeMessagesError(ctx, e.Status, messagesapi.ErrorType(e.Status), e.Message)
		return
	}
	writeError(ctx, e)
}

// writeMessagesError answers with an error in the Messages API's shape;
// headers already set (Retry-After, the limit headers) stay.
func writeMessagesError(ctx *fasthttp.RequestCtx, status int, typ, msg string) {
	ctx.Response.ResetBody()
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.Response.SetBodyRaw(messagesapi.AppendError(make([]byte, 0, 64+len(msg)), typ, msg))
}
