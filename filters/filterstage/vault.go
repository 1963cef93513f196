package filterstage

import (
	"bytes"
	"strconv"
)

// vault numbers the values a request's findings replace, so the same
// value gets the same placeholder within the request ([EMAIL_1],
// [CREDIT_CARD_2]); for pseudonymised values it keeps the original to put
// back into the answer. It lives in the request's state only.
type vault struct {
	arena []byte // the values, copied
	items []vaultItem
}

type vaultItem struct {
	kind       string // its label is the part after the family: pii.email → EMAIL
	n          int
	start, end int // the value in arena
	restore    bool
}

// maxPlaceholder bounds a placeholder's length: the stream window holds
// at least this much so one split across chunks is still restored.
const maxPlaceholder = 64

func (v *vault) reset() {
	v.arena, v.items = v.arena[:0], v.items[:0]
}

// label is kind's placeholder type, lower-case: "pii.credit_card" → "credit_card".
func label(kind string) string {
	if i := lastDot(kind); i >= 0 {
		kind = kind[i+1:]
	}
	if len(kind) > maxPlaceholder-16 {
		kind = kind[:maxPlaceholder-16]
	}
	return kind
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// placeholder appends the placeholder of value (a finding of kind),
// numbering a new value; restore marks it for the answer.
func (v *vault) placeholder(dst []byte, kind string, value []byte, restore bool) []byte {
	lb, n, found := label(kind), 0, -1
	for i := range v.items {
		it := &v.items[i]
		if label(it.kind) != lb {
			continue
		}
		n = max(n, it.n)
		if bytes.Equal(v.arena[it.start:it.end], value) {
			found = i
			break
		}
	}
	if found < 0 {
		start := len(v.arena)
		v.arena = append(v.arena, value...)
		v.items = append(v.items, vaultItem{kind: kind, n: n + 1, start: start, end: len(v.arena)})
		found = len(v.items) - 1
	}
	it := &v.items[found]
	it.restore = it.restore || restore
	return appendPlaceholder(dst, lb, it.n)
}

func appendPlaceholder(dst []byte, lb string, n int) []byte {
	dst = append(dst, '[')
	for i := 0; i < len(lb); i++ {
		c := lb[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		dst = append(dst, c)
	}
	dst = append(dst, '_')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, ']')
}

// restorable reports whether any value goes back into the answer.
func (v *vault) restorable() bool {
	for i := range v.items {
		if v.items[i].restore {
			return true
		}
	}
	return false
}

// match reports the pseudonymised value whose placeholder starts text
// (text[0] == '['): its item and the placeholder's length.
func (v *vault) match(text []byte) (item, n int) {
	end := bytes.IndexByte(text[:min(len(text), maxPlaceholder)], ']')
	if end < 3 {
		return -1, 0
	}
	ph := text[1:end]
	us := bytes.LastIndexByte(ph, '_')
	if us <= 0 || us == len(ph)-1 {
		return -1, 0
	}
	num, err := strconv.Atoi(string(ph[us+1:])) // no allocation: the conversion does not escape
	if err != nil {
		return -1, 0
	}
	lb := ph[:us]
	for i := range v.items {
		it := &v.items[i]
		if it.restore && it.n == num && upperEq(lb, label(it.kind)) {
			return i, end + 1
		}
	}
	return -1, 0
}

// upperEq reports whether up is lb upper-cased.
func upperEq(up []byte, lb string) bool {
	if len(up) != len(lb) {
		return false
	}
	for i := 0; i < len(up); i++ {
		c := lb[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if up[i] != c {
			return false
		}
	}
	return true
}

// value is item i's original.
func (v *vault) value(i int) []byte { it := &v.items[i]; return v.arena[it.start:it.end] }

// maybePlaceholderPrefix reports whether text (from a '[' to its end)
// could still become a placeholder when more text arrives.
func maybePlaceholderPrefix(text []byte) bool {
	if len(text) >= maxPlaceholder {
		return false
	}
	for _, c := range text[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
