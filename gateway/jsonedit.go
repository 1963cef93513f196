package gateway

import "errors"

var errBadJSON = errors.New("malformed JSON")

// setTopLevel returns body with top-level key set to the raw JSON value,
// appended into dst. Only the edited span changes: every other byte the
// client sent (unknown fields, number formats, key order) reaches the
// upstream as it was. A missing key is added at the end of the object.
func setTopLevel(dst, body []byte, key string, raw []byte) ([]byte, error) {
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return dst, errBadJSON
	}
	i++
	for {
		i = skipWS(body, i)
		if i >= len(body) {
			return dst, errBadJSON
		}
		if body[i] == '}' {
			// Not found: insert before the closing brace.
			dst = append(dst, body[:i]...)
			if hasMembers(body, i) {
				dst = append(dst, ',')
			}
			dst = append(dst, '"')
			dst = append(dst, key...)
			dst = append(dst, `":`...)
			dst = append(dst, raw...)
			return append(dst, body[i:]...), nil
		}
		if body[i] == ',' {
			i++
			continue
		}
		ks := i
		ke, err := skipString(body, i)
		if err != nil {
			return dst, err
		}
		i = skipWS(body, ke)
		if i >= len(body) || body[i] != ':' {
			return dst, errBadJSON
		}
		vs := skipWS(body, i+1)
		ve, err := skipValue(body, vs)
		if err != nil {
			return dst, err
		}
		if string(body[ks+1:ke-1]) == key {
			dst = append(dst, body[:vs]...)
			dst = append(dst, raw...)
			return append(dst, body[ve:]...), nil
		}
		i = ve
	}
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

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, errBadJSON
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return i, errBadJSON
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
