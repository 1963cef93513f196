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
	return m
}

func (m *messagesStream) translate(ev []byte) []byte {
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

func (m *messagesStream) release() {
	m.meter = nil
	if cap(m.buf) > 1<<20 {
		m.buf = nil
	}
	messagesStreamPool.Put(m)
}
