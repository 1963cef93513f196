package anthropic

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fastjson"
)

// reqFields are the OpenAI request's top-level fields the translation
// reads; set rejects those the Messages API cannot express.
type reqFields struct {
	messages, tools, toolChoice, stop, temperature, topP, topK, user, effort *fastjson.Value
	maxTokens                                                                int
	serialTools                                                              bool // parallel_tool_calls: false
}

func (r *reqFields) set(k []byte, v *fastjson.Value) *providers.Error {
	if v.Type() == fastjson.TypeNull {
		return nil // null is absent
	}
	switch string(k) {
	case "model", "stream", "stream_options":
		// The gateway's: the deployment's model and the call's stream flag
		// are written; the Messages API always reports a stream's usage.
	case "store", "metadata", "service_tier", "prompt_cache_key":
		// OpenAI's bookkeeping, no effect on the answer.
	case "messages":
		r.messages = v
	case "max_tokens", "max_completion_tokens":
		n, err := v.Int()
		if err != nil || n <= 0 {
			return invalid(string(k), "field '"+string(k)+"' must be a positive integer")
		}
		if r.maxTokens == 0 || n < r.maxTokens {
			r.maxTokens = n
		}
	case "temperature":
		t, err := v.Float64()
		if err != nil || t < 0 {
			return invalid("temperature", "field 'temperature' must be a number from 0")
		}
		if t > 1 {
			return unsupported("temperature", "above 1 cannot be expressed: Anthropic's temperature ranges over [0, 1]")
		}
		r.temperature = v
	case "top_p":
		r.topP = v
	case "top_k":
		r.topK = v
	case "stop":
		r.stop = v
	case "tools":
		r.tools = v
	case "tool_choice":
		r.toolChoice = v
	case "parallel_tool_calls":
		r.serialTools = v.Type() == fastjson.TypeFalse
	case "user", "safety_identifier":
		r.user = v
	case "reasoning_effort":
		r.effort = v
	case "n":
		if n, err := v.Int(); err != nil || n != 1 {
			return unsupported("n", "must be 1: the Messages API returns one choice")
		}
	case "logprobs":
		if v.Type() != fastjson.TypeFalse {
			return unsupported("logprobs", "is not offered by the Messages API")
		}
	case "top_logprobs":
		return unsupported("top_logprobs", "is not offered by the Messages API")
	case "presence_penalty", "frequency_penalty":
		if f, err := v.Float64(); err != nil || f != 0 {
			return unsupported(string(k), "cannot be expressed: the Messages API has no penalties")
		}
	case "logit_bias":
		if o, err := v.Object(); err != nil || o.Len() > 0 {
			return unsupported("logit_bias", "cannot be expressed: the Messages API has no logit bias")
		}
	case "seed":
		return unsupported("seed", "cannot be expressed: the Messages API has no sampling seed")
	case "response_format":
		if string(v.GetStringBytes("type")) != "text" {
			return unsupported("response_format", "json_object and json_schema are not translated to the Messages API; describe the format in the prompt or use a tool")
		}
	case "modalities":
		if a, _ := v.Array(); len(a) != 1 || string(a[0].GetStringBytes()) != "text" {
			return unsupported("modalities", "only [\"text\"] is offered by the Messages API")
		}
	case "functions", "function_call":
		return unsupported(string(k), "(deprecated) is not translated; use tools and tool_choice")
	default:
		return unsupported(string(k), "has no equivalent in the Messages API")
	}
	return nil
}

// translateRequest appends the Messages API body for c's OpenAI chat
// request to dst.
func (p *Provider) translateRequest(dst []byte, c *providers.Call) ([]byte, error) {
	ps := p.parsers.Get()
	defer p.parsers.Put(ps)
	v, err := ps.ParseBytes(c.Body)
	if err != nil {
		return dst, invalid("", "the request body is not valid JSON")
	}
	o, err := v.Object()
	if err != nil {
		return dst, invalid("", "the request body must be a JSON object")
	}
	var r reqFields
	var bad *providers.Error
	o.Visit(func(k []byte, fv *fastjson.Value) {
		if bad == nil {
			bad = r.set(k, fv)
		}
	})
	if bad != nil {
		return dst, bad
	}
	var msgs []*fastjson.Value
	if r.messages != nil {
		msgs, _ = r.messages.Array()
	}
	if len(msgs) == 0 {
		return dst, invalid("messages", "field 'messages' must be a non-empty array")
	}

	maxTokens, budget := r.maxTokens, 0
	if r.effort != nil {
		b, ok := p.thinkingBudget(r.effort.GetStringBytes())
		if !ok {
			return dst, unsupported("reasoning_effort", "must be none, minimal, low, medium or high")
		}
		budget = b
	}
	switch {
	case maxTokens == 0:
		maxTokens = p.maxTokens(c.Model) + budget // the default is for the answer; thinking comes on top
	case budget > 0 && budget >= maxTokens:
		// OpenAI's max_completion_tokens counts reasoning too: the
		// thinking budget must fit under it, as Anthropic requires.
		if budget = maxTokens - 1; budget < 1024 {
			return dst, unsupported("max_tokens", "must be more than 1024 when reasoning_effort asks Anthropic for thinking (its minimum budget)")
		}
	}

	dst = append(dst, `{"model":`...)
	dst = jsonw.String(dst, c.Model)
	dst = appendKey(dst, "max_tokens")
	dst = appendInt(dst, maxTokens)
	if dst, err = appendSystem(dst, msgs); err != nil {
		return dst, err
	}
	if dst, err = appendMessages(dst, msgs); err != nil {
		return dst, err
	}
	if r.stop != nil {
		if dst, err = appendStop(dst, r.stop); err != nil {
			return dst, err
		}
	}
	for _, f := range [...]struct {
		key string
		v   *fastjson.Value
	}{{"temperature", r.temperature}, {"top_p", r.topP}, {"top_k", r.topK}} {
		if f.v != nil {
			if f.v.Type() != fastjson.TypeNumber {
				return dst, invalid(f.key, "field '"+f.key+"' must be a number")
			}
			dst = appendKey(dst, f.key)
			dst = f.v.MarshalTo(dst)
		}
	}
	if budget > 0 {
		dst = append(dst, `,"thinking":{"type":"enabled","budget_tokens":`...)
		dst = appendInt(dst, budget)
		dst = append(dst, '}')
	}
	if r.tools != nil {
		if dst, err = appendTools(dst, r.tools, r.toolChoice, r.serialTools); err != nil {
			return dst, err
		}
	}
	if r.user != nil {
		if r.user.Type() != fastjson.TypeString {
			return dst, invalid("user", "field 'user' must be a string")
		}
		dst = append(dst, `,"metadata":{"user_id":`...)
		dst = jsonw.Bytes(dst, r.user.GetStringBytes())
		dst = append(dst, '}')
	}
	if c.Stream {
		dst = append(dst, `,"stream":true`...)
	}
	return append(dst, '}'), nil
}

func at(i int, rest string) string { return "messages[" + strconv.Itoa(i) + "]" + rest }

// appendSystem lifts system and developer messages into "system".
func appendSystem(dst []byte, msgs []*fastjson.Value) ([]byte, error) {
	open := false
	for i, m := range msgs {
		role := m.GetStringBytes("role")
		if string(role) != "system" && string(role) != "developer" {
			continue
		}
		c := m.Get("content")
		var err error
		if !open {
			dst, open = append(dst, `,"system":[`...), true
		}
		if dst, err = appendTextParts(dst, c, i); err != nil {
			return dst, err
		}
	}
	if open {
		if dst[len(dst)-1] == '[' { // only empty system texts
			return dst[:len(dst)-len(`,"system":[`)], nil
		}
		dst = append(dst, ']')
	}
	return dst, nil
}

// appendTextParts appends content (a string or text parts) as text blocks,
// skipping empty texts (the API rejects them).
func appendTextParts(dst []byte, c *fastjson.Value, i int) ([]byte, error) {
	switch {
	case isNull(c):
		return dst, nil
	case c.Type() == fastjson.TypeString:
		return appendTextBlock(dst, c.GetStringBytes()), nil
	case c.Type() == fastjson.TypeArray:
		parts, _ := c.Array()
		for j, part := range parts {
			typ := part.GetStringBytes("type")
			if string(typ) != "text" {
				return dst, unsupported(at(i, ".content["+strconv.Itoa(j)+"].type"), "'"+string(typ)+"' is not allowed here: only text parts")
			}
			dst = appendTextBlock(dst, part.GetStringBytes("text"))
		}
		return dst, nil
	}
	return dst, invalid(at(i, ".content"), "field '"+at(i, ".content")+"' must be a string or an array of parts")
}

func appendTextBlock(dst, text []byte) []byte {
	if len(text) == 0 {
		return dst
	}
	if c := dst[len(dst)-1]; c != '[' {
		dst = append(dst, ',')
	}
	dst = append(dst, `{"type":"text","text":`...)
	dst = jsonw.Bytes(dst, text)
	return append(dst, '}')
}

// turns writes "messages", merging consecutive blocks of one role into
// one turn as the Messages API requires (tool results ride in a user turn).
type turns struct {
	dst  []byte
	role string // the open turn's role; "" before the first
}

// block opens role's turn unless it is the open one, ready for a block.
func (t *turns) block(role string) {
	if t.role == role {
		t.dst = append(t.dst, ',')
		return
	}
	if t.role != "" {
		t.dst = append(t.dst, "]},"...)
	}
	t.dst = append(t.dst, `{"role":"`...)
	t.dst = append(t.dst, role...)
	t.dst = append(t.dst, `","content":[`...)
	t.role = role
}

func appendMessages(dst []byte, msgs []*fastjson.Value) ([]byte, error) {
	t := turns{dst: append(dst, `,"messages":[`...)}
	for i, m := range msgs {
		var err error
		switch role := m.GetStringBytes("role"); string(role) {
		case "system", "developer": // lifted into "system"
		case "user":
			err = t.userContent(m.Get("content"), i)
		case "assistant":
			err = t.assistant(m, i)
		case "tool":
			err = t.toolResult(m, i)
		case "function":
			err = unsupported(at(i, ".role"), "'function' (deprecated) is not translated; use tool messages")
		default:
			err = invalid(at(i, ".role"), "field '"+at(i, ".role")+"' must be system, developer, user, assistant or tool")
		}
		if err != nil {
			return t.dst, err
		}
	}
	if t.role == "" {
		return t.dst, invalid("messages", "there is no user or assistant message to send")
	}
	return append(t.dst, "]}]"...), nil
}

func (t *turns) text(role string, text []byte) {
	if len(text) == 0 {
		return
	}
	t.block(role)
	t.dst = append(t.dst, `{"type":"text","text":`...)
	t.dst = jsonw.Bytes(t.dst, text)
	t.dst = append(t.dst, '}')
}

func (t *turns) userContent(c *fastjson.Value, i int) error {
	switch {
	case isNull(c):
		return invalid(at(i, ".content"), "a user message needs content")
	case c.Type() == fastjson.TypeString:
		t.text("user", c.GetStringBytes())
		return nil
	case c.Type() != fastjson.TypeArray:
		return invalid(at(i, ".content"), "field '"+at(i, ".content")+"' must be a string or an array of parts")
	}
	parts, _ := c.Array()
	for j, part := range parts {
		switch typ := part.GetStringBytes("type"); string(typ) {
		case "text":
			t.text("user", part.GetStringBytes("text"))
		case "image_url":
			url := part.GetStringBytes("image_url", "url")
			if url == nil {
				url = part.GetStringBytes("image_url")
			}
			if err := t.image(url, i, j); err != nil {
				return err
			}
		default:
			return unsupported(at(i, ".content["+strconv.Itoa(j)+"].type"), "'"+string(typ)+"' is not translated: text and image_url parts are")
		}
	}
	return nil
}

// image writes an image block: a data URL becomes a base64 source, an
// http(s) URL a url source.
func (t *turns) image(url []byte, i, j int) error {
	path := at(i, ".content["+strconv.Itoa(j)+"].image_url.url")
	switch {
	case bytes.HasPrefix(url, []byte("data:")):
		meta, data, ok := bytes.Cut(url[5:], []byte(","))
		media, isB64 := bytes.CutSuffix(meta, []byte(";base64"))
		if !ok || !isB64 || len(media) == 0 {
			return unsupported(path, "must be a base64 data URL (data:image/png;base64,…) or an http(s) URL")
		}
		t.block("user")
		t.dst = append(t.dst, `{"type":"image","source":{"type":"base64","media_type":`...)
		t.dst = jsonw.Bytes(t.dst, media)
		t.dst = append(t.dst, `,"data":`...)
		t.dst = jsonw.Bytes(t.dst, data)
		t.dst = append(t.dst, "}}"...)
	case bytes.HasPrefix(url, []byte("https://")) || bytes.HasPrefix(url, []byte("http://")):
		t.block("user")
		t.dst = append(t.dst, `{"type":"image","source":{"type":"url","url":`...)
		t.dst = jsonw.Bytes(t.dst, url)
		t.dst = append(t.dst, "}}"...)
	default:
		return invalid(path, "field '"+path+"' must be a data URL or an http(s) URL")
	}
	return nil
}

func (t *turns) assistant(m *fastjson.Value, i int) error {
	c := m.Get("content")
	switch {
	case isNull(c):
	case c.Type() == fastjson.TypeString:
		t.text("assistant", c.GetStringBytes())
	case c.Type() == fastjson.TypeArray:
		parts, _ := c.Array()
		for j, part := range parts {
			switch typ := part.GetStringBytes("type"); string(typ) {
			case "text":
				t.text("assistant", part.GetStringBytes("text"))
			case "refusal":
				t.text("assistant", part.GetStringBytes("refusal"))
			default:
				return unsupported(at(i, ".content["+strconv.Itoa(j)+"].type"), "'"+string(typ)+"' is not translated in an assistant message")
			}
		}
	default:
		return invalid(at(i, ".content"), "field '"+at(i, ".content")+"' must be a string, an array of parts or null")
	}
	calls := m.GetArray("tool_calls")
	for j, tc := range calls {
		path := func() string { return at(i, ".tool_calls["+strconv.Itoa(j)+"]") } // built only for an error
		id, name := tc.GetStringBytes("id"), tc.GetStringBytes("function", "name")
		if len(id) == 0 || len(name) == 0 {
			return invalid(path(), "a tool call needs an id and function.name")
		}
		args := bytes.TrimSpace(tc.GetStringBytes("function", "arguments"))
		switch {
		case len(args) == 0:
			args = []byte("{}")
		case args[0] != '{' || fastjson.ValidateBytes(args) != nil:
			return invalid(path()+".function.arguments", "field '"+path()+".function.arguments' must hold a JSON object")
		}
		t.block("assistant")
		t.dst = append(t.dst, `{"type":"tool_use","id":`...)
		t.dst = jsonw.Bytes(t.dst, id)
		t.dst = append(t.dst, `,"name":`...)
		t.dst = jsonw.Bytes(t.dst, name)
		t.dst = append(t.dst, `,"input":`...)
		t.dst = append(t.dst, args...) // valid JSON text, as it is
		t.dst = append(t.dst, '}')
	}
	return nil
}

// toolResult writes a tool message as a tool_result block in a user turn.
func (t *turns) toolResult(m *fastjson.Value, i int) error {
	id := m.GetStringBytes("tool_call_id")
	if len(id) == 0 {
		return invalid(at(i, ".tool_call_id"), "a tool message needs tool_call_id")
	}
	t.block("user")
	t.dst = append(t.dst, `{"type":"tool_result","tool_use_id":`...)
	t.dst = jsonw.Bytes(t.dst, id)
	c := m.Get("content")
	switch {
	case isNull(c):
	case c.Type() == fastjson.TypeString:
		if s := c.GetStringBytes(); len(s) > 0 {
			t.dst = append(t.dst, `,"content":`...)
			t.dst = jsonw.Bytes(t.dst, s)
		}
	default:
		t.dst = append(t.dst, `,"content":[`...)
		var err error
		if t.dst, err = appendTextParts(t.dst, c, i); err != nil {
			return err
		}
		if t.dst[len(t.dst)-1] == '[' {
			t.dst = t.dst[:len(t.dst)-len(`,"content":[`)]
		} else {
			t.dst = append(t.dst, ']')
		}
	}
	t.dst = append(t.dst, '}')
	return nil
}

// appendStop writes stop (a string or a list) as stop_sequences.
func appendStop(dst []byte, v *fastjson.Value) ([]byte, error) {
	switch v.Type() {
	case fastjson.TypeString:
		dst = append(dst, `,"stop_sequences":[`...)
		dst = jsonw.Bytes(dst, v.GetStringBytes())
		return append(dst, ']'), nil
	case fastjson.TypeArray:
		a, _ := v.Array()
		if len(a) == 0 {
			return dst, nil
		}
		dst = append(dst, `,"stop_sequences":[`...)
		for k, s := range a {
			if s.Type() != fastjson.TypeString {
				return dst, invalid("stop", "field 'stop' must be a string or an array of strings")
			}
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.Bytes(dst, s.GetStringBytes())
		}
		return append(dst, ']'), nil
	}
	return dst, invalid("stop", "field 'stop' must be a string or an array of strings")
}

// appendTools writes OpenAI function tools as Anthropic tools, and the
// tool choice.
func appendTools(dst []byte, tools, choice *fastjson.Value, serial bool) ([]byte, error) {
	a, err := tools.Array()
	if err != nil {
		return dst, invalid("tools", "field 'tools' must be an array")
	}
	if len(a) == 0 {
		return dst, nil
	}
	dst = append(dst, `,"tools":[`...)
	for k, tool := range a {
		path := "tools[" + strconv.Itoa(k) + "]"
		if typ := tool.GetStringBytes("type"); string(typ) != "function" {
			return dst, unsupported(path+".type", "'"+string(typ)+"' is not translated: only function tools are")
		}
		f := tool.Get("function")
		name := f.GetStringBytes("name")
		if len(name) == 0 {
			return dst, invalid(path+".function.name", "a tool needs function.name")
		}
		if k > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsonw.Bytes(dst, name)
		if d := f.GetStringBytes("description"); len(d) > 0 {
			dst = append(dst, `,"description":`...)
			dst = jsonw.Bytes(dst, d)
		}
		dst = append(dst, `,"input_schema":`...)
		if ps := f.Get("parameters"); !isNull(ps) {
			dst = appendValue(dst, ps)
		} else {
			dst = append(dst, `{"type":"object","properties":{}}`...)
		}
		dst = append(dst, '}')
	}
	dst = append(dst, ']')

	typ, name := "auto", []byte(nil)
	switch {
	case isNull(choice):
	case choice.Type() == fastjson.TypeString:
		switch s := string(choice.GetStringBytes()); s {
		case "auto", "none":
			typ = s
		case "required":
			typ = "any"
		default:
			return dst, invalid("tool_choice", "field 'tool_choice' must be auto, none, required or a named function")
		}
	default:
		if name = choice.GetStringBytes("function", "name"); len(name) == 0 {
			return dst, invalid("tool_choice", "a named tool_choice needs function.name")
		}
		typ = "tool"
	}
	dst = append(dst, `,"tool_choice":{"type":"`...)
	dst = append(dst, typ...)
	dst = append(dst, '"')
	if name != nil {
		dst = append(dst, `,"name":`...)
		dst = jsonw.Bytes(dst, name)
	}
	if serial && typ != "none" {
		dst = append(dst, `,"disable_parallel_tool_use":true`...)
	}
	return append(dst, '}'), nil
}
