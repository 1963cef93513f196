package gateway

import (
	"time"

	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// splitRollout picks the variant of a rolled-out model that serves x. It
// runs after the policy (whose rewrite chose the model) and after the
// stages' answer (a cache hit serves whoever asked), before forward. The
// split is sticky: the request's user field, else the key (or the key
// alone when the rollout says sticky: key), hashed by the controller, so a
// conversation stays on one variant and every replica splits alike.
func (s *Server) splitRollout(x *Exchange, body []byte) {
	c := s.stages.Rollouts
	rs := x.rt.rollouts[x.requested.name]
	if c == nil || rs == nil {
		return
	}
	sticky := x.principal.KeyID
	if !rs.stickyKey && x.fields.User != "" {
		sticky = x.fields.User
	}
	r := c.Route(rs.model, sticky)
	if !r.Active {
		return
	}
	x.rollout, x.split, x.variant = rs, r, rs.variantModel(r.Variant)
	if r.Shadow && x.endpoint != epEmbeddings {
		// Copied: the shadow call runs after the client's answer, when the
		// client's body is fasthttp's again.
		x.shadowBody = append(x.shadowBody[:0], body...)
	}
}

// failStatus is the status a failed variant is judged by: the last
// failure's, or 503 when nothing was tried (every circuit open).
func failStatus(last *APIError) int {
	if last == nil || last.Status == 0 {
		return 503
	}
	return last.Status
}

// observeRollout tells the controller how the variant did (at account,
// when status, usage and cost are known); a shadow call's pair is compared
// by its own goroutine (gateway/rollout_shadow.go). A client that left
// says nothing about either variant.
func (s *Server) observeRollout(x *Exchange, u metering.Usage, costMicros int64, dur time.Duration) {
	if x.errKind == health.ErrClientCancel {
		return
	}
	o := RolloutObservation{Status: x.status, Latency: dur, OutputTokens: u.CompletionTokens, CostMicros: costMicros}
	if x.fields.Stream {
		o.TTFT = x.ttft
	}
	if x.shadow != nil {
		if x.served != nil && x.status/100 == 2 {
			o.Text, o.ToolCall = answerText(x)
		}
		if x.variantFail != 0 {
			o.Status = x.variantFail // as below
		}
		x.shadow.candidate = o
		return
	}
	rs, v := x.rollout, x.split.Variant
	if v == VariantCandidate && x.served != x.variant {
		// The candidate failed: stable answered in its place (or nothing
		// did). Its observation is the failure, not stable's answer.
		st := x.variantFail
		if st == 0 {
			st = x.status
		}
		s.stages.Rollouts.Observe(rs.model, v, RolloutObservation{Status: st, Latency: dur})
		return
	}
	if x.served != nil && x.status/100 == 2 {
		o.Text, o.ToolCall = answerText(x)
	}
	if x.variantFail != 0 {
		// A retry hid the failure from the client, not from the analysis:
		// the variant is judged by its first answer (its latency and cost
		// still count the whole request).
		o.Status = x.variantFail
	}
	s.stages.Rollouts.Observe(rs.model, v, o)
	if x.split.Shadow && len(x.shadowBody) > 0 && x.status/100 == 2 {
		s.startShadow(x, o)
	}
}

// answerParsers read answers for a rollout's observations.
var answerParsers fastjson.ParserPool

// answerText is the answer's text and its first tool call's name, copied:
// a buffered answer's from its body (OpenAI's chat or completions shape),
// a stream's from the text the meter kept while relaying (content and
// tool-call arguments; the tool's name is not kept for streams).
func answerText(x *Exchange) (text, tool string) {
	if x.fields.Stream {
		return string(x.meter.RelayedText()), ""
	}
	if len(x.respBody) == 0 {
		return "", ""
	}
	p := answerParsers.Get()
	defer answerParsers.Put(p)
	v, err := p.ParseBytes(x.respBody)
	if err != nil {
		return "", ""
	}
	ch := v.Get("choices", "0")
	if ch == nil {
		return "", ""
	}
	if m := ch.Get("message"); m != nil {
		return string(m.GetStringBytes("content")), string(m.GetStringBytes("tool_calls", "0", "function", "name"))
	}
	return string(ch.GetStringBytes("text")), ""
}
