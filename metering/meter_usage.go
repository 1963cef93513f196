package metering

import (
	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/valyala/fastjson"
)

// answerParsers parse upstream answers; the request keeps its own parser.
var answerParsers fastjson.ParserPool

// ReadResponse reads a buffered OpenAI-shaped answer: its usage, its first
// choice's finish reason, and, when it reports no usage, its generated text
// (counted at the end). It returns false when the body is not JSON.
func (m *Meter) ReadResponse(body []byte) bool {
	if u, finish, hasChoices, ok := scanUsage(body); ok { // the usual answer, without a parse
		if hasChoices {
			m.finishReason = internFinish(finish)
		}
		m.usage, m.usageKnown = u, true
		return true
	}
	return m.parseResponse(body)
}

// parseResponse is ReadResponse by a full parse: any answer.
func (m *Meter) parseResponse(body []byte) bool {
	p := answerParsers.Get()
	defer answerParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return false
	}
	choices := v.GetArray("choices")
	if len(choices) > 0 {
		m.finishReason = internFinish(choices[0].GetStringBytes("finish_reason"))
	}
	if readUsage(v, &m.usage) {
		m.usageKnown = true
		return true
	}
	for _, c := range choices {
		if b := c.GetStringBytes("message", "content"); len(b) > 0 {
			m.outText = append(m.outText, b...)
		}
		if b := c.GetStringBytes("text"); len(b) > 0 {
			m.outText = append(m.outText, b...)
		}
		for _, tc := range c.GetArray("message", "tool_calls") {
			m.outText = append(m.outText, tc.GetStringBytes("function", "arguments")...)
		}
	}
	return true
}

// ReadReportedUsage reads only the usage of an answer whose shape is not
// known (a pass-through answer that mentions "usage").
func (m *Meter) ReadReportedUsage(body []byte) {
	p := answerParsers.Get()
	defer answerParsers.Put(p)
	if v, err := p.ParseBytes(body); err == nil && readUsage(v, &m.usage) {
		m.usageKnown = true
	}
}

// Member names the per-event scan looks for, quotes included.
var (
	usageKey     = []byte(`"usage"`)
	finishKey    = []byte(`"finish_reason"`)
	contentKey   = []byte(`"content"`)
	argumentsKey = []byte(`"arguments"`)
)

// maxOutText bounds the relayed text kept for counting when an upstream
// reports no usage: beyond it the count is an undercount.
const maxOutText = 4 << 20

// ObserveEvent reads what metering needs from one SSE event of a chat or
// completions stream: usage when the upstream reports it, the finish
// reason, and the generated text for counting otherwise. A byte scan, not
// a parse, except for the one event that carries usage: it runs on every
// event and allocates nothing. It reports whether the event must be hidden
// from the client (the usage chunk the gateway asked for on its behalf).
func (m *Meter) ObserveEvent(ev []byte) (hide bool) {
	data := jsonscan.EventData(ev)
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	if jsonscan.HasObjectValue(data, usageKey) {
		p := answerParsers.Get()
		defer answerParsers.Put(p)
		v, err := p.ParseBytes(data)
		if err != nil {
			return false
		}
		if readUsage(v, &m.usage) {
			m.usageKnown = true
			if m.hideUsage && len(v.GetArray("choices")) == 0 {
				return true
			}
		}
	}
	if r := jsonscan.FirstString(data, finishKey); r != nil { // the first choice that finished; null on the others
		m.finishReason = internFinish(r)
	}
	if len(m.outText) < maxOutText {
		m.outText = jsonscan.AppendStringValues(m.outText, data, contentKey)
		m.outText = jsonscan.AppendStringValues(m.outText, data, argumentsKey)
	}
	return false
}

// readUsage fills u from an OpenAI "usage" object; false when absent.
func readUsage(v *fastjson.Value, u *Usage) bool {
	uv := v.Get("usage")
	if uv == nil || uv.Type() != fastjson.TypeObject {
		return false
	}
	u.PromptTokens = uv.GetInt("prompt_tokens")
	u.CompletionTokens = uv.GetInt("completion_tokens")
	u.CachedTokens = uv.GetInt("prompt_tokens_details", "cached_tokens")
	u.ReasoningTokens = uv.GetInt("completion_tokens_details", "reasoning_tokens")
	if u.PromptTokens == 0 && u.CompletionTokens == 0 {
		// Embeddings report only prompt/total tokens.
		u.PromptTokens = uv.GetInt("total_tokens")
	}
	return true
}

// internFinish maps OpenAI's finish reasons to constants (no allocation);
// anything else becomes "other".
func internFinish(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	case "function_call":
		return "function_call"
	}
	return "other"
}
