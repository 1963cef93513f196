package anthropic

import (
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fastjson"
)

// finishReason maps Anthropic's stop_reason to OpenAI's finish_reason.
func finishReason(stop []byte) string {
	switch string(stop) {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "refusal":
		return "content_filter"
	default: // end_turn, stop_sequence, pause_turn (server tools, never asked for)
		return "stop"
	}
}

// usage is the Messages API's token count.
type usage struct {
	input, output, cacheRead, cacheWrite int
}

// read takes the counts u carries; absent ones keep their value (a
// stream's message_delta repeats only some).
func (u *usage) read(v *fastjson.Value) {
	if v == nil {
		return
	}
	for _, f := range [...]struct {
		key string
		n   *int
	}{{"input_tokens", &u.input}, {"output_tokens", &u.output},
		{"cache_read_input_tokens", &u.cacheRead}, {"cache_creation_input_tokens", &u.cacheWrite}} {
		if x := v.Get(f.key); x != nil && x.Type() == fastjson.TypeNumber {
			*f.n = x.GetInt()
		}
	}
}

// appendOpenAI writes OpenAI's usage object: cache reads and writes are
// prompt tokens too (Anthropic counts them apart from input_tokens), and
// the reads are OpenAI's cached_tokens.
func (u *usage) appendOpenAI(dst []byte) []byte {
	prompt := u.input + u.cacheRead + u.cacheWrite
	dst = append(dst, `{"prompt_tokens":`...)
	dst = appendInt(dst, prompt)
	dst = append(dst, `,"completion_tokens":`...)
	dst = appendInt(dst, u.output)
	dst = append(dst, `,"total_tokens":`...)
	dst = appendInt(dst, prompt+u.output)
	dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
	dst = appendInt(dst, u.cacheRead)
	return append(dst, "}}"...)
}

// appendHead writes a chat.completion(.chunk)'s id, object, created, model.
func appendHead(dst []byte, id []byte, object string, created int64, model []byte) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonw.Bytes(dst, id)
	dst = append(dst, `,"object":"`...)
	dst = append(dst, object...)
	dst = append(dst, `","created":`...)
	dst = appendInt(dst, int(created))
	dst = append(dst, `,"model":`...)
	return jsonw.Bytes(dst, model)
}

// appendJoined appends the texts of content's blocks of type typ (their
// field key) as one JSON string, or null when there are none.
func appendJoined(dst []byte, content []*fastjson.Value, typ, key string) []byte {
	n := 0
	for _, b := range content {
		if string(b.GetStringBytes("type")) != typ {
			continue
		}
		start := len(dst)
		dst = jsonw.Bytes(dst, b.GetStringBytes(key))
		if n > 0 { // splice: drop the previous closing quote and this opening one
			copy(dst[start-1:], dst[start+1:])
			dst = dst[:len(dst)-2]
		}
		n++
	}
	if n == 0 {
		return append(dst, "null"...)
	}
	return dst
}

// TranslateResponse writes the chat.completion for a Messages API answer.
func (p *Provider) TranslateResponse(dst []byte, body []byte, c *providers.Call) ([]byte, error) {
	ps := p.parsers.Get()
	defer p.parsers.Put(ps)
	v, err := ps.ParseBytes(body)
	if err != nil {
		return dst, malformed("the answer is not JSON")
	}
	switch string(v.GetStringBytes("type")) {
	case "message":
	case "error":
		return dst, errorFor(0, string(v.GetStringBytes("error", "type")), string(v.GetStringBytes("error", "message")))
	default:
		return dst, malformed("the answer is not a message")
	}
	content := v.GetArray("content")
	model := v.GetStringBytes("model")
	if len(model) == 0 {
		model = []byte(c.Model)
	}
	dst = appendHead(dst, v.GetStringBytes("id"), "chat.completion", time.Now().Unix(), model)
	dst = append(dst, `,"choices":[{"index":0,"message":{"role":"assistant","content":`...)
	dst = appendJoined(dst, content, "text", "text")
	hasThinking, nTools := false, 0
	for _, b := range content {
		switch string(b.GetStringBytes("type")) {
		case "thinking":
			hasThinking = true
		case "tool_use":
			nTools++
		}
	}
	if hasThinking {
		dst = append(dst, `,"reasoning_content":`...)
		dst = appendJoined(dst, content, "thinking", "thinking")
	}
	if nTools > 0 {
		dst = append(dst, `,"tool_calls":[`...)
		bp := p.scratch.Get().(*[]byte)
		defer p.scratch.Put(bp)
		args := (*bp)[:0]
		k := 0
		for _, b := range content {
			if string(b.GetStringBytes("type")) != "tool_use" {
				continue
			}
			if k > 0 {
				dst = append(dst, ',')
			}
			k++
			dst = append(dst, `{"id":`...)
			dst = jsonw.Bytes(dst, b.GetStringBytes("id"))
			dst = append(dst, `,"type":"function","function":{"name":`...)
			dst = jsonw.Bytes(dst, b.GetStringBytes("name"))
			dst = append(dst, `,"arguments":`...)
			if in := b.Get("input"); in != nil {
				args = appendValue(args[:0], in)
			} else {
				args = append(args[:0], "{}"...)
			}
			dst = jsonw.Bytes(dst, args)
			dst = append(dst, "}}"...)
		}
		if cap(args) <= 64<<10 {
			*bp = args
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"finish_reason":"`...)
	dst = append(dst, finishReason(v.GetStringBytes("stop_reason"))...)
	dst = append(dst, `","logprobs":null}],"usage":`...)
	var u usage
	u.read(v.Get("usage"))
	dst = u.appendOpenAI(dst)
	return append(dst, '}'), nil
}
