package gateway

import (
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// promptEstimate counts the request's prompt tokens offline, once; the body
// must still be valid (handler time). Without a tokenizer it falls back to
// the usual 4-characters-per-token rule.
func (s *Server) promptEstimate(x *Exchange) int {
	if x.estimate >= 0 {
		return x.estimate
	}
	n := x.fields.PromptChars/4 + 4*x.fields.MessageCount + 3
	if s.stages.Tokens != nil {
		switch x.endpoint {
		case epChat:
			if c, err := s.stages.Tokens.CountChatJSON(x.fields.Model, x.body); err == nil {
				n = c.Tokens + c.Unknown*765 // an unknown image: OpenAI's high-detail 1024² cost
			}
		case epCompletions, epEmbeddings:
			if enc, err := s.stages.Tokens.ForModel(x.fields.Model); err == nil {
				n = countPromptText(x.body, enc.Count)
			}
		}
	}
	x.estimate = n
	return n
}

// countPromptText counts prompt (completions) or input (embeddings) text:
// a string or an array of strings. Token-id arrays count one per id.
func countPromptText(body []byte, count func([]byte) int) int {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return 0
	}
	f := v.Get("prompt")
	if f == nil {
		f = v.Get("input")
	}
	return countValue(f, count)
}

func countValue(v *fastjson.Value, count func([]byte) int) int {
	if v == nil {
		return 0
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return count(b)
	case fastjson.TypeNumber:
		return 1
	case fastjson.TypeArray:
		n := 0
		for _, e := range v.GetArray() {
			n += countValue(e, count)
		}
		return n
	}
	return 0
}

var (
	includeUsage = []byte(`{"include_usage":true}`)
	jsonTrue     = []byte(`true`)
)

// prepareBody applies per-request edits before any attempt: streams ask the
// upstream for usage (hidden from clients that did not ask) so streamed
// requests are billed from the upstream's own numbers.
func (s *Server) prepareBody(x *Exchange, body []byte) []byte {
	if !x.fields.Stream || x.fields.IncludeUsage || x.endpoint == epEmbeddings {
		return body
	}
	edited, err := withIncludeUsage(x.usageBuf[:0], body)
	if err != nil {
		return body
	}
	x.usageBuf = edited
	x.injectedUsage = true
	return edited
}

// withIncludeUsage sets stream_options.include_usage to true, appending the
// result into dst. The client's other stream_options fields (such as
// continuous_usage_stats) are kept: only include_usage is written.
func withIncludeUsage(dst, body []byte) ([]byte, error) {
	m, err := findMember(body, "stream_options")
	if err != nil {
		return dst, err
	}
	if m.vs < 0 || body[m.vs] != '{' { // absent or null
		return m.set(dst, body, "stream_options", includeUsage), nil
	}
	inner, err := findMember(body[m.vs:m.ve], "include_usage")
	if err != nil {
		return dst, err
	}
	dst = append(dst, body[:m.vs]...)
	dst = inner.set(dst, body[m.vs:m.ve], "include_usage", jsonTrue)
	return append(dst, body[m.ve:]...), nil
}

// readResponse extracts usage from a buffered upstream answer, and keeps
// the generated text when the upstream reports none (so it can be counted).
// It returns false when the body is not JSON.
func (x *Exchange) readResponse(body []byte) bool {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return false
	}
	choices := v.GetArray("choices")
	if len(choices) > 0 {
		x.finishReason = internFinish(choices[0].GetStringBytes("finish_reason"))
	}
	if readUsage(v, &x.usage) {
		x.usageKnown = true
		return true
	}
	for _, c := range choices {
		if b := c.GetStringBytes("message", "content"); len(b) > 0 {
			x.outText = append(x.outText, b...)
		}
		if b := c.GetStringBytes("text"); len(b) > 0 {
			x.outText = append(x.outText, b...)
		}
		for _, tc := range c.GetArray("message", "tool_calls") {
			x.outText = append(x.outText, tc.GetStringBytes("function", "arguments")...)
		}
	}
	return true
}

// parseTags reads "x-tollgate-tags: k=v,k=v" merged over the key's tags.
// A malformed header is the client's to fix: 400 naming the bad part.
func parseTags(h []byte, base map[string]string) (map[string]string, *APIError) {
	if len(h) == 0 {
		return base, nil
	}
	t, err := metering.ParseTags(string(h))
	if err != nil {
		return nil, errInvalid("x-tollgate-tags", err.Error())
	}
	if len(base) == 0 {
		return t, nil
	}
	return mergeTags(base, t), nil
}
