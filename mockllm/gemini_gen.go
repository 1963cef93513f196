package mockllm

import (
	"strconv"

	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// geminiGen is what a generateContent request asks for, decided before the answer is written.
type geminiGen struct {
	model        []byte
	id           []byte
	n            int
	length       int // words per candidate
	cut          bool
	seed         uint64
	promptTokens int
	callName     []byte // a function call instead of text when non-nil
	callArgs     []byte
	callTokens   int
}

// geminiSchemaFields are the fields of Gemini's Schema object; anything else is rejected as real Gemini does.
var geminiSchemaFields = map[string]bool{
	"type": true, "format": true, "title": true, "description": true, "nullable": true, "enum": true,
	"maxItems": true, "minItems": true, "properties": true, "required": true, "minProperties": true,
	"maxProperties": true, "minLength": true, "maxLength": true, "pattern": true, "example": true, "anyOf": true,
	"propertyOrdering": true, "default": true, "items": true, "minimum": true, "maximum": true,
}

var geminiPartFields = map[string]bool{
	"text": true, "inlineData": true, "fileData": true, "functionCall": true, "functionResponse": true,
	"thought": true, "thoughtSignature": true, "executableCode": true, "codeExecutionResult": true, "videoMetadata": true,
}

// checkGeminiSchema returns the message Gemini gives for the first field its Schema does not know.
func checkGeminiSchema(v *fastjson.Value, where string, depth int) string {
	o, err := v.Object()
	if err != nil || depth > 32 {
		return "Invalid value at '" + where + "': want a Schema object"
	}
	msg := ""
	o.Visit(func(k []byte, f *fastjson.Value) {
		if msg != "" {
			return
		}
		if !geminiSchemaFields[string(k)] {
			msg = "Invalid JSON payload received. Unknown name " + strconv.Quote(string(k)) + " at '" + where + "': Cannot find field."
			return
		}
		switch string(k) {
		case "properties":
			if po, _ := f.Object(); po != nil {
				po.Visit(func(pk []byte, pv *fastjson.Value) {
					if msg == "" {
						msg = checkGeminiSchema(pv, where+".properties["+string(pk)+"].value", depth+1)
					}
				})
			}
		case "items":
			msg = checkGeminiSchema(f, where+".items", depth+1)
		case "anyOf":
			for _, sub := range f.GetArray() {
				if msg == "" {
					msg = checkGeminiSchema(sub, where+".any_of", depth+1)
				}
			}
		case "type":
			if f.Type() != fastjson.TypeString {
				msg = "Invalid value at '" + where + ".type': want a single type name"
			}
		}
	})
	return msg
}

// parseGemini reads a generateContent body; a non-empty result is the INVALID_ARGUMENT message.
func (s *Server) parseGemini(v *fastjson.Value, model []byte, k *knobs, g *geminiGen) string {
	contents := v.GetArray("contents")
	if len(contents) == 0 {
		return "* GenerateContentRequest.contents: contents is not specified"
	}
	g.model = model
	h := uint64(fnvOffset64)
	count := func(b []byte) {
		h = hashBytes(hashSep(h, 'p'), b)
		g.promptTokens += s.tokens.count(b)
	}
	lastResponse := false
	for i, c := range contents {
		switch string(c.GetStringBytes("role")) {
		case "", "user", "model":
		default:
			return "Please use a valid role: user, model."
		}
		parts := c.GetArray("parts")
		if len(parts) == 0 {
			return "* GenerateContentRequest.contents[" + strconv.Itoa(i) + "].parts: contents.parts must not be empty."
		}
		lastResponse = false
		for _, part := range parts {
			o, err := part.Object()
			if err != nil {
				return "Invalid value at 'contents[" + strconv.Itoa(i) + "].parts': want an object"
			}
			bad := ""
			o.Visit(func(key []byte, f *fastjson.Value) {
				if bad == "" && !geminiPartFields[string(key)] {
					bad = string(key)
				}
			})
			if bad != "" {
				return "Invalid JSON payload received. Unknown name " + strconv.Quote(bad) + " at 'contents[" + strconv.Itoa(i) + "].parts[0]': Cannot find field."
			}
			switch {
			case part.Get("text") != nil:
				count(part.GetStringBytes("text"))
			case part.Get("functionCall") != nil:
				count(part.GetStringBytes("functionCall", "name"))
				count(part.Get("functionCall", "args").MarshalTo(nil))
			case part.Get("functionResponse") != nil:
				if part.Get("functionResponse", "response").Type() != fastjson.TypeObject {
					return "* GenerateContentRequest.contents[" + strconv.Itoa(i) + "].parts.function_response.response: must be an object"
				}
				count(part.Get("functionResponse", "response").MarshalTo(nil))
				lastResponse = true
			case part.Get("inlineData") != nil:
				if len(part.GetStringBytes("inlineData", "mimeType")) == 0 {
					return "* GenerateContentRequest.contents[" + strconv.Itoa(i) + "].parts.inline_data.mime_type: mime_type is required"
				}
				g.promptTokens += 258 // Gemini's count for an image
			case part.Get("fileData") != nil:
				g.promptTokens += 258
			}
		}
	}
	for _, part := range v.GetArray("systemInstruction", "parts") {
		count(part.GetStringBytes("text"))
	}
	gc := v.Get("generationConfig")
	g.n = 1
	if n := gc.GetInt("candidateCount"); n > 0 {
		if n > 8 {
			return "* GenerateContentRequest.generation_config.candidate_count: must be at most 8"
		}
		g.n = n
	}
	natural := s.opts.MaxTokens
	if k.tokens > 0 {
		natural = k.tokens
	}
	g.length = natural
	if m := gc.GetInt("maxOutputTokens"); m > 0 && m < natural {
		g.length, g.cut = m, true
	}
	if rs := gc.Get("responseSchema"); rs != nil {
		if msg := checkGeminiSchema(rs, "generation_config.response_schema", 0); msg != "" {
			return msg
		}
	}
	g.seed = mix64(uint64(s.opts.Seed)+golden64) ^ h
	if seed := gc.Get("seed"); seed != nil {
		g.seed ^= mix64(uint64(seed.GetInt64()) ^ golden64)
	}
	var decls []*fastjson.Value
	for ti, t := range v.GetArray("tools") {
		for di, d := range t.GetArray("functionDeclarations") {
			if len(d.GetStringBytes("name")) == 0 {
				return "* GenerateContentRequest.tools[" + strconv.Itoa(ti) + "].function_declarations[" + strconv.Itoa(di) + "].name: Name cannot be empty."
			}
			if p := d.Get("parameters"); p != nil {
				where := "tools[" + strconv.Itoa(ti) + "].function_declarations[" + strconv.Itoa(di) + "].parameters"
				if msg := checkGeminiSchema(p, where, 0); msg != "" {
					return msg
				}
			}
			decls = append(decls, d)
			count(d.GetStringBytes("name"))
			count(d.GetStringBytes("description"))
		}
	}
	fcc := v.Get("toolConfig", "functionCallingConfig")
	mode := string(fcc.GetStringBytes("mode"))
	if len(decls) > 0 && mode != "NONE" && (!lastResponse || mode == "ANY") {
		pick := decls[0]
		if allowed := fcc.GetArray("allowedFunctionNames"); len(allowed) > 0 {
			for _, d := range decls {
				if string(d.GetStringBytes("name")) == string(allowed[0].GetStringBytes()) {
					pick = d
				}
			}
		}
		g.callName = pick.GetStringBytes("name")
		g.callArgs = appendMockArgs(nil, pick.Get("parameters"))
		g.callTokens = s.tokens.count(g.callName) + s.tokens.count(g.callArgs)
	}
	g.id = s.appendID(nil)
	return ""
}

// appendGeminiResponse renders a GenerateContentResponse: the whole answer (event < 0) or stream event number
// event (four words per event; the last one carries the finish reason).
func (s *Server) appendGeminiResponse(dst []byte, g *geminiGen, event int, usage bool) []byte {
	events := g.events()
	last := event < 0 || event == events-1
	from, to := 0, g.length
	if event >= 0 {
		from, to = event*4, min(event*4+4, g.length)
	}
	dst = append(dst, `{"candidates":[`...)
	for c := 0; c < g.n; c++ {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"content":{"role":"model","parts":[`...)
		if g.callName != nil {
			dst = append(dst, `{"functionCall":{"name":`...)
			dst = jsonw.Bytes(dst, g.callName)
			dst = append(dst, `,"args":`...)
			dst = append(dst, g.callArgs...)
			dst = append(dst, "}}"...)
		} else {
			dst = append(dst, `{"text":"`...)
			gen := newWordGen(choiceSeed(g.seed, c))
			for i := 0; i < to; i++ {
				w := gen.next()
				if i >= from {
					dst = append(dst, word(i, w)...)
				}
			}
			dst = append(dst, `"}`...)
		}
		dst = append(dst, "]}"...)
		if last {
			dst = append(dst, `,"finishReason":"`...)
			if g.cut && g.callName == nil {
				dst = append(dst, "MAX_TOKENS"...)
			} else {
				dst = append(dst, "STOP"...)
			}
			dst = append(dst, '"')
		}
		dst = append(dst, `,"index":`...)
		dst = strconv.AppendInt(dst, int64(c), 10)
		dst = append(dst, '}')
	}
	dst = append(dst, ']')
	if usage {
		out := g.n * to
		if g.callName != nil {
			out = g.n * g.callTokens
		}
		dst = append(dst, `,"usageMetadata":{"promptTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(g.promptTokens), 10)
		dst = append(dst, `,"candidatesTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(out), 10)
		dst = append(dst, `,"totalTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(g.promptTokens+out), 10)
		dst = append(dst, `,"promptTokensDetails":[{"modality":"TEXT","tokenCount":`...)
		dst = strconv.AppendInt(dst, int64(g.promptTokens), 10)
		dst = append(dst, "}]}"...)
	}
	dst = append(dst, `,"modelVersion":`...)
	dst = jsonw.Bytes(dst, g.model)
	dst = append(dst, `,"responseId":"`...)
	dst = append(dst, g.id...)
	return append(dst, `"}`...)
}

func (g *geminiGen) events() int {
	if g.callName != nil || g.length == 0 {
		return 1
	}
	return (g.length + 3) / 4
}

// geminiStream builds the SSE events of streamGenerateContent?alt=sse.
func (s *Server) geminiStream(g *geminiGen, k *knobs) *eventStream {
	j := &eventStream{s: s, k: *k}
	for e := 0; e < g.events(); e++ {
		ev := append([]byte(nil), "data: "...)
		ev = s.appendGeminiResponse(ev, g, e, !k.noUsage)
		j.events = append(j.events, append(ev, "\r\n\r\n"...))
	}
	// a mid-stream error is a bare JSON line, not a data event: that is the shape Google's SDKs parse as an error
	j.fail = appendGeminiError(nil, 500, "INTERNAL", "mockllm: stream broken by x-mock-fail-after", -1)
	j.fail = append(j.fail, "\r\n\r\n"...)
	return j
}

// appendGeminiEmbeddings answers embedContent ({"content","outputDimensionality"}) or batchEmbedContents
// ({"requests":[…]}); a non-empty message is an INVALID_ARGUMENT.
func (s *Server) appendGeminiEmbeddings(dst []byte, v *fastjson.Value, batch bool) ([]byte, string) {
	one := func(dst []byte, r *fastjson.Value) ([]byte, string) {
		parts := r.GetArray("content", "parts")
		if len(parts) == 0 {
			return dst, "* EmbedContentRequest.content: content is not specified"
		}
		h := uint64(fnvOffset64)
		for _, p := range parts {
			h = hashBytes(hashSep(h, 'p'), p.GetStringBytes("text"))
		}
		dims := DefaultDimensions
		if d := r.GetInt("outputDimensionality"); d > 0 {
			if d > maxDimensions {
				return dst, "* EmbedContentRequest.output_dimensionality: too large"
			}
			dims = d
		}
		seed := mix64(uint64(s.opts.Seed)+golden64) ^ h
		scale := embeddingScale(seed, dims)
		dst = append(dst, `{"values":[`...)
		for d := 0; d < dims; d++ {
			if d > 0 {
				dst = append(dst, ',')
			}
			dst = appendFloat32(dst, float32(embeddingComponent(seed, d)*scale))
		}
		return append(dst, "]}"...), ""
	}
	var msg string
	if !batch {
		dst = append(dst, `{"embedding":`...)
		if dst, msg = one(dst, v); msg != "" {
			return dst, msg
		}
		return append(dst, '}'), ""
	}
	reqs := v.GetArray("requests")
	if len(reqs) == 0 || len(reqs) > 100 {
		return dst, "* BatchEmbedContentsRequest.requests: want 1 to 100 requests"
	}
	dst = append(dst, `{"embeddings":[`...)
	for i, r := range reqs {
		if len(r.GetStringBytes("model")) == 0 {
			return dst, "* BatchEmbedContentsRequest.requests[" + strconv.Itoa(i) + "].model: model is required"
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, msg = one(dst, r); msg != "" {
			return dst, msg
		}
	}
	return append(dst, "]}"...), ""
}
