package evals

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/policy"
)

// Stage samples live traffic in the gateway's pipeline (Stages.Evals). It
// runs after the filters stage: ApplyDecision (after the filters redacted
// the request body) decides whether the request is sampled and copies its
// prompt text; a sampled stream's text deltas are collected by its
// StreamFilter; Finish builds the Sample and queues it for the Writer.
// An unsampled request costs the sampler's decision only.
type Stage struct {
	sampler *Sampler
	maxText atomic.Int64
	w       *Writer
	now     func() time.Time
	sampled atomic.Int64
}

var (
	_ gateway.DecisionApplier = (*Stage)(nil)
	_ gateway.StreamInspector = (*Stage)(nil)
	_ gateway.Finisher        = (*Stage)(nil)
	_ gateway.UISection       = (*Stage)(nil)
)

// StageOptions build a Stage.
type StageOptions struct {
	Config *config.EvalsConfig
	Writer *Writer          // where samples go
	Rand   func() uint64    // nil: math/rand/v2
	Now    func() time.Time // nil: time.Now
}

// NewStage builds the stage.
func NewStage(o StageOptions) *Stage {
	s := &Stage{sampler: NewSampler(o.Config, o.Rand), w: o.Writer, now: o.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.maxText.Store(int64(o.Config.MaxTextBytes))
	return s
}

// Name implements gateway.Stage.
func (s *Stage) Name() string { return "evals" }

// Reload puts a new evals section's rates and text cap in force (the sink
// and queue size stay as started).
func (s *Stage) Reload(c *config.EvalsConfig) {
	s.sampler.Reload(c)
	s.maxText.Store(int64(c.MaxTextBytes))
}

// UISection shows what was sampled and lost.
func (s *Stage) UISection() any {
	return map[string]any{"sampled": s.sampled.Load(), "queued": s.w.Queued(), "written": s.w.Written(),
		"dropped": s.w.Dropped()}
}

// reqState is a sampled request's, from ApplyDecision to Finish.
type reqState struct {
	rate   float64
	prompt []byte
	cut    bool
	text   streamText
}

var statePool = sync.Pool{New: func() any { return new(reqState) }}

// ApplyDecision implements gateway.DecisionApplier: it only decides
// whether to sample (never refuses).
func (s *Stage) ApplyDecision(v gateway.View, d *policy.Decision) *gateway.APIError {
	tenant := ""
	if p := v.Principal(); p != nil {
		tenant = p.Tenant
	}
	take, rate := s.decide(tenant, v.Model(), d)
	if !take {
		return nil
	}
	s.sampled.Add(1)
	st := statePool.Get().(*reqState)
	max := int(s.maxText.Load())
	st.rate, st.text.max = rate, max
	st.prompt, st.cut = appendPrompt(st.prompt[:0], v.Body(), v.Endpoint(), max)
	v.SetState(st)
	return nil
}

// decide is the sampling decision with the stage's clock: all an
// unsampled request costs.
func (s *Stage) decide(tenant, model string, d *policy.Decision) (bool, float64) {
	return s.sampler.Decide(tenant, model, d, s.now().Unix()/60)
}

// InspectStream implements gateway.StreamInspector: a sampled stream's
// text is collected.
func (s *Stage) InspectStream(v gateway.View) gateway.StreamFilter {
	if st, ok := v.State().(*reqState); ok {
		return &st.text
	}
	return nil
}

// Finish implements gateway.Finisher: the sample goes to the queue.
func (s *Stage) Finish(v gateway.View, body []byte) {
	st, ok := v.State().(*reqState)
	if !ok {
		return
	}
	v.SetState(nil)
	defer release(st)
	sm := &Sample{Time: v.Started().UTC(), RequestID: v.RequestID(), Model: v.Model(), Deployment: v.Deployment(),
		Tags: copyTags(v.Tags()), Prompt: string(st.prompt), Stream: v.Stream(), Status: v.Status(),
		FinishReason: v.FinishReason(), Cache: v.CacheResult(), SampleRate: st.rate, Truncated: st.cut || st.text.cut}
	if p := v.Principal(); p != nil {
		sm.Tenant, sm.Team = p.Tenant, p.Team
	}
	if v.Stream() {
		sm.Response = string(st.text.buf)
	} else if body != nil && v.Status()/100 == 2 {
		var text []byte
		var cut bool
		text, cut = appendAnswer(st.prompt[:0], body, st.text.max) // prompt is copied already: reuse
		sm.Response, sm.Truncated = string(text), sm.Truncated || cut
	}
	if u, ok := v.Usage(); ok {
		sm.PromptTokens, sm.OutputTokens = int(u.PromptTokens), int(u.CompletionTokens)
	}
	sm.LatencyMs = ms(s.now().Sub(v.Started()))
	sm.TTFTMs = ms(v.TTFT())
	if !v.Stream() {
		sm.TTFTMs = 0 // the sample's ttft is for streams only
	}
	for _, f := range v.Findings() {
		if sm.Findings == nil {
			sm.Findings = make(map[string]int, 4)
		}
		sm.Findings[f.Kind] += max(f.Count, 1)
	}
	for _, f := range v.ResponseFindings() {
		if sm.ResponseFindings == nil {
			sm.ResponseFindings = make(map[string]int, 4)
		}
		sm.ResponseFindings[f.Kind] += max(f.Count, 1)
	}
	s.w.enqueue(record{s: sm})
}

// StoreFeedback queues a feedback record for the sink; false when the
// queue is half full or more (the client gets a 503 and may retry):
// feedback, which any key holder can send at will, never crowds samples
// out of the queue.
func (s *Stage) StoreFeedback(f *Feedback) bool {
	if 2*s.w.Queued() >= cap(s.w.q) {
		return false
	}
	f.Type = FeedbackType
	if f.Time.IsZero() {
		f.Time = s.now().UTC()
	}
	return s.w.enqueue(record{f: f})
}

// FeedbackStore is the gateway's POST /v1/feedback store: the record goes
// to the sample sink.
func (s *Stage) FeedbackStore() gateway.FeedbackStore {
	return func(g *gateway.Feedback) bool {
		return s.StoreFeedback(&Feedback{RequestID: g.RequestID, Tenant: g.Tenant, Team: g.Team, KeyID: g.KeyID,
			Score: g.Score, Label: g.Label, Comment: g.Comment})
	}
}

func release(st *reqState) {
	st.prompt, st.text.buf = keep(st.prompt), keep(st.text.buf)
	st.text.cut, st.cut = false, false
	statePool.Put(st)
}

func keep(b []byte) []byte {
	if cap(b) > 64<<10 {
		return nil
	}
	return b[:0]
}

func copyTags(t map[string]string) map[string]string {
	if len(t) == 0 {
		return nil
	}
	out := make(map[string]string, len(t))
	for k, v := range t {
		out[k] = v
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
