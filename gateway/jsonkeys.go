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
// explicit stack of containers still to check. Pooled, so a check
// allocates nothing. Paths are not tracked while walking (that cost as much
// as the check itself): an error finds its path again from the root.
type keyWalker struct {
	todo []*fastjson.Value
	keys [][]byte // the keys of the object being checked
	bad  bool     // it has a key parsers decode differently
}

var keyWalkers = sync.Pool{New: func() any { return new(keyWalker) }}

// maxPooledKeys: a walker grown by a huge body is dropped, not kept.
const maxPooledKeys = 1 << 12

// checkKeys refuses any object in v that repeats a key or has a key that is
// not plain text. fastjson unescapes an object's keys in place when they
// are visited (no allocation), so later Gets see the keys compared here.
func checkKeys(v *fastjson.Value) *APIError {
	w := keyWalkers.Get().(*keyWalker)
	err := w.check(v)
	if cap(w.todo) <= maxPooledKeys && cap(w.keys) <= maxPooledKeys {
		clear(w.todo) // non-empty only after an error
		clear(w.keys)
		keyWalkers.Put(w)
	}
	return err
}

func (w *keyWalker) check(root *fastjson.Value) *APIError {
	w.todo = append(w.todo[:0], root)
	for len(w.todo) > 0 {
		v := w.todo[len(w.todo)-1]
		w.todo = w.todo[:len(w.todo)-1]
		if o := v.GetObject(); o != nil {
			if dup, bad := w.object(o); bad {
				return keyError(root, o, dup)
			}
			continue
		}
		for _, e := range v.GetArray() {
			if isContainer(e) {
				w.todo = append(w.todo, e)
			}
		}
	}
	return nil
}

// object checks one object's keys: bad with dup nil for a key that is not
// plain, bad with dup set for a repeated key.
func (w *keyWalker) object(o *fastjson.Object) (dup []byte, bad bool) {
	w.keys, w.bad = w.keys[:0], false
	o.Visit(w.member)
	if w.bad {
		return nil, true
	}
	keys := w.keys
	if len(keys) <= pairwiseKeys {
		for i := 1; i < len(keys); i++ {
			for _, p := range keys[:i] {
				if string(p) == string(keys[i]) {
					return keys[i], true
				}
			}
		}
		return nil, false
	}
	slices.SortFunc(keys, bytes.Compare)
	for i := 1; i < len(keys); i++ {
		if bytes.Equal(keys[i-1], keys[i]) {
			return keys[i], true
		}
	}
	return nil, false
}

// member is the Visit callback: it records the key and queues containers.
func (w *keyWalker) member(k []byte, v *fastjson.Value) {
	if !plainKey(k) {
		w.bad = true
	}
	w.keys = append(w.keys, k)
	if isContainer(v) {
		w.todo = append(w.todo, v)
	}
}

// isContainer uses Value.Type, which also unescapes a string value in
// place: the gateway reads most of those strings next (model, role,
// content), so that work is moved, not added (GetObject/GetArray, two
// calls, measured slower overall).
func isContainer(v *fastjson.Value) bool {
	t := v.Type()
	return t == fastjson.TypeObject || t == fastjson.TypeArray
}

// keyError is the client's error for object o, with its path (messages[2])
// found again from root: a repeated key dup, or a key that is not plain.
func keyError(root *fastjson.Value, o *fastjson.Object, dup []byte) *APIError {
	path, _ := pathTo(root, o, "")
	where := "in the request body"
	if path != "" {
		where = "in " + path
	}
	if dup == nil {
		return errInvalid(path, "a key "+where+" has a backslash, a control character or invalid UTF-8, "+
			"which JSON parsers decode differently; send plain keys")
	}
	param := string(dup)
	if path != "" {
		param = path + "." + param
	}
	return errInvalid(param, `duplicate key "`+truncate(string(dup), 64)+`" `+where+
		": each key may appear once in an object (keys are compared after unescaping)")
}

// pathTo finds o under v (depth first; on the error path only) and renders
// its path as messages[2].content.
func pathTo(v *fastjson.Value, o *fastjson.Object, at string) (string, bool) {
	if vo := v.GetObject(); vo != nil {
		if vo == o {
			return at, true
		}
		found, ok := "", false
		vo.Visit(func(k []byte, c *fastjson.Value) {
			if !ok && isContainer(c) {
				p := string(k)
				if at != "" {
					p = at + "." + p
				}
				found, ok = pathTo(c, o, p)
			}
		})
		return found, ok
	}
	for i, c := range v.GetArray() {
		if p, ok := pathTo(c, o, at+"["+itoa(i)+"]"); ok {
			return p, true
		}
	}
	return "", false
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
