package wire

import (
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// Turns writes a provider's array of turns, [{"role":…,"<ItemsKey>":[…]},…]
// (Converse's messages and their content, Gemini's contents and their
// parts), opening a turn only when its first item comes and merging
// consecutive items of one role: OpenAI's messages do not alternate roles
// as strictly as these APIs want.
type Turns struct {
	Dst      []byte
	ItemsKey string // "content" or "parts"
	role     string
	items    int
}

// Item starts an item of role (a new turn when the role changes); the
// caller appends the item's JSON to Dst.
func (w *Turns) Item(role string) {
	if w.role != role {
		if w.role != "" {
			w.Dst = append(w.Dst, "]},"...)
		}
		w.Dst = append(w.Dst, `{"role":"`...)
		w.Dst = append(w.Dst, role...)
		w.Dst = append(w.Dst, `","`...)
		w.Dst = append(w.Dst, w.ItemsKey...)
		w.Dst = append(w.Dst, `":[`...)
		w.role, w.items = role, 0
	}
	if w.items > 0 {
		w.Dst = append(w.Dst, ',')
	}
	w.items++
}

// Close ends the last turn, if any; the caller closes the array.
func (w *Turns) Close() {
	if w.role != "" {
		w.Dst = append(w.Dst, "]}"...)
	}
}

// Text appends a {"text":s} item of role; an empty s is no item.
func (w *Turns) Text(role string, s []byte) {
	if len(s) == 0 {
		return
	}
	w.Item(role)
	w.Dst = append(w.Dst, `{"text":`...)
	w.Dst = jsonw.Bytes(w.Dst, s)
	w.Dst = append(w.Dst, '}')
}

// AssistantText appends an OpenAI assistant message's text as items of
// role: its content string, or its text and refusal parts in order.
func (w *Turns) AssistantText(role string, m *fastjson.Value) {
	if s, ok := Text(m); ok {
		w.Text(role, s)
		return
	}
	for _, part := range m.GetArray("content") {
		switch string(part.GetStringBytes("type")) {
		case "text":
			w.Text(role, part.GetStringBytes("text"))
		case "refusal":
			w.Text(role, part.GetStringBytes("refusal"))
		}
	}
}

// AppendTextParts appends {"text":…} parts for a system message's content
// (a string or text parts), skipping empty texts; n counts the parts
// written so far.
func AppendTextParts(dst []byte, m *fastjson.Value, n int) ([]byte, int) {
	add := func(s []byte) {
		if len(s) == 0 {
			return
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"text":`...)
		dst = jsonw.Bytes(dst, s)
		dst = append(dst, '}')
		n++
	}
	if s, ok := Text(m); ok {
		add(s)
		return dst, n
	}
	for _, part := range m.GetArray("content") {
		add(part.GetStringBytes("text"))
	}
	return dst, n
}
