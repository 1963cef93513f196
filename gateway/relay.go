package gateway

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/valyala/fasthttp"
)

var errClientGone = errors.New("client disconnected")

// startRelay commits a 200 SSE response and relays the upstream stream
// event by event: each complete event is written and flushed at once, so
// the client's time to first token is the upstream's plus one hop.
//
// The relay runs after the handler returns, on the connection's goroutine
// (gateway/stream_body.go), so it owns the Exchange from here on and
// releases it; it must not touch ctx (fasthttp is writing it).
//
// sc has already read the first event (first, with firstErr when the stream
// ended right after it); the relay sends it before reading on.
func (s *Server) startRelay(ctx *fasthttp.RequestCtx, x *Exchange, d *deployment, resp *fasthttp.Response,
	sc *sseScanner, first []byte, firstErr error) {
	x.status = fasthttp.StatusOK
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.Response.Header.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.Header.Set("X-Accel-Buffering", "no")
	s.setModelHeader(ctx, x)
	x.filters = s.streamFilters(x)
	s.startStream(ctx, &streamBody{x: x, d: d, resp: resp, kind: streamSSE,
		sc: sc, first: first, firstErr: firstErr, deadline: x.start.Add(x.requested.total)})
}

// errStreamCut: a stage's filter cut the stream (its error event sent).
var errStreamCut = errors.New("stream cut by a stage")

// The relay of an upstream's SSE events: streamBody.WriteTo reads them
// (gateway/stream_body.go) and hands each to relayEvent; relayEnded ends
// the relay.

// relayEvent sends one upstream event through the stages. It returns
// errClientGone when the write failed, errStreamCut when a stage cut the
// stream, else err: the read error that came with ev.
func (s *Server) relayEvent(w io.Writer, b *streamBody, ev []byte, err error) error {
	x, cl := b.x, b.cl
	x.events++
	var cut *APIError
	var werr error
	switch {
	case isDoneEvent(ev):
		b.sawDone = true
		// The stages' held-back events go out before the end.
		if cut, werr = s.flushStream(w, x, cl); cut == nil && werr == nil {
			if e := s.decideResponse(x, x.meter.FinishReason(), nil); e != nil {
				ev = appendErrorEvent(nil, e) // the answer is withheld: no [DONE]
				x.status = e.Status
			}
			werr = cl.send(w, ev)
		}
	case x.meter.ObserveEvent(ev):
		return err // the usage chunk the gateway asked for on the client's behalf
	default:
		cut, werr = s.sendEvent(w, x, cl, ev) // through the stages' stream filters
	}
	if cut != nil {
		_ = b.resp.CloseBodyStream() // cancels the upstream
		s.cutStream(w, x, cl, cut)
		return errStreamCut
	}
	if werr != nil {
		return errClientGone
	}
	return err
}

// relayEnded ends a relay on err: the upstream's end or failure, or the
// client's.
func (s *Server) relayEnded(w io.Writer, b *streamBody, err error) {
	x, cl, rc := b.x, b.cl, b.upstreamBody()
	switch {
	case err == io.EOF && b.sawDone:
		_ = b.resp.CloseBodyStream()
	case err == errClientGone, cl.clientLeft(), isTimeout(err) && peerClosed(cl.conn):
		// The client is gone (or stopped reading): cancel the upstream,
		// as closing its connection stops generation (and billing) on
		// servers that watch for it. A client that hung up while the
		// upstream was silent is its own doing, not the deployment's.
		s.clientGone(x, cl, rc, err == errClientGone)
	default:
		_ = b.resp.CloseBodyStream()
		e := streamError(x, err, b.deadline)
		_ = cl.send(w, appendErrorEvent(nil, e))
	}
}

func isTimeout(err error) bool {
	if err == io.EOF {
		return false // the common end: skip errors.As, which allocates
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// streamError explains why a started stream ended early.
func streamError(x *Exchange, err error, deadline time.Time) *APIError {
	e, kind := streamFailure(err, !time.Now().Before(deadline))
	x.errKind = kind
	return e
}
