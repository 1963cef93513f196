// Package jsonscan finds members in JSON by scanning bytes, without a
// parse: the per-event work of a streamed answer (usage, finish reason,
// text, errors) must cost no allocation and no tree.
//
// The scans assume valid JSON from an upstream and tolerate any spacing
// around colons (Python's json.dumps writes `"usage": {`).
package jsonscan

import (
	"bytes"
	"unicode/utf8"
)

// NextValue returns data from the value of the first member named key
// (quoted, as `"usage"`) on, whitespace skipped; nil when there is none. A
// match not followed by a colon is a string value, not a key, and is skipped.
func NextValue(data, key []byte) []byte {
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return nil
		}
		escaped := i > 0 && data[i-1] == '\\' // inside a string: a key's quote follows '{', ',' or space
		data = data[i+len(key):]
		if escaped {
			continue
		}
		j := SkipSpace(data, 0)
		if j < len(data) && data[j] == ':' {
			j = SkipSpace(data, j+1)
			if j < len(data) {
				return data[j:]
			}
			return nil
		}
	}
}

// HasObjectValue reports whether a member named key holds an object: the
// cheap test before parsing an event for usage (OpenAI sends "usage":null
// on every chunk but the last).
func HasObjectValue(data, key []byte) bool {
	for v := NextValue(data, key); len(v) > 0; v = NextValue(v, key) {
		if v[0] == '{' {
			return true
		}
	}
	return false
}

// HasNonNullValue reports whether a member named key holds anything but
// null, wherever it sits.
func HasNonNullValue(data, key []byte) bool {
	for v := NextValue(data, key); len(v) > 0; v = NextValue(v, key) {
		if !bytes.HasPrefix(v, []byte("null")) {
			return true
		}
	}
	return false
}

// FirstString returns the raw (still escaped) body of the first string
// value of a member named key, skipping null values; nil when none.
func FirstString(data, key []byte) []byte {
	for v := NextValue(data, key); len(v) > 0; v = NextValue(v, key) {
		if v[0] == '"' {
			if e := StringEnd(v, 0); e >= 0 {
				return v[1 : e-1]
			}
			return nil
		}
	}
	return nil
}

// AppendStringValues appends the unescaped values of every `key` string
// in data.
func AppendStringValues(dst, data, key []byte) []byte {
	for v := NextValue(data, key); len(v) > 0; v = NextValue(v, key) {
		if v[0] != '"' {
			continue
		}
		var n int
		dst, n = AppendUnescaped(dst, v[1:])
		v = v[1+n:]
	}
	return dst
}

// AppendUnescaped decodes a JSON string body (after its opening quote) up
// to the closing quote, returning the bytes consumed.
func AppendUnescaped(dst, s []byte) ([]byte, int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return dst, i + 1
		case c != '\\':
			dst = append(dst, c)
		case i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				dst = append(dst, '\n')
			case 't':
				dst = append(dst, '\t')
			case 'r':
				dst = append(dst, '\r')
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'u':
				if i+4 < len(s) {
					r := rune(hexVal(s[i+1])<<12 | hexVal(s[i+2])<<8 | hexVal(s[i+3])<<4 | hexVal(s[i+4]))
					if r >= 0xD800 && r < 0xDC00 && i+10 < len(s) && s[i+5] == '\\' && s[i+6] == 'u' {
						lo := rune(hexVal(s[i+7])<<12 | hexVal(s[i+8])<<8 | hexVal(s[i+9])<<4 | hexVal(s[i+10]))
						r = (r-0xD800)<<10 + (lo - 0xDC00) + 0x10000
						i += 6
					}
					dst = utf8.AppendRune(dst, r)
					i += 4
				}
			default:
				dst = append(dst, s[i])
			}
		}
	}
	return dst, len(s)
}

// EventData returns the payload of a server-sent event's first "data:" line.
func EventData(ev []byte) []byte {
	i := bytes.Index(ev, []byte("data:"))
	if i < 0 {
		return nil
	}
	d := ev[i+5:]
	if len(d) > 0 && d[0] == ' ' {
		d = d[1:]
	}
	if j := bytes.IndexByte(d, '\n'); j >= 0 {
		d = d[:j]
	}
	return bytes.TrimRight(d, "\r")
}

// SkipSpace returns the index of the first byte at or after i that is not
// JSON whitespace.
func SkipSpace(b []byte, i int) int {
	if i < len(b) && b[i] > ' ' { // compact JSON: no space at all
		return i
	}
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// StringEnd returns the index after the string that starts at b[i] == '"':
// the first quote not escaped by an odd run of backslashes ends it. It
// jumps from quote to quote (IndexByte is vectorised); -1 when the string
// is not terminated.
func StringEnd(b []byte, i int) int {
	for i++; ; {
		n := bytes.IndexByte(b[i:], '"')
		if n < 0 {
			return -1
		}
		q := i + n
		k := q
		for k > i && b[k-1] == '\\' {
			k--
		}
		if (q-k)%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return 0
}
