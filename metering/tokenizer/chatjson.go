package tokenizer

import (
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image sizes of data: URLs
	_ "image/jpeg"
	_ "image/png"
	"strings"
	"unsafe"

	"github.com/valyala/fastjson"
)

// ErrInvalidChatBody is returned when a chat request body is not JSON or
// lacks messages. Its message never quotes the body (it holds prompts).
var ErrInvalidChatBody = errors.New("tokenizer: invalid chat request body")

var parserPool fastjson.ParserPool

// CountChatJSON counts the prompt tokens of an OpenAI chat-completions
// request body, as CountChat does. model overrides the body's "model" when
// not empty. Content may be a string, null or an array of parts (text,
// refusal, image_url, input_audio, file); tools and legacy functions,
// tool_calls and function_call are counted. Image sizes are read from the
// header of base64 data: URLs (PNG, JPEG, GIF); remote URLs count as Unknown
// unless detail is "low".
func (r *Registry) CountChatJSON(model string, body []byte) (Count, error) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return Count{}, fmt.Errorf("%w: not valid JSON", ErrInvalidChatBody)
	}
	return r.CountChatValue(model, v)
}

// CountChatValue counts a chat-completions request already parsed by the
// caller, as CountChatJSON counts its body: a gateway that parsed the body
// once hands the value over instead of a second parse. v is only read.
func (r *Registry) CountChatValue(model string, v *fastjson.Value) (Count, error) {
	if v == nil {
		return Count{}, fmt.Errorf("%w: no body", ErrInvalidChatBody)
	}
	if model == "" {
		model = str(v.GetStringBytes("model")) // r.model clones what it keeps
		if model == "" {
			return Count{}, fmt.Errorf("%w: no model given and body has no \"model\" string", ErrInvalidChatBody)
		}
	}
	info, err := r.model(model)
	if err != nil {
		return Count{}, err
	}
	msgs := v.Get("messages")
	if msgs == nil || msgs.Type() != fastjson.TypeArray {
		return Count{}, fmt.Errorf("%w: \"messages\" must be an array", ErrInvalidChatBody)
	}
	s := getScratch()
	defer putScratch(s)
	cc := chatCounter{enc: info.enc, rules: info.chat, s: s}
	arr, _ := msgs.Array()
	for i, m := range arr {
		if err := cc.jsonMessage(m, s); err != nil {
			return Count{}, fmt.Errorf("%w: messages[%d]%s", ErrInvalidChatBody, i, err.Error())
		}
	}
	tools := 0
	for _, t := range v.GetArray("tools") {
		cc.jsonTool(t.Get("function"), s)
		tools++
	}
	for _, f := range v.GetArray("functions") {
		cc.jsonTool(f, s)
		tools++
	}
	return cc.done(tools > 0), nil
}

// str views b as a string without copying; valid while the parser lives.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func (cc *chatCounter) jsonMessage(m *fastjson.Value, s *scratch) error {
	if m.Type() != fastjson.TypeObject {
		return errors.New(": want an object")
	}
	cc.message(str(m.GetStringBytes("role")), str(m.GetStringBytes("name")))
	if c := m.Get("content"); c != nil {
		switch c.Type() {
		case fastjson.TypeString:
			b, _ := c.StringBytes()
			cc.text(str(b))
		case fastjson.TypeArray:
			parts, _ := c.Array()
			for k, part := range parts {
				if err := cc.jsonPart(part); err != nil {
					return fmt.Errorf(".content[%d]%s", k, err.Error())
				}
			}
		case fastjson.TypeNull:
		default:
			return fmt.Errorf(".content: want a string, an array of parts or null, got %s", c.Type())
		}
	}
	for _, tc := range m.GetArray("tool_calls") {
		cc.text(str(tc.GetStringBytes("function", "name")))
		cc.text(str(tc.GetStringBytes("function", "arguments")))
	}
	if fc := m.Get("function_call"); fc != nil {
		cc.text(str(fc.GetStringBytes("name")))
		cc.text(str(fc.GetStringBytes("arguments")))
	}
	return nil
}

func (cc *chatCounter) jsonPart(part *fastjson.Value) error {
	if part.Type() == fastjson.TypeString { // tolerated shorthand
		b, _ := part.StringBytes()
		cc.text(str(b))
		return nil
	}
	if part.Type() != fastjson.TypeObject {
		return fmt.Errorf(": want an object, got %s", part.Type())
	}
	switch str(part.GetStringBytes("type")) {
	case "text", "input_text":
		cc.text(str(part.GetStringBytes("text")))
	case "refusal":
		cc.text(str(part.GetStringBytes("refusal")))
	case "image_url":
		img := part.Get("image_url")
		url := str(img.GetStringBytes("url"))
		if img != nil && img.Type() == fastjson.TypeString {
			b, _ := img.StringBytes()
			url = str(b)
		}
		detail := str(img.GetStringBytes("detail"))
		w, h := 0, 0
		if detail != "low" {
			w, h = dataURLImageSize(url)
		}
		cc.image(detail, w, h)
	default: // input_audio, file and types added later: never silently 0
		cc.c.Unknown++
	}
	return nil
}

func (cc *chatCounter) jsonTool(f *fastjson.Value, s *scratch) {
	var params string
	if p := f.Get("parameters"); p != nil {
		s.json = p.MarshalTo(s.json[:0])
		params = str(s.json)
	}
	cc.tool(str(f.GetStringBytes("name")), str(f.GetStringBytes("description")), params)
}

// dataURLImageSize returns the pixel size of a base64 data: URL image by
// decoding only its header, or 0, 0.
func dataURLImageSize(url string) (int, int) {
	rest, ok := strings.CutPrefix(url, "data:image/")
	if !ok {
		return 0, 0
	}
	_, payload, ok := strings.Cut(rest, ";base64,")
	if !ok {
		return 0, 0
	}
	cfg, _, err := image.DecodeConfig(base64.NewDecoder(base64.StdEncoding, strings.NewReader(payload)))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}
