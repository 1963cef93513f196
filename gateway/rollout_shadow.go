package gateway

import (
	"runtime/debug"
	"time"

	"github.com/valyala/fasthttp"
)

// shadowCall is a shadow rollout's background copy of one request: the
// same OpenAI-shaped request (non-stream) to the candidate, after the
// client has its answer, so it can never delay or fail the client. It is
// metered as its own ledger record (rollout: shadow) but reserves nothing:
// the key's budgets and rate limits are not charged.
type shadowCall struct {
	rt        *servingConfig
	rs        *rolloutServing
	principal *Principal
	endpoint  endpoint
	stream    bool // the client's request streamed: the copy does not
	tags      map[string]string
	requestID string
	body      []byte
	stable    RolloutObservation // the client's answer
	candidate RolloutObservation // the copy's, filled by observeRollout
}

// shadowSuffix marks a shadow call's request id (its ledger record has
// one of its own).
const shadowSuffix = "-shadow"

// startShadow admits a shadow call for x's request (ShadowAdmit bounds
// the concurrent calls and the day's spend; a refusal is counted by the
// controller) and runs it in the background. x's copied body moves to
// the call.
func (s *Server) startShadow(x *Exchange, stable RolloutObservation) {
	release, ok := s.stages.Rollouts.ShadowAdmit(x.rollout.model)
	if !ok {
		return
	}
	sc := &shadowCall{rt: x.rt, rs: x.rollout, principal: x.principal, endpoint: x.endpoint, stream: x.fields.Stream,
		tags: x.tags, requestID: string(x.requestID) + shadowSuffix, body: x.shadowBody, stable: stable}
	x.shadowBody = nil
	s.shadows.Add(1)
	go s.runShadow(sc, release)
}

// runShadow sends the copy through the candidate target's own chain (its
// deployments, retries and circuits; no fallback to stable) on a request
// context of its own, accounts it like any request, and hands both answers
// to the controller.
func (s *Server) runShadow(sc *shadowCall, release func(costMicros int64)) {
	defer s.shadows.Done()
	released := false
	defer func() {
		if r := recover(); r != nil {
			panicsHandler.Inc()
			s.log.Error("panic in a shadow call", "request_id", sc.requestID, "panic", r, "stack", string(debug.Stack()))
		}
		if !released {
			release(0)
		}
	}()
	body := sc.body
	if sc.stream {
		var err error
		if body, err = nonStreamBody(body); err != nil {
			return
		}
	}
	var req fasthttp.Request
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, nil, nil)

	x := acquireExchange()
	x.endpoint, x.rt, x.principal, x.tags, x.shadow = sc.endpoint, sc.rt, sc.principal, sc.tags, sc
	x.requestID = append(x.requestID[:0], sc.requestID...)
	if e := s.readBody(x, x.endpoint, body); e != nil {
		releaseExchange(x) // the client's request parsed; its non-stream copy cannot fail to
		return
	}
	m := sc.rs.target
	x.requested, x.body = m, body
	if m.health != nil {
		m.health.InFlight(1) // account's observe takes it back
	}
	s.forward(&ctx, x, body) // non-stream: nothing takes x over
	x.respBody = ctx.Response.Body()
	s.finish(x) // the ledger record and health; observeRollout fills sc.candidate
	release(sc.candidate.CostMicros)
	released = true
	s.stages.Rollouts.ObserveShadow(sc.rs.model, sc.stable, sc.candidate)
}

// nonStreamBody is body with "stream": false and without stream_options
// (upstreams refuse stream_options on a non-stream request).
func nonStreamBody(body []byte) ([]byte, error) {
	b, err := setTopLevel(nil, body, "stream", []byte("false"))
	if err != nil {
		return nil, err
	}
	m, err := findMember(b, "stream_options")
	if err != nil || m.vs < 0 {
		return b, err
	}
	return m.set(nil, b, "stream_options", []byte("null")), nil
}

// waitShadows waits for running shadow calls until deadline (their ledger
// records go out before the ledger closes).
func (s *Server) waitShadows(deadline time.Time) {
	done := make(chan struct{})
	go func() { s.shadows.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
	}
}
