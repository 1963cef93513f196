package mockllm

import (
	"bufio"
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// The Anthropic Messages API at POST /v1/messages: the same knobs and
// deterministic text as the OpenAI path, in Anthropic's wire format (its
// message object, its event stream, its error shape), so a gateway
// translating to Anthropic is tested end to end and anthropic-sdk-go
// parses every answer (mockllm/anthropic_sdk_test.go).

// anthropicPlan is one Messages request, decided before the first byte.
type anthropicPlan struct {
	model        []byte
	seed         uint64
	length       int  // words of text
	cut          bool // max_tokens cut it: stop_reason max_tokens
	promptTokens int
	stream       bool
	tool         []byte // the tool to call; nil answers text
	toolInput    []byte // its input, JSON
}

func (p *anthropicPlan) stopReason() string {
	switch {
	case p.tool != nil:
		return "tool_use"
	case p.cut:
		return "max_tokens"
	}
	return "end_turn"
}

// serveAnthropic answers POST /v1/messages.
func (s *Server) serveAnthropic(ctx *fasthttp.RequestCtx) (streaming bool) {
	if !s.allow(ctx, fasthttp.MethodPost) {
		return false
	}
	var k knobs
	if err := s.readKnobs(&ctx.Request.Header, &k); err != nil {
		s.writeAnthropicError(ctx, err.status, "", err.message)
		return false
	}
	if !s.delay(k.latency) {
		writeAnthropicError(ctx, 529, "overloaded_error", "mockllm: shutting down")
		return false
	}
	if len(ctx.Request.Header.Peek("x-api-key")) == 0 && len(ctx.Request.Header.Peek("Authorization")) == 0 {
		// anthropic-sdk-go v2 sends its key as Authorization: Bearer.
		s.writeAnthropicError(ctx, 401, "authentication_error", "x-api-key header is required")
		return false
	}
	if len(ctx.Request.Header.Peek("anthropic-version")) == 0 {
		s.writeAnthropicError(ctx, 400, "invalid_request_error", "anthropic-version: header is required")
		return false
	}
	if s.injectError(k.errorRate) {
		s.stats.errorsInjected.Add(1)
		if k.retryAfter >= 0 {
			ctx.Response.Header.Set("Retry-After", strconv.Itoa(k.retryAfter))
		}
		writeAnthropicError(ctx, k.errorStatus, "", "mockllm: injected error with status "+strconv.Itoa(k.errorStatus))
		return false
	}
	ps := s.parsers.Get()
	defer s.parsers.Put(ps)
	v, err := ps.ParseBytes(ctx.PostBody())
	if err != nil || v.Type() != fastjson.TypeObject {
		s.writeAnthropicError(ctx, 400, "invalid_request_error", "the request body is not a JSON object")
		return false
	}
	var p anthropicPlan
	if msg := s.parseAnthropic(v, &k, &p); msg != "" {
		s.writeAnthropicError(ctx, 400, "invalid_request_error", msg)
		return false
	}
	if k.garbage {
		s.stats.garbage.Add(1)
		if p.stream {
			ctx.SetContentType("text/event-stream")
			ctx.SetBodyString("event: message_start\ndata: {\"type\": mockllm garbage\n\n")
		} else {
			ctx.SetContentType("application/json")
			ctx.SetBodyString("{\"type\": mockllm garbage, not JSON")
		}
		return false
	}
	id := s.appendID(append(make([]byte, 0, 32), "msg_"...))
	if p.stream {
		s.startAnthropicStream(ctx, &p, &k, id)
		return true
	}
	if !s.holdAtGate(ctx, &k) {
		return false
	}
	bb := bufPool.Get()
	bb.B = p.appendMessage(bb.B[:0], id)
	s.answer(ctx, &k, bb.B)
	bufPool.Put(bb)
	return false
}

// parseAnthropic validates a Messages body as the API does and plans the
// answer; it returns the error message of a 400, or "".
func (s *Server) parseAnthropic(v *fastjson.Value, k *knobs, p *anthropicPlan) string {
	p.model = v.GetStringBytes("model")
	if len(p.model) == 0 {
		return "model: Field required"
	}
	mt := v.Get("max_tokens")
	if mt == nil {
		return "max_tokens: Field required"
	}
	maxTokens, err := mt.Int()
	if err != nil || maxTokens < 1 {
		return "max_tokens: Input should be a valid integer greater than or equal to 1"
	}
	msgs := v.GetArray("messages")
	if len(msgs) == 0 {
		return "messages: Field required (a non-empty list)"
	}
	if sv := v.Get("stream"); sv != nil {
		p.stream = sv.GetBool()
	}
	h := uint64(fnvOffset64)
	count := func(b []byte) {
		h = hashBytes(hashSep(h, 't'), b)
		p.promptTokens += s.tokens.count(b)
	}
	countContent := func(c *fastjson.Value) {
		if c == nil {
			return
		}
		if c.Type() == fastjson.TypeString {
			count(c.GetStringBytes())
			return
		}
		for _, b := range c.GetArray() {
			count(b.GetStringBytes("text"))
			if in := b.Get("input"); in != nil {
				count(in.MarshalTo(nil))
			}
			if c := b.Get("content"); c != nil && c.Type() == fastjson.TypeString {
				count(c.GetStringBytes())
			}
		}
	}
	countContent(v.Get("system"))
	lastHasToolResult := false
	for i, m := range msgs {
		role := string(m.GetStringBytes("role"))
		if role != "user" && role != "assistant" {
			return "messages." + strconv.Itoa(i) + ".role: Input should be 'user' or 'assistant'"
		}
		c := m.Get("content")
		if c == nil {
			return "messages." + strconv.Itoa(i) + ".content: Field required"
		}
		p.promptTokens += 3
		countContent(c)
		lastHasToolResult = false
		for _, b := range c.GetArray() {
			if string(b.GetStringBytes("type")) == "tool_result" {
				lastHasToolResult = true
			}
		}
	}
	natural := s.opts.MaxTokens
	if k.tokens > 0 {
		natural = k.tokens
	}
	p.length = natural
	if maxTokens < natural {
		p.length, p.cut = maxTokens, true
	}
	p.seed = mix64(h ^ uint64(s.opts.Seed))
	// Tools: call one (the named tool_choice, else the first) unless the
	// conversation just brought a tool's result or tool_choice is none.
	tools := v.GetArray("tools")
	choice := v.Get("tool_choice")
	if len(tools) > 0 && !lastHasToolResult && string(choice.GetStringBytes("type")) != "none" {
		t := tools[0]
		if name := choice.GetStringBytes("name"); len(name) > 0 {
			for _, cand := range tools {
				if string(cand.GetStringBytes("name")) == string(name) {
					t = cand
				}
			}
		}
		p.tool = t.GetStringBytes("name")
		p.toolInput = appendToolInput(nil, t.Get("input_schema"))
		p.length = 0
	}
	return ""
}

// appendToolInput builds a call's input from its schema: each property
// gets a plain value of its type.
func appendToolInput(dst []byte, schema *fastjson.Value) []byte {
	dst = append(dst, '{')
	props := schema.GetObject("properties")
	if props != nil {
		first := true
		props.Visit(func(key []byte, prop *fastjson.Value) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = jsonw.Bytes(dst, key)
			dst = append(dst, ':')
			switch string(prop.GetStringBytes("type")) {
			case "string":
				dst = append(dst, `"mock"`...)
			case "number", "integer":
				dst = append(dst, '1')
			case "boolean":
				dst = append(dst, "true"...)
			case "array":
				dst = append(dst, "[]"...)
			case "object":
				dst = append(dst, "{}"...)
			default:
				dst = append(dst, "null"...)
			}
		})
	}
	return append(dst, '}')
}

// outputTokens is the answer's length in tokens: a word is a token in
// the mock's vocabulary; a tool call counts its input's bytes / 4.
func (p *anthropicPlan) outputTokens() int {
	if p.tool != nil {
		return 1 + len(p.toolInput)/4
	}
	return p.length
}

func (p *anthropicPlan) appendUsage(dst []byte, output int) []byte {
	dst = append(dst, `{"input_tokens":`...)
	dst = appendInt(dst, p.promptTokens)
	dst = append(dst, `,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":`...)
	dst = appendInt(dst, output)
	return append(dst, '}')
}

func appendToolID(dst, msgID []byte) []byte {
	dst = append(dst, `"toolu_`...)
	dst = append(dst, msgID[len("msg_"):]...)
	return append(dst, '"')
}

// appendMessage writes the whole answer as a message object.
func (p *anthropicPlan) appendMessage(dst, id []byte) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, id...)
	dst = append(dst, `","type":"message","role":"assistant","model":`...)
	dst = jsonw.Bytes(dst, p.model)
	dst = append(dst, `,"content":[`...)
	if p.tool != nil {
		dst = append(dst, `{"type":"tool_use","id":`...)
		dst = appendToolID(dst, id)
		dst = append(dst, `,"name":`...)
		dst = jsonw.Bytes(dst, p.tool)
		dst = append(dst, `,"input":`...)
		dst = append(dst, p.toolInput...)
		dst = append(dst, '}')
	} else {
		dst = append(dst, `{"type":"text","text":"`...)
		dst = appendText(dst, p.seed, p.length)
		dst = append(dst, `"}`...)
	}
	dst = append(dst, `],"stop_reason":"`...)
	dst = append(dst, p.stopReason()...)
	dst = append(dst, `","stop_sequence":null,"usage":`...)
	dst = p.appendUsage(dst, p.outputTokens())
	return append(dst, '}')
}

// anthropicErrorType is the error type Anthropic gives a status.
func anthropicErrorType(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 529, 503:
		return "overloaded_error"
	}
	if status >= 500 {
		return "api_error"
	}
	return "invalid_request_error"
}

func (s *Server) writeAnthropicError(ctx *fasthttp.RequestCtx, status int, typ, msg string) {
	s.stats.badRequests.Add(1)
	writeAnthropicError(ctx, status, typ, msg)
}

// writeAnthropicError answers {"type":"error","error":{"type","message"}}.
func writeAnthropicError(ctx *fasthttp.RequestCtx, status int, typ, msg string) {
	if typ == "" {
		typ = anthropicErrorType(status)
	}
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	b := append(make([]byte, 0, 96+len(msg)), `{"type":"error","error":{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","message":`...)
	b = jsonw.String(b, msg)
	ctx.SetBody(append(b, "}}"...))
}

// startAnthropicStream writes the answer as Anthropic's event stream:
// message_start, a content block (text deltas word by word, or a tool_use
// with its input in input_json_delta pieces), a ping, message_delta with
// the stop reason and usage, message_stop.
func (s *Server) startAnthropicStream(ctx *fasthttp.RequestCtx, p *anthropicPlan, k *knobs, id []byte) {
	s.stats.streams.Add(1)
	plan := *p // the request body is fasthttp's again once the handler returns
	plan.model = append([]byte(nil), p.model...)
	plan.tool = append([]byte(nil), p.tool...)
	if p.tool == nil {
		plan.tool = nil
	}
	kn := *k
	ctx.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.ImmediateHeaderFlush = true
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.stats.inFlight.Add(-1)
		s.streamEnded(s.runAnthropicStream(w, &plan, &kn, id))
	})
}

func (s *Server) runAnthropicStream(w *bufio.Writer, p *anthropicPlan, k *knobs, id []byte) error {
	events := 0
	send := func(name string, data []byte) error {
		if k.failAfter >= 0 && events >= k.failAfter {
			return errAborted
		}
		events++
		w.WriteString("event: ")
		w.WriteString(name)
		w.WriteString("\ndata: ")
		w.Write(data)
		w.WriteString("\n\n")
		return w.Flush()
	}
	pace := s.newPacer()
	defer pace.stop()
	sleep := pace.sleep
	if err := sleep(k.ttft); err != nil {
		return err
	}
	b := append([]byte(nil), `{"type":"message_start","message":{"id":"`...)
	b = append(b, id...)
	b = append(b, `","type":"message","role":"assistant","model":`...)
	b = jsonw.Bytes(b, p.model)
	b = append(b, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":`...)
	b = p.appendUsage(b, 1)
	b = append(b, "}}"...)
	if err := send("message_start", b); err != nil {
		return err
	}
	if p.tool != nil {
		b = append(b[:0], `{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":`...)
		b = appendToolID(b, id)
		b = append(b, `,"name":`...)
		b = jsonw.Bytes(b, p.tool)
		b = append(b, `,"input":{}}}`...)
	} else {
		b = append(b[:0], `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`...)
	}
	if err := send("content_block_start", b); err != nil {
		return err
	}
	if err := send("ping", []byte(`{"type": "ping"}`)); err != nil {
		return err
	}
	var interval time.Duration
	if k.tokensPerSec > 0 {
		interval = time.Duration(float64(time.Second) / k.tokensPerSec)
	}
	if p.tool != nil {
		in := p.toolInput
		for len(in) > 0 { // the input in pieces of at most 8 bytes, as the API splits it anywhere
			n := min(8, len(in))
			b = append(b[:0], `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`...)
			b = jsonw.Bytes(b, in[:n])
			b = append(b, "}}"...)
			if err := send("content_block_delta", b); err != nil {
				return err
			}
			in = in[n:]
		}
	} else {
		g := newWordGen(p.seed)
		for i := 0; i < p.length; i++ {
			if i > 0 {
				if err := sleep(interval); err != nil {
					return err
				}
			}
			b = append(b[:0], `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"`...)
			b = append(b, word(i, g.next())...)
			b = append(b, `"}}`...)
			if err := send("content_block_delta", b); err != nil {
				return err
			}
		}
	}
	if err := send("content_block_stop", []byte(`{"type":"content_block_stop","index":0}`)); err != nil {
		return err
	}
	b = append(b[:0], `{"type":"message_delta","delta":{"stop_reason":"`...)
	b = append(b, p.stopReason()...)
	b = append(b, `","stop_sequence":null},"usage":`...)
	b = p.appendUsage(b, p.outputTokens())
	b = append(b, '}')
	if err := send("message_delta", b); err != nil {
		return err
	}
	return send("message_stop", []byte(`{"type":"message_stop"}`))
}
