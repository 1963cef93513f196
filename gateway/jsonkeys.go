package gateway

import (
	"bytes"
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// The gateway reads the first of two equal keys and most upstream parsers
// (Python, Go) the last, so {"model":"cheap","model":"gpt-4o"} would be
// allowed and billed as one model and served as another. checkKeys makes
// the body unambiguous instead: no object anywhere may repeat a key,
// compared after unescaping ("\u006dodel" is "model"), and every key must
// be plain text that all parsers decode alike.

// pairwiseKeys is the object size up to which keys are compared pairwise;
// larger objects sort their keys (O(n log n), in the walker's scratch).
const pairwiseKeys = 16

// keyWalker checks every object of a body without recursion or closures
// that capture state (both make the Go compiler move it to the heap): an
// explicit stack of containers to visit, and the path to each as nodes
// pointing at their parent. Pooled, so a check allocates nothing.
type keyWalker struct {
	todo  []pending
	nodes []pathNode
	keys  [][]byte // the keys of the object being checked
	node  int32    // that object's node
	bad   bool     // it has a key parsers decode differently
}

type pending struct {
	v    *fastjson.Value
	node int32
}

// pathNode is one step of a value's path: a member name or an array index.
type pathNode struct {
	parent int32 // -1 at the top
	elem   bool  // an array element: index, not key
	index  int32
	key    []byte
}

var keyWalkers = sync.Pool{New: func() any { return new(keyWalker) }}

// maxPooledNodes: a walker grown by a huge body is dropped, not kept.
const maxPooledNodes = 1 << 12

// checkKeys refuses any object in v that repeats a key or has a key that is
// not plain text. fastjson unescapes an object's keys in place when they
// are visited (no allocation), so later Gets see the keys compared here.
func checkKeys(v *fastjson.Value) *APIError {
	w := keyWalkers.Get().(*keyWalker)
	err := w.check(v)
	if cap(w.nodes) <= maxPooledNodes && cap(w.todo) <= maxPooledNodes && cap(w.keys) <= maxPooledNodes {
		clear(w.nodes)
		clear(w.todo)
		clear(w.keys)
		keyWalkers.Put(w)
	}
	return err
}

func (w *keyWalker) check(root *fastjson.Value) *APIError {
	w.nodes = append(w.nodes[:0], pathNode{parent: -1})
	w.todo = append(w.todo[:0], pending{v: root, node: 0})
	for len(w.todo) > 0 {
		p := w.todo[len(w.todo)-1]
		w.todo = w.todo[:len(w.todo)-1]
		if o := p.v.GetObject(); o != nil {
			if err := w.object(o, p.node); err != nil {
				return err
			}
			continue
		}
		for i, e := range p.v.GetArray() {
			if isContainer(e) {
				w.push(e, pathNode{parent: p.node, elem: true, index: int32(i)})
			}
		}
	}
	return nil
}

func (w *keyWalker) object(o *fastjson.Object, node int32) *APIError {
	w.keys, w.node, w.bad = w.keys[:0], node, false
	o.Visit(w.member)
	if w.bad {
		return errInvalid(w.path(node), "a key "+w.where(node)+" has a backslash, a control character or invalid UTF-8, "+
			"which JSON parsers decode differently; send plain keys")
	}
	keys := w.keys
	if len(keys) <= pairwiseKeys {
		for i := 1; i < len(keys); i++ {
			for _, p := range keys[:i] {
				if string(p) == string(keys[i]) {
					return w.duplicate(keys[i], node)
				}
			}
		}
		return nil
	}
	slices.SortFunc(keys, bytes.Compare)
	for i := 1; i < len(keys); i++ {
		if bytes.Equal(keys[i-1], keys[i]) {
			return w.duplicate(keys[i], node)
		}
	}
	return nil
}

// member is the Visit callback: it records the key and queues containers.
func (w *keyWalker) member(k []byte, v *fastjson.Value) {
	if !plainKey(k) {
		w.bad = true
	}
	w.keys = append(w.keys, k)
	if isContainer(v) {
		w.push(v, pathNode{parent: w.node, key: k})
	}
}

func (w *keyWalker) push(v *fastjson.Value, n pathNode) {
	w.nodes = append(w.nodes, n)
	w.todo = append(w.todo, pending{v: v, node: int32(len(w.nodes) - 1)})
}

// isContainer avoids Value.Type, which unescapes a string value (a pass
// over its bytes) and would make the check cost as much as the parse.
func isContainer(v *fastjson.Value) bool {
	return v.GetObject() != nil || len(v.GetArray()) > 0
}

// path renders a node as messages[2].content; "" at the top.
func (w *keyWalker) path(node int32) string {
	if node < 0 {
		return ""
	}
	n := w.nodes[node]
	s := w.path(n.parent)
	switch {
	case n.parent < 0:
		return s
	case n.elem:
		return s + "[" + itoa(int(n.index)) + "]"
	case s == "":
		return string(n.key)
	}
	return s + "." + string(n.key)
}

func (w *keyWalker) where(node int32) string {
	if node == 0 {
		return "in the request body"
	}
	return "in " + w.path(node)
}

func (w *keyWalker) duplicate(k []byte, node int32) *APIError {
	param := string(k)
	if p := w.path(node); p != "" {
		param = p + "." + param
	}
	return errInvalid(param, `duplicate key "`+truncate(string(k), 64)+`" `+w.where(node)+
		": each key may appear once in an object (keys are compared after unescaping)")
}

// plainKey reports whether an unescaped key reads the same in every parser.
// fastjson keeps an invalid escape (\q, a lone surrogate) as written and
// Go and Python refuse or replace it, so a key still holding a backslash,
// U+FFFD, a control character or invalid UTF-8 is refused.
func plainKey(k []byte) bool {
	for _, c := range k {
		if c < 0x20 || c == '\\' || c >= 0x80 {
			return plainKeySlow(k)
		}
	}
	return true
}

func plainKeySlow(k []byte) bool {
	for len(k) > 0 {
		r, size := utf8.DecodeRune(k)
		if r == utf8.RuneError || r < 0x20 || r == '\\' {
			return false
		}
		k = k[size:]
	}
	return true
}
