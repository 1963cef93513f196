package tokenizer

import (
	"unicode/utf8"
	"unsafe"
)

// Encoder counts tokens for one encoding. It is safe for concurrent use.
type Encoder struct {
	enc *encoding
}

// Name returns the encoding name, e.g. "o200k_base".
func (e *Encoder) Name() string { return e.enc.name }

// Count returns the number of tokens text encodes to. Special-token strings
// such as "<|endoftext|>" count as ordinary text, as in user content sent to
// OpenAI; invalid UTF-8 bytes count as U+FFFD, as tiktoken-go does.
func (e *Encoder) Count(text []byte) int {
	s := getScratch()
	n := e.enc.count(text, s)
	putScratch(s)
	return n
}

// count is Count with the caller's scratch.
func (e *encoding) count(text []byte, s *scratch) int {
	text = validText(text, s)
	n := 0
	split := e.split
	for i := 0; i < len(text); {
		j := split(text, i)
		n += e.countPiece(text[i:j], s)
		i = j
	}
	return n
}

// CountString is Count for a string, without copying it.
func (e *Encoder) CountString(s string) int {
	return e.Count(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Encode appends the token ids of text to dst and returns it.
func (e *Encoder) Encode(text []byte, dst []int) []int {
	s := getScratch()
	text = validText(text, s)
	for i := 0; i < len(text); {
		j := e.enc.split(text, i)
		dst = e.enc.encodePiece(text[i:j], s, dst)
		i = j
	}
	putScratch(s)
	return dst
}

func validText(text []byte, s *scratch) []byte {
	if utf8.Valid(text) {
		return text
	}
	s.text = sanitize(s.text[:0], text)
	return s.text
}
