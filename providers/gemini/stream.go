package gemini

import (
	"errors"
	"io"
	"sync"

	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// stream turns streamGenerateContent?alt=sse events (each a whole
// GenerateContentResponse) into chunks, one per event.
type stream struct {
	p       *Provider
	model   string
	sse     wire.SSE
	parser  fastjson.Parser
	out     []byte
	id      []byte
	created int64
	started bool   // the role went out
	calls   [4]int // tool calls so far per candidate (index < 4)
	usage   wire.Usage
	hasUse  bool
	done    bool
}

var streams = sync.Pool{New: func() any { return new(stream) }}

// NewStream implements providers.Provider.
func (p *Provider) NewStream(r io.Reader, c *providers.Call) providers.Stream {
	s := streams.Get().(*stream)
	s.p, s.model = p, c.Model
	s.sse.Reset(r)
	s.out, s.id = s.out[:0], s.id[:0]
	s.created = p.now().Unix()
	s.started, s.hasUse, s.done = false, false, false
	s.calls = [4]int{}
	s.usage = wire.Usage{}
	return s
}

func (s *stream) Close() {
	s.sse.Reset(nil)
	s.p = nil
	streams.Put(s)
}

func (s *stream) Next() ([]byte, error) {
	for {
		if s.done {
			return nil, io.EOF
		}
		data, err := s.sse.Next()
		if err == io.EOF {
			s.done = true
			if !s.hasUse {
				return nil, io.EOF
			}
			s.out = wire.AppendHead(s.out[:0], s.id, s.created, s.model, true)
			s.out = append(s.out, "],"...)
			s.out = wire.AppendUsage(s.out, &s.usage)
			return append(s.out, '}'), nil
		}
		if errors.Is(err, wire.ErrEventTooLarge) {
			return nil, wire.Malformed(name, err.Error())
		}
		if err != nil {
			return nil, err
		}
		chunk, perr := s.event(data)
		if perr != nil {
			s.done = true
			return nil, perr
		}
		if chunk != nil {
			return chunk, nil
		}
	}
}

// event translates one SSE event; nil without error means nothing to
// relay (an event that only carries usage).
func (s *stream) event(data []byte) ([]byte, *providers.Error) {
	v, err := s.parser.ParseBytes(data)
	if err != nil || v.Type() != fastjson.TypeObject {
		return nil, wire.Malformed(name, "stream event is not a JSON object")
	}
	if ev := v.Get("error"); ev != nil {
		return nil, rpcError(0, ev)
	}
	if e := blocked(v); e != nil {
		return nil, e
	}
	if um := v.Get("usageMetadata"); um != nil {
		s.usage, s.hasUse = usage(um), true
	}
	if len(s.id) == 0 {
		s.id = s.p.answerID(s.id, v)
	}
	cands := v.GetArray("candidates")
	if len(cands) == 0 {
		return nil, nil
	}
	s.out = wire.AppendHead(s.out[:0], s.id, s.created, s.model, true)
	for i, cand := range cands {
		if i > 0 {
			s.out = append(s.out, ',')
		}
		idx := cand.GetInt("index")
		s.out = append(s.out, `{"index":`...)
		s.out = appendInt(s.out, idx)
		s.out = append(s.out, `,"delta":{`...)
		mark := len(s.out)
		field := func(k string) {
			if len(s.out) > mark {
				s.out = append(s.out, ',')
			}
			s.out = append(s.out, k...)
		}
		if !s.started {
			field(`"role":"assistant"`)
		}
		parts := cand.GetArray("content", "parts")
		if hasText(parts, false) {
			field(`"content":`)
			s.out = appendJoined(s.out, parts, false)
		}
		if hasText(parts, true) {
			field(`"reasoning_content":`)
			s.out = appendJoined(s.out, parts, true)
		}
		calls := 0
		for _, part := range parts {
			fc := part.Get("functionCall")
			if fc == nil {
				continue
			}
			if calls == 0 {
				field(`"tool_calls":[`)
			} else {
				s.out = append(s.out, ',')
			}
			k := 0
			if idx >= 0 && idx < len(s.calls) {
				k = s.calls[idx]
				s.calls[idx]++
			}
			s.out = s.p.appendCall(s.out, k, fc)
			calls++
		}
		if calls > 0 {
			s.out = append(s.out, ']')
		}
		s.out = append(s.out, `},"logprobs":null,"finish_reason":`...)
		anyCalls := idx >= 0 && idx < len(s.calls) && s.calls[idx] > 0
		s.out = appendFinish(s.out, cand.GetStringBytes("finishReason"), anyCalls)
		s.out = append(s.out, '}')
	}
	s.started = true
	return append(s.out, "]}"...), nil
}
