package gateway

import (
	"time"

	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
)

// View is a stage's narrow view of one request: what it may read, its own
// per-request state, the request body it may replace and the note it may
// leave on the ledger record. It is a small value; a stage may keep it
// until its Finish runs, never after (the request's state is pooled).
type View struct {
	x     *Exchange
	stage int // the stage's index in the pipeline: its state slot and name
}

// RequestID is the id echoed in x-request-id.
func (v View) RequestID() string { return string(v.x.requestID) }

// Principal is the authenticated caller (read only).
func (v View) Principal() *Principal { return v.x.principal }

// Model is the model the request is for, after any policy rewrite.
func (v View) Model() string {
	if v.x.requested != nil {
		return v.x.requested.name
	}
	return v.x.fields.Model
}

// ServedModel is the model that answered ("" if none did, or a stage did).
func (v View) ServedModel() string { return v.x.ServedModel() }

// Deployment names the deployment that answered ("" if none did).
func (v View) Deployment() string {
	if v.x.dep == nil {
		return ""
	}
	return v.x.dep.name
}

// Endpoint is "chat", "completions" or "embeddings".
func (v View) Endpoint() string { return v.x.endpoint.String() }

// Stream reports whether the client asked for a stream.
func (v View) Stream() bool { return v.x.fields.Stream }

// Status is the HTTP status the client got (0 before the answer).
func (v View) Status() int { return v.x.status }

// Body is the request body as it goes upstream (the client's, with the
// policy's and stages' edits). Borrowed: it is valid only until the handler
// hands the request to a stream writer, and nil after that (on the writer,
// in stream filters, in a stream's Finish).
func (v View) Body() []byte {
	if v.x.detached {
		return nil
	}
	return v.x.body
}

// SetBody replaces the request body sent upstream (a redaction). Only
// request hooks may call it. b must keep the request's model, stream and
// token fields as they were (the gateway decided on those and does not
// read the body again), and stay unchanged until Finish.
func (v View) SetBody(b []byte) {
	if !v.x.detached {
		v.x.body = b
	}
}

// Usage is the upstream's report of the request's usage (or the answering
// stage's); ok is false when none came (the ledger then counts tokens
// itself, after Finish).
func (v View) Usage() (u metering.Usage, ok bool) { return v.x.meter.Usage() }

// ResponseRedact is the kinds the response-phase policy asked to redact
// (nil when it did not run or asked for none). Read only.
func (v View) ResponseRedact() []string { return v.x.respRedact }

// Tags are the request's tags (key, header and policy). Read only.
func (v View) Tags() map[string]string { return v.x.tags }

// AnsweredBy names the stage that answered the request ("" = an upstream).
func (v View) AnsweredBy() string { return v.x.answeredBy }

// State is what this stage stored for this request with SetState (nil if
// nothing): e.g. a pseudonymisation map from request to answer.
func (v View) State() any {
	if v.x.stageState == nil {
		return nil
	}
	return v.x.stageState[v.stage]
}

// SetState keeps s for this stage until the request ends.
func (v View) SetState(s any) {
	if v.x.stageState == nil {
		v.x.stageState = make([]any, maxStages)
	}
	v.x.stageState[v.stage] = s
}

// Note leaves a short note on the request's ledger record under the
// stage's name (record.stages), e.g. "hit" for a cache; the last note wins.
// Never secrets or prompt text.
func (v View) Note(note string) {
	if v.x.notes == nil {
		v.x.notes = make(map[string]string, 2)
	}
	v.x.notes[v.x.pipe.names[v.stage]] = note
}

// IncludeUsage reports whether a streamed request asked for the usage chunk
// (stream_options.include_usage).
func (v View) IncludeUsage() bool { return v.x.fields.IncludeUsage }

// Header is one of the client's request headers (nil when absent), e.g.
// Cache-Control. Borrowed like Body: valid on the handler only (request
// hooks), nil on a stream writer.
func (v View) Header(name string) []byte {
	if v.x.detached || v.x.reqHeader == nil {
		return nil
	}
	return v.x.reqHeader.Peek(name)
}

// Decision is the request phase's policy decision (read only). Without a
// policy it allows everything and has no opinion (CacheTTLSeconds -1).
func (v View) Decision() *policy.Decision {
	if !v.x.decided {
		return &allowAll
	}
	return &v.x.decision
}

// SetCacheResult records the response cache's verdict for the request
// ("hit", "semantic-hit", "miss", "coalesced" or "bypass"): the client
// gets it as x-tollgate-cache, the cache metric and the access log count
// it, and the ledger marks the hits. Only the cache stage calls it, from
// its request hooks.
func (v View) SetCacheResult(r string) { v.x.cacheResult = r }

// OutputProfile names the output filtering in force for the request (set
// by the filters stage with SetOutputProfile; "" = none): the cache keys
// answers by it, so a hit never crosses redaction settings.
func (v View) OutputProfile() string { return v.x.outputProfile }

// SetOutputProfile records the output filtering in force (a short, stable
// string such as a hash of the filter settings). Request hooks only.
func (v View) SetOutputProfile(p string) { v.x.outputProfile = p }

// FlagOutput marks the answer as carrying output-filter findings (the
// filters stage calls it from its response hooks, before any Finish): the
// cache does not store such an answer.
func (v View) FlagOutput() {
	if v.x != nil { // a zero View (a stage's unit test) has no request
		v.x.outputFlagged = true
	}
}

// OutputFlagged reports whether a stage flagged the answer (FlagOutput).
func (v View) OutputFlagged() bool { return v.x.outputFlagged }

// SetAnswerUsage sets the usage of the answer this stage gave, and the
// model it is priced as (Answer.PricedAs), when they were not known at
// Answer (a coalesced follower's, known once its leader finished). Only
// the answering stage, up to its Finish.
func (v View) SetAnswerUsage(u metering.Usage, pricedAs string) {
	if v.x.answeredBy != "" && v.x.answeredBy == v.x.pipe.names[v.stage] {
		v.x.meter.SetUsage(u)
		v.x.pricedAs = pricedAs
	}
}

// Events collects what a StreamFilter emits for one input: zero or more
// complete SSE events, copied, in order.
type Events struct {
	buf  []byte
	ends []int
}

// Emit appends one complete event ("data: …\n\n"); ev is copied.
func (e *Events) Emit(ev []byte) {
	e.buf = append(e.buf, ev...)
	e.ends = append(e.ends, len(e.buf))
}

// EmitData appends an event carrying one data payload (a JSON chunk).
func (e *Events) EmitData(data []byte) {
	e.buf = append(e.buf, "data: "...)
	e.buf = append(e.buf, data...)
	e.buf = append(e.buf, "\n\n"...)
	e.ends = append(e.ends, len(e.buf))
}

// Len is the number of events emitted so far.
func (e *Events) Len() int { return len(e.ends) }

// At returns event i (0 ≤ i < Len), valid until the next reset.
func (e *Events) At(i int) []byte {
	start := 0
	if i > 0 {
		start = e.ends[i-1]
	}
	return e.buf[start:e.ends[i]]
}

func (e *Events) reset() { e.buf, e.ends = e.buf[:0], e.ends[:0] }

// Findings are the request inspection's findings (kinds and counts), as
// the policy saw them. Read only; valid until Finish.
func (v View) Findings() []policy.Finding { return v.x.findings }

// AddResponseFinding counts n findings of kind in the answer (the
// filters stage, from its response inspection or stream filter, for what
// its output filters found). Every stage's Finish reads them with
// ResponseFindings.
func (v View) AddResponseFinding(kind string, n int) {
	if v.x == nil {
		return
	}
	for i := range v.x.respFound {
		if v.x.respFound[i].Kind == kind {
			v.x.respFound[i].Count += n
			return
		}
	}
	v.x.respFound = append(v.x.respFound, policy.Finding{Kind: kind, Count: n})
}

// ResponseFindings are the answer's findings by kind (AddResponseFinding).
// Read only; valid until Finish.
func (v View) ResponseFindings() []policy.Finding { return v.x.respFound }

// CacheResult is the response cache's verdict (SetCacheResult; "" when no
// cache ran).
func (v View) CacheResult() string { return v.x.cacheResult }

// Started is when the gateway took the request.
func (v View) Started() time.Time { return v.x.start }

// TTFT is the time to the first byte (buffered) or first relayed event
// (stream); 0 when none came.
func (v View) TTFT() time.Duration { return v.x.ttft }

// FinishReason is the first choice's finish reason, as the upstream
// reported it ("" when unknown).
func (v View) FinishReason() string { return v.x.meter.FinishReason() }
