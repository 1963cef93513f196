package gateway

import (
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/policy"
)

// Stage is a pipeline stage that plugs into the gateway (content filters,
// the response cache, eval sampling). It implements Name and any of the
// one-method hook interfaces below; the gateway finds which once, in New,
// and a hook a stage lacks costs nothing per request. Stages see
// OpenAI-shaped requests and SSE chunks: provider translation sits below
// them and other inbound APIs are adapters above them.
//
// Request hooks run in the stages' order (Stages.Filters, Evals, Cache:
// gateway/pipeline.go), response hooks in reverse, and only for stages
// whose request side ran ("entered"): a request answered or refused by
// stage k is never seen by the response hooks of the stages after k. A
// stage with no request hook enters every request that reaches the stages.
//
// Hooks may run concurrently for different requests; per-request state
// lives in the View (SetState). A panic in a hook is recovered by the
// gateway and answered as an internal error.
type Stage interface {
	// Name keys the stage's ledger note, its /ui section and its logs.
	Name() string
}

// RequestInspector reads the request before the policy decides: what it
// finds goes into the policy input (input.findings). It appends to
// findings and returns the result; it never answers the request (the
// policy decides, DecisionApplier acts).
type RequestInspector interface {
	InspectRequest(v View, findings []policy.Finding) []policy.Finding
}

// DecisionApplier acts on the policy's decision after it allowed the
// request (redact or pseudonymise the kinds in d.Redact, refuse): it may
// replace the request body with View.SetBody, or refuse the request with
// an error the client gets. Without a policy d allows everything.
type DecisionApplier interface {
	ApplyDecision(v View, d *policy.Decision) *APIError
}

// Answerer may answer the request itself after limits passed (a cache hit,
// a coalesced follower): the upstream then gets nothing and the ledger
// record names the stage (answered_by). nil lets the request go on. The
// entered stages' response hooks run over the answer; the response-phase
// policy does not (it reads what an upstream reported).
type Answerer interface {
	Answer(v View) *Answer
}

// StreamInspector gives a streamed request its own StreamFilter (nil when
// the stage has nothing to do for it). The filter runs on the stream
// writer's goroutine; it may keep v until Finish.
type StreamInspector interface {
	InspectStream(v View) StreamFilter
}

// StreamFilter sees each event of one stream, as the client would get it
// ("data: {…}\n\n", the gateway's own hidden usage chunk already removed),
// and emits zero or more events in its place: it may hold text back (a
// redaction window) and rewrite it. An error cuts the stream: the events
// emitted in the same call still go out (e.g. a last chunk with
// finish_reason content_filter), then the client gets the error as an error
// event (no [DONE]) and the upstream is cancelled. Flush emits what was
// held back when the stream ends normally, before [DONE]; on a broken
// stream held events are dropped.
type StreamFilter interface {
	Event(ev []byte, out *Events) *APIError
	Flush(out *Events) *APIError
}

// ResponseFinder reports what a stage found in the answer before the
// response-phase policy decides: its findings go into
// input.response.findings. It runs only when the policy has response rules.
// For a buffered 2xx answer body is the upstream's answer (borrowed for the
// call); for a stream body is nil and it runs after the stream filters'
// Flush, before [DONE] (the stage reads what its StreamFilter found from
// its state).
type ResponseFinder interface {
	FindInResponse(v View, body []byte, findings []policy.Finding) []policy.Finding
}

// ResponseInspector sees a buffered 2xx answer before the client does
// (after the response-phase policy, whose redact list View.ResponseRedact
// holds) and returns it, or a replacement the gateway copies, or an error
// the client gets instead.
type ResponseInspector interface {
	InspectResponse(v View, body []byte) ([]byte, *APIError)
}

// Finisher sees the finished exchange before it is accounted (so notes
// reach the ledger record): a cache stores, a sampler samples. body is a
// buffered answer's body, borrowed for the call; nil for streams (a stage
// that needs a streamed answer collects it with its StreamFilter).
type Finisher interface {
	Finish(v View, body []byte)
}

// UISection adds a section named after the stage to the ops page
// (/ui/data.json "sources"). It runs on every poll: keep it cheap, return
// JSON-encodable values and never secrets.
type UISection interface {
	UISection() any
}

// Answer is a stage's own answer to a request: a buffered body, or a
// stream of events fed from a recorded or a live source.
type Answer struct {
	Status  int               // 0 = 200
	Headers map[string]string // extra response headers (not framing or x-request-id)
	// Body is a buffered answer (Content-Type application/json unless set
	// in Headers). The gateway sends it without copying: it must not change
	// until Finish.
	Body []byte
	// Events, when set, makes the answer a stream (text/event-stream): the
	// gateway relays its events through the entered stages' stream filters.
	Events EventSource
	// Usage, when known (a cached answer's), is the ledger record's; an
	// answered request costs nothing.
	Usage metering.Usage
	// PricedAs names the model whose upstream call the answer stands in for
	// (a cached answer's model): the ledger record's cost_saved is Usage
	// priced under it. "" = nothing saved is recorded.
	PricedAs string
}

// EventSource feeds a stage's streamed answer. Next returns the next
// complete SSE event ("data: …\n\n", [DONE] included), valid until the next
// call, and io.EOF after the last; another error ends the stream with an
// error event. Close runs once, when the stream ends for any reason; it may
// run while Next blocks (the client hung up while the source was silent),
// and Next must then return.
type EventSource interface {
	Next() ([]byte, error)
	Close()
}
