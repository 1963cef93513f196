package messagesapi

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// Request is what the gateway needs to know of a translated request.
type Request struct {
	Model     string // the model the client named
	Stream    bool
	MaxTokens int // 0 when not given (count_tokens)
	// Ignored names the fields the OpenAI shape cannot carry and that were
	// not forwarded ("top_k"); "" when none.
	Ignored string
}

// Mode says which endpoint the body was sent to.
type Mode uint8

const (
	Messages    Mode = iota // POST /v1/messages: max_tokens is required
	CountTokens             // POST /v1/messages/count_tokens: no max_tokens
)

// Thinking budgets at which reasoning_effort steps up (see the package doc).
const (
	mediumEffortBudget = 4096
	highEffortBudget   = 16384
)

// TranslateRequest validates an Anthropic Messages request as Anthropic
// does and appends the equivalent OpenAI chat completions request to dst.
// p parses body (the caller pools it); nothing returned points into it
// but the appended bytes.
func TranslateRequest(dst, body []byte, p *fastjson.Parser, mode Mode) ([]byte, Request, *Error) {
	var r Request
	if len(body) == 0 {
		return dst, r, invalid("request body is empty; send a JSON object")
	}
	v, err := p.ParseBytes(body)
	if err != nil {
		return dst, r, invalid("request body is not valid JSON: " + err.Error())
	}
	if v.Type() != fastjson.TypeObject {
		return dst, r, invalid("request body must be a JSON object")
	}
	model := v.GetStringBytes("model")
	if len(model) == 0 {
		return dst, r, invalid("model: Field required")
	}
	r.Model = string(model)
	w := requestWriter{dst: dst}
	w.dst = append(w.dst, `{"model":`...)
	w.dst = jsonw.Bytes(w.dst, model)
	if e := w.maxTokens(v.Get("max_tokens"), mode); e != nil {
		return dst, r, e
	}
	if e := w.messages(v.Get("system"), v.Get("messages")); e != nil {
		return dst, r, e
	}
	if e := w.tools(v.Get("tools"), v.Get("tool_choice")); e != nil {
		return dst, r, e
	}
	if e := w.sampling(v, &r); e != nil {
		return dst, r, e
	}
	if mode == Messages {
		if sv := v.Get("stream"); sv != nil {
			switch sv.Type() {
			case fastjson.TypeTrue:
				r.Stream = true
				w.dst = append(w.dst, `,"stream":true`...)
			case fastjson.TypeFalse, fastjson.TypeNull:
			default:
				return dst, r, invalid("stream: Input should be a valid boolean")
			}
		}
	}
	w.dst = append(w.dst, '}')
	r.MaxTokens = w.maxTokensSeen
	return w.dst, r, nil
}

type requestWriter struct {
	dst           []byte
	scratch       []byte
	maxTokensSeen int
}

func (w *requestWriter) maxTokens(mt *fastjson.Value, mode Mode) *Error {
	if mt == nil || mt.Type() == fastjson.TypeNull {
		if mode == CountTokens {
			return nil
		}
		return invalid("max_tokens: Field required")
	}
	n, err := mt.Int()
	if err != nil || n < 1 {
		return invalid("max_tokens: Input should be an integer greater than or equal to 1")
	}
	w.maxTokensSeen = n
	if mode == Messages {
		w.dst = append(w.dst, `,"max_tokens":`...)
		w.dst = strconv.AppendInt(w.dst, int64(n), 10)
	}
	return nil
}

// messages writes "messages": the system prompt first, then each turn.
// A user turn's tool_result blocks become tool messages ahead of the rest
// of the turn, since OpenAI wants them right after the assistant's calls.
func (w *requestWriter) messages(system, msgs *fastjson.Value) *Error {
	if msgs == nil {
		return invalid("messages: Field required")
	}
	arr, err := msgs.Array()
	if err != nil {
		return invalid("messages: Input should be a valid list")
	}
	if len(arr) == 0 {
		return invalid("messages: at least one message is required")
	}
	w.dst = append(w.dst, `,"messages":[`...)
	first := true
	if system != nil && system.Type() != fastjson.TypeNull {
		text, e := w.systemText(system)
		if e != nil {
			return e
		}
		w.dst = append(w.dst, `{"role":"system","content":`...)
		w.dst = jsonw.Bytes(w.dst, text)
		w.dst = append(w.dst, '}')
		first = false
	}
	for i, m := range arr {
		if m.Type() != fastjson.TypeObject {
			return invalid("messages." + strconv.Itoa(i) + ": Input should be a valid dictionary")
		}
		var e *Error
		switch string(m.GetStringBytes("role")) {
		case "user":
			e = w.userTurn(i, m.Get("content"), &first)
		case "assistant":
			e = w.assistantTurn(i, m.Get("content"), &first)
		default:
			return invalid("messages." + strconv.Itoa(i) + ".role: Input should be 'user' or 'assistant'")
		}
		if e != nil {
			return e
		}
	}
	w.dst = append(w.dst, ']')
	return nil
}

// systemText joins a system prompt given as a string or as text blocks.
func (w *requestWriter) systemText(system *fastjson.Value) ([]byte, *Error) {
	switch system.Type() {
	case fastjson.TypeString:
		return system.GetStringBytes(), nil
	case fastjson.TypeArray:
		w.scratch = w.scratch[:0]
		for i, b := range system.GetArray() {
			if string(b.GetStringBytes("type")) != "text" {
				return nil, invalid("system." + strconv.Itoa(i) + ": only text blocks are allowed in system")
			}
			if i > 0 {
				w.scratch = append(w.scratch, '\n')
			}
			w.scratch = append(w.scratch, b.GetStringBytes("text")...)
		}
		return w.scratch, nil
	}
	return nil, invalid("system: Input should be a valid string or list of text blocks")
}

func (w *requestWriter) sep(first *bool) {
	if !*first {
		w.dst = append(w.dst, ',')
	}
	*first = false
}

func contentBlocks(i int, content *fastjson.Value) ([]*fastjson.Value, *Error) {
	if content == nil {
		return nil, invalid("messages." + strconv.Itoa(i) + ".content: Field required")
	}
	arr, err := content.Array()
	if err != nil {
		return nil, invalid("messages." + strconv.Itoa(i) + ".content: Input should be a valid string or list of content blocks")
	}
	return arr, nil
}

func (w *requestWriter) userTurn(i int, content *fastjson.Value, first *bool) *Error {
	if content != nil && content.Type() == fastjson.TypeString {
		w.sep(first)
		w.dst = append(w.dst, `{"role":"user","content":`...)
		w.dst = jsonw.Bytes(w.dst, content.GetStringBytes())
		w.dst = append(w.dst, '}')
		return nil
	}
	blocks, e := contentBlocks(i, content)
	if e != nil {
		return e
	}
	parts := 0
	for j, b := range blocks {
		switch string(b.GetStringBytes("type")) {
		case "tool_result":
			w.sep(first)
			if e := w.toolResult(i, j, b); e != nil {
				return e
			}
		case "text", "image":
			parts++
		default:
			return unsupportedBlock(i, j, b)
		}
	}
	if parts == 0 {
		return nil
	}
	w.sep(first)
	if parts == 1 {
		if b := onlyText(blocks); b != nil { // a lone text block: plain content, as every server reads it
			w.dst = append(w.dst, `{"role":"user","content":`...)
			w.dst = jsonw.Bytes(w.dst, b.GetStringBytes("text"))
			w.dst = append(w.dst, '}')
			return nil
		}
	}
	w.dst = append(w.dst, `{"role":"user","content":[`...)
	n := 0
	for j, b := range blocks {
		t := string(b.GetStringBytes("type"))
		if t == "tool_result" {
			continue
		}
		if n > 0 {
			w.dst = append(w.dst, ',')
		}
		n++
		if t == "text" {
			w.dst = append(w.dst, `{"type":"text","text":`...)
			w.dst = jsonw.Bytes(w.dst, b.GetStringBytes("text"))
			w.dst = append(w.dst, '}')
			continue
		}
		if e := w.image(i, j, b); e != nil {
			return e
		}
	}
	w.dst = append(w.dst, `]}`...)
	return nil
}

// onlyText returns the text block of a turn whose one non-tool_result
// block is text, else nil.
func onlyText(blocks []*fastjson.Value) *fastjson.Value {
	for _, b := range blocks {
		switch string(b.GetStringBytes("type")) {
		case "text":
			return b
		case "image":
			return nil
		}
	}
	return nil
}

func unsupportedBlock(i, j int, b *fastjson.Value) *Error {
	return invalid("messages." + strconv.Itoa(i) + ".content." + strconv.Itoa(j) +
		": content blocks of type '" + string(b.GetStringBytes("type")) + "' cannot be sent to this model (no OpenAI equivalent)")
}

// image writes an image block as an image_url part: a base64 source as a
// data URL, a url source as it is.
func (w *requestWriter) image(i, j int, b *fastjson.Value) *Error {
	src := b.Get("source")
	where := "messages." + strconv.Itoa(i) + ".content." + strconv.Itoa(j) + ".source"
	if src == nil {
		return invalid(where + ": Field required")
	}
	w.dst = append(w.dst, `{"type":"image_url","image_url":{"url":`...)
	switch string(src.GetStringBytes("type")) {
	case "base64":
		w.scratch = append(w.scratch[:0], "data:"...)
		w.scratch = append(w.scratch, src.GetStringBytes("media_type")...)
		w.scratch = append(w.scratch, ";base64,"...)
		w.scratch = append(w.scratch, src.GetStringBytes("data")...)
		w.dst = jsonw.Bytes(w.dst, w.scratch)
	case "url":
		w.dst = jsonw.Bytes(w.dst, src.GetStringBytes("url"))
	default:
		return invalid(where + ".type: image sources must be 'base64' or 'url' here")
	}
	w.dst = append(w.dst, `}}`...)
	return nil
}

// toolResult writes a tool message: its content is a string or text
// blocks (joined); an error result says so in the text.
func (w *requestWriter) toolResult(i, j int, b *fastjson.Value) *Error {
	w.dst = append(w.dst, `{"role":"tool","tool_call_id":`...)
	w.dst = jsonw.Bytes(w.dst, b.GetStringBytes("tool_use_id"))
	w.dst = append(w.dst, `,"content":`...)
	w.scratch = w.scratch[:0]
	if b.GetBool("is_error") {
		w.scratch = append(w.scratch, "Error: "...)
	}
	if c := b.Get("content"); c != nil {
		switch c.Type() {
		case fastjson.TypeString:
			w.scratch = append(w.scratch, c.GetStringBytes()...)
		case fastjson.TypeArray:
			for k, part := range c.GetArray() {
				if string(part.GetStringBytes("type")) != "text" {
					return invalid("messages." + strconv.Itoa(i) + ".content." + strconv.Itoa(j) + ".content." + strconv.Itoa(k) +
						": only text blocks can be sent in a tool result to this model")
				}
				if k > 0 {
					w.scratch = append(w.scratch, '\n')
				}
				w.scratch = append(w.scratch, part.GetStringBytes("text")...)
			}
		}
	}
	w.dst = jsonw.Bytes(w.dst, w.scratch)
	w.dst = append(w.dst, '}')
	return nil
}

// assistantTurn writes one assistant message: its text blocks joined as
// content, its tool_use blocks as tool_calls (input as the arguments
// string).
func (w *requestWriter) assistantTurn(i int, content *fastjson.Value, first *bool) *Error {
	w.sep(first)
	w.dst = append(w.dst, `{"role":"assistant","content":`...)
	if content != nil && content.Type() == fastjson.TypeString {
		w.dst = jsonw.Bytes(w.dst, content.GetStringBytes())
		w.dst = append(w.dst, '}')
		return nil
	}
	blocks, e := contentBlocks(i, content)
	if e != nil {
		return e
	}
	w.scratch = w.scratch[:0]
	calls := 0
	for j, b := range blocks {
		switch string(b.GetStringBytes("type")) {
		case "text":
			w.scratch = append(w.scratch, b.GetStringBytes("text")...)
		case "tool_use":
			calls++
		case "thinking", "redacted_thinking":
			// No OpenAI form: dropped (see the package doc).
		default:
			return unsupportedBlock(i, j, b)
		}
	}
	if len(w.scratch) == 0 && calls > 0 {
		w.dst = append(w.dst, "null"...)
	} else {
		w.dst = jsonw.Bytes(w.dst, w.scratch)
	}
	if calls > 0 {
		w.dst = append(w.dst, `,"tool_calls":[`...)
		n := 0
		for _, b := range blocks {
			if string(b.GetStringBytes("type")) != "tool_use" {
				continue
			}
			if n > 0 {
				w.dst = append(w.dst, ',')
			}
			n++
			w.dst = append(w.dst, `{"id":`...)
			w.dst = jsonw.Bytes(w.dst, b.GetStringBytes("id"))
			w.dst = append(w.dst, `,"type":"function","function":{"name":`...)
			w.dst = jsonw.Bytes(w.dst, b.GetStringBytes("name"))
			w.dst = append(w.dst, `,"arguments":`...)
			w.scratch = w.scratch[:0]
			if in := b.Get("input"); in != nil {
				w.scratch = in.MarshalTo(w.scratch)
			} else {
				w.scratch = append(w.scratch, "{}"...)
			}
			w.dst = jsonw.Bytes(w.dst, w.scratch)
			w.dst = append(w.dst, `}}`...)
		}
		w.dst = append(w.dst, ']')
	}
	w.dst = append(w.dst, '}')
	return nil
}

// tools writes client tools as functions (input_schema → parameters) and
// tool_choice; server tools (a type other than "custom") are refused.
func (w *requestWriter) tools(tools, choice *fastjson.Value) *Error {
	if tools != nil && tools.Type() != fastjson.TypeNull {
		arr, err := tools.Array()
		if err != nil {
			return invalid("tools: Input should be a valid list")
		}
		if len(arr) > 0 {
			w.dst = append(w.dst, `,"tools":[`...)
			for i, t := range arr {
				if typ := t.GetStringBytes("type"); len(typ) > 0 && string(typ) != "custom" {
					return invalid("tools." + strconv.Itoa(i) + ".type: server tools ('" + string(typ) +
						"') cannot be used with this model (no OpenAI equivalent)")
				}
				name := t.GetStringBytes("name")
				if len(name) == 0 {
					return invalid("tools." + strconv.Itoa(i) + ".name: Field required")
				}
				if i > 0 {
					w.dst = append(w.dst, ',')
				}
				w.dst = append(w.dst, `{"type":"function","function":{"name":`...)
				w.dst = jsonw.Bytes(w.dst, name)
				if d := t.GetStringBytes("description"); len(d) > 0 {
					w.dst = append(w.dst, `,"description":`...)
					w.dst = jsonw.Bytes(w.dst, d)
				}
				w.dst = append(w.dst, `,"parameters":`...)
				if s := t.Get("input_schema"); s != nil && s.Type() == fastjson.TypeObject {
					w.dst = s.MarshalTo(w.dst)
				} else {
					return invalid("tools." + strconv.Itoa(i) + ".input_schema: Field required")
				}
				w.dst = append(w.dst, `}}`...)
			}
			w.dst = append(w.dst, ']')
		}
	}
	if choice == nil || choice.Type() == fastjson.TypeNull {
		return nil
	}
	w.dst = append(w.dst, `,"tool_choice":`...)
	switch string(choice.GetStringBytes("type")) {
	case "auto":
		w.dst = append(w.dst, `"auto"`...)
	case "any":
		w.dst = append(w.dst, `"required"`...)
	case "none":
		w.dst = append(w.dst, `"none"`...)
	case "tool":
		name := choice.GetStringBytes("name")
		if len(name) == 0 {
			return invalid("tool_choice.name: Field required")
		}
		w.dst = append(w.dst, `{"type":"function","function":{"name":`...)
		w.dst = jsonw.Bytes(w.dst, name)
		w.dst = append(w.dst, `}}`...)
	default:
		return invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
	}
	if choice.GetBool("disable_parallel_tool_use") {
		w.dst = append(w.dst, `,"parallel_tool_calls":false`...)
	}
	return nil
}

// sampling writes the scalar parameters: stop_sequences, temperature,
// top_p, metadata.user_id and thinking; top_k is noted as ignored.
func (w *requestWriter) sampling(v *fastjson.Value, r *Request) *Error {
	if ss := v.Get("stop_sequences"); ss != nil && ss.Type() != fastjson.TypeNull {
		arr, err := ss.Array()
		if err != nil {
			return invalid("stop_sequences: Input should be a valid list")
		}
		if len(arr) > 0 {
			w.dst = append(w.dst, `,"stop":[`...)
			for i, s := range arr {
				if s.Type() != fastjson.TypeString {
					return invalid("stop_sequences." + strconv.Itoa(i) + ": Input should be a valid string")
				}
				if i > 0 {
					w.dst = append(w.dst, ',')
				}
				w.dst = jsonw.Bytes(w.dst, s.GetStringBytes())
			}
			w.dst = append(w.dst, ']')
		}
	}
	for _, k := range [...]string{"temperature", "top_p"} {
		if f := v.Get(k); f != nil && f.Type() != fastjson.TypeNull {
			x, err := f.Float64()
			if err != nil || x < 0 || x > 1 {
				return invalid(k + ": Input should be a number between 0 and 1")
			}
			w.dst = append(w.dst, `,"`...)
			w.dst = append(w.dst, k...)
			w.dst = append(w.dst, `":`...)
			w.dst = strconv.AppendFloat(w.dst, x, 'g', -1, 64)
		}
	}
	if k := v.Get("top_k"); k != nil && k.Type() != fastjson.TypeNull {
		r.Ignored = "top_k"
	}
	if u := v.GetStringBytes("metadata", "user_id"); len(u) > 0 {
		w.dst = append(w.dst, `,"user":`...)
		w.dst = jsonw.Bytes(w.dst, u)
	}
	if t := v.Get("thinking"); t != nil && t.Type() == fastjson.TypeObject {
		switch string(t.GetStringBytes("type")) {
		case "enabled":
			budget := t.GetInt("budget_tokens")
			if budget < 1024 {
				return invalid("thinking.budget_tokens: Input should be greater than or equal to 1024")
			}
			w.dst = append(w.dst, `,"reasoning_effort":`...)
			w.dst = append(w.dst, effort(budget)...)
		case "adaptive":
			w.dst = append(w.dst, `,"reasoning_effort":"medium"`...)
		case "disabled", "":
		default:
			return invalid("thinking.type: Input should be 'enabled', 'adaptive' or 'disabled'")
		}
	}
	return nil
}

// effort maps a thinking budget to reasoning_effort (quoted).
func effort(budget int) string {
	switch {
	case budget < mediumEffortBudget:
		return `"low"`
	case budget < highEffortBudget:
		return `"medium"`
	}
	return `"high"`
}
