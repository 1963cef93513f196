package gemini

import (
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// TranslateResponse implements providers.Provider.
func (p *Provider) TranslateResponse(dst []byte, body []byte, c *providers.Call) ([]byte, error) {
	ps := parsers.Get()
	defer parsers.Put(ps)
	v, err := ps.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		return dst, wire.Malformed(name, "not a JSON object")
	}
	if c.Endpoint == providers.Embeddings {
		return appendEmbeddingList(dst, v, c.Model, embedFormat(c.Body))
	}
	if e := blocked(v); e != nil {
		return dst, e
	}
	cands := v.GetArray("candidates")
	if len(cands) == 0 {
		return dst, wire.Malformed(name, "no candidates")
	}
	dst = wire.AppendHead(dst, p.answerID(nil, v), p.now().Unix(), c.Model, false)
	for i, cand := range cands {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"index":`...)
		dst = appendIndex(dst, cand, i)
		dst = append(dst, `,"message":{"role":"assistant","content":`...)
		var calls int
		dst, calls = p.appendAnswer(dst, cand)
		dst = append(dst, `},"logprobs":null,"finish_reason":`...)
		dst = appendFinish(dst, cand.GetStringBytes("finishReason"), calls > 0)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if um := v.Get("usageMetadata"); um != nil {
		u := usage(um)
		dst = append(dst, ',')
		dst = wire.AppendUsage(dst, &u)
	}
	return append(dst, '}'), nil
}

// answerID is chatcmpl- and the responseId when Gemini gives one.
func (p *Provider) answerID(dst []byte, v *fastjson.Value) []byte {
	if rid := v.GetStringBytes("responseId"); len(rid) > 0 {
		return append(append(dst, "chatcmpl-"...), rid...)
	}
	return p.ids.Append(dst, "chatcmpl-")
}

func appendIndex(dst []byte, cand *fastjson.Value, pos int) []byte {
	if iv := cand.Get("index"); iv != nil && iv.Type() == fastjson.TypeNumber {
		return iv.MarshalTo(dst)
	}
	return appendInt(dst, pos)
}

// appendAnswer writes a candidate's content (text parts joined, or
// null), reasoning_content from thought parts, tool_calls from
// functionCall parts, and refusal; it returns the number of tool calls.
func (p *Provider) appendAnswer(dst []byte, cand *fastjson.Value) ([]byte, int) {
	parts := cand.GetArray("content", "parts")
	dst = appendJoined(dst, parts, false)
	if hasText(parts, true) {
		dst = append(dst, `,"reasoning_content":`...)
		dst = appendJoined(dst, parts, true)
	}
	calls := 0
	for _, part := range parts {
		fc := part.Get("functionCall")
		if fc == nil {
			continue
		}
		if calls == 0 {
			dst = append(dst, `,"tool_calls":[`...)
		} else {
			dst = append(dst, ',')
		}
		dst = p.appendCall(dst, -1, fc)
		calls++
	}
	if calls > 0 {
		dst = append(dst, ']')
	}
	return append(dst, `,"refusal":null`...), calls
}

// appendCall writes one OpenAI tool call for a Gemini functionCall; the id
// is Gemini's when it sends one, else made up (the client echoes it back
// and the request translation finds the name by it).
func (p *Provider) appendCall(dst []byte, index int, fc *fastjson.Value) []byte {
	var idbuf [48]byte
	id := fc.GetStringBytes("id")
	if len(id) == 0 {
		id = p.ids.Append(idbuf[:0], "call_")
	}
	dst = wire.AppendToolCallHead(dst, index, id, fc.GetStringBytes("name"))
	dst = wire.AppendArguments(dst, fc.Get("args"))
	return append(dst, "}}"...)
}

func hasText(parts []*fastjson.Value, thought bool) bool {
	for _, part := range parts {
		if part.GetBool("thought") == thought && part.Get("text") != nil {
			return true
		}
	}
	return false
}

// appendJoined writes the text of the parts (thought or not) as one JSON
// string, or null when there is none.
func appendJoined(dst []byte, parts []*fastjson.Value, thought bool) []byte {
	if !hasText(parts, thought) {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	for _, part := range parts {
		if part.GetBool("thought") != thought {
			continue
		}
		if t := part.Get("text"); t != nil {
			dst = wire.AppendEscaped(dst, t.GetStringBytes())
		}
	}
	return append(dst, '"')
}

// finishReason maps Gemini's finishReason to OpenAI's; a stop with tool
// calls is "tool_calls", as OpenAI reports it.
func finishReason(r []byte, calls bool) string {
	switch string(r) {
	case "":
		return ""
	case "MAX_TOKENS":
		return "length"
	case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY":
		return "content_filter"
	}
	if calls {
		return "tool_calls"
	}
	return "stop" // STOP, OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, FINISH_REASON_UNSPECIFIED
}

func appendFinish(dst, r []byte, calls bool) []byte {
	fr := finishReason(r, calls)
	if fr == "" {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	dst = append(dst, fr...)
	return append(dst, '"')
}

// usage reads usageMetadata: thoughts count as completion (reasoning)
// tokens, cached content as cached prompt tokens.
func usage(um *fastjson.Value) wire.Usage {
	u := wire.Usage{
		Prompt:    um.GetInt("promptTokenCount"),
		Reasoning: um.GetInt("thoughtsTokenCount"),
		Cached:    um.GetInt("cachedContentTokenCount"),
		Total:     um.GetInt("totalTokenCount"),
	}
	u.Prompt += um.GetInt("toolUsePromptTokenCount")
	u.Completion = um.GetInt("candidatesTokenCount") + u.Reasoning
	if u.Total == 0 {
		u.Total = u.Prompt + u.Completion
	}
	return u
}

// blocked is the 400 for a prompt Gemini refused before any candidate.
func blocked(v *fastjson.Value) *providers.Error {
	reason := v.GetStringBytes("promptFeedback", "blockReason")
	if len(reason) == 0 || len(v.GetArray("candidates")) > 0 {
		return nil
	}
	return &providers.Error{Status: 400, Type: "invalid_request_error", Code: "content_filter", Param: "messages",
		Message: "gemini blocked the prompt (" + string(reason) + ")"}
}

func appendInt(dst []byte, n int) []byte {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return append(dst, '0')
	}
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return append(dst, b[i:]...)
}
