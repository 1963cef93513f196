package anthropic

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fastjson"
)

// maxEvent bounds one SSE event a stream buffers.
const maxEvent = 8 << 20

var errEventTooLarge = errors.New("anthropic: stream event larger than 8 MiB")

// stream turns the Messages API's events into chat.completion.chunk JSON
// as they arrive: each content delta is one chunk, message_delta carries
// the finish reason, message_stop the usage chunk. Events with nothing to
// say to an OpenAI client (ping, content_block_stop, message_start, whose
// id, model and usage are kept) produce no chunk. Buffers are reused: no
// allocation per event once warm.
type stream struct {
	br      *bufio.Reader
	line    []byte // a line longer than br's buffer, gathered
	data    []byte // the event's data
	out     []byte
	ps      fastjson.Parser
	id      []byte
	model   []byte
	created int64
	u       usage
	tools   []int16 // by content block index: its tool_calls index, or -1
	nTools  int
	role    bool // the first chunk (with the assistant role) went out
	ended   bool // message_stop seen: the usage chunk went out
	err     error
}

var streamPool = sync.Pool{New: func() any {
	return &stream{br: bufio.NewReaderSize(nil, 16<<10), out: make([]byte, 0, 1024)}
}}

// NewStream decodes a Messages API event stream read from r.
func (p *Provider) NewStream(r io.Reader, c *providers.Call) providers.Stream {
	s := streamPool.Get().(*stream)
	s.br.Reset(r)
	s.model = append(s.model[:0], c.Model...)
	s.created = time.Now().Unix()
	return s
}

func (s *stream) Close() {
	s.br.Reset(nil)
	*s = stream{br: s.br, line: keep(s.line), data: keep(s.data), out: keep(s.out), ps: s.ps,
		id: s.id[:0], model: s.model[:0], tools: s.tools[:0]}
	streamPool.Put(s)
}

func keep(b []byte) []byte {
	if cap(b) > 1<<20 {
		return nil
	}
	return b[:0]
}

// Next returns the next chunk; see providers.Stream.
func (s *stream) Next() ([]byte, error) {
	for s.err == nil {
		if s.ended {
			// Read the body to its end (the API ends it right after
			// message_stop) so the upstream connection goes back to its
			// pool instead of being discarded with unread bytes.
			_, _ = io.CopyN(io.Discard, s.br, 64<<10)
			s.err = io.EOF
			break
		}
		data, err := s.readEvent()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the stream ended before message_stop
			}
			s.err = err
			break
		}
		out, err := s.translate(data)
		if err != nil {
			s.err = err
			break
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, s.err
}

// readEvent returns the data of the next event (its data lines joined).
func (s *stream) readEvent() ([]byte, error) {
	s.data = s.data[:0]
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && len(s.data) > 0 {
				return s.data, nil // the last event, without its blank line
			}
			return nil, err
		}
		switch {
		case len(line) == 0:
			if len(s.data) > 0 {
				return s.data, nil
			}
		case bytes.HasPrefix(line, []byte("data:")):
			d := line[5:]
			if len(d) > 0 && d[0] == ' ' {
				d = d[1:]
			}
			if len(s.data) > 0 {
				s.data = append(s.data, '\n')
			}
			if len(s.data)+len(d) > maxEvent {
				return nil, errEventTooLarge
			}
			s.data = append(s.data, d...)
		}
		// event:, id:, retry: and comments: the type is in the data
	}
}

// readLine returns the next line without its end, valid until the next call.
func (s *stream) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.line = append(s.line[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.br.ReadSlice('\n')
			if len(s.line)+len(line) > maxEvent {
				return nil, errEventTooLarge
			}
			s.line = append(s.line, line...)
		}
		line = s.line
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

// translate turns one event's data into a chunk, or nil for none.
func (s *stream) translate(data []byte) ([]byte, error) {
	v, err := s.ps.ParseBytes(data)
	if err != nil {
		return nil, malformed("a stream event is not JSON")
	}
	switch string(v.GetStringBytes("type")) {
	case "message_start":
		m := v.Get("message")
		if m == nil {
			return nil, malformed("message_start without a message")
		}
		s.id = append(s.id[:0], m.GetStringBytes("id")...)
		if model := m.GetStringBytes("model"); len(model) > 0 {
			s.model = append(s.model[:0], model...)
		}
		s.u.read(m.Get("usage"))
	case "content_block_start":
		cb := v.Get("content_block")
		switch string(cb.GetStringBytes("type")) {
		case "tool_use":
			ti, err := s.startTool(v.GetInt("index"))
			if err != nil {
				return nil, err
			}
			s.begin()
			s.out = append(s.out, `"tool_calls":[{"index":`...)
			s.out = appendInt(s.out, ti)
			s.out = append(s.out, `,"id":`...)
			s.out = jsonw.Bytes(s.out, cb.GetStringBytes("id"))
			s.out = append(s.out, `,"type":"function","function":{"name":`...)
			s.out = jsonw.Bytes(s.out, cb.GetStringBytes("name"))
			s.out = append(s.out, `,"arguments":""}}]`...)
			return s.end(""), nil
		case "text":
			return s.textChunk("content", cb.GetStringBytes("text")), nil
		case "thinking":
			return s.textChunk("reasoning_content", cb.GetStringBytes("thinking")), nil
		}
	case "content_block_delta":
		d := v.Get("delta")
		switch string(d.GetStringBytes("type")) {
		case "text_delta":
			return s.textChunk("content", d.GetStringBytes("text")), nil
		case "thinking_delta":
			return s.textChunk("reasoning_content", d.GetStringBytes("thinking")), nil
		case "input_json_delta":
			part := d.GetStringBytes("partial_json")
			i := v.GetInt("index")
			if i < 0 || i >= len(s.tools) || s.tools[i] < 0 {
				return nil, malformed("input_json_delta for a block that is not a tool_use")
			}
			if len(part) == 0 {
				return nil, nil
			}
			s.begin()
			s.out = append(s.out, `"tool_calls":[{"index":`...)
			s.out = appendInt(s.out, int(s.tools[i]))
			s.out = append(s.out, `,"function":{"arguments":`...)
			s.out = jsonw.Bytes(s.out, part)
			s.out = append(s.out, "}}]"...)
			return s.end(""), nil
		}
		// signature_delta, citations_delta: nothing an OpenAI client reads
	case "message_delta":
		s.u.read(v.Get("usage"))
		if stop := v.GetStringBytes("delta", "stop_reason"); stop != nil {
			s.begin()
			return s.end(finishReason(stop)), nil
		}
	case "message_stop":
		s.ended = true
		s.out = appendHead(s.out[:0], s.id, "chat.completion.chunk", s.created, s.model)
		s.out = append(s.out, `,"choices":[],"usage":`...)
		s.out = s.u.appendOpenAI(s.out)
		return append(s.out, '}'), nil
	case "error":
		return nil, errorFor(0, string(v.GetStringBytes("error", "type")), string(v.GetStringBytes("error", "message")))
	case "":
		return nil, malformed("a stream event without a type")
	}
	// ping, content_block_stop, and event types added later: nothing to say
	return nil, nil
}

// startTool records content block i as the next tool call.
func (s *stream) startTool(i int) (int, error) {
	if i < 0 || i >= 4096 {
		return 0, malformed("content block index out of range")
	}
	for len(s.tools) <= i {
		s.tools = append(s.tools, -1)
	}
	s.tools[i] = int16(s.nTools)
	s.nTools++
	return s.nTools - 1, nil
}

// begin writes a chunk's head up to the open delta object, with the
// assistant role on the first.
func (s *stream) begin() {
	s.out = appendHead(s.out[:0], s.id, "chat.completion.chunk", s.created, s.model)
	s.out = append(s.out, `,"choices":[{"index":0,"delta":{`...)
	if !s.role {
		s.role = true
		s.out = append(s.out, `"role":"assistant"`...)
		s.out = append(s.out, ',')
	}
}

// end closes the delta and the chunk with finish ("" is null).
func (s *stream) end(finish string) []byte {
	if s.out[len(s.out)-1] == ',' {
		s.out = s.out[:len(s.out)-1]
	}
	s.out = append(s.out, `},"logprobs":null,"finish_reason":`...)
	if finish == "" {
		s.out = append(s.out, "null"...)
	} else {
		s.out = append(s.out, '"')
		s.out = append(s.out, finish...)
		s.out = append(s.out, '"')
	}
	return append(s.out, "}]}"...)
}

// textChunk is a delta carrying text in field key; nil when text is empty.
func (s *stream) textChunk(key string, text []byte) []byte {
	if len(text) == 0 {
		return nil
	}
	s.begin()
	s.out = append(s.out, '"')
	s.out = append(s.out, key...)
	s.out = append(s.out, `":`...)
	s.out = jsonw.Bytes(s.out, text)
	return s.end("")
}
