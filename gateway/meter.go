package gateway

import (
	"github.com/tollgate-ai/tollgate/metering"
)

// promptEstimate is the request's prompt-token estimate, counted once by
// its meter from the one parse of the body (metering.Meter.PromptEstimate).
func (s *Server) promptEstimate(x *Exchange) int { return x.meter.PromptEstimate() }

var (
	includeUsage = []byte(`{"include_usage":true}`)
	jsonTrue     = []byte(`true`)
)

// prepareBody applies per-request edits before any attempt: streams ask the
// upstream for usage (hidden from clients that did not ask) so streamed
// requests are billed from the upstream's own numbers.
func (s *Server) prepareBody(x *Exchange, body []byte) []byte {
	if !x.fields.Stream || x.fields.IncludeUsage || x.endpoint == epEmbeddings {
		return body
	}
	edited, err := withIncludeUsage(x.usageBuf[:0], body)
	if err != nil {
		return body
	}
	x.usageBuf = edited
	x.meter.InjectUsage()
	return edited
}

// withIncludeUsage sets stream_options.include_usage to true, appending the
// result into dst. The client's other stream_options fields (such as
// continuous_usage_stats) are kept: only include_usage is written.
func withIncludeUsage(dst, body []byte) ([]byte, error) {
	m, err := findMember(body, "stream_options")
	if err != nil {
		return dst, err
	}
	if m.vs < 0 || body[m.vs] != '{' { // absent or null
		return m.set(dst, body, "stream_options", includeUsage), nil
	}
	inner, err := findMember(body[m.vs:m.ve], "include_usage")
	if err != nil {
		return dst, err
	}
	dst = append(dst, body[:m.vs]...)
	dst = inner.set(dst, body[m.vs:m.ve], "include_usage", jsonTrue)
	return append(dst, body[m.ve:]...), nil
}

// parseTags reads "x-tollgate-tags: k=v,k=v" merged over the key's tags.
// A malformed header is the client's to fix: 400 naming the bad part.
func parseTags(h []byte, base map[string]string) (map[string]string, *APIError) {
	if len(h) == 0 {
		return base, nil
	}
	t, err := metering.ParseTags(string(h))
	if err != nil {
		return nil, errInvalid("x-tollgate-tags", err.Error())
	}
	if len(base) == 0 {
		return t, nil
	}
	return mergeTags(base, t), nil
}
