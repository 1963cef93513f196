package gateway

import (
	"math/rand/v2"

	"github.com/valyala/fasthttp"
)

// setTraceContext propagates W3C trace context to the upstream: the
// client's traceparent (and tracestate) when it sent a valid one, else a
// new sampled trace, so the upstream's logs join the gateway's request.
func setTraceContext(client *fasthttp.RequestHeader, up *fasthttp.Request) {
	if tp := client.Peek("Traceparent"); validTraceparent(tp) {
		up.Header.SetBytesV("Traceparent", tp)
		if ts := client.Peek("Tracestate"); len(ts) > 0 && len(ts) <= 512 {
			up.Header.SetBytesV("Tracestate", ts)
		}
		return
	}
	var b [55]byte
	copy(b[:], "00-")
	putHex(b[3:19], rand.Uint64()|1) // never all-zero
	putHex(b[19:35], rand.Uint64())
	b[35] = '-'
	putHex(b[36:52], rand.Uint64()|1)
	copy(b[52:], "-01")
	up.Header.SetBytesKV([]byte("Traceparent"), b[:])
}

func putHex(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = "0123456789abcdef"[v&0xf]
		v >>= 4
	}
}

// validTraceparent checks the version-00 shape: 00-<32 hex>-<16 hex>-<2 hex>.
func validTraceparent(tp []byte) bool {
	if len(tp) != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-' {
		return false
	}
	for i, c := range tp {
		if i == 2 || i == 35 || i == 52 {
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return string(tp[3:35]) != "00000000000000000000000000000000" && string(tp[36:52]) != "0000000000000000"
}
