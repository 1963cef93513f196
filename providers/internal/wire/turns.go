package wire

import "github.com/tollgate-ai/tollgate/internal/jsonw"

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
