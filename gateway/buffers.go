package gateway

import (
	"bufio"
	"sync"
)

// Memory per open stream. A gateway spends most of its life holding long
// streams, so what one holds bounds how many fit (docs/operations.md,
// "Memory per stream"). A stream holds, beyond its two goroutines:
//   - no read buffer on its client connection: the server runs with
//     fasthttp's ReduceMemoryUsage, which returns the connection's read
//     buffer (server.read_buffer_bytes, 64 KiB, sized for large headers)
//     to a pool once a request is read, and reads an idle keep-alive
//     connection's next request through a one-byte read until it comes;
//   - the client's request body: released when the handler hands the
//     answer to a stream writer (releaseForStream);
//   - the SSE scanner's buffer, small (scannerBufBytes): the upstream
//     connection's own read buffer is beneath it, and a longer line comes
//     through in pieces (sseScanner.next joins them);
//   - the write buffers of the client connection and of fasthttp's stream
//     pipe (4 KiB each), and the upstream connection's read buffer
//     (upstreamReadBuffer).

// reduceConnMemory is fasthttp's ReduceMemoryUsage for the client-facing
// server (a variable so a benchmark can compare both in one run).
var reduceConnMemory = true

// scannerBufBytes is the SSE scanner's read buffer: a few events' worth.
var scannerBufBytes = 4 << 10

// eventBufBytes is the initial capacity of the buffer an event is
// assembled in; it grows for larger events.
const eventBufBytes = 1 << 10

// largeBodyBuf is the capacity above which an Exchange's copies of the
// request body are let go when its stream starts, rather than held for
// the stream's life and then pooled.
const largeBodyBuf = 16 << 10

func newScannerPool() *sync.Pool {
	return &sync.Pool{New: func() any {
		return &sseScanner{br: bufio.NewReaderSize(nil, scannerBufBytes), ev: make([]byte, 0, eventBufBytes)}
	}}
}

// releaseForStream lets go of the request's bodies once a stream writer
// owns x: the upstream request was sent in full (no retry follows the
// first relayed event) and the client's body is not read again.
func (x *Exchange) releaseForStream() {
	if x.upReq != nil {
		x.upReq.ResetBody() // it may alias the client's body or a buffer below
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
