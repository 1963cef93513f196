package gateway

import (
	"bufio"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

// A model API request runs (serveModelAPI, handler.go):
//
//	auth → parse → route → inspect → decide → apply → limit → answer → upstream
//	  → stream filters (streams) | response inspection (buffered) → finish → account → observe
//
// inspect, apply and answer are the stages' request hooks, in stage order;
// stream filters, response inspection and finish their response hooks, in
// reverse order and only for the stages that entered the request (see
// Stage). This is the stages' order:
func (st *Stages) ordered() []Stage {
	var out []Stage
	for _, s := range [...]Stage{
		st.Filters, // input and output content filters: findings, redaction, pseudonymisation
		st.Evals,   // traffic sampling for evals: sees the filtered request and answer
		st.Cache,   // the response cache: nearest the upstream, answers in its place
	} {
		if s != nil {
			out = append(out, s)
		}
	}
	return out
}

// maxStages bounds the stages (Exchange.entered is a bit set).
const maxStages = 8

// pipeline holds each hook of the configured stages, found once by type
// assertion. Response hooks are kept in reverse stage order.
type pipeline struct {
	stages    []Stage
	names     []string
	always    uint8 // stages with no request hook: they enter every request
	inspect   []hook[RequestInspector]
	apply     []hook[DecisionApplier]
	answer    []hook[Answerer]
	streams   []hook[StreamInspector]
	responses []hook[ResponseInspector]
	finishers []hook[Finisher]
}

type hook[T any] struct {
	i int // the stage's index
	h T
}

func newPipeline(st Stages) (pipeline, error) {
	var p pipeline
	stages := st.ordered()
	if len(stages) > maxStages {
		return p, fmt.Errorf("gateway: %d pipeline stages, at most %d", len(stages), maxStages)
	}
	for i, s := range stages {
		name := s.Name()
		if name == "" || containsString(p.names, name) {
			return p, fmt.Errorf("gateway: pipeline stage %d: name %q is empty or taken", i, name)
		}
		p.stages, p.names = append(p.stages, s), append(p.names, name)
		request := false
		if h, ok := s.(RequestInspector); ok {
			p.inspect, request = append(p.inspect, hook[RequestInspector]{i, h}), true
		}
		if h, ok := s.(DecisionApplier); ok {
			p.apply, request = append(p.apply, hook[DecisionApplier]{i, h}), true
		}
		if h, ok := s.(Answerer); ok {
			p.answer, request = append(p.answer, hook[Answerer]{i, h}), true
		}
		if !request {
			p.always |= 1 << i
		}
	}
	for i := len(stages) - 1; i >= 0; i-- {
		s := stages[i]
		if h, ok := s.(StreamInspector); ok {
			p.streams = append(p.streams, hook[StreamInspector]{i, h})
		}
		if h, ok := s.(ResponseInspector); ok {
			p.responses = append(p.responses, hook[ResponseInspector]{i, h})
		}
		if h, ok := s.(Finisher); ok {
			p.finishers = append(p.finishers, hook[Finisher]{i, h})
		}
	}
	return p, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// addUISections gives each stage with a UISection its section on /ui,
// named after the stage.
func (p *pipeline) addUISections(h *health.Registry) {
	if h == nil {
		return
	}
	for i, s := range p.stages {
		if u, ok := s.(UISection); ok {
			h.AddUISource(p.names[i], u.UISection)
		}
	}
}

// inspectRequest enters the request into the stages and runs their request
// inspection: the findings go into the policy input.
func (s *Server) inspectRequest(x *Exchange) {
	if s.pipe.stages == nil {
		return
	}
	p := &s.pipe
	x.pipe, x.entered = p, p.always
	for _, h := range p.inspect {
		x.entered |= 1 << h.i
		x.findings = h.h.InspectRequest(View{x, h.i}, x.findings)
	}
}

// allowAll is the decision stages apply when no policy is configured.
var allowAll = policy.Decision{Allow: true, CacheTTLSeconds: -1}

// applyDecision lets the stages act on the policy's decision.
func (s *Server) applyDecision(x *Exchange) *APIError {
	if s.pipe.apply == nil {
		return nil
	}
	if !x.decided {
		x.decision = allowAll
	}
	for _, h := range s.pipe.apply {
		x.entered |= 1 << h.i
		if e := h.h.ApplyDecision(View{x, h.i}, &x.decision); e != nil {
			x.errKind = health.ErrPolicy
			return e
		}
	}
	return nil
}

// stageAnswer asks the stages, in order, whether one answers the request.
func (s *Server) stageAnswer(x *Exchange) *Answer {
	if s.pipe.answer == nil {
		return nil
	}
	for _, h := range s.pipe.answer {
		x.entered |= 1 << h.i
		if a := h.h.Answer(View{x, h.i}); a != nil {
			x.answeredBy = s.pipe.names[h.i]
			return a
		}
	}
	return nil
}

// writeAnswer sends a stage's answer. It reports true when a stream
// writer took x (as forward does).
func (s *Server) writeAnswer(ctx *fasthttp.RequestCtx, x *Exchange, a *Answer) (handedOff bool) {
	x.status = a.Status
	if x.status == 0 {
		x.status = fasthttp.StatusOK
	}
	if a.Usage != (metering.Usage{}) {
		x.usage, x.usageKnown = a.Usage, true
	}
	ctx.SetStatusCode(x.status)
	ctx.SetContentType("application/json")
	for k, v := range a.Headers {
		if !framingHeader(k) {
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
	x.detached = true
	cl := holdClient(ctx, x.rt.cfg.Server.StreamWriteTimeout)
	src := a.Events
	ctx.SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.endStream(x, cl, nil)
		defer s.recoverStream(w, x, cl, nil)
		s.relayAnswer(w, x, cl, src)
	})
	return true
}

func framingHeader(k string) bool {
	switch len(k) {
	case 10, 14, 17:
		return equalFold(k, "Connection") || equalFold(k, "Content-Length") || equalFold(k, "Transfer-Encoding")
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
func (s *Server) relayAnswer(w *bufio.Writer, x *Exchange, cl *streamClient, src EventSource) {
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

// inspectResponse runs the entered stages' response inspection over the
// buffered 2xx answer in ctx; a replacement is copied in.
func (s *Server) inspectResponse(ctx *fasthttp.RequestCtx, x *Exchange) *APIError {
	if s.pipe.responses == nil || x.entered == 0 || x.status/100 != 2 {
		return nil
	}
	for _, h := range s.pipe.responses {
		if x.entered&(1<<h.i) == 0 {
			continue
		}
		body := ctx.Response.Body()
		out, e := h.h.InspectResponse(View{x, h.i}, body)
		if e != nil {
			x.errKind = health.ErrFilter
			return e
		}
		if len(out) != len(body) || (len(out) > 0 && &out[0] != &body[0]) {
			ctx.Response.SetBody(out)
		}
	}
	return nil
}

// finishStages shows the finished exchange to the entered stages, before
// it is accounted. A panic here is logged and counted, and accounting
// still runs.
func (s *Server) finishStages(x *Exchange) {
	defer s.recoverStage(x)
	for _, h := range s.pipe.finishers {
		if x.entered&(1<<h.i) != 0 {
			h.h.Finish(View{x, h.i}, x.respBody)
		}
	}
}

func (s *Server) recoverStage(x *Exchange) {
	if r := recover(); r != nil {
		if x.detached {
			panicsStream.Inc()
		} else {
			panicsHandler.Inc()
		}
		s.log.Error("panic in a stage's Finish", "request_id", string(x.requestID), "panic", r, "stack", string(debug.Stack()))
	}
}

// filterChain is one stream's filters, in the order events flow (reverse
// stage order), each with its output buffer.
type filterChain struct {
	f   []StreamFilter
	out []Events
}

var filterChainPool = sync.Pool{New: func() any { return new(filterChain) }}

// streamFilters asks the entered stages for the stream filters of x.
func (s *Server) streamFilters(x *Exchange) *filterChain {
	if s.pipe.streams == nil || x.entered == 0 {
		return nil
	}
	var c *filterChain
	for _, h := range s.pipe.streams {
		if x.entered&(1<<h.i) == 0 {
			continue
		}
		f := h.h.InspectStream(View{x, h.i})
		if f == nil {
			continue
		}
		if c == nil {
			c = filterChainPool.Get().(*filterChain)
		}
		c.f = append(c.f, f)
	}
	if c != nil {
		for len(c.out) < len(c.f) {
			c.out = append(c.out, Events{})
		}
	}
	return c
}

func releaseFilterChain(c *filterChain) {
	clear(c.f)
	c.f = c.f[:0]
	for i := range c.out {
		c.out[i].reset()
		if cap(c.out[i].buf) > 1<<20 {
			c.out[i] = Events{}
		}
	}
	filterChainPool.Put(c)
}

// sendEvent sends ev to the client through the stream's filters. cut is a
// filter's error (the stream must end with it); err a failed write.
func (s *Server) sendEvent(w *bufio.Writer, x *Exchange, cl *streamClient, ev []byte) (cut *APIError, err error) {
	if x.filters == nil {
		return nil, cl.send(w, ev)
	}
	return s.filterFrom(w, cl, x.filters, 0, ev)
}

// filterFrom passes ev through filters i, i+1, … and sends what comes out.
func (s *Server) filterFrom(w *bufio.Writer, cl *streamClient, c *filterChain, i int, ev []byte) (*APIError, error) {
	if i == len(c.f) {
		return nil, cl.send(w, ev)
	}
	out := &c.out[i]
	out.reset()
	if e := c.f[i].Event(ev, out); e != nil {
		return e, nil
	}
	return s.sendAll(w, cl, c, i+1, out)
}

func (s *Server) sendAll(w *bufio.Writer, cl *streamClient, c *filterChain, next int, out *Events) (*APIError, error) {
	for k := 0; k < out.Len(); k++ {
		if e, err := s.filterFrom(w, cl, c, next, out.At(k)); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

// flushStream flushes the filters at a stream's normal end, first to last:
// what one releases still passes the filters after it.
func (s *Server) flushStream(w *bufio.Writer, x *Exchange, cl *streamClient) (*APIError, error) {
	c := x.filters
	if c == nil {
		return nil, nil
	}
	for i, f := range c.f {
		out := &c.out[i]
		out.reset()
		if e := f.Flush(out); e != nil {
			return e, nil
		}
		if e, err := s.sendAll(w, cl, c, i+1, out); e != nil || err != nil {
			return e, err
		}
	}
	return nil, nil
}

// cutStream ends a stream a filter cut: the client gets the filter's error
// as an error event, and no [DONE].
func (s *Server) cutStream(w *bufio.Writer, x *Exchange, cl *streamClient, e *APIError) {
	x.errKind, x.status = health.ErrFilter, e.Status
	_ = cl.send(w, appendErrorEvent(nil, e))
}
