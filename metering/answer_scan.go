package metering

import (
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/valyala/fastjson/fastfloat"
)

// scanUsage reads what ReadResponse needs from the usual buffered answer,
// a JSON object that reports "usage", in one validating pass that builds no
// value tree: the usage numbers and the first choice's finish reason (raw;
// nil when absent or not a string). It handles only strict JSON (RFC 8259;
// strings are delimited as fastjson delimits them) with no escaped member
// names or finish reason, and nesting up to maxScanDepth; ok false
// means "not handled": ReadResponse then parses the body as before, so
// either way the result is the parse's.
//
// Equal to the parse by construction: fastjson accepts all such JSON, it
// finds a member by its first occurrence as this scan does, unescaping
// changes no name without a backslash, and numbers are read by the same
// function as fastjson's GetInt.
func scanUsage(body []byte) (u Usage, finish []byte, hasChoices, ok bool) {
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return u, nil, false, false
	}
	var usage []byte
	seenChoices, escaped := false, false
	end := eachMember(body, i, 0, func(key []byte, v int) int {
		switch {
		case usage == nil && string(key) == "usage":
			e := skipValue(body, v, 1)
			if e > 0 {
				usage = body[v:e]
			}
			return e
		case !seenChoices && string(key) == "choices":
			seenChoices = true
			if body[v] != '[' {
				return skipValue(body, v, 1)
			}
			// Walk the array here: its first element is read on the way.
			return eachElement(body, v, func(i int) int {
				if hasChoices || body[i] != '{' {
					hasChoices = true
					return skipValue(body, i, 2)
				}
				hasChoices = true
				return eachMember(body, i, 2, func(key []byte, v int) int {
					if finish == nil && !escaped && string(key) == "finish_reason" && body[v] == '"' {
						e := plainString(body, v)
						if e < 0 {
							escaped = true // leave it to the parse
							return skipValue(body, v, 3)
						}
						finish = body[v+1 : e-1]
						return e
					}
					return skipValue(body, v, 3)
				})
			})
		}
		return skipValue(body, v, 1)
	})
	if end < 0 || escaped || jsonscan.SkipSpace(body, end) != len(body) || usage == nil || usage[0] != '{' {
		return u, nil, false, false
	}
	// usage is valid JSON now: one walk takes each count's first occurrence.
	var prompt, completion, total, cached, reasoning []byte
	eachMember(usage, 0, 0, func(key []byte, v int) int {
		e := skipValue(usage, v, 1)
		val := usage[v:e]
		switch string(key) {
		case "prompt_tokens":
			prompt = first(prompt, val)
		case "completion_tokens":
			completion = first(completion, val)
		case "total_tokens":
			total = first(total, val)
		case "prompt_tokens_details":
			if cached == nil {
				cached = detail(val, "cached_tokens")
			}
		case "completion_tokens_details":
			if reasoning == nil {
				reasoning = detail(val, "reasoning_tokens")
			}
		}
		return e
	})
	u.PromptTokens, u.CompletionTokens = scanInt(prompt), scanInt(completion)
	u.CachedTokens, u.ReasoningTokens = scanInt(cached), scanInt(reasoning)
	if u.PromptTokens == 0 && u.CompletionTokens == 0 {
		u.PromptTokens = scanInt(total)
	}
	return u, finish, hasChoices, true
}

// first keeps the first occurrence of a member.
func first(seen, v []byte) []byte {
	if seen != nil {
		return seen
	}
	return v
}

// detail returns the value of key in the details object obj (validated),
// or an empty non-nil slice: the details member was seen, whatever it held.
func detail(obj []byte, key string) []byte {
	found := obj[:0]
	if obj[0] != '{' {
		return found
	}
	eachMember(obj, 0, 0, func(k []byte, v int) int {
		e := skipValue(obj, v, 1)
		if len(found) == 0 && string(k) == key {
			found = obj[v:e]
		}
		return e
	})
	return found
}

// maxScanDepth bounds the scan's recursion; deeper answers take the parse.
const maxScanDepth = 32

// eachMember walks the object at b[i] == '{': for each member it calls
// value with the member's name (no quotes) and where its value starts, and
// value returns where the value ends (-1: invalid). It returns the index
// after the object, or -1.
func eachMember(b []byte, i, depth int, value func(key []byte, v int) int) int {
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return -1
		}
		ke := plainString(b, i)
		if ke < 0 {
			return -1
		}
		key := b[i+1 : ke-1]
		i = jsonscan.SkipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		v := jsonscan.SkipSpace(b, i+1)
		if v >= len(b) {
			return -1
		}
		next, end := afterItem(b, value(key, v), '}')
		if next < 0 {
			return end
		}
		i = next
	}
}

// eachElement walks the array at b[i] == '[': element skips the element
// at its index and returns where it ends (-1: invalid). It returns the
// index after the array, or -1.
func eachElement(b []byte, i int, element func(i int) int) int {
	i = jsonscan.SkipSpace(b, i+1)
	if i < len(b) && b[i] == ']' {
		return i + 1
	}
	for {
		if i >= len(b) {
			return -1
		}
		next, end := afterItem(b, element(i), ']')
		if next < 0 {
			return end
		}
		i = next
	}
}

// afterItem reads what follows a member or element ending at e (-1:
// invalid): a comma gives the next item's start; the closing bracket ends
// the container (next -1, end after it); anything else is invalid (both -1).
func afterItem(b []byte, e int, closing byte) (next, end int) {
	if e < 0 {
		return -1, -1
	}
	i := jsonscan.SkipSpace(b, e)
	switch {
	case i >= len(b):
		return -1, -1
	case b[i] == ',':
		return jsonscan.SkipSpace(b, i+1), 0
	case b[i] == closing:
		return -1, i + 1
	}
	return -1, -1
}

// skipValue skips the value at b[i] and returns the index after it.
func skipValue(b []byte, i, depth int) int {
	if i >= len(b) || depth > maxScanDepth {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{':
		return eachMember(b, i, depth, func(_ []byte, v int) int { return skipValue(b, v, depth+1) })
	case c == '[':
		return eachElement(b, i, func(j int) int { return skipValue(b, j, depth+1) })
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(b, i)
	}
	return -1
}

// scanInt is fastjson's GetInt of a raw value: a number's integer value,
// else 0.
func scanInt(v []byte) int {
	if len(v) == 0 || !(v[0] == '-' || v[0] >= '0' && v[0] <= '9') {
		return 0
	}
	return int(fastfloat.ParseInt64BestEffort(unsafe.String(unsafe.SliceData(v), len(v))))
}

// skipString skips the string at b[i] == '"' as fastjson does: it ends at
// the first quote not escaped by an odd run of backslashes; its contents
// are not checked (fastjson unescapes lazily and leniently), and the scan
// never interprets a string holding a backslash.
func skipString(b []byte, i int) int {
	if k := quoteOrBackslash(b, i+1); k < len(b) && b[k] == '"' {
		return k + 1
	}
	return jsonscan.StringEnd(b, i)
}

// plainString is skipString for a string the scan reads (a member name, a
// finish reason): end is -1 when it holds a backslash, so the scan never
// needs to unescape.
func plainString(b []byte, i int) int {
	if k := quoteOrBackslash(b, i+1); k < len(b) && b[k] == '"' {
		return k + 1
	}
	return -1
}

// quoteOrBackslash returns the index of the first '"' or '\\' in b from j
// on, or len(b); eight bytes a step (SWAR), as jsonw.String scans.
func quoteOrBackslash(b []byte, j int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; j+8 <= len(b); j += 8 {
		w := binary.LittleEndian.Uint64(b[j:])
		q, bs := w^('"'*ones), w^('\\'*ones)
		if m := ((q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for ; j < len(b); j++ {
		if b[j] == '"' || b[j] == '\\' {
			return j
		}
	}
	return j
}

// skipNumber skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(b []byte, i int) int {
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func literal(b []byte, i int, lit string) int {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return -1
	}
	return i + len(lit)
}
