package wire

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// Usage is a translated answer's token counts in OpenAI's terms.
type Usage struct {
	Prompt     int // prompt_tokens, cached tokens included
	Completion int // completion_tokens, reasoning tokens included
	Total      int
	Cached     int // prompt_tokens_details.cached_tokens
	Reasoning  int // completion_tokens_details.reasoning_tokens
}

// AppendUsage appends `"usage":{...}` (no leading comma).
func AppendUsage(dst []byte, u *Usage) []byte {
	dst = append(dst, `"usage":{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.Prompt), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.Completion), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.Total), 10)
	if u.Cached > 0 {
		dst = append(dst, `,"prompt_tokens_details":{"cached_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.Cached), 10)
		dst = append(dst, '}')
	}
	if u.Reasoning > 0 {
		dst = append(dst, `,"completion_tokens_details":{"reasoning_tokens":`...)
		dst = strconv.AppendInt(dst, int64(u.Reasoning), 10)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// AppendHead opens a chat.completion (chunk=false) or chat.completion.chunk
// object up to the opening bracket of its choices.
func AppendHead(dst []byte, id []byte, created int64, model string, chunk bool) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonw.Bytes(dst, id)
	if chunk {
		dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	} else {
		dst = append(dst, `,"object":"chat.completion","created":`...)
	}
	dst = strconv.AppendInt(dst, created, 10)
	dst = append(dst, `,"model":`...)
	dst = jsonw.String(dst, model)
	return append(dst, `,"choices":[`...)
}

// AppendToolCallHead appends `{"index":i,"id":…,"type":"function","function":{"name":…,"arguments":`
// (the caller appends the arguments string and `}}`); index < 0 leaves it
// out, as a non-streamed message does.
func AppendToolCallHead(dst []byte, index int, id []byte, name []byte) []byte {
	dst = append(dst, '{')
	if index >= 0 {
		dst = append(dst, `"index":`...)
		dst = strconv.AppendInt(dst, int64(index), 10)
		dst = append(dst, ',')
	}
	dst = append(dst, `"id":`...)
	dst = jsonw.Bytes(dst, id)
	dst = append(dst, `,"type":"function","function":{"name":`...)
	dst = jsonw.Bytes(dst, name)
	return append(dst, `,"arguments":`...)
}

// AppendArguments appends a tool call's arguments, the JSON object args,
// as the JSON string OpenAI carries them in; no args is "{}".
func AppendArguments(dst []byte, args *fastjson.Value) []byte {
	if args == nil {
		return append(dst, `"{}"`...)
	}
	mark := len(dst)
	dst = args.MarshalTo(dst)
	raw := dst[mark:]
	dst = jsonw.Bytes(dst, raw)
	return append(dst[:mark], dst[mark+len(raw):]...)
}

// AppendEscaped appends s JSON-escaped without the quotes, for a string
// written in pieces.
func AppendEscaped(dst, s []byte) []byte {
	mark := len(dst)
	dst = jsonw.Bytes(dst, s)
	n := copy(dst[mark:], dst[mark+1:len(dst)-1])
	return dst[:mark+n]
}
