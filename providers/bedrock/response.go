package bedrock

import (
	"strconv"

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
		return appendEmbeddingList(dst, v, c)
	}
	msg := v.Get("output", "message")
	if msg == nil {
		return dst, wire.Malformed(name, "no output.message")
	}
	var idbuf [48]byte
	dst = wire.AppendHead(dst, p.ids.Append(idbuf[:0], "chatcmpl-"), p.now().Unix(), c.Model, false)
	dst = append(dst, `{"index":0,"message":{"role":"assistant","content":`...)
	blocks := msg.GetArray("content")
	dst = appendJoined(dst, blocks, false)
	if hasText(blocks, true) {
		dst = append(dst, `,"reasoning_content":`...)
		dst = appendJoined(dst, blocks, true)
	}
	calls := 0
	for _, b := range blocks {
		tu := b.Get("toolUse")
		if tu == nil {
			continue
		}
		if calls == 0 {
			dst = append(dst, `,"tool_calls":[`...)
		} else {
			dst = append(dst, ',')
		}
		calls++
		dst = wire.AppendToolCallHead(dst, -1, tu.GetStringBytes("toolUseId"), tu.GetStringBytes("name"))
		dst = wire.AppendArguments(dst, tu.Get("input"))
		dst = append(dst, "}}"...)
	}
	if calls > 0 {
		dst = append(dst, ']')
	}
	dst = append(dst, `,"refusal":null},"logprobs":null,"finish_reason":"`...)
	dst = append(dst, finishReason(v.GetStringBytes("stopReason"))...)
	dst = append(dst, `"}]`...)
	if u := v.Get("usage"); u != nil {
		uu := usage(u)
		dst = append(dst, ',')
		dst = wire.AppendUsage(dst, &uu)
	}
	return append(dst, '}'), nil
}

// blockText is a block's text: plain text, or reasoning text when
// thought is set.
func blockText(b *fastjson.Value, thought bool) *fastjson.Value {
	if thought {
		return b.Get("reasoningContent", "reasoningText", "text")
	}
	return b.Get("text")
}

func hasText(blocks []*fastjson.Value, thought bool) bool {
	for _, b := range blocks {
		if blockText(b, thought) != nil {
			return true
		}
	}
	return false
}

func appendJoined(dst []byte, blocks []*fastjson.Value, thought bool) []byte {
	if !hasText(blocks, thought) {
		return append(dst, "null"...)
	}
	dst = append(dst, '"')
	for _, b := range blocks {
		if t := blockText(b, thought); t != nil {
			dst = wire.AppendEscaped(dst, t.GetStringBytes())
		}
	}
	return append(dst, '"')
}

func finishReason(r []byte) string {
	switch string(r) {
	case "max_tokens", "model_context_window_exceeded":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "guardrail_intervened", "content_filtered":
		return "content_filter"
	}
	return "stop" // end_turn, stop_sequence
}

// usage maps Converse's usage: inputTokens excludes the cached prompt, so
// cache reads and writes are added to prompt_tokens (OpenAI's count
// includes them) and reads reported as cached_tokens.
func usage(u *fastjson.Value) wire.Usage {
	cr, cw := u.GetInt("cacheReadInputTokens"), u.GetInt("cacheWriteInputTokens")
	out := wire.Usage{
		Prompt:     u.GetInt("inputTokens") + cr + cw,
		Completion: u.GetInt("outputTokens"),
		Cached:     cr,
	}
	out.Total = out.Prompt + out.Completion
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }
