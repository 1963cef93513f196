package messagesapi

import (
	"bytes"

	"github.com/valyala/fastjson"
)

const errorPrefix = "Error: "

// ApplyRewrite carries a pipeline stage's rewrite of the translated
// request's messages (a redaction, a pseudonymisation) back onto the
// client's own Anthropic body, so it can be forwarded natively with every
// field the translation does not model. translated is what
// TranslateRequest made of native, rewritten the stage's version of it.
// It walks native in TranslateRequest's order and rewrites the text of
// each block whose OpenAI message changed. ok is false when a change
// cannot be put back on one block (texts TranslateRequest joined, an
// image, tool call arguments, messages added or removed): the caller then
// sends the translation instead.
func ApplyRewrite(dst, native, translated, rewritten []byte) (out []byte, ok bool) {
	var pn, pt, pr fastjson.Parser
	n, err1 := pn.ParseBytes(native)
	t, err2 := pt.ParseBytes(translated)
	r, err3 := pr.ParseBytes(rewritten)
	if err1 != nil || err2 != nil || err3 != nil {
		return dst, false
	}
	rw := rewriter{tm: t.GetArray("messages"), rm: r.GetArray("messages")}
	if len(rw.tm) != len(rw.rm) {
		return dst, false
	}
	if s := n.Get("system"); s != nil && s.Type() != fastjson.TypeNull {
		if !rw.text(n, "system", s, false) {
			return dst, false
		}
	}
	for _, m := range n.GetArray("messages") {
		var ok bool
		if string(m.GetStringBytes("role")) == "user" {
			ok = rw.user(m)
		} else {
			ok = rw.assistant(m)
		}
		if !ok {
			return dst, false
		}
	}
	if rw.k != len(rw.rm) {
		return dst, false
	}
	return n.MarshalTo(dst), true
}

type rewriter struct {
	tm, rm []*fastjson.Value
	k      int // the OpenAI message the walk is at
	arena  fastjson.Arena
}

// next advances to the next OpenAI message and returns its rewritten
// content when it changed (nil when it did not); ok is false when the
// message is not there or changed in what the walk cannot map.
func (w *rewriter) next() (changed *fastjson.Value, ok bool) {
	if w.k >= len(w.rm) {
		return nil, false
	}
	t, r := w.tm[w.k], w.rm[w.k]
	w.k++
	if !bytes.Equal(t.GetStringBytes("role"), r.GetStringBytes("role")) ||
		!sameJSON(t.Get("tool_calls"), r.Get("tool_calls")) {
		return nil, false
	}
	if sameJSON(t.Get("content"), r.Get("content")) {
		return nil, true
	}
	return r.Get("content"), true
}

func sameJSON(a, b *fastjson.Value) bool {
	if a == nil || b == nil {
		return a == b
	}
	var ab, bb [512]byte
	return bytes.Equal(a.MarshalTo(ab[:0]), b.MarshalTo(bb[:0]))
}

// text maps the next message onto parent[key], which holds a string or a
// list with one text block. withError strips the "Error: " TranslateRequest
// put before a failed tool result's text.
func (w *rewriter) text(parent *fastjson.Value, key string, v *fastjson.Value, withError bool) bool {
	c, ok := w.next()
	if !ok || c == nil {
		return ok
	}
	s, err := c.StringBytes()
	if err != nil {
		return false
	}
	if withError {
		if !bytes.HasPrefix(s, []byte(errorPrefix)) {
			return false
		}
		s = s[len(errorPrefix):]
	}
	return w.setText(parent, key, v, s)
}

// setText writes s where v (parent[key]) holds the text: v itself when a
// string, its one text block when a list of one.
func (w *rewriter) setText(parent *fastjson.Value, key string, v *fastjson.Value, s []byte) bool {
	switch v.Type() {
	case fastjson.TypeString:
		parent.Set(key, w.arena.NewStringBytes(s))
		return true
	case fastjson.TypeArray:
		blocks := v.GetArray()
		if len(blocks) != 1 || string(blocks[0].GetStringBytes("type")) != "text" {
			return false
		}
		blocks[0].Set("text", w.arena.NewStringBytes(s))
		return true
	}
	return false
}

func (w *rewriter) user(m *fastjson.Value) bool {
	content := m.Get("content")
	if content == nil {
		return false
	}
	if content.Type() == fastjson.TypeString {
		return w.text(m, "content", content, false)
	}
	blocks := content.GetArray()
	var rest []*fastjson.Value
	for _, b := range blocks {
		if string(b.GetStringBytes("type")) != "tool_result" {
			rest = append(rest, b)
			continue
		}
		c := b.Get("content")
		if c == nil {
			if _, ok := w.next(); !ok {
				return false
			}
			continue
		}
		if !w.text(b, "content", c, b.GetBool("is_error")) {
			return false
		}
	}
	if len(rest) == 0 {
		return true
	}
	c, ok := w.next()
	if !ok || c == nil {
		return ok
	}
	if lone := onlyText(rest); lone != nil && len(rest) == 1 {
		s, err := c.StringBytes()
		if err != nil {
			return false
		}
		lone.Set("text", w.arena.NewStringBytes(s))
		return true
	}
	parts := c.GetArray()
	if len(parts) != len(rest) {
		return false
	}
	for i, b := range rest {
		switch string(b.GetStringBytes("type")) {
		case "text":
			if string(parts[i].GetStringBytes("type")) != "text" {
				return false
			}
			b.Set("text", w.arena.NewStringBytes(parts[i].GetStringBytes("text")))
		default: // an image: its URL must be what the translation made
			t := w.tm[w.k-1].GetArray("content")
			if i >= len(t) || !sameJSON(t[i], parts[i]) {
				return false
			}
		}
	}
	return true
}

func (w *rewriter) assistant(m *fastjson.Value) bool {
	content := m.Get("content")
	if content == nil {
		return false
	}
	if content.Type() == fastjson.TypeString {
		return w.text(m, "content", content, false)
	}
	c, ok := w.next()
	if !ok || c == nil {
		return ok
	}
	var text *fastjson.Value
	for _, b := range content.GetArray() {
		if string(b.GetStringBytes("type")) == "text" {
			if text != nil {
				return false // texts the translation joined
			}
			text = b
		}
	}
	s, err := c.StringBytes()
	if text == nil || err != nil {
		return false
	}
	text.Set("text", w.arena.NewStringBytes(s))
	return true
}
