package metering

import (
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/valyala/fastjson"
)

// Meter meters one request: it keeps the request's one parse, estimates
// its prompt, reads the usage the upstream reports (buffered JSON or SSE
// events), counts the relayed text when none is reported, and prices the
// result into a ledger record (Charge, Record). The gateway only feeds it
// OpenAI-shaped bytes and the facts it knows.
//
// A Meter lives inside the gateway's pooled per-request state: Reset
// readies it for the next request and keeps its buffers, so metering
// allocates nothing in steady state. It is not safe for concurrent use.
type Meter struct {
	tokens *tokenizer.Registry // nil: no tokenizer, the 4-characters rule
	prompt Prompt

	parser *fastjson.Parser // owns req; nil once released
	req    *fastjson.Value  // the client's request, parsed once

	usage        Usage
	usageKnown   bool // usage came from the upstream
	hideUsage    bool // the gateway asked for stream usage: hide that chunk from the client
	estimated    bool
	estimate     int    // the prompt-token estimate, once estimated
	finishReason string // of the first choice
	outText      []byte // relayed text, counted when the upstream reports no usage
}

// PromptKind says where a request's prompt is.
type PromptKind uint8

const (
	PromptNone PromptKind = iota // no prompt the meter can read (pass-through)
	PromptChat                   // chat completions: "messages" (and tools)
	PromptText                   // completions' "prompt" or embeddings' "input": a string, strings or token ids
)

// Prompt is what the gateway read of a request's prompt: what the estimate
// works from.
type Prompt struct {
	Kind     PromptKind
	Model    string // the model the client named: the tokenizer to count with
	Chars    int    // prompt text bytes, for the 4-characters-per-token fallback
	Messages int
}

var requestParsers fastjson.ParserPool

// ParseRequest parses the client's body, the request's only parse, and
// keeps the value until ReleaseRequest or Reset. The value does not point
// into body (fastjson copies it), so it outlives the handler's body.
func (m *Meter) ParseRequest(body []byte) (*fastjson.Value, error) {
	if m.parser == nil {
		m.parser = requestParsers.Get()
	}
	v, err := m.parser.ParseBytes(body)
	if err != nil {
		m.ReleaseRequest()
		return nil, err
	}
	m.req = v
	return v, nil
}

// Request is the parsed request, nil once released.
func (m *Meter) Request() *fastjson.Value { return m.req }

// ReleaseRequest returns the parsed request to the pool; Request is nil
// from here on, and the prompt estimate falls back to the 4-characters
// rule if it was not made before.
func (m *Meter) ReleaseRequest() {
	if m.parser != nil {
		requestParsers.Put(m.parser)
	}
	m.parser, m.req = nil, nil
}

// SetPrompt tells the meter what it counts the prompt with.
func (m *Meter) SetPrompt(tokens *tokenizer.Registry, p Prompt) {
	m.tokens, m.prompt = tokens, p
}

// InjectUsage notes that the gateway asked a stream for usage the client
// did not ask for: ObserveEvent hides that chunk from the client.
func (m *Meter) InjectUsage() { m.hideUsage = true }

// UsageInjected reports whether InjectUsage was called.
func (m *Meter) UsageInjected() bool { return m.hideUsage }

// Usage is what the upstream reported, and whether it reported any.
func (m *Meter) Usage() (Usage, bool) { return m.usage, m.usageKnown }

// SetUsage records usage reported by someone other than the upstream
// (a stage that answered in its place), as if the upstream had.
func (m *Meter) SetUsage(u Usage) { m.usage, m.usageKnown = u, true }

// FinishReason is the first choice's finish reason ("" until known).
func (m *Meter) FinishReason() string { return m.finishReason }

// RelayedText is the text of a relayed stream (its content and tool-call
// arguments, unescaped, up to 4 MiB), borrowed until Reset.
func (m *Meter) RelayedText() []byte { return m.outText }

// Estimated reports whether the prompt estimate was counted (the
// tokenizer pass happened) for this request.
func (m *Meter) Estimated() bool { return m.estimated }

// Reset readies m for another request, keeping its text buffer unless it
// grew too large to pin.
func (m *Meter) Reset() {
	m.ReleaseRequest()
	out := m.outText[:0]
	if cap(out) > 1<<20 {
		out = nil
	}
	*m = Meter{outText: out}
}
