package cache

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// recorder is the cache's StreamFilter for a streamed answer it will store:
// it passes each event on unchanged, collects the chunks' deltas (content,
// refusal, tool calls, finish_reason per choice), and hands the leader's
// events to its coalesced followers as they come. The stage sits nearest
// the upstream, so it records the upstream's answer before any output
// filter rewrites it: a hit is filtered again on its way out.
type recorder struct {
	p       fastjson.Parser
	flight  *flight // this request leads one: followers get its events
	limit   int     // bytes collected at most; beyond, the answer is not stored
	size    int
	tooBig  bool
	broken  bool // an event did not parse, or carried an error
	flushed bool // the stream ended normally (Flush ran)

	id, model []byte
	created   int64
	choices   []choiceRec
	usage     metering.Usage
	hasUsage  bool
}

type choiceRec struct {
	index   int
	content []byte
	refusal []byte
	finish  []byte
	tools   []toolRec
}

type toolRec struct {
	id, name, args []byte
}

var _ gateway.StreamFilter = (*recorder)(nil)

func (r *recorder) Event(ev []byte, out *gateway.Events) *gateway.APIError {
	out.Emit(ev)
	data, ok := eventData(ev)
	if !ok {
		return nil // a comment or another field: nothing to record
	}
	usageOnly := r.collect(data)
	if r.flight != nil && !usageOnly {
		r.flight.event(ev)
	}
	return nil
}

func (r *recorder) Flush(*gateway.Events) *gateway.APIError {
	r.flushed = true
	return nil
}

// eventData returns the data payload of a "data: …\n\n" event.
func eventData(ev []byte) ([]byte, bool) {
	ev = bytes.TrimRight(ev, "\r\n")
	if !bytes.HasPrefix(ev, []byte("data:")) {
		return nil, false
	}
	return bytes.TrimSpace(ev[5:]), true
}

// collect records one chunk; it reports a chunk carrying only usage (the
// followers get their own usage chunk, or none).
func (r *recorder) collect(data []byte) (usageOnly bool) {
	if r.broken || r.tooBig {
		return false
	}
	v, err := r.p.ParseBytes(data)
	if err != nil || v.Get("error") != nil {
		r.broken = true
		return false
	}
	if r.id == nil {
		r.id = append([]byte{}, v.GetStringBytes("id")...)
		r.model = append([]byte{}, v.GetStringBytes("model")...)
		r.created = v.GetInt64("created")
	}
	if u := v.Get("usage"); u != nil && u.Type() == fastjson.TypeObject {
		r.usage = metering.Usage{PromptTokens: u.GetInt("prompt_tokens"), CompletionTokens: u.GetInt("completion_tokens")}
		r.hasUsage = true
	}
	choices := v.GetArray("choices")
	for _, ch := range choices {
		c := r.choice(ch.GetInt("index"))
		d := ch.Get("delta")
		if d != nil {
			c.content = append(c.content, d.GetStringBytes("content")...)
			c.refusal = append(c.refusal, d.GetStringBytes("refusal")...)
			for _, tc := range d.GetArray("tool_calls") {
				i := tc.GetInt("index")
				for len(c.tools) <= i && i < 128 {
					c.tools = append(c.tools, toolRec{})
				}
				if i >= len(c.tools) {
					r.broken = true
					return false
				}
				t := &c.tools[i]
				t.id = append(t.id, tc.GetStringBytes("id")...)
				t.name = append(t.name, tc.GetStringBytes("function", "name")...)
				t.args = append(t.args, tc.GetStringBytes("function", "arguments")...)
				r.size += len(tc.GetStringBytes("function", "arguments"))
			}
			r.size += len(d.GetStringBytes("content"))
		}
		if f := ch.GetStringBytes("finish_reason"); len(f) > 0 {
			c.finish = append(c.finish[:0], f...)
		}
	}
	if r.size > r.limit {
		r.tooBig = true
	}
	return len(choices) == 0 && r.hasUsage
}

func (r *recorder) choice(index int) *choiceRec {
	for i := range r.choices {
		if r.choices[i].index == index {
			return &r.choices[i]
		}
	}
	r.choices = append(r.choices, choiceRec{index: index})
	return &r.choices[len(r.choices)-1]
}

// complete reports a stream that ended normally with every choice finished.
func (r *recorder) complete() bool {
	if !r.flushed || r.broken || len(r.choices) == 0 {
		return false
	}
	for i := range r.choices {
		if len(r.choices[i].finish) == 0 {
			return false
		}
	}
	return true
}

// entry builds the chat.completion the stream amounts to. u is the
// upstream's usage when the gateway has it (the hidden usage chunk).
func (r *recorder) entry(u metering.Usage, known bool) *Entry {
	if !known && r.hasUsage {
		u, known = r.usage, true
	}
	b := make([]byte, 0, r.size+256)
	b = append(b, `{"id":`...)
	b = jsonw.Bytes(b, r.id)
	b = append(b, `,"object":"chat.completion","created":`...)
	b = strconv.AppendInt(b, r.created, 10)
	b = append(b, `,"model":`...)
	b = jsonw.Bytes(b, r.model)
	b = append(b, `,"choices":[`...)
	for i := range r.choices {
		c := &r.choices[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"index":`...)
		b = strconv.AppendInt(b, int64(c.index), 10)
		b = append(b, `,"message":{"role":"assistant","content":`...)
		if len(c.content) == 0 && len(c.tools) > 0 {
			b = append(b, "null"...)
		} else {
			b = jsonw.Bytes(b, c.content)
		}
		if len(c.refusal) > 0 {
			b = append(b, `,"refusal":`...)
			b = jsonw.Bytes(b, c.refusal)
		}
		if len(c.tools) > 0 {
			b = append(b, `,"tool_calls":[`...)
			for j, t := range c.tools {
				if j > 0 {
					b = append(b, ',')
				}
				b = append(b, `{"id":`...)
				b = jsonw.Bytes(b, t.id)
				b = append(b, `,"type":"function","function":{"name":`...)
				b = jsonw.Bytes(b, t.name)
				b = append(b, `,"arguments":`...)
				b = jsonw.Bytes(b, t.args)
				b = append(b, `}}`...)
			}
			b = append(b, ']')
		}
		b = append(b, `},"finish_reason":`...)
		b = jsonw.Bytes(b, c.finish)
		b = append(b, '}')
	}
	b = append(b, ']')
	if known {
		b = append(b, `,"usage":`...)
		b = appendUsage(b, u)
	}
	b = append(b, '}')
	return &Entry{Kind: KindChat, Model: string(r.model), Usage: u, Body: b}
}
