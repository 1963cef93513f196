package gateway

import (
	"bytes"
	"errors"

	"github.com/tollgate-ai/tollgate/internal/jsonscan"
)

var errBadJSON = errors.New("malformed JSON")

// setTopLevel returns body with top-level key set to the raw JSON value,
// appended into dst. Only the edited span changes: every other byte the
// client sent (unknown fields, number formats, key order) reaches the
// upstream as it was. A missing key is added at the end of the object.
// Keys are compared after unescaping. The first match is edited: bodies
// reach here only after parseRequest's checkKeys refused every repeated
// key, so there is no second one for an upstream to read instead
// (FuzzForwardedBody checks that property end to end).
func setTopLevel(dst, body []byte, key string, raw []byte) ([]byte, error) {
	m, err := findMember(body, key)
	if err != nil {
		return dst, err
	}
	return m.set(dst, body, key, raw), nil
}

// member is where a top-level key's value sits in an object: [vs, ve), or
// vs < 0 when absent; end is the index of the object's closing brace.
type member struct{ vs, ve, end int }

// set writes body with the member's value replaced by raw (or the member
// added before the closing brace) into dst.
func (m member) set(dst, body []byte, key string, raw []byte) []byte {
	if m.vs < 0 {
		dst = append(dst, body[:m.end]...)
		if hasMembers(body, m.end) {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, key...)
		dst = append(dst, `":`...)
		dst = append(dst, raw...)
		return append(dst, body[m.end:]...)
	}
	dst = append(dst, body[:m.vs]...)
	dst = append(dst, raw...)
	return append(dst, body[m.ve:]...)
}

// findMember scans the object at the start of body for key, up to its
// first match (keys are unique: see setTopLevel).
func findMember(body []byte, key string) (member, error) {
	m := member{vs: -1}
	i := jsonscan.SkipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return m, errBadJSON
	}
	i++
	for {
		i = jsonscan.SkipSpace(body, i)
		if i >= len(body) {
			return m, errBadJSON
		}
		if body[i] == '}' {
			m.end = i
			return m, nil
		}
		if body[i] == ',' {
			i++
			continue
		}
		ks := i
		ke, err := skipString(body, i)
		if err != nil {
			return m, err
		}
		i = jsonscan.SkipSpace(body, ke)
		if i >= len(body) || body[i] != ':' {
			return m, errBadJSON
		}
		vs := jsonscan.SkipSpace(body, i+1)
		ve, err := skipValue(body, vs)
		if err != nil {
			return m, err
		}
		if keyIs(body[ks+1:ke-1], key) {
			m.vs, m.ve = vs, ve
			return m, nil
		}
		i = ve
	}
}

// keyIs compares a raw (still escaped) key with key: "\u006dodel" is
// "model". Keys without a backslash, nearly all, compare directly.
func keyIs(raw []byte, key string) bool {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw) == key
	}
	if len(raw) > 12*len(key) { // each byte of key takes at most 12 escaped bytes (a surrogate pair)
		return false
	}
	var buf [64]byte
	u, _ := jsonscan.AppendUnescaped(buf[:0], raw)
	return string(u) == key
}

// hasMembers reports whether the object closing at end has any member.
func hasMembers(body []byte, end int) bool {
	for j := end - 1; j >= 0; j-- {
		switch body[j] {
		case ' ', '\t', '\n', '\r':
		case '{':
			return false
		default:
			return true
		}
	}
	return false
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, errBadJSON
	}
	if e := jsonscan.StringEnd(b, i); e >= 0 {
		return e, nil
	}
	return len(b), errBadJSON
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, errBadJSON
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e, err := skipString(b, i)
				if err != nil {
					return e, err
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return i, errBadJSON
	default:
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\r' && b[j] != '\t' {
			j++
		}
		if j == i {
			return i, errBadJSON
		}
		return j, nil
	}
}
