package bedrock

import (
	"bytes"
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/tollgate-ai/tollgate/providers/internal/wire"
	"github.com/valyala/fastjson"
)

// appendConverse appends the Converse body for an OpenAI chat request.
func appendConverse(dst []byte, v *fastjson.Value, ps *wire.Params) ([]byte, *providers.Error) {
	if err := wire.ReadParams(v, name, ps); err != nil {
		return dst, err
	}
	if err := refuse(ps); err != nil {
		return dst, err
	}
	w := wire.Turns{ItemsKey: "content", Dst: append(dst, `{"messages":[`...)}
	systems := 0
	for i, m := range ps.Messages {
		var err *providers.Error
		switch string(m.GetStringBytes("role")) {
		case "system", "developer":
			systems++
		case "user":
			err = appendUser(&w, i, m)
		case "assistant":
			err = appendAssistant(&w, i, m)
		case "tool":
			err = appendToolResult(&w, i, m)
		default:
			err = wire.Invalid(name, "messages["+strconv.Itoa(i)+"].role", "want system, developer, user, assistant or tool")
		}
		if err != nil {
			return dst, err
		}
	}
	w.Close()
	dst = append(w.Dst, ']')
	if systems > 0 {
		dst = append(dst, `,"system":[`...)
		n := 0
		for _, m := range ps.Messages {
			if r := m.GetStringBytes("role"); string(r) == "system" || string(r) == "developer" {
				dst, n = wire.AppendTextParts(dst, m, n)
			}
		}
		dst = append(dst, ']')
	}
	dst = appendInference(dst, ps)
	if len(ps.Tools) > 0 {
		var err *providers.Error
		if dst, err = appendToolConfig(dst, ps); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// refuse names the first field Converse has no way to carry.
func refuse(ps *wire.Params) *providers.Error {
	switch {
	case ps.N > 1:
		return wire.Unsupported(name, "n", "Converse returns one choice")
	case ps.Seed != nil:
		return wire.Unsupported(name, "seed", "")
	case ps.PresencePenalty != nil:
		return wire.Unsupported(name, "presence_penalty", "")
	case ps.FrequencyPenalty != nil:
		return wire.Unsupported(name, "frequency_penalty", "")
	case len(ps.ReasoningEffort) > 0:
		return wire.Unsupported(name, "reasoning_effort", "thinking settings are model-specific on Bedrock")
	case ps.ResponseFormat != nil && string(ps.ResponseFormat.GetStringBytes("type")) != "text":
		return wire.Unsupported(name, "response_format", "Converse has no JSON mode")
	}
	if tc := ps.ToolChoice; tc != nil && tc.Type() == fastjson.TypeString && string(tc.GetStringBytes()) == "none" && len(ps.Tools) > 0 {
		return wire.Unsupported(name, "tool_choice", `Converse has no "none"; leave the tools out instead`)
	}
	return nil
}

func partField(i, j int) string {
	return "messages[" + strconv.Itoa(i) + "].content[" + strconv.Itoa(j) + "]"
}

func appendUser(w *wire.Turns, i int, m *fastjson.Value) *providers.Error {
	if s, ok := wire.Text(m); ok {
		w.Text("user", s)
		return nil
	}
	for j, part := range m.GetArray("content") {
		switch string(part.GetStringBytes("type")) {
		case "text":
			w.Text("user", part.GetStringBytes("text"))
		case "image_url":
			mime, data, ok := wire.DataURL(part.GetStringBytes("image_url", "url"))
			if !ok {
				return wire.Unsupported(name, partField(i, j)+".image_url.url", "Converse takes image bytes: send a base64 data URL")
			}
			format, ok := bytes.CutPrefix(mime, []byte("image/"))
			if !ok || !imageFormat(format) {
				return wire.Unsupported(name, partField(i, j)+".image_url.url", "image type "+string(mime)+" (want png, jpeg, gif or webp)")
			}
			if string(format) == "jpg" {
				format = []byte("jpeg")
			}
			w.Item("user")
			w.Dst = append(w.Dst, `{"image":{"format":"`...)
			w.Dst = append(w.Dst, format...)
			w.Dst = append(w.Dst, `","source":{"bytes":`...)
			w.Dst = jsonw.Bytes(w.Dst, data)
			w.Dst = append(w.Dst, "}}}"...)
		default:
			return wire.Unsupported(name, partField(i, j)+".type", "content part type "+strconv.Quote(string(part.GetStringBytes("type"))))
		}
	}
	return nil
}

func imageFormat(f []byte) bool {
	switch string(f) {
	case "png", "jpeg", "jpg", "gif", "webp":
		return true
	}
	return false
}

func appendAssistant(w *wire.Turns, i int, m *fastjson.Value) *providers.Error {
	w.AssistantText("assistant", m)
	for j, call := range m.GetArray("tool_calls") {
		field := "messages[" + strconv.Itoa(i) + "].tool_calls[" + strconv.Itoa(j) + "]"
		id, fname := call.GetStringBytes("id"), call.GetStringBytes("function", "name")
		if len(id) == 0 || len(fname) == 0 {
			return wire.Invalid(name, field, "a tool call needs an id and a function name")
		}
		args := bytes.TrimSpace(call.GetStringBytes("function", "arguments"))
		if len(args) == 0 {
			args = []byte("{}")
		} else if args[0] != '{' || fastjson.ValidateBytes(args) != nil {
			return wire.Invalid(name, field+".function.arguments", "Converse takes a tool call's input as a JSON object")
		}
		w.Item("assistant")
		w.Dst = append(w.Dst, `{"toolUse":{"toolUseId":`...)
		w.Dst = jsonw.Bytes(w.Dst, id)
		w.Dst = append(w.Dst, `,"name":`...)
		w.Dst = jsonw.Bytes(w.Dst, fname)
		w.Dst = append(w.Dst, `,"input":`...)
		w.Dst = append(w.Dst, args...)
		w.Dst = append(w.Dst, "}}"...)
	}
	return nil
}

func appendToolResult(w *wire.Turns, i int, m *fastjson.Value) *providers.Error {
	id := m.GetStringBytes("tool_call_id")
	if len(id) == 0 {
		return wire.Invalid(name, "messages["+strconv.Itoa(i)+"].tool_call_id", "missing")
	}
	w.Item("user")
	w.Dst = append(w.Dst, `{"toolResult":{"toolUseId":`...)
	w.Dst = jsonw.Bytes(w.Dst, id)
	w.Dst = append(w.Dst, `,"content":[`...)
	text, ok := wire.Text(m)
	if !ok {
		var joined []byte
		for _, part := range m.GetArray("content") {
			joined = append(joined, part.GetStringBytes("text")...)
		}
		text = joined
	}
	if t := bytes.TrimSpace(text); len(t) > 1 && t[0] == '{' && fastjson.ValidateBytes(t) == nil {
		w.Dst = append(w.Dst, `{"json":`...)
		w.Dst = append(w.Dst, t...)
	} else {
		w.Dst = append(w.Dst, `{"text":`...)
		w.Dst = jsonw.Bytes(w.Dst, text)
	}
	w.Dst = append(w.Dst, "}]}}"...)
	return nil
}

func appendInference(dst []byte, ps *wire.Params) []byte {
	start := len(dst)
	dst = append(dst, `,"inferenceConfig":{`...)
	body := len(dst)
	field := func(key string) {
		if len(dst) > body {
			dst = append(dst, ',')
		}
		dst = append(dst, key...)
	}
	if ps.MaxTokens > 0 {
		field(`"maxTokens":`)
		dst = strconv.AppendInt(dst, int64(ps.MaxTokens), 10)
	}
	if ps.Temperature != nil {
		field(`"temperature":`)
		dst = ps.Temperature.MarshalTo(dst)
	}
	if ps.TopP != nil {
		field(`"topP":`)
		dst = ps.TopP.MarshalTo(dst)
	}
	if len(ps.Stop) > 0 {
		field(`"stopSequences":[`)
		for i, s := range ps.Stop {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = s.MarshalTo(dst)
		}
		dst = append(dst, ']')
	}
	if len(dst) == body {
		return dst[:start]
	}
	return append(dst, '}')
}

func appendToolConfig(dst []byte, ps *wire.Params) ([]byte, *providers.Error) {
	dst = append(dst, `,"toolConfig":{"tools":[`...)
	for i, t := range ps.Tools {
		if string(t.GetStringBytes("type")) != "function" {
			return dst, wire.Unsupported(name, "tools["+strconv.Itoa(i)+"].type", "only function tools")
		}
		fname := t.GetStringBytes("function", "name")
		if len(fname) == 0 {
			return dst, wire.Invalid(name, "tools["+strconv.Itoa(i)+"].function.name", "missing")
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"toolSpec":{"name":`...)
		dst = jsonw.Bytes(dst, fname)
		if d := t.GetStringBytes("function", "description"); len(d) > 0 {
			dst = append(dst, `,"description":`...)
			dst = jsonw.Bytes(dst, d)
		}
		dst = append(dst, `,"inputSchema":{"json":`...)
		if params := t.Get("function", "parameters"); params != nil && params.Type() == fastjson.TypeObject {
			dst = params.MarshalTo(dst)
		} else {
			dst = append(dst, `{"type":"object","properties":{}}`...)
		}
		dst = append(dst, "}}}"...)
	}
	dst = append(dst, ']')
	if tc := ps.ToolChoice; tc != nil {
		dst = append(dst, `,"toolChoice":`...)
		if tc.Type() == fastjson.TypeString {
			switch string(tc.GetStringBytes()) {
			case "auto":
				dst = append(dst, `{"auto":{}}`...)
			case "required":
				dst = append(dst, `{"any":{}}`...)
			default:
				return dst, wire.Invalid(name, "tool_choice", "want auto, required or a function")
			}
		} else {
			fname := tc.GetStringBytes("function", "name")
			if len(fname) == 0 {
				return dst, wire.Invalid(name, "tool_choice", `want {"type":"function","function":{"name":…}}`)
			}
			dst = append(dst, `{"tool":{"name":`...)
			dst = jsonw.Bytes(dst, fname)
			dst = append(dst, "}}"...)
		}
	}
	return append(dst, '}'), nil
}
