package gateway

import (
	"io"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fasthttp"
)

// A stage's own answer (Answerer): written in the upstream's place,
// buffered or streamed from the stage's event source.
// writeAnswer sends a stage's answer. It reports true when a stream
// writer took x (as forward does).
func (s *Server) writeAnswer(ctx *fasthttp.RequestCtx, x *Exchange, a *Answer) (handedOff bool) {
	x.status = a.Status
	if x.status == 0 {
		x.status = fasthttp.StatusOK
	}
	if a.Usage != (metering.Usage{}) {
		x.meter.SetUsage(a.Usage)
	}
	x.pricedAs = a.PricedAs
	ctx.SetStatusCode(x.status)
	ctx.SetContentType("application/json")
	for k, v := range a.Headers {
		if !gatewayHeader(k) {
			ctx.Response.Header.Set(k, v)
		}
	}
	s.setModelHeader(ctx, x)
	if a.Events == nil {
		ctx.Response.SetBodyRaw(a.Body)
		if e := s.inspectResponse(ctx, x); e != nil {
			s.fail(ctx, x, e)
		}
		return false
	}
	ctx.Response.Header.SetContentType("text/event-stream")
	ctx.Response.Header.Set("Cache-Control", "no-cache")
	ctx.Response.Header.Set("X-Accel-Buffering", "no")
	x.filters = s.streamFilters(x)
	s.startStream(ctx, &streamBody{x: x, resp: nil, kind: streamStage, src: a.Events}) // gateway/stream_body.go
	return true
}

// gatewayHeader names the headers a stage's answer may not set: framing,
// and the request id the gateway already sent.
func gatewayHeader(k string) bool {
	switch len(k) {
	case 10, 12, 14, 17:
		return equalFold(k, "Connection") || equalFold(k, "X-Request-Id") || equalFold(k, "Content-Length") ||
			equalFold(k, "Transfer-Encoding")
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		c, d := a[i]|0x20, b[i]|0x20
		if c != d {
			return false
		}
	}
	return true
}

// relayAnswer streams a stage's answer from its event source through the
// entered stages' stream filters. The client watchdog closes the source
// when the client hangs up while it is silent (a coalesced follower waiting
// on its leader).
func (s *Server) relayAnswer(w io.Writer, b *streamBody) {
	x, cl, src := b.x, b.cl, b.src
	sc := &sourceCloser{src: src}
	defer sc.close()
	cl.watch(sc)
	defer cl.stopWatch()
	for {
		ev, err := src.Next()
		if len(ev) > 0 {
			if x.events == 0 {
				x.ttft = time.Since(x.start)
			}
			x.events++
			var cut *APIError
			var werr error
			if isDoneEvent(ev) {
				if cut, werr = s.flushStream(w, x, cl); cut == nil && werr == nil {
					werr = cl.send(w, ev)
				}
			} else {
				cut, werr = s.sendEvent(w, x, cl, ev)
			}
			switch {
			case cut != nil:
				s.cutStream(w, x, cl, cut)
				return
			case werr != nil:
				s.clientGone(x, cl, nil, true)
				return
			}
		}
		if err == nil {
			continue
		}
		if cl.clientLeft() {
			s.clientGone(x, cl, nil, false)
			return
		}
		if err != io.EOF {
			x.errKind, x.status = health.ErrStream, fasthttp.StatusBadGateway
			_ = cl.send(w, appendErrorEvent(nil, &APIError{Status: 502, Type: typeServer, Code: "stage_stream_broken",
				Message: "the " + x.answeredBy + " stage's stream ended early"}))
		}
		return
	}
}

// sourceCloser closes an EventSource once, from the writer or the client
// watchdog (it is the fasthttp.ReadCloserWithError the watchdog closes).
type sourceCloser struct {
	src  EventSource
	once sync.Once
}

func (c *sourceCloser) Read([]byte) (int, error)   { return 0, io.EOF } // never read: Next is
func (c *sourceCloser) CloseWithError(error) error { c.close(); return nil }
func (c *sourceCloser) close()                     { c.once.Do(c.src.Close) }
