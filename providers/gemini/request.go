package gemini

import (
	"bytes"
	"strconv"
	"sync"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/bytebufferpool"
	"github.com/valyala/fastjson"
)

var bodyPool bytebufferpool.Pool

// chatScratch keeps one translation's lists; pooled with the parser's life.
type chatScratch struct {
	params wire.Params
	system []*fastjson.Value
}

var scratchPool = sync.Pool{New: func() any { return new(chatScratch) }}

// appendChat appends the generateContent body for an OpenAI chat request.
func (p *Provider) appendChat(dst []byte, v *fastjson.Value) ([]byte, *providers.Error) {
	sc := scratchPool.Get().(*chatScratch)
	defer func() {
		clear(sc.system)
		sc.system = sc.system[:0]
		scratchPool.Put(sc)
	}()
	ps := &sc.params
	if err := wire.ReadParams(v, name, ps); err != nil {
		return dst, err
	}
	w := wire.Turns{ItemsKey: "parts", Dst: append(dst, `{"contents":[`...)}
	for i, m := range ps.Messages {
		if err := p.appendMessage(&w, sc, i, m); err != nil {
			return dst, err
		}
	}
	w.Close()
	dst = append(w.Dst, ']')
	if len(sc.system) > 0 {
		dst = append(dst, `,"systemInstruction":{"parts":[`...)
		n := 0
		for _, s := range sc.system {
			dst, n = wire.AppendTextParts(dst, s, n)
		}
		dst = append(dst, "]}"...)
	}
	var err *providers.Error
	if len(ps.Tools) > 0 {
		if dst, err = appendTools(dst, ps.Tools); err != nil {
			return dst, err
		}
	}
	if ps.ToolChoice != nil {
		if dst, err = appendToolChoice(dst, ps.ToolChoice); err != nil {
			return dst, err
		}
	}
	if dst, err = appendGenerationConfig(dst, ps); err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

func (p *Provider) appendMessage(w *wire.Turns, sc *chatScratch, i int, m *fastjson.Value) *providers.Error {
	role := m.GetStringBytes("role")
	switch string(role) {
	case "system", "developer":
		sc.system = append(sc.system, m)
		return nil
	case "user":
		return appendUserParts(w, i, m)
	case "assistant":
		return appendModelParts(w, i, m)
	case "tool":
		return appendToolResult(w, sc, i, m)
	}
	return wire.Invalid(name, "messages["+strconv.Itoa(i)+"].role", "want system, developer, user, assistant or tool")
}

func appendUserParts(w *wire.Turns, i int, m *fastjson.Value) *providers.Error {
	if s, ok := wire.Text(m); ok {
		w.Text("user", s)
		return nil
	}
	for j, part := range m.GetArray("content") {
		switch string(part.GetStringBytes("type")) {
		case "text":
			w.Text("user", part.GetStringBytes("text"))
		case "image_url":
			u := part.GetStringBytes("image_url", "url")
			if len(u) == 0 {
				return wire.Invalid(name, partField(i, j), "image_url.url is empty")
			}
			w.Item("user")
			if mime, data, ok := wire.DataURL(u); ok {
				w.Dst = appendInline(w.Dst, mime, data)
			} else {
				w.Dst = append(w.Dst, `{"fileData":{"mimeType":"`...)
				w.Dst = append(w.Dst, wire.MimeFromURL(u)...)
				w.Dst = append(w.Dst, `","fileUri":`...)
				w.Dst = jsonw.Bytes(w.Dst, u)
				w.Dst = append(w.Dst, "}}"...)
			}
		case "input_audio":
			data, format := part.GetStringBytes("input_audio", "data"), part.GetStringBytes("input_audio", "format")
			if len(data) == 0 || len(format) == 0 {
				return wire.Invalid(name, partField(i, j), "input_audio needs data and format")
			}
			w.Item("user")
			w.Dst = append(w.Dst, `{"inlineData":{"mimeType":"audio/`...)
			w.Dst = append(w.Dst, format...)
			w.Dst = append(w.Dst, `","data":`...)
			w.Dst = jsonw.Bytes(w.Dst, data)
			w.Dst = append(w.Dst, "}}"...)
		case "file":
			mime, data, ok := wire.DataURL(part.GetStringBytes("file", "file_data"))
			if !ok {
				return wire.Unsupported(name, partField(i, j)+".file", "only inline file_data data URLs")
			}
			w.Item("user")
			w.Dst = appendInline(w.Dst, mime, data)
		default:
			return wire.Unsupported(name, partField(i, j)+".type", "unknown content part type "+strconv.Quote(string(part.GetStringBytes("type"))))
		}
	}
	return nil
}

func partField(i, j int) string {
	return "messages[" + strconv.Itoa(i) + "].content[" + strconv.Itoa(j) + "]"
}

func appendInline(dst, mime, data []byte) []byte {
	dst = append(dst, `{"inlineData":{"mimeType":`...)
	dst = jsonw.Bytes(dst, mime)
	dst = append(dst, `,"data":`...)
	dst = jsonw.Bytes(dst, data)
	return append(dst, "}}"...)
}

func appendModelParts(w *wire.Turns, i int, m *fastjson.Value) *providers.Error {
	w.AssistantText("model", m)
	for j, call := range m.GetArray("tool_calls") {
		fn := call.Get("function")
		fname := fn.GetStringBytes("name")
		if len(fname) == 0 {
			return wire.Invalid(name, "messages["+strconv.Itoa(i)+"].tool_calls["+strconv.Itoa(j)+"].function.name", "missing")
		}
		args := bytes.TrimSpace(fn.GetStringBytes("arguments"))
		if len(args) == 0 {
			args = []byte("{}")
		} else if !isObject(args) {
			return wire.Invalid(name, "messages["+strconv.Itoa(i)+"].tool_calls["+strconv.Itoa(j)+"].function.arguments",
				"Gemini takes a function call's arguments as a JSON object")
		}
		w.Item("model")
		w.Dst = append(w.Dst, `{"functionCall":{"name":`...)
		w.Dst = jsonw.Bytes(w.Dst, fname)
		w.Dst = append(w.Dst, `,"args":`...)
		w.Dst = append(w.Dst, args...)
		w.Dst = append(w.Dst, "}}"...)
	}
	return nil
}

// isObject reports whether b is one valid JSON object.
func isObject(b []byte) bool {
	return len(b) > 1 && b[0] == '{' && fastjson.ValidateBytes(b) == nil
}

// appendToolResult writes a role "tool" message as a functionResponse
// part; Gemini matches results to calls by name, found from the call id.
func appendToolResult(w *wire.Turns, sc *chatScratch, i int, m *fastjson.Value) *providers.Error {
	id := m.GetStringBytes("tool_call_id")
	fname := toolName(sc.params.Messages[:i], id)
	if fname == nil {
		return wire.Invalid(name, "messages["+strconv.Itoa(i)+"].tool_call_id",
			"no earlier assistant tool_call has id "+strconv.Quote(string(id)))
	}
	w.Item("user")
	w.Dst = append(w.Dst, `{"functionResponse":{"name":`...)
	w.Dst = jsonw.Bytes(w.Dst, fname)
	w.Dst = append(w.Dst, `,"response":`...)
	text, ok := wire.Text(m)
	if !ok { // text parts: joined
		var joined []byte
		for _, part := range m.GetArray("content") {
			joined = append(joined, part.GetStringBytes("text")...)
		}
		text = joined
	}
	if t := bytes.TrimSpace(text); isObject(t) {
		w.Dst = append(w.Dst, t...)
	} else {
		w.Dst = append(w.Dst, `{"output":`...)
		w.Dst = jsonw.Bytes(w.Dst, text)
		w.Dst = append(w.Dst, '}')
	}
	w.Dst = append(w.Dst, "}}"...)
	return nil
}

// toolName finds the function name of the tool call with id among msgs,
// latest first.
func toolName(msgs []*fastjson.Value, id []byte) []byte {
	for k := len(msgs) - 1; k >= 0; k-- {
		for _, call := range msgs[k].GetArray("tool_calls") {
			if bytes.Equal(call.GetStringBytes("id"), id) {
				return call.GetStringBytes("function", "name")
			}
		}
	}
	return nil
}

func appendTools(dst []byte, tools []*fastjson.Value) ([]byte, *providers.Error) {
	dst = append(dst, `,"tools":[{"functionDeclarations":[`...)
	for i, t := range tools {
		if typ := t.GetStringBytes("type"); string(typ) != "function" {
			return dst, wire.Unsupported(name, "tools["+strconv.Itoa(i)+"].type", "only function tools")
		}
		fn := t.Get("function")
		fname := fn.GetStringBytes("name")
		if len(fname) == 0 {
			return dst, wire.Invalid(name, "tools["+strconv.Itoa(i)+"].function.name", "missing")
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"name":`...)
		dst = jsonw.Bytes(dst, fname)
		if d := fn.GetStringBytes("description"); len(d) > 0 {
			dst = append(dst, `,"description":`...)
			dst = jsonw.Bytes(dst, d)
		}
		if params := fn.Get("parameters"); params != nil && !emptyObjectSchema(params) {
			dst = append(dst, `,"parameters":`...)
			var err *providers.Error
			if dst, err = appendSchema(dst, params, "tools["+strconv.Itoa(i)+"].function.parameters"); err != nil {
				return dst, err
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}]"...), nil
}

// emptyObjectSchema reports a schema with no properties: Gemini rejects an
// OBJECT without properties, and a function without parameters is the same.
func emptyObjectSchema(s *fastjson.Value) bool {
	o, err := s.Object()
	if err != nil {
		return true
	}
	props := o.Get("properties")
	if props == nil {
		return o.Get("anyOf") == nil && o.Get("items") == nil
	}
	po, _ := props.Object()
	return po == nil || po.Len() == 0
}

func appendToolChoice(dst []byte, tc *fastjson.Value) ([]byte, *providers.Error) {
	dst = append(dst, `,"toolConfig":{"functionCallingConfig":{"mode":"`...)
	if tc.Type() == fastjson.TypeString {
		switch string(tc.GetStringBytes()) {
		case "auto":
			dst = append(dst, "AUTO"...)
		case "none":
			dst = append(dst, "NONE"...)
		case "required":
			dst = append(dst, "ANY"...)
		default:
			return dst, wire.Invalid(name, "tool_choice", "want auto, none, required or a function")
		}
		return append(dst, `"}}`...), nil
	}
	fname := tc.GetStringBytes("function", "name")
	if len(fname) == 0 {
		return dst, wire.Invalid(name, "tool_choice", `want {"type":"function","function":{"name":…}}`)
	}
	dst = append(dst, `ANY","allowedFunctionNames":[`...)
	dst = jsonw.Bytes(dst, fname)
	return append(dst, "]}}"...), nil
}

// thinkingBudgets maps reasoning_effort to a thinking budget in tokens.
var thinkingBudgets = map[string]int{"none": 0, "minimal": 0, "low": 1024, "medium": 8192, "high": 24576}

func appendGenerationConfig(dst []byte, ps *wire.Params) ([]byte, *providers.Error) {
	start := len(dst)
	dst = append(dst, `,"generationConfig":{`...)
	body := len(dst)
	field := func(key string) {
		if len(dst) > body {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, key...)
		dst = append(dst, `":`...)
	}
	if ps.Temperature != nil {
		field("temperature")
		dst = ps.Temperature.MarshalTo(dst)
	}
	if ps.TopP != nil {
		field("topP")
		dst = ps.TopP.MarshalTo(dst)
	}
	if ps.MaxTokens > 0 {
		field("maxOutputTokens")
		dst = strconv.AppendInt(dst, int64(ps.MaxTokens), 10)
	}
	if len(ps.Stop) > 0 {
		field("stopSequences")
		dst = append(dst, '[')
		for i, s := range ps.Stop {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = s.MarshalTo(dst)
		}
		dst = append(dst, ']')
	}
	if ps.N > 1 {
		field("candidateCount")
		dst = strconv.AppendInt(dst, int64(ps.N), 10)
	}
	if ps.Seed != nil {
		field("seed")
		dst = ps.Seed.MarshalTo(dst)
	}
	if ps.PresencePenalty != nil {
		field("presencePenalty")
		dst = ps.PresencePenalty.MarshalTo(dst)
	}
	if ps.FrequencyPenalty != nil {
		field("frequencyPenalty")
		dst = ps.FrequencyPenalty.MarshalTo(dst)
	}
	if rf := ps.ResponseFormat; rf != nil {
		switch string(rf.GetStringBytes("type")) {
		case "text", "":
		case "json_object":
			field("responseMimeType")
			dst = append(dst, `"application/json"`...)
		case "json_schema":
			field("responseMimeType")
			dst = append(dst, `"application/json"`...)
			if s := rf.Get("json_schema", "schema"); s != nil {
				field("responseSchema")
				var err *providers.Error
				if dst, err = appendSchema(dst, s, "response_format.json_schema.schema"); err != nil {
					return dst, err
				}
			}
		default:
			return dst, wire.Unsupported(name, "response_format.type", "want text, json_object or json_schema")
		}
	}
	if len(ps.ReasoningEffort) > 0 {
		budget, ok := thinkingBudgets[string(ps.ReasoningEffort)]
		if !ok {
			return dst, wire.Invalid(name, "reasoning_effort", "want none, minimal, low, medium or high")
		}
		field("thinkingConfig")
		dst = append(dst, `{"thinkingBudget":`...)
		dst = strconv.AppendInt(dst, int64(budget), 10)
		if budget > 0 {
			dst = append(dst, `,"includeThoughts":true`...)
		}
		dst = append(dst, '}')
	}
	if len(dst) == body {
		return dst[:start], nil
	}
	return append(dst, '}'), nil
}
