package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/valyala/fastjson"
)

// Key names one cached answer: SHA-256 over the key's parts. A
// cryptographic hash, not a fast 128-bit one like xxh3: the bytes hashed
// come from clients, and a client able to craft a collision with another
// tenant's request would read its answer. SHA-256 keeps that out of reach
// (no known way to collide it faster than 2^128 tries); with SHA-NI it
// costs about 1–2 µs for a 4 KB body (BenchmarkCanonicalKey4KB).
type Key [32]byte

// Digest is the hash of a request's canonical body alone: computed once
// on the handler, it outlives the body (a stream's Finish may key the
// answer under the model that served it).
type Digest [32]byte

// Facts are what canonicalisation learns about a request on the way.
type Facts struct {
	Deterministic bool // temperature 0 or a seed
	Uncacheable   bool // asks for what the stored form does not keep (logprobs), or is no JSON object
	HasTools      bool // tools or functions: never served semantically
}

// Left out of the key: they change how an answer is delivered or who
// asked, not what it says. "model" is a key part of its own (the model
// that serves the request, after any policy rewrite or fallback).
var ignoredFields = [...]string{"model", "stream", "stream_options", "user", "metadata"}

func ignored(k []byte) bool {
	for _, f := range ignoredFields {
		if string(k) == f {
			return true
		}
	}
	return false
}

// canon writes a request body in a canonical form: an injective binary
// encoding of its JSON value (a tag per value, lengths before strings,
// counts before members), with object keys sorted (byte order, stable for
// duplicates), strings unescaped and numbers as written. Two bodies that
// mean the same JSON, whatever their key order, whitespace or escapes,
// write the same bytes; different ones never do. Pooled: no allocation
// once warm.
type canon struct {
	p   fastjson.Parser
	buf []byte
	kvs [][]member // scratch per object depth
}

type member struct {
	k []byte
	v *fastjson.Value
}

var canonPool = sync.Pool{New: func() any { return new(canon) }}

// maxDepth bounds the recursion: deeper bodies are not cached.
const maxDepth = 64

// DigestBody canonicalises body (a request as it goes upstream) and hashes
// it. ok is false when the body cannot be keyed (not a JSON object, too
// deep): such a request is not cached.
func DigestBody(body []byte) (d Digest, f Facts, ok bool) { return digestIf(body, false) }

// digestIf is DigestBody that stops after the parse (ok false, the facts
// filled) when onlyDeterministic and the request is not: a request that
// will not be cached is not canonicalised and hashed for nothing.
func digestIf(body []byte, onlyDeterministic bool) (d Digest, f Facts, ok bool) {
	c := canonPool.Get().(*canon)
	defer canonPool.Put(c)
	v, err := c.p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		return d, Facts{Uncacheable: true}, false
	}
	o, _ := v.Object()
	c.buf = c.buf[:0]
	f = topFacts(o)
	if f.Uncacheable || (onlyDeterministic && !f.Deterministic) {
		return d, f, false
	}
	if !c.object(o, 0, true) {
		return d, Facts{Uncacheable: true}, false
	}
	d = sha256.Sum256(c.buf)
	if cap(c.buf) > 1<<20 {
		c.buf = nil // do not pin a huge body in the pool
	}
	return d, f, true
}

// topFacts reads the fields that decide whether a request is cached.
func topFacts(o *fastjson.Object) (f Facts) {
	if t := o.Get("temperature"); t != nil && t.Type() == fastjson.TypeNumber {
		if x, err := t.Float64(); err == nil && x == 0 {
			f.Deterministic = true
		}
	}
	if s := o.Get("seed"); s != nil && s.Type() == fastjson.TypeNumber {
		f.Deterministic = true
	}
	if lp := o.Get("logprobs"); lp != nil && (lp.Type() == fastjson.TypeTrue || lp.Type() == fastjson.TypeNumber) {
		f.Uncacheable = true
	}
	if tl := o.Get("top_logprobs"); tl != nil && tl.Type() == fastjson.TypeNumber {
		f.Uncacheable = true
	}
	for _, k := range [...]string{"tools", "functions"} {
		if t := o.Get(k); t != nil && t.Type() == fastjson.TypeArray {
			if a, _ := t.Array(); len(a) > 0 {
				f.HasTools = true
			}
		}
	}
	return f
}

// Tags of the canonical encoding.
const (
	tagObject = 'o'
	tagArray  = 'a'
	tagString = 's'
	tagNumber = 'n'
	tagTrue   = 't'
	tagFalse  = 'f'
	tagNull   = 'z'
)

func (c *canon) bytes(tag byte, b []byte) {
	c.buf = append(c.buf, tag)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(b)))
	c.buf = append(c.buf, b...)
}

func (c *canon) object(o *fastjson.Object, depth int, top bool) bool {
	if depth >= maxDepth {
		return false
	}
	for len(c.kvs) <= depth {
		c.kvs = append(c.kvs, nil)
	}
	ms := c.kvs[depth][:0]
	o.Visit(func(k []byte, v *fastjson.Value) {
		if !top || !ignored(k) {
			ms = append(ms, member{k, v})
		}
	})
	slices.SortStableFunc(ms, func(a, b member) int { return bytes.Compare(a.k, b.k) })
	c.kvs[depth] = ms
	c.buf = append(c.buf, tagObject)
	c.buf = binary.AppendUvarint(c.buf, uint64(len(ms)))
	for i := range ms {
		c.bytes(tagString, ms[i].k)
		if !c.value(ms[i].v, depth+1) {
			return false
		}
	}
	clear(ms) // drop the parsed values
	return true
}

func (c *canon) value(v *fastjson.Value, depth int) bool {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		return c.object(o, depth, false)
	case fastjson.TypeArray:
		if depth >= maxDepth {
			return false
		}
		a, _ := v.Array()
		c.buf = append(c.buf, tagArray)
		c.buf = binary.AppendUvarint(c.buf, uint64(len(a)))
		for _, e := range a {
			if !c.value(e, depth+1) {
				return false
			}
		}
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		c.bytes(tagString, s)
	case fastjson.TypeNumber:
		n := len(c.buf)
		c.buf = v.MarshalTo(c.buf) // the number as written
		raw := c.buf[n:]
		c.buf = append(c.buf[:n], tagNumber)
		c.buf = binary.AppendUvarint(c.buf, uint64(len(raw)))
		c.buf = v.MarshalTo(c.buf)
	case fastjson.TypeTrue:
		c.buf = append(c.buf, tagTrue)
	case fastjson.TypeFalse:
		c.buf = append(c.buf, tagFalse)
	default:
		c.buf = append(c.buf, tagNull)
	}
	return true
}

// KeyParts are what, besides the request body, tells answers apart.
type KeyParts struct {
	Endpoint string // chat, completions, embeddings
	Scope    string // the tenant, or "*" for a model shared across tenants
	Profile  string // the output filtering in force (View.OutputProfile)
	Model    string // the model that serves (or served) the request
	Gen      uint64 // the purge generation of (scope, model)
}

// sharedScope is the scope of models whose answers every tenant may read.
const sharedScope = "\x00shared"

// MakeKey combines the parts with the body's digest. Each part is length
// prefixed, so no two different part lists hash the same bytes.
func MakeKey(p *KeyParts, d *Digest) Key {
	var scratch [256]byte
	b := append(scratch[:0], "tg-cache-v1"...)
	for _, s := range [...]string{p.Endpoint, p.Scope, p.Profile, p.Model} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, p.Gen)
	b = append(b, d[:]...)
	return Key(sha256.Sum256(b))
}
