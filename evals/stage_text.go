package evals

import (
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/valyala/fastjson"
)

var parsers fastjson.ParserPool

// appendPrompt appends the text of a request body (after the filters'
// redaction) to dst, up to max bytes: chat messages' contents (text parts
// of multi-part contents), a completion's prompt, or embedding inputs,
// separated by newlines. cut reports that text was left out.
func appendPrompt(dst, body []byte, endpoint string, max int) (out []byte, cut bool) {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return dst, false
	}
	start := len(dst)
	add := func(s []byte) {
		if len(s) == 0 || cut {
			return
		}
		if len(dst) > start {
			dst = append(dst, '\n')
		}
		dst, cut = appendCapped(dst, s, start+max)
	}
	addValue := func(v *fastjson.Value) {
		switch v.Type() {
		case fastjson.TypeString:
			add(v.GetStringBytes())
		case fastjson.TypeArray:
			for _, e := range v.GetArray() {
				if e.Type() == fastjson.TypeString {
					add(e.GetStringBytes())
				} else if e.Type() == fastjson.TypeObject {
					add(e.GetStringBytes("text")) // a content part
				}
			}
		}
	}
	switch endpoint {
	case "chat":
		for _, m := range v.GetArray("messages") {
			if c := m.Get("content"); c != nil {
				addValue(c)
			}
		}
	case "completions":
		if c := v.Get("prompt"); c != nil {
			addValue(c)
		}
	case "embeddings":
		if c := v.Get("input"); c != nil {
			addValue(c)
		}
	}
	return dst, cut
}

// appendAnswer appends a buffered answer's text (choices' message content
// or completion text) to dst, up to max bytes.
func appendAnswer(dst, body []byte, max int) (out []byte, cut bool) {
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return dst, false
	}
	start := len(dst)
	for _, c := range v.GetArray("choices") {
		s := c.GetStringBytes("message", "content")
		if s == nil {
			s = c.GetStringBytes("text")
		}
		if len(s) == 0 {
			continue
		}
		if len(dst) > start {
			dst = append(dst, '\n')
		}
		if dst, cut = appendCapped(dst, s, start+max); cut {
			break
		}
	}
	return dst, cut
}

// appendCapped appends s to dst without letting dst grow past limit,
// cutting at a UTF-8 boundary.
func appendCapped(dst, s []byte, limit int) ([]byte, bool) {
	room := limit - len(dst)
	if len(s) <= room {
		return append(dst, s...), false
	}
	if room <= 0 {
		return dst, true
	}
	return append(dst, s[:runeCut(s, room)]...), true
}

// runeCut is the largest n ≤ limit < len(s) at which s can be cut without
// splitting a UTF-8 sequence.
func runeCut(s []byte, limit int) int {
	n := limit
	for n > 0 && n > limit-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

var (
	keyContent = []byte(`"content"`)
	keyText    = []byte(`"text"`)
)

// streamText collects a sampled stream's text deltas, bounded; it passes
// every event through unchanged.
type streamText struct {
	buf []byte
	max int
	cut bool
}

var _ gateway.StreamFilter = (*streamText)(nil)

// Event implements gateway.StreamFilter.
func (t *streamText) Event(ev []byte, out *gateway.Events) *gateway.APIError {
	out.Emit(ev)
	if t.cut {
		return nil
	}
	data := jsonscan.EventData(ev)
	if len(data) == 0 || data[0] != '{' {
		return nil // [DONE], comments
	}
	n := len(t.buf)
	t.buf = jsonscan.AppendStringValues(t.buf, data, keyContent)
	if len(t.buf) == n {
		t.buf = jsonscan.AppendStringValues(t.buf, data, keyText) // completions chunks
	}
	if len(t.buf) > t.max {
		t.buf, t.cut = t.buf[:runeCut(t.buf, t.max)], true
	}
	return nil
}

// Flush implements gateway.StreamFilter.
func (t *streamText) Flush(*gateway.Events) *gateway.APIError { return nil }
