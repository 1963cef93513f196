package gateway

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// Memory per open stream. A gateway spends most of its life holding long
// streams, so what one holds bounds how many fit (docs/operations.md,
// "Memory per stream"). A stream holds its client connection's goroutine,
// which relays it (gateway/stream_body.go): no goroutine, pipe or copy
// buffer of its own. Beyond that goroutine's stack it holds:
//   - no read buffer on its client connection: the server runs with
//     fasthttp's ReduceMemoryUsage, which returns the connection's read
//     buffer (server.read_buffer_bytes, 64 KiB, sized for large headers)
//     to a pool once a request is read, and reads an idle keep-alive
//     connection's next request through a one-byte read until it comes;
//   - the client connection's write buffer (fasthttp's, 4 KiB), which each
//     event is framed in and flushed from;
//   - the upstream connection's read buffer (upstreamReadBuffer), and above
//     it the SSE scanner's one buffer (eventBufBytes, more for a larger
//     event), read into and scanned in place;
//   - neither the client's request body nor the upstream request: both are
//     let go when the stream starts (releaseForStream), and of the
//     Exchange's body buffers only small ones are kept (largeBodyBuf);
//   - the request's state: the Exchange, fasthttp's request context, the
//     upstream response, the two sockets.

// reduceConnMemory is fasthttp's ReduceMemoryUsage for the client-facing
// server (a variable so a benchmark can compare both in one run).
var reduceConnMemory = true

// eventBufBytes is the SSE scanner's buffer: a couple of events (chat
// chunks are a few hundred bytes). It grows for a larger event.
const eventBufBytes = 1 << 10

// maxPooledEventBuf is the largest scanner buffer kept in the pool: one
// that grew past it for a large event is let go with its stream, so the
// next stream does not carry it for its whole life.
const maxPooledEventBuf = 4 << 10

// largeBodyBuf is the capacity above which an Exchange's copies of the
// request body are let go when its stream starts, rather than held for
// the stream's life and then pooled: a stream's memory must not grow with
// its prompt.
const largeBodyBuf = 2 << 10

func newScannerPool() *sync.Pool {
	return &sync.Pool{New: func() any { return &sseScanner{buf: make([]byte, 0, eventBufBytes)} }}
}

// releaseForStream lets go of the request's bodies and the upstream
// request once a stream writer owns x: the upstream request was sent in
// full (no retry follows the first relayed event) and the client's body
// is not read again.
func (x *Exchange) releaseForStream() {
	if x.upReq != nil { // sent: the upstream's answer does not refer to it
		fasthttp.ReleaseRequest(x.upReq)
		x.upReq = nil
	}
	x.body = nil
	for _, b := range []*[]byte{&x.editBuf, &x.reqBuf, &x.usageBuf} {
		if cap(*b) > largeBodyBuf {
			*b = nil
		}
	}
}

// upstreamReadBuffer sizes an upstream connection's read buffer, which
// also bounds the upstream's response headers. A stream holds its
// connection's for the stream's life: 8 KiB (OpenAI-compatible servers
// send 1 to 3 KiB of headers). Buffered calls hand theirs back at once.
func upstreamReadBuffer(stream bool) int {
	if stream {
		return 8 << 10
	}
	return 16 << 10
}

// dialFor dials an upstream connection for the stream pool on a goroutine
// of its own, which ends with the dial: the client connection's goroutine,
// which asks for it and then relays the stream for minutes, does not grow
// its stack for the dial's depth (the resolver, connect, a TLS handshake).
// A grown stack shrinks only at a GC, and halves at most once per GC: a
// dial on it left every new stream 16 KiB of stack instead of 8 until the
// next GCs. The buffered pool dials in place: its requests are short.
func dialFor(stream bool, dial fasthttp.DialFuncWithTimeout, addr string, timeout time.Duration) (net.Conn, error) {
	if !stream {
		return dial(addr, timeout)
	}
	type dialed struct {
		c   net.Conn
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- dialed{err: fmt.Errorf("dial %s panicked: %v", addr, r)}
			}
		}()
		c, err := dial(addr, timeout) // bounded by timeout (the connect timeout)
		done <- dialed{c, err}
	}()
	d := <-done
	return d.c, d.err
}
