package gateway

import (
	"bytes"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// readUsage fills u from an OpenAI "usage" object; false when absent.
func readUsage(v *fastjson.Value, u *metering.Usage) bool {
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

// Member names the per-event scan looks for, quotes included. Values are
// found after optional whitespace around the colon: upstreams written in
// Python send `"usage": {` (json.dumps' default separators).
var (
	usageKey     = []byte(`"usage"`)
	finishKey    = []byte(`"finish_reason"`)
	contentKey   = []byte(`"content"`)
	argumentsKey = []byte(`"arguments"`)
	errorKey     = []byte(`"error"`)
)

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

// maxOutText bounds the relayed text kept for counting when an upstream
// reports no usage: beyond it the count is an undercount, flagged as such.
const maxOutText = 4 << 20

// observeEvent reads what metering needs from one SSE event: usage when
// the upstream reports it, and the generated text for counting otherwise.
// It reports whether the event must be hidden from the client (the usage
// chunk the gateway asked for on the client's behalf).
func (x *Exchange) observeEvent(ev []byte) (hide bool) {
	data := eventData(ev)
	if len(data) == 0 || data[0] != '{' {
		return false
	}
	if hasObjectValue(data, usageKey) {
		p := parserPool.Get()
		defer parserPool.Put(p)
		v, err := p.ParseBytes(data)
		if err != nil {
			return false
		}
		if readUsage(v, &x.usage) {
			x.usageKnown = true
			if x.injectedUsage && len(v.GetArray("choices")) == 0 {
				return true
			}
		}
	}
	for v := nextValue(data, finishKey); len(v) > 0; v = nextValue(v, finishKey) {
		if v[0] == '"' { // the first choice that finished; null on the others
			if j := bytes.IndexByte(v[1:], '"'); j >= 0 {
				x.finishReason = internFinish(v[1 : 1+j])
			}
			break
		}
	}
	if len(x.outText) < maxOutText {
		x.outText = appendStringValues(x.outText, data, contentKey)
		x.outText = appendStringValues(x.outText, data, argumentsKey)
	}
	return false
}

// nextValue returns data from the value of the first member named key
// (quoted) on, whitespace skipped; nil when there is none. A match not
// followed by a colon is a string value, not a key, and is skipped.
func nextValue(data, key []byte) []byte {
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return nil
		}
		escaped := i > 0 && data[i-1] == '\\' // inside a string: a key's quote follows '{', ',' or space
		data = data[i+len(key):]
		if escaped {
			continue
		}
		j := skipWS(data, 0)
		if j < len(data) && data[j] == ':' {
			j = skipWS(data, j+1)
			if j < len(data) {
				return data[j:]
			}
			return nil
		}
	}
}

// hasObjectValue reports whether a member named key holds an object: the
// cheap test before parsing an event for usage (OpenAI sends "usage":null
// on every chunk but the last).
func hasObjectValue(data, key []byte) bool {
	for v := nextValue(data, key); len(v) > 0; v = nextValue(v, key) {
		if v[0] == '{' {
			return true
		}
	}
	return false
}

// hasErrorMember reports whether an event carries a non-null "error"
// member, wherever it sits ({"id":…,"error":{…}} as OpenRouter sends) and
// however it is spaced.
func hasErrorMember(data []byte) bool {
	for v := nextValue(data, errorKey); len(v) > 0; v = nextValue(v, errorKey) {
		if !bytes.HasPrefix(v, []byte("null")) {
			return true
		}
	}
	return false
}

// eventData returns the payload of an event's first "data:" line.
func eventData(ev []byte) []byte {
	i := bytes.Index(ev, []byte("data:"))
	if i < 0 {
		return nil
	}
	d := ev[i+5:]
	if len(d) > 0 && d[0] == ' ' {
		d = d[1:]
	}
	if j := bytes.IndexByte(d, '\n'); j >= 0 {
		d = d[:j]
	}
	return bytes.TrimRight(d, "\r")
}

// appendStringValues appends the unescaped values of every `key` string in
// data. A byte scan, not a parse: it runs on every streamed event.
func appendStringValues(dst, data, key []byte) []byte {
	for v := nextValue(data, key); len(v) > 0; v = nextValue(v, key) {
		if v[0] != '"' {
			continue
		}
		var n int
		dst, n = appendUnescaped(dst, v[1:])
		v = v[1+n:]
	}
	return dst
}

// appendUnescaped decodes a JSON string body (after its opening quote) up
// to the closing quote, returning the bytes consumed.
func appendUnescaped(dst, s []byte) ([]byte, int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return dst, i + 1
		case c != '\\':
			dst = append(dst, c)
		case i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				dst = append(dst, '\n')
			case 't':
				dst = append(dst, '\t')
			case 'r':
				dst = append(dst, '\r')
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'u':
				if i+4 < len(s) {
					r := rune(hexVal(s[i+1])<<12 | hexVal(s[i+2])<<8 | hexVal(s[i+3])<<4 | hexVal(s[i+4]))
					if r >= 0xD800 && r < 0xDC00 && i+10 < len(s) && s[i+5] == '\\' && s[i+6] == 'u' {
						lo := rune(hexVal(s[i+7])<<12 | hexVal(s[i+8])<<8 | hexVal(s[i+9])<<4 | hexVal(s[i+10]))
						r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
						i += 6
					}
					dst = utf8.AppendRune(dst, r)
					i += 4
				}
			default:
				dst = append(dst, s[i])
			}
		}
	}
	return dst, len(s)
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
}
