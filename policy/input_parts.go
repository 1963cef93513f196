package policy

import "strings"

// InputParts is a set of the input document's parts that cost the gateway
// work to fill (a tokenizer pass, a Redis read, a health snapshot, a body
// parse). A revision reports the parts its rules can read (Serving.Reads);
// the gateway fills only those and leaves the rest zero, which the policy
// never sees. The parts that cost nothing (phase, the parsed request fields,
// principal) are always filled and have no bit.
type InputParts uint16

const (
	InputEstimate InputParts = 1 << iota // input.estimate: the tokenizer pass and the worst-case cost
	InputSpend                           // input.spend: the limiter's budget counters (a Redis read)
	InputHealth                          // input.health: the health registry's snapshot
	InputTools                           // input.request.tools: the tool names (a parse of the body)
	InputMetadata                        // input.request.metadata: the metadata object (a parse of the body)
	InputTime                            // input.time: the clock, formatted
	InputFindings                        // input.findings: the input filters' results
	InputResponse                        // input.response: the answer (response phase)

	// InputAll is every part: the safe answer when what a policy reads is unknown.
	InputAll = InputEstimate | InputSpend | InputHealth | InputTools | InputMetadata | InputTime | InputFindings | InputResponse
)

// Has reports whether p holds any part of q.
func (p InputParts) Has(q InputParts) bool { return p&q != 0 }

// inputPartPaths maps each part to where it sits in the input document: a
// top-level key, and a key below it when the part is one field.
var inputPartPaths = [...]struct {
	part     InputParts
	top, sub string
}{
	{InputEstimate, "estimate", ""},
	{InputSpend, "spend", ""},
	{InputHealth, "health", ""},
	{InputTools, "request", "tools"},
	{InputMetadata, "request", "metadata"},
	{InputTime, "time", ""},
	{InputFindings, "findings", ""},
	{InputResponse, "response", ""},
}

// parts is the set of parts a policy of shape s can read; everything when
// the shape is unknown or the policy reads input as a whole.
func (s *inputShape) parts() InputParts {
	if s == nil || s.all {
		return InputAll
	}
	var p InputParts
	for _, pp := range inputPartPaths {
		if !s.has(pp.top) {
			continue
		}
		if keys := s.sub(pp.top); pp.sub == "" || keys == nil || keys[pp.sub] {
			p |= pp.part
		}
	}
	return p
}

// String lists the parts by their input keys, for logs and test messages.
func (p InputParts) String() string {
	var names []string
	for _, pp := range inputPartPaths {
		if p.Has(pp.part) {
			name := pp.top
			if pp.sub != "" {
				name += "." + pp.sub
			}
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}
