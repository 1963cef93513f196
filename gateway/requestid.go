package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

var (
	ridPrefix  [8]byte // random per process: ids stay unique across replicas
	ridCounter atomic.Uint64
)

func init() {
	var b [4]byte
	_, _ = rand.Read(b[:])
	hex.Encode(ridPrefix[:], b[:])
}

const maxRequestIDLen = 128

// setRequestID keeps the client's x-request-id when it is sane (short,
// printable, no spaces) so traces join up; otherwise it makes one.
func (x *Exchange) setRequestID(h *fasthttp.RequestHeader) {
	if id := h.Peek("X-Request-Id"); saneRequestID(id) {
		x.requestID = append(x.requestID[:0], id...)
		return
	}
	n := ridCounter.Add(1)
	b := append(x.requestID[:0], "tg-"...)
	b = append(b, ridPrefix[:]...)
	b = append(b, '-')
	var tmp [16]byte
	for i := 15; i >= 0; i-- {
		tmp[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
	}
	x.requestID = append(b, tmp[:]...)
}

func saneRequestID(id []byte) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range id {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
