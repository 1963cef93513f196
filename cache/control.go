package cache

import (
	"strconv"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
)

// What a request asks of the cache: its directives and its TTL.

// requestControl reads the client's no-cache and no-store directives from
// Cache-Control, or from x-tollgate-cache-control (same syntax), which wins.
// A streamed request's Cache-Control: no-cache is not taken as a refresh:
// SSE clients (browsers' EventSource, the Go OpenAI SDK) send it with every
// stream, as transport hygiene; x-tollgate-cache-control: no-cache refreshes
// a stream.
func requestControl(v gateway.View) (noCache, noStore bool) {
	if h := v.Header("X-Tollgate-Cache-Control"); len(h) > 0 {
		return cacheControl(h)
	}
	noCache, noStore = cacheControl(v.Header("Cache-Control"))
	if v.Stream() {
		noCache = false
	}
	return noCache, noStore
}

// cacheControl reads the no-cache and no-store directives.
func cacheControl(h []byte) (noCache, noStore bool) {
	for len(h) > 0 {
		var tok []byte
		tok, h = nextToken(h)
		switch {
		case equalFold(tok, "no-cache"):
			noCache = true
		case equalFold(tok, "no-store"):
			noStore = true
		}
	}
	return noCache, noStore
}

func nextToken(h []byte) (tok, rest []byte) {
	i := 0
	for i < len(h) && h[i] != ',' {
		i++
	}
	tok, rest = h[:i], h[min(i+1, len(h)):]
	for len(tok) > 0 && (tok[0] == ' ' || tok[0] == '\t') {
		tok = tok[1:]
	}
	for len(tok) > 0 && (tok[len(tok)-1] == ' ' || tok[len(tok)-1] == '\t') {
		tok = tok[:len(tok)-1]
	}
	return tok, rest
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// requestTTL is how long the request's answer is kept: the model's TTL,
// shortened by the key's; a client's x-tollgate-cache-ttl replaces it (up
// to max_ttl); the policy's cache_ttl_s caps it. ok is false when the
// answer must not be cached (a TTL of 0 from the client or the policy).
func requestTTL(v gateway.View, ms modelSettings, ks keySettings, maxTTL time.Duration) (time.Duration, bool) {
	ttl := ms.ttl
	if ks.ttl > 0 {
		ttl = min(ttl, ks.ttl)
	}
	if h := v.Header("X-Tollgate-Cache-Ttl"); len(h) > 0 {
		if n, err := strconv.Atoi(string(h)); err == nil && n >= 0 {
			if n == 0 {
				return 0, false
			}
			ttl = min(time.Duration(n)*time.Second, maxTTL)
		}
	}
	switch p := v.Decision().CacheTTLSeconds; {
	case p == 0:
		return 0, false
	case p > 0:
		ttl = min(ttl, time.Duration(p)*time.Second)
	}
	return ttl, ttl > 0
}
