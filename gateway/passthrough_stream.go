package gateway

import (
	"errors"
	"io"
	"sync"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// passthroughBufBytes is a pass-through stream's copy buffer: what one read
// of the upstream hands on as one flushed chunk.
const passthroughBufBytes = 4 << 10

var passthroughBufs = sync.Pool{New: func() any { return new([passthroughBufBytes]byte) }}

// copyFlushing relays a pass-through stream chunk by chunk as it arrives.
// Bytes pass through unparsed (no line or event framing to get wrong);
// like the SSE relay, writes are bounded by the stream write timeout and a
// client that leaves while the upstream is silent is noticed by the
// watchdog, not blamed on the upstream at its idle timeout. The buffer is
// pooled, not on the stack, and the loop's frame small: the connection's
// goroutine waits here for the upstream (streamBody.WriteTo says why that
// matters). endStream stops the watchdog.
func (s *Server) copyFlushing(w io.Writer, b *streamBody) {
	body := b.resp.BodyStream()
	rc, _ := body.(fasthttp.ReadCloserWithError)
	b.cl.watch(rc)
	buf := passthroughBufs.Get().(*[passthroughBufBytes]byte)
	var err error
	for err == nil {
		var n int
		n, err = body.Read(buf[:])
		if n > 0 && b.cl.send(w, buf[:n]) != nil {
			err = errClientGone
		}
	}
	passthroughBufs.Put(buf)
	s.copyEnded(b, rc, err)
}

// copyEnded ends a pass-through stream on err: the upstream's end or
// failure, or the client's.
func (s *Server) copyEnded(b *streamBody, rc fasthttp.ReadCloserWithError, err error) {
	x, cl := b.x, b.cl
	switch {
	case err == errClientGone:
		s.clientGone(x, cl, rc, true)
	case errors.Is(err, io.EOF):
		_ = b.resp.CloseBodyStream()
	case cl.clientLeft(), isTimeout(err) && peerClosed(cl.conn):
		s.clientGone(x, cl, rc, false)
	default:
		x.errKind = health.ErrStream
		_ = b.resp.CloseBodyStream()
	}
}
