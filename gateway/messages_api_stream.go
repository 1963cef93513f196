package gateway

import (
	"sync"

	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/providers/messagesapi"
)

// streamOutput rewrites the OpenAI SSE events a stream writer sends (after
// the stages' stream filters) into the events of the API the client
// called. translate returns what to send for ev (possibly nothing), valid
// until the next call.
type streamOutput interface {
	translate(ev []byte) []byte
	release()
}

// messagesStream is a Messages API client's stream: each OpenAI event
// becomes the Anthropic events it stands for, as it is sent. Pooled, one
// per live stream; the stream writer releases it (streamClient.release)
// before x goes back to its pool.
type messagesStream struct {
	s     messagesapi.Stream
	buf   []byte
	meter *metering.Meter
	raw   *nativeTee // an anthropic upstream's own events, relayed as they are
}

var messagesStreamPool = sync.Pool{New: func() any { return new(messagesStream) }}

// streamOutputFor is the stream output of x's API: nil for OpenAI's.
func streamOutputFor(x *Exchange) streamOutput {
	if x.api != apiMessages {
		return nil
	}
	m := messagesStreamPool.Get().(*messagesStream)
	m.s.Reset(x.fields.Model, x.meter.PromptEstimate())
	m.meter = &x.meter
	// The upstream's own events go out when they are this answer's (not a
	// failed earlier attempt's) and no stage rewrites the stream.
	if x.tee != nil && x.tee.dep == x.dep && x.filters == nil {
		m.raw = x.tee
	}
	x.tee = nil
	return m
}

func (m *messagesStream) translate(ev []byte) []byte {
	if m.raw != nil {
		return m.relayNative(ev)
	}
	if isDoneEvent(ev) {
		u, ok := m.s.Usage()
		if !ok {
			u = m.fallbackUsage()
		}
		m.buf = m.s.Done(m.buf[:0], u)
		return m.buf
	}
	out, err := m.s.Event(m.buf[:0], ev, messagesapi.Usage{})
	if err != nil {
		out = m.s.Error(out, messagesapi.TypeAPI, "the upstream sent a chunk that is not JSON")
	}
	m.buf = out
	return out
}

// fallbackUsage is the usage for message_delta when no chunk the client
// saw carried it: the upstream's, read by the meter from the usage chunk
// it asked for on the client's behalf, else the gateway's estimates.
func (m *messagesStream) fallbackUsage() messagesapi.Usage {
	if u, ok := m.meter.Usage(); ok {
		return messagesapi.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CachedTokens: u.CachedTokens}
	}
	return messagesapi.Usage{PromptTokens: m.meter.PromptEstimate(), CompletionTokens: m.s.EstimatedOutput()}
}

// relayNative sends the upstream's own events that arrived with ev (the
// OpenAI chunk translated from them); an error the gateway ends the
// stream with follows them as an Anthropic error event.
func (m *messagesStream) relayNative(ev []byte) []byte {
	done := isDoneEvent(ev)
	m.buf = m.raw.takeEvents(m.buf[:0], done)
	if !done && hasErrorMember(eventData(ev)) {
		m.buf, _ = m.s.Event(m.buf, ev, messagesapi.Usage{})
	}
	return m.buf
}

func (m *messagesStream) release() {
	m.meter, m.raw = nil, nil
	if cap(m.buf) > 1<<20 {
		m.buf = nil
	}
	messagesStreamPool.Put(m)
}
