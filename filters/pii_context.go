package filters

import "bytes"

// contextBefore reports whether one of words (lowercase ASCII) occurs, in
// any case, in the window bytes before s. Numbers that are PII only by
// what surrounds them (a bare 9-digit SSN, a bare 10-digit phone) need it.
func contextBefore(text []byte, s, window int, words []string) bool {
	w := text[max(0, s-window):s]
	for _, word := range words {
		for i := 0; i+len(word) <= len(w); i++ {
			if (w[i]|0x20) == word[0] && bytes.EqualFold(w[i:i+len(word)], []byte(word)) {
				return true
			}
		}
	}
	return false
}

// numberStart reports that a number may start at i: not glued to a word,
// another number or a decimal point before it.
func numberStart(text []byte, i int) bool {
	if i == 0 {
		return true
	}
	c := text[i-1]
	if isAlnum(c) || c == '_' || c == '/' || c == '#' || c == '$' || c == '\\' || c == '@' {
		return false
	}
	if (c == '.' || c == ',' || c == '-') && i >= 2 && isDigit(text[i-2]) {
		return false
	}
	// Currency signs that are multi-byte (€ £ ¥) end in one of these bytes.
	if c == 0xAC || c == 0xA3 || c == 0xA5 {
		return false
	}
	return true
}

// numberEnd reports that a number may end at e.
func numberEnd(text []byte, e int) bool {
	if e == len(text) {
		return true
	}
	c := text[e]
	if isAlnum(c) || c == '_' || c == '%' || c == '@' {
		return false
	}
	if (c == '.' || c == ',' || c == '-' || c == '/') && e+1 < len(text) && isDigit(text[e+1]) {
		return false
	}
	return true
}
