package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/valyala/fastjson"
)

// What a semantic hit must share with the request it answers: everything
// but the last user message's text. The scope is a hash over the exact
// key's parts and the request canonicalised (the exact key's encoding:
// key order, whitespace and escapes do not matter) with that text replaced
// by a marker. The roles stay in the encoding, so two requests whose
// canonical forms agree have their last user message at the same place.

// lastUserMarker stands for the last user message's content. Any value
// works (see above); a string nobody sends keeps the encoding readable.
var lastUserMarker = fastjson.MustParse(`"\u0000tollgate:last-user-message"`)

// semanticDigest canonicalises a chat request without its last user
// message's content and returns that content's text. ok is false for a
// request the semantic cache does not answer: no messages, no user message,
// an empty text, or a content with parts other than text (images, audio:
// the text alone does not say what the answer is about).
func semanticDigest(body []byte) (d Digest, text string, ok bool) {
	c := canonPool.Get().(*canon)
	defer canonPool.Put(c)
	v, err := c.p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		return d, "", false
	}
	msgs := v.GetArray("messages")
	last := -1
	for i := len(msgs) - 1; i >= 0; i-- {
		if string(msgs[i].GetStringBytes("role")) == "user" {
			last = i
			break
		}
	}
	if last < 0 {
		return d, "", false
	}
	m := msgs[last]
	if text, ok = contentText(m.Get("content")); !ok {
		return d, "", false
	}
	m.Set("content", lastUserMarker)
	o, _ := v.Object()
	c.buf = c.buf[:0]
	if !c.object(o, 0, true) {
		return d, "", false
	}
	d = sha256.Sum256(c.buf)
	if cap(c.buf) > 1<<20 {
		c.buf = nil
	}
	return d, text, true
}

// contentText is a message content's text: the string, or the text parts
// joined by newlines. It copies (the body is borrowed).
func contentText(v *fastjson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Type() {
	case fastjson.TypeString:
		s := v.GetStringBytes()
		return string(s), len(s) > 0
	case fastjson.TypeArray:
		parts, _ := v.Array()
		var b strings.Builder
		for i, p := range parts {
			if string(p.GetStringBytes("type")) != "text" {
				return "", false
			}
			if i > 0 {
				b.WriteByte('\n')
			}
			b.Write(p.GetStringBytes("text"))
		}
		return b.String(), b.Len() > 0
	}
	return "", false
}

// semanticScope names the set of requests that may answer each other
// semantically: the exact key's parts (tenant scope, endpoint, output
// profile, model, purge generation), the embedder (vectors of two models
// never meet), and the rest of the request. Hex, so it can be a map key
// and is hashed again for Redis keys.
func semanticScope(r *SemanticRequest, embedder string, rest *Digest) string {
	var scratch [256]byte
	b := append(scratch[:0], "tg-semantic-v1"...)
	for _, s := range [...]string{r.Endpoint, r.Scope, r.Profile, r.Model, embedder} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, r.Gen)
	b = append(b, rest[:]...)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
