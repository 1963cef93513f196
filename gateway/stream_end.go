package gateway

import (
	"errors"
	"io"
	"runtime/debug"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/valyala/fasthttp"
)

// How stream writers end when something other than the upstream ends them.
// Label values are fixed: reason is slow_client or client_gone.
var (
	streamsCutSlowClient = metrics.NewCounter(`tollgate_streams_cut_total{reason="slow_client"}`)
	streamsCutClientGone = metrics.NewCounter(`tollgate_streams_cut_total{reason="client_gone"}`)
	panicsStream         = metrics.NewCounter(`tollgate_panics_total{where="stream"}`)
	panicsHandler        = metrics.NewCounter(`tollgate_panics_total{where="handler"}`)
)

var errStreamPanic = errors.New("stream writer panicked")

// errInternal is what a client sees when the gateway itself failed.
var errInternal = APIError{Status: 500, Type: typeServer, Code: "internal_error",
	Message: "the gateway hit an internal error; it was logged with this request's x-request-id"}

// clientGone ends a stream whose client left or stopped reading: the
// upstream is cancelled (closing its connection stops generation, and
// billing, on servers that watch for it). What was relayed is billed:
// account counts the relayed text when the upstream's usage never came.
// writeFailed is true when a write to the client failed, false when the
// watchdog saw the client hang up while the upstream was silent.
func (s *Server) clientGone(x *Exchange, c *streamClient, rc fasthttp.ReadCloserWithError, writeFailed bool) {
	x.errKind = health.ErrClientCancel
	if rc != nil {
		_ = rc.CloseWithError(errClientGone)
	}
	if writeFailed && c.writeTimedOut() {
		streamsCutSlowClient.Inc()
		s.log.Warn("stream cut: the client stopped reading", "request_id", string(x.requestID),
			"model", x.ServedModel(), "events", x.events, "stream_write_timeout", c.writeTimeout)
		return
	}
	streamsCutClientGone.Inc()
	s.log.Debug("stream ended: the client went away", "request_id", string(x.requestID),
		"model", x.ServedModel(), "events", x.events, "while_upstream_silent", !writeFailed)
}

// streamPanicked turns a panic (r) in a stage a stream runs (a stage's
// stream filter, the response policy, metering) into a logged, counted
// error event instead of a crash of the whole process: the stream runs
// after the handler returned, where the handler's recover cannot reach,
// and fasthttp's own recover would only drop the connection. The upstream
// stream (resp; nil for a stage's answer) is closed; endStream still runs
// once (streamBody.end).
func (s *Server) streamPanicked(r any, w io.Writer, x *Exchange, c *streamClient, resp *fasthttp.Response) {
	panicsStream.Inc()
	s.log.Error("panic in stream writer", "request_id", string(x.requestID), "panic", r, "stack", string(debug.Stack()))
	c.stopWatch()
	if resp != nil {
		if rc, ok := resp.BodyStream().(fasthttp.ReadCloserWithError); ok {
			_ = rc.CloseWithError(errStreamPanic)
		}
	}
	x.errKind, x.status = health.ErrInternal, errInternal.Status
	e := errInternal
	_ = c.send(w, appendErrorEvent(nil, &e))
}

// endStream is a stream's last step, exactly once (gateway/stream_body.go):
// it gives back the deployment's in-flight slot (none for pass-through and
// a stage's answer) and the client hold, then runs finish (the stages'
// Finish, account) and releases x.
func (s *Server) endStream(b *streamBody) {
	x := b.x
	defer s.admission.leave() // the slot the request took in handle (gateway/admission.go)
	defer s.recoverFinish(x)
	if b.d != nil {
		b.d.inflight.Add(-1)
	}
	b.cl.release() // the watchdog stops first: it may close the upstream body
	if b.sc != nil {
		releaseScanner(b.sc)
	}
	*b = streamBody{started: true} // nothing of the stream outlives it here
	s.finish(x)
}

// recoverFinish keeps a panic in an end-of-request stage from killing the
// process. x is not released then: a half-finished Exchange must not go
// back to the pool.
func (s *Server) recoverFinish(x *Exchange) {
	if r := recover(); r != nil {
		panicsStream.Inc()
		s.log.Error("panic finishing a stream", "request_id", string(x.requestID), "panic", r, "stack", string(debug.Stack()))
	}
}
