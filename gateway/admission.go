package gateway

import (
	"bytes"
	"strconv"
	"sync/atomic"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"
)

// Admission control: the model API requests a gateway serves at once
// (server.max_in_flight), open streams included, are bounded. One over the
// limit is shed at once with a 503 overloaded and Retry-After, before its
// body is parsed or anything upstream is touched, so under twice its
// capacity a gateway keeps answering what it admitted at the latency it
// can sustain, instead of queueing everything until every request times
// out. A shed costs microseconds, which is what keeps shedding quick.
// Probes, metrics, admin and the other non-model endpoints are never shed.
//
// A request holds its slot until its answer is written: for a stream that
// is when the stream writer ends (endStream), long after the handler
// returned.

// overloadRetryAfter is the Retry-After (seconds) a shed request gets:
// in-flight requests finish in about that time when the load is short
// ones, and clients that honour it spread their retries.
const overloadRetryAfter = 1

var (
	// inFlightAll is every Server's count in this process (tests run
	// several): the gauge.
	inFlightAll    atomic.Int64
	admissionLimit atomic.Int64 // the limit of the config loaded last: the gauge
	shedInFlight   = metrics.NewCounter(`tollgate_requests_shed_total{reason="in_flight"}`)
	_              = metrics.NewGauge(`tollgate_admission_in_flight`, func() float64 { return float64(inFlightAll.Load()) })
	_              = metrics.NewGauge(`tollgate_admission_limit`, func() float64 { return float64(admissionLimit.Load()) })
)

// admission counts a server's admitted requests.
type admission struct {
	inFlight atomic.Int64
}

// enter takes a slot unless limit (> 0) are taken already.
func (a *admission) enter(limit int) bool {
	n := a.inFlight.Add(1)
	if limit > 0 && n > int64(limit) {
		a.inFlight.Add(-1)
		return false
	}
	inFlightAll.Add(1)
	return true
}

func (a *admission) leave() {
	a.inFlight.Add(-1)
	inFlightAll.Add(-1)
}

// noteAdmissionLimit shows cfg's limit in tollgate_admission_limit.
func noteAdmissionLimit(limit *int) {
	if limit != nil {
		admissionLimit.Store(int64(*limit))
	}
}

// InFlight is the number of admitted requests the server is serving.
func (s *Server) InFlight() int64 { return s.admission.inFlight.Load() }

// isModelPath reports whether path is model API traffic: what admission
// control bounds (pass-through routes are matched apart, in handle).
func isModelPath(path []byte) bool {
	return bytes.Equal(path, pathChat) || bytes.Equal(path, pathCompletions) || bytes.Equal(path, pathEmbeddings) ||
		bytes.HasPrefix(path, pathAzure) || bytes.HasPrefix(path, pathMessages)
}

// admit takes a slot for the request, or answers it with 503 overloaded
// and reports false.
func (s *Server) admit(ctx *fasthttp.RequestCtx) bool {
	limit := 0
	if p := s.rt.Load().cfg.Server.MaxInFlight; p != nil {
		limit = *p
	}
	if s.admission.enter(limit) {
		return true
	}
	shedInFlight.Inc()
	x := acquireExchange()
	x.setRequestID(&ctx.Request.Header)
	ctx.Response.Header.SetBytesV("X-Request-Id", x.requestID)
	releaseExchange(x)
	writeErrorFor(ctx, errOverloaded(limit))
	return false
}

// leave gives the slot back once the handler is done, unless it handed
// the answer to a stream writer: endStream gives it back then.
func (s *Server) leave(ctx *fasthttp.RequestCtx) {
	if !ctx.Response.IsBodyStream() {
		s.admission.leave()
		return
	}
	// The stream may last minutes: its request body goes back to the pool
	// now, not when the answer's last byte is written (gateway/buffers.go).
	ctx.Request.ResetBody()
}

func errOverloaded(limit int) *APIError {
	return &APIError{Status: fasthttp.StatusServiceUnavailable, Type: typeServer, Code: "overloaded", RetryAfter: overloadRetryAfter,
		Message: "the gateway is serving its limit of " + strconv.Itoa(limit) +
			" requests at once (server.max_in_flight); retry after " + strconv.Itoa(overloadRetryAfter) + "s"}
}
