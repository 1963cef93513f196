package cache

import (
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// chunkBytes is the content a replayed chunk carries at most: a few tokens'
// worth, cut at a rune boundary (after a space when one is near), so
// clients render a replay as they render a live stream without paying
// for an event per token.
const chunkBytes = 96

// events is a recorded list of SSE events, replayed by an EventSource.
type events struct {
	buf  []byte
	ends []int
	next int
}

func (r *events) add(ev []byte) {
	r.buf = append(r.buf, ev...)
	r.ends = append(r.ends, len(r.buf))
}

func (r *events) data(chunk []byte) {
	r.buf = append(r.buf, "data: "...)
	r.buf = append(r.buf, chunk...)
	r.buf = append(r.buf, "\n\n"...)
	r.ends = append(r.ends, len(r.buf))
}

// Next implements gateway.EventSource.
func (r *events) Next() ([]byte, error) {
	if r.next >= len(r.ends) {
		return nil, io.EOF
	}
	start := 0
	if r.next > 0 {
		start = r.ends[r.next-1]
	}
	r.next++
	return r.buf[start:r.ends[r.next-1]], nil
}

// Close implements gateway.EventSource.
func (r *events) Close() {}

var doneEvent = []byte("data: [DONE]\n\n")

// replayChat renders a chat.completion entry as OpenAI's stream: per
// choice a role chunk, content chunks, one chunk per tool call, a finish
// chunk; then the usage chunk when the client asked (include_usage), and
// [DONE]. ok is false when the entry does not parse (a miss, not an answer).
func replayChat(e *Entry, includeUsage bool) (r *events, ok bool) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(e.Body)
	if err != nil {
		return nil, false
	}
	choices := v.GetArray("choices")
	head := appendHead(make([]byte, 0, 160), v)
	// Each event repeats the head; content is cut every chunkBytes.
	n := 4 + 4*len(choices) + len(e.Body)/(chunkBytes/2)
	r = &events{buf: make([]byte, 0, len(e.Body)+n*(len(head)+80)), ends: make([]int, 0, n)}
	c := make([]byte, 0, len(head)+chunkBytes*2+128)
	begin := func(index int) {
		c = append(c[:0], head...)
		c = append(c, `,"choices":[{"index":`...)
		c = strconv.AppendInt(c, int64(index), 10)
		c = append(c, `,"delta":`...)
	}
	for i, ch := range choices {
		index := i
		if n := ch.Get("index"); n != nil {
			index = ch.GetInt("index")
		}
		msg := ch.Get("message")
		begin(index)
		c = append(c, `{"role":"assistant","content":""},"finish_reason":null}]}`...)
		r.data(c)
		content := msg.GetStringBytes("content")
		for len(content) > 0 {
			n := cut(content)
			begin(index)
			c = append(c, `{"content":`...)
			c = jsonw.Bytes(c, content[:n])
			c = append(c, `},"finish_reason":null}]}`...)
			r.data(c)
			content = content[n:]
		}
		if rf := msg.GetStringBytes("refusal"); len(rf) > 0 {
			begin(index)
			c = append(c, `{"refusal":`...)
			c = jsonw.Bytes(c, rf)
			c = append(c, `},"finish_reason":null}]}`...)
			r.data(c)
		}
		for j, tc := range msg.GetArray("tool_calls") {
			begin(index)
			c = append(c, `{"tool_calls":[{"index":`...)
			c = strconv.AppendInt(c, int64(j), 10)
			c = append(c, `,"id":`...)
			c = jsonw.Bytes(c, tc.GetStringBytes("id"))
			c = append(c, `,"type":"function","function":{"name":`...)
			c = jsonw.Bytes(c, tc.GetStringBytes("function", "name"))
			c = append(c, `,"arguments":`...)
			c = jsonw.Bytes(c, tc.GetStringBytes("function", "arguments"))
			c = append(c, `}}]},"finish_reason":null}]}`...)
			r.data(c)
		}
		begin(index)
		c = append(c, `{},"finish_reason":`...)
		c = jsonw.Bytes(c, ch.GetStringBytes("finish_reason"))
		c = append(c, `}]}`...)
		r.data(c)
	}
	if includeUsage {
		r.data(usageChunk(c[:0], head, e.Usage))
	}
	r.add(doneEvent)
	return r, true
}

// appendHead appends the fields every chunk of the answer v starts with:
// {"id":…,"object":"chat.completion.chunk","created":…,"model":…
func appendHead(dst []byte, v *fastjson.Value) []byte {
	dst = append(dst, `{"id":`...)
	dst = jsonw.Bytes(dst, v.GetStringBytes("id"))
	dst = append(dst, `,"object":"chat.completion.chunk","created":`...)
	dst = strconv.AppendInt(dst, v.GetInt64("created"), 10)
	dst = append(dst, `,"model":`...)
	return jsonw.Bytes(dst, v.GetStringBytes("model"))
}

// chunkHead is appendHead for a stored answer.
func chunkHead(e *Entry) []byte {
	var p fastjson.Parser
	v, err := p.ParseBytes(e.Body)
	if err != nil {
		return []byte(`{"object":"chat.completion.chunk"`)
	}
	return appendHead(nil, v)
}

// usageChunk is the final chunk of a stream that asked for usage.
func usageChunk(dst, head []byte, u metering.Usage) []byte {
	dst = append(dst, head...)
	dst = append(dst, `,"choices":[],"usage":`...)
	return append(appendUsage(dst, u), '}')
}

func appendUsage(dst []byte, u metering.Usage) []byte {
	dst = append(dst, `{"prompt_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.PromptTokens), 10)
	dst = append(dst, `,"completion_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.CompletionTokens), 10)
	dst = append(dst, `,"total_tokens":`...)
	dst = strconv.AppendInt(dst, int64(u.PromptTokens+u.CompletionTokens), 10)
	return append(dst, '}')
}

// cut is where the next chunk of s ends: at most chunkBytes, on a rune
// boundary, after the last space in its second half when there is one.
func cut(s []byte) int {
	if len(s) <= chunkBytes {
		return len(s)
	}
	n := chunkBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	for i := n - 1; i > chunkBytes/2; i-- {
		if s[i] == ' ' {
			return i + 1
		}
	}
	if n == 0 {
		return chunkBytes // not UTF-8: cut anyway
	}
	return n
}
