package messagesapi

import (
	"bytes"
	"errors"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// Usage is an answer's token usage in OpenAI's terms: cached tokens are
// part of the prompt tokens.
type Usage struct {
	PromptTokens, CompletionTokens, CachedTokens int
}

// appendUsage writes Anthropic's usage members (without braces):
// input_tokens excludes the cache reads, which are reported apart.
func appendUsage(dst []byte, u Usage) []byte {
	dst = append(dst, `"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(max(u.PromptTokens-u.CachedTokens, 0)), 10)
	dst = append(dst, `,"output_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CompletionTokens), 10)
	dst = append(dst, `,"cache_read_input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CachedTokens), 10)
	return append(dst, `,"cache_creation_input_tokens":0`...)
}

// StopReason maps an OpenAI finish_reason to Anthropic's stop_reason
// (quoted JSON, or null when the answer did not say).
func StopReason(finish []byte) string {
	switch string(finish) {
	case "":
		return "null"
	case "length":
		return `"max_tokens"`
	case "tool_calls", "function_call":
		return `"tool_use"`
	case "content_filter":
		return `"refusal"`
	}
	return `"end_turn"` // "stop" and anything else a server invents
}

var errNotCompletion = errors.New("the upstream's answer is not a chat completion")

// AppendMessage appends the Anthropic message for an OpenAI
// chat.completion body: the first choice's reasoning_content as a
// thinking block, its content as a text block and each tool call as a
// tool_use block with its arguments parsed as the input. model is the
// name the client asked for.
func AppendMessage(dst, body []byte, p *fastjson.Parser, model string) ([]byte, error) {
	v, err := p.ParseBytes(body)
	if err != nil {
		return dst, err
	}
	choices := v.GetArray("choices")
	if len(choices) == 0 {
		return dst, errNotCompletion
	}
	msg := choices[0].Get("message")
	dst = append(dst, `{"id":`...)
	dst = appendMessageID(dst, v.GetStringBytes("id"))
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	dst = jsonw.String(dst, model)
	dst = append(dst, `,"content":[`...)
	n := 0
	block := func() {
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
	}
	if r := reasoning(msg); len(r) > 0 {
		block()
		dst = append(dst, `{"type":"thinking","thinking":`...)
		dst = jsonw.Bytes(dst, r)
		dst = append(dst, `,"signature":""}`...)
	}
	if t := msg.GetStringBytes("content"); len(t) > 0 {
		block()
		dst = append(dst, `{"type":"text","text":`...)
		dst = jsonw.Bytes(dst, t)
		dst = append(dst, '}')
	}
	for _, c := range msg.GetArray("tool_calls") {
		block()
		dst = append(dst, `{"type":"tool_use","id":`...)
		dst = jsonw.Bytes(dst, c.GetStringBytes("id"))
		dst = append(dst, `,"name":`...)
		dst = jsonw.Bytes(dst, c.GetStringBytes("function", "name"))
		dst = append(dst, `,"input":`...)
		dst = appendInput(dst, c.GetStringBytes("function", "arguments"))
		dst = append(dst, '}')
	}
	dst = append(dst, `],"stop_reason":`...)
	dst = append(dst, StopReason(choices[0].GetStringBytes("finish_reason"))...)
	dst = append(dst, `,"stop_sequence":null,"usage":{`...)
	dst = appendUsage(dst, readUsage(v.Get("usage")))
	return append(dst, `}}`...), nil
}

// reasoning is a message's or delta's reasoning text: reasoning_content
// (DeepSeek, vLLM and most OpenAI-compatible servers) or reasoning
// (OpenRouter, Ollama).
func reasoning(m *fastjson.Value) []byte {
	if r := m.GetStringBytes("reasoning_content"); len(r) > 0 {
		return r
	}
	return m.GetStringBytes("reasoning")
}

func readUsage(u *fastjson.Value) Usage {
	if u == nil {
		return Usage{}
	}
	return Usage{PromptTokens: u.GetInt("prompt_tokens"), CompletionTokens: u.GetInt("completion_tokens"),
		CachedTokens: u.GetInt("prompt_tokens_details", "cached_tokens")}
}

// appendMessageID writes "msg_" and the OpenAI id without its
// "chatcmpl-" prefix.
func appendMessageID(dst, id []byte) []byte {
	id = bytes.TrimPrefix(id, []byte("chatcmpl-"))
	dst = append(dst, `"msg_`...)
	for _, c := range id {
		if c == '"' || c == '\\' || c < 0x20 {
			continue
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// appendInput writes tool call arguments as the tool_use input object.
// Arguments that are not a JSON object (a model's broken output) are kept
// as {"_arguments": "<the text>"} rather than dropped.
func appendInput(dst, args []byte) []byte {
	a := bytes.TrimSpace(args)
	if len(a) == 0 {
		return append(dst, "{}"...)
	}
	if a[0] == '{' && fastjson.ValidateBytes(a) == nil {
		return append(dst, a...)
	}
	dst = append(dst, `{"_arguments":`...)
	dst = jsonw.Bytes(dst, args)
	return append(dst, '}')
}
