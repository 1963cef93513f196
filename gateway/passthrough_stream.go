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
// pooled, not on the stack: the connection's goroutine runs this, and its
// stack stays as large as it once grew.
func (s *Server) copyFlushing(w io.Writer, x *Exchange, cl *streamClient, resp *fasthttp.Response) {
	body := resp.BodyStream()
	rc, _ := body.(fasthttp.ReadCloserWithError)
	cl.watch(rc)
	defer cl.stopWatch()
	buf := passthroughBufs.Get().(*[passthroughBufBytes]byte)
	defer passthroughBufs.Put(buf)
	for {
		n, err := body.Read(buf[:])
		if n > 0 && cl.send(w, buf[:n]) != nil {
			s.clientGone(x, cl, rc, true)
			return
		}
		if err == nil {
			continue
		}
		switch {
		case errors.Is(err, io.EOF):
			_ = resp.CloseBodyStream()
		case cl.clientLeft(), isTimeout(err) && peerClosed(cl.conn):
			s.clientGone(x, cl, rc, false)
		default:
			x.errKind = health.ErrStream
			_ = resp.CloseBodyStream()
		}
		return
	}
}
