package gateway

import (
	"fmt"
	"runtime/debug"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

// A model API request runs (serveModelAPI, handler.go):
//
//	auth → parse → route → inspect → decide → apply → limit → answer → upstream
//	  → stream filters (streams) | response inspection (buffered) → finish → account → observe
//
// The response-phase policy runs before response inspection (buffered) or
// after the stream filters' Flush (streams), with the stages' response
// findings (ResponseFinder) in its input.
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
	finders   []hook[ResponseFinder]
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
		if h, ok := s.(ResponseFinder); ok {
			p.finders = append(p.finders, hook[ResponseFinder]{i, h})
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

// findInResponse collects the entered stages' findings in the answer
// (body; nil for a stream) into the response-phase policy input in.
func (s *Server) findInResponse(x *Exchange, in *policy.Input, body []byte) {
	if s.pipe.finders == nil || x.entered == 0 {
		return
	}
	for _, h := range s.pipe.finders {
		if x.entered&(1<<h.i) != 0 {
			in.Response.Findings = h.h.FindInResponse(View{x, h.i}, body, in.Response.Findings)
		}
	}
}

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
