package messagesapi

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonscan"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// block is the kind of the content block a stream has open.
type block uint8

const (
	noBlock block = iota
	textBlock
	thinkingBlock
	toolBlock
)

// Stream turns one OpenAI chat.completion.chunk stream into Anthropic's
// event sequence as the chunks arrive: message_start before the first
// content, content_block_start/delta/stop around each text, thinking and
// tool call (arguments as input_json_delta), and at the end message_delta
// (stop_reason, usage) and message_stop. Each call appends the events one
// chunk makes to dst; the parser and state are reused, so a warm Stream
// allocates nothing per event. Not safe for concurrent use.
type Stream struct {
	p          fastjson.Parser
	model      string
	input      int // the prompt estimate message_start reports
	started    bool
	ended      bool
	open       block
	next       int    // index of the next content block
	tool       int    // OpenAI index of the open tool call
	toolID     []byte // and its id
	stop       string
	usage      Usage
	usageKnown bool
	outBytes   int // generated text, for an output estimate without usage
}

// Reset readies s for a stream of model whose prompt is estimated at
// inputTokens (message_start comes before the upstream's usage).
func (s *Stream) Reset(model string, inputTokens int) {
	p, id := s.p, s.toolID[:0]
	*s = Stream{p: p, toolID: id, model: model, input: inputTokens, stop: "null"}
}

// Usage is the usage the stream's chunks reported, if any did.
func (s *Stream) Usage() (Usage, bool) { return s.usage, s.usageKnown }

// EstimatedOutput is the output tokens by the 4-bytes rule, for a stream
// whose upstream reported no usage.
func (s *Stream) EstimatedOutput() int { return (s.outBytes + 3) / 4 }

// Ended reports whether Done or Error ended the stream.
func (s *Stream) Ended() bool { return s.ended }

func appendEvent(dst []byte, name string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, "\ndata: "...)
	return dst
}

func (s *Stream) start(dst []byte, id []byte) []byte {
	s.started = true
	dst = appendEvent(dst, "message_start")
	dst = append(dst, `{"type":"message_start","message":{"id":`...)
	dst = appendMessageID(dst, id)
	dst = append(dst, `,"type":"message","role":"assistant","model":`...)
	dst = jsonw.String(dst, s.model)
	dst = append(dst, `,"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":`...)
	dst = strconv.AppendInt(dst, int64(s.input), 10)
	dst = append(dst, `,"output_tokens":0}}}`+"\n\n"...)
	return dst
}

// Chunk appends the events for one chunk's JSON (an SSE data payload).
func (s *Stream) Chunk(dst, data []byte) ([]byte, error) {
	if s.ended {
		return dst, nil
	}
	v, err := s.p.ParseBytes(data)
	if err != nil {
		return dst, err
	}
	if !s.started {
		dst = s.start(dst, v.GetStringBytes("id"))
	}
	if u := v.Get("usage"); u != nil && u.Type() == fastjson.TypeObject {
		s.usage, s.usageKnown = readUsage(u), true
	}
	choices := v.GetArray("choices")
	if len(choices) == 0 {
		return dst, nil
	}
	c := choices[0]
	if d := c.Get("delta"); d != nil {
		if r := reasoning(d); len(r) > 0 {
			dst = s.delta(dst, thinkingBlock, r)
		}
		if t := d.GetStringBytes("content"); len(t) > 0 {
			dst = s.delta(dst, textBlock, t)
		}
		for _, tc := range d.GetArray("tool_calls") {
			dst = s.toolDelta(dst, tc)
		}
	}
	if f := c.GetStringBytes("finish_reason"); len(f) > 0 {
		s.stop = StopReason(f)
		dst = s.closeBlock(dst)
	}
	return dst, nil
}

// delta appends a text or thinking delta, opening its block first when
// another (or none) is open.
func (s *Stream) delta(dst []byte, kind block, text []byte) []byte {
	s.outBytes += len(text)
	if s.open != kind {
		dst = s.closeBlock(dst)
		dst = s.openBlock(dst, kind)
		if kind == textBlock {
			dst = append(dst, `{"type":"text","text":""}}`+"\n\n"...)
		} else {
			dst = append(dst, `{"type":"thinking","thinking":"","signature":""}}`+"\n\n"...)
		}
	}
	dst = appendEvent(dst, "content_block_delta")
	dst = append(dst, `{"type":"content_block_delta","index":`...)
	dst = strconv.AppendInt(dst, int64(s.next-1), 10)
	if kind == textBlock {
		dst = append(dst, `,"delta":{"type":"text_delta","text":`...)
	} else {
		dst = append(dst, `,"delta":{"type":"thinking_delta","thinking":`...)
	}
	dst = jsonw.Bytes(dst, text)
	return append(dst, "}}\n\n"...)
}

// toolDelta appends one tool call delta: a call with an id (or a new
// index) opens a tool_use block, its arguments go out as input_json_delta.
// OpenAI sends each call's pieces in a row (a piece of a call whose block
// was closed by another call's would open a new block).
func (s *Stream) toolDelta(dst []byte, tc *fastjson.Value) []byte {
	idx := tc.GetInt("index")
	id := tc.GetStringBytes("id")
	// A new call: another index, or another id (servers that send no index,
	// or repeat the id on every piece of one call).
	if s.open != toolBlock || idx != s.tool || (len(id) > 0 && !bytes.Equal(id, s.toolID)) {
		dst = s.closeBlock(dst)
		dst = s.openBlock(dst, toolBlock)
		s.tool, s.toolID = idx, append(s.toolID[:0], id...)
		dst = append(dst, `{"type":"tool_use","id":`...)
		dst = jsonw.Bytes(dst, id)
		dst = append(dst, `,"name":`...)
		dst = jsonw.Bytes(dst, tc.GetStringBytes("function", "name"))
		dst = append(dst, `,"input":{}}}`+"\n\n"...)
	}
	args := tc.GetStringBytes("function", "arguments")
	if len(args) == 0 {
		return dst
	}
	s.outBytes += len(args)
	dst = appendEvent(dst, "content_block_delta")
	dst = append(dst, `{"type":"content_block_delta","index":`...)
	dst = strconv.AppendInt(dst, int64(s.next-1), 10)
	dst = append(dst, `,"delta":{"type":"input_json_delta","partial_json":`...)
	dst = jsonw.Bytes(dst, args)
	return append(dst, "}}\n\n"...)
}

// openBlock writes a content_block_start up to its content_block value.
func (s *Stream) openBlock(dst []byte, kind block) []byte {
	s.open = kind
	dst = appendEvent(dst, "content_block_start")
	dst = append(dst, `{"type":"content_block_start","index":`...)
	dst = strconv.AppendInt(dst, int64(s.next), 10)
	s.next++
	return append(dst, `,"content_block":`...)
}

func (s *Stream) closeBlock(dst []byte) []byte {
	if s.open == noBlock {
		return dst
	}
	s.open = noBlock
	dst = appendEvent(dst, "content_block_stop")
	dst = append(dst, `{"type":"content_block_stop","index":`...)
	dst = strconv.AppendInt(dst, int64(s.next-1), 10)
	return append(dst, "}\n\n"...)
}

// Done appends the end of the message: the open block's stop,
// message_delta with the stop reason and u, and message_stop.
func (s *Stream) Done(dst []byte, u Usage) []byte {
	if s.ended {
		return dst
	}
	if !s.started {
		dst = s.start(dst, nil)
	}
	dst = s.closeBlock(dst)
	s.ended = true
	dst = appendEvent(dst, "message_delta")
	dst = append(dst, `{"type":"message_delta","delta":{"stop_reason":`...)
	dst = append(dst, s.stop...)
	dst = append(dst, `,"stop_sequence":null},"usage":{`...)
	dst = appendUsage(dst, u)
	dst = append(dst, "}}\n\n"...)
	dst = appendEvent(dst, "message_stop")
	return append(dst, `{"type":"message_stop"}`+"\n\n"...)
}

// Error appends the error event that ends the stream.
func (s *Stream) Error(dst []byte, typ, msg string) []byte {
	if s.ended {
		return dst
	}
	s.ended = true
	return AppendErrorEvent(dst, typ, msg)
}

var errorKey = []byte(`"error"`)

// Event appends the events for one framed OpenAI SSE event: a chunk, the
// [DONE] marker (ended with usage, or the fallback when no chunk carried
// any) or an {"error":…} event. Comments and empty events add nothing.
func (s *Stream) Event(dst, ev []byte, fallback Usage) ([]byte, error) {
	data := jsonscan.EventData(ev)
	switch {
	case len(data) == 0:
		return dst, nil
	case string(data) == "[DONE]":
		u, ok := s.Usage()
		if !ok {
			u = fallback
		}
		return s.Done(dst, u), nil
	case jsonscan.HasNonNullValue(data, errorKey):
		v, err := s.p.ParseBytes(data)
		if err != nil {
			return s.Error(dst, TypeAPI, "the upstream stream failed"), nil
		}
		e := v.Get("error")
		msg := e.GetStringBytes("message")
		if len(msg) == 0 && e.Type() == fastjson.TypeString {
			msg = e.GetStringBytes()
		}
		return s.Error(dst, ErrorTypeOf(string(e.GetStringBytes("type")), string(e.GetStringBytes("code"))), string(msg)), nil
	}
	return s.Chunk(dst, data)
}

// ErrorTypeOf maps an OpenAI error type and code (as the gateway and
// OpenAI-compatible upstreams write them) to Anthropic's error type.
func ErrorTypeOf(typ, code string) string {
	switch code {
	case "upstream_unavailable", "overloaded", "upstream_overloaded":
		return TypeOverloaded
	case "request_too_large", "body_too_large":
		return TypeTooLarge
	}
	switch typ {
	case TypeInvalidRequest, TypeAuthentication, TypePermission, TypeNotFound, TypeRateLimit, TypeOverloaded:
		return typ
	case "insufficient_quota", "tokens", "requests":
		return TypeRateLimit
	}
	return TypeAPI
}
