package gateway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

var errClientGone = errors.New("client disconnected")

// startRelay commits a 200 SSE response and relays the upstream stream
// event by event: each complete event is written and flushed at once, so
// the client's time to first token is the upstream's plus one hop.
//
// The writer runs after the handler returns, so it owns the Exchange from
// here on and releases it; it must not touch ctx (fasthttp reuses it).
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
	deadline := x.start.Add(x.requested.total)
	x.filters = s.streamFilters(x)
	x.detached = true
	cl := holdClient(ctx, x.rt.cfg.Server.StreamWriteTimeout)
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.endStream(x, cl, d)
		defer s.recoverStream(w, x, cl, resp)
		s.relayEvents(w, x, cl, resp, sc, first, firstErr, deadline)
	})
}

func (s *Server) relayEvents(w *bufio.Writer, x *Exchange, cl *streamClient, resp *fasthttp.Response, sc *sseScanner,
	first []byte, firstErr error, deadline time.Time) {
	body := resp.BodyStream()
	defer releaseScanner(sc)
	rc, _ := body.(fasthttp.ReadCloserWithError)
	cl.watch(rc)
	defer cl.stopWatch()
	sawDone := false
	for pending := true; ; pending = false {
		ev, err := first, firstErr
		if !pending {
			ev, err = sc.next()
		}
		if len(ev) > 0 {
			x.events++
			var cut *APIError
			var werr error
			if isDoneEvent(ev) {
				sawDone = true
				// The stages' held-back events go out before the end.
				if cut, werr = s.flushStream(w, x, cl); cut == nil && werr == nil {
					if e := s.decideResponse(x, x.finishReason); e != nil {
						ev = appendErrorEvent(nil, e) // the answer is withheld: no [DONE]
						x.status = e.Status
					}
					werr = cl.send(w, ev)
				}
			} else if x.observeEvent(ev) {
				continue // the usage chunk the gateway asked for on the client's behalf
			} else {
				cut, werr = s.sendEvent(w, x, cl, ev) // through the stages' stream filters
			}
			if cut != nil {
				_ = resp.CloseBodyStream() // cancels the upstream
				s.cutStream(w, x, cl, cut)
				return
			}
			if werr != nil {
				err = errClientGone
			}
		}
		if err == nil {
			continue
		}
		switch {
		case err == io.EOF && sawDone:
			_ = resp.CloseBodyStream()
		case err == errClientGone, cl.clientLeft(), isTimeout(err) && peerClosed(cl.conn):
			// The client is gone (or stopped reading): cancel the upstream,
			// as closing its connection stops generation (and billing) on
			// servers that watch for it. A client that hung up while the
			// upstream was silent is its own doing, not the deployment's.
			s.clientGone(x, cl, rc, err == errClientGone)
		default:
			_ = resp.CloseBodyStream()
			e := streamError(x, err, deadline)
			_ = cl.send(w, appendErrorEvent(nil, e))
		}
		return
	}
}

// firstEventError decides whether a stream's first event makes the attempt
// a failure (nothing reached the client yet, so it can be retried): the
// stream ended or stalled before any event, or it opened with an error.
func firstEventError(x *Exchange, d *deployment, ev []byte, err error, deadline time.Time) *APIError {
	if len(ev) == 0 {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		e := streamError(x, err, deadline)
		e.Message = "upstream " + d.name + ": " + e.Message + " (before its first event)"
		return e
	}
	data := eventData(ev)
	if !bytes.HasPrefix(ev, []byte("event: error")) && !hasErrorMember(data) {
		return nil
	}
	x.errKind = health.ErrUpstream5xx
	msg := "error event"
	var p fastjson.Parser
	if v, perr := p.ParseBytes(data); perr == nil {
		if m := v.GetStringBytes("error", "message"); len(m) > 0 {
			msg = truncate(string(m), 300)
		}
	}
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_error",
		Message: "upstream " + d.name + " opened the stream with an error: " + msg}
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
	if isTimeout(err) {
		x.errKind = health.ErrTimeout
		why := "the upstream sent nothing for longer than the idle timeout"
		if !time.Now().Before(deadline) {
			why = "the total timeout expired mid-stream"
		}
		return &APIError{Status: 504, Type: typeUpstream, Code: "upstream_timeout", Message: "stream ended: " + why}
	}
	x.errKind = health.ErrStream
	msg := "the upstream closed the stream before it finished"
	if err != io.EOF && err != io.ErrUnexpectedEOF {
		msg += ": " + err.Error()
	}
	return &APIError{Status: 502, Type: typeUpstream, Code: "upstream_stream_broken", Message: msg}
}
