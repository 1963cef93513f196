package mockllm

import (
	"bytes"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// bedrockGen is what a Converse request asks for.
type bedrockGen struct {
	model        []byte
	length       int
	cut          bool
	seed         uint64
	promptTokens int
	callName     []byte // a toolUse instead of text when non-nil
	callArgs     []byte
	callTokens   int
	toolID       []byte
}

var converseBlockFields = map[string]bool{
	"text": true, "image": true, "document": true, "video": true, "toolUse": true, "toolResult": true,
	"guardContent": true, "reasoningContent": true, "cachePoint": true,
}

// parseConverse reads a Converse body; a non-empty result is the ValidationException message.
func (s *Server) parseConverse(v *fastjson.Value, model []byte, k *knobs, g *bedrockGen) string {
	msgs := v.GetArray("messages")
	if len(msgs) == 0 {
		return "Malformed input request: messages: expected minimum item count: 1"
	}
	g.model = model
	h := uint64(fnvOffset64)
	count := func(b []byte) {
		h = hashBytes(hashSep(h, 'p'), b)
		g.promptTokens += s.tokens.count(b)
	}
	toolBlocks, lastResult := false, false
	prev := ""
	for i, m := range msgs {
		role := string(m.GetStringBytes("role"))
		switch {
		case role != "user" && role != "assistant":
			return "Malformed input request: #/messages/" + strconv.Itoa(i) + "/role: " + strconv.Quote(role) + " is not a valid enum value"
		case i == 0 && role != "user":
			return "A conversation must start with a user message. Try again with a conversation that starts with a user message."
		case role == prev:
			return "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again."
		}
		prev = role
		blocks := m.GetArray("content")
		if len(blocks) == 0 {
			return "The content field in the Message object at messages." + strconv.Itoa(i) + " is empty. Add a ContentBlock object to the content field and try again."
		}
		lastResult = false
		for j, b := range blocks {
			o, err := b.Object()
			if err != nil || o.Len() != 1 {
				return "Malformed input request: #/messages/" + strconv.Itoa(i) + "/content/" + strconv.Itoa(j) + ": a content block has exactly one member"
			}
			bad := ""
			o.Visit(func(key []byte, _ *fastjson.Value) {
				if !converseBlockFields[string(key)] {
					bad = string(key)
				}
			})
			if bad != "" {
				return "Malformed input request: #/messages/" + strconv.Itoa(i) + "/content/" + strconv.Itoa(j) + ": extraneous key [" + bad + "] is not permitted"
			}
			switch {
			case b.Get("text") != nil:
				count(b.GetStringBytes("text"))
			case b.Get("image") != nil:
				switch string(b.GetStringBytes("image", "format")) {
				case "png", "jpeg", "gif", "webp":
				default:
					return "Malformed input request: #/messages/" + strconv.Itoa(i) + "/content/" + strconv.Itoa(j) + "/image/format: not a valid enum value"
				}
				if len(b.GetStringBytes("image", "source", "bytes")) == 0 {
					return "Malformed input request: #/messages/" + strconv.Itoa(i) + "/content/" + strconv.Itoa(j) + "/image/source: bytes required"
				}
				g.promptTokens += 258
			case b.Get("toolUse") != nil:
				toolBlocks = true
				if role != "assistant" || len(b.GetStringBytes("toolUse", "toolUseId")) == 0 || b.Get("toolUse", "input").Type() != fastjson.TypeObject {
					return "Malformed input request: toolUse blocks belong to the assistant and need a toolUseId, a name and an input object"
				}
				count(b.Get("toolUse", "input").MarshalTo(nil))
			case b.Get("toolResult") != nil:
				toolBlocks, lastResult = true, true
				if role != "user" || len(b.GetStringBytes("toolResult", "toolUseId")) == 0 || len(b.GetArray("toolResult", "content")) == 0 {
					return "Malformed input request: toolResult blocks belong to the user and need a toolUseId and content"
				}
				count(b.Get("toolResult", "content").MarshalTo(nil))
			}
		}
	}
	if prev != "user" {
		return "A conversation must end with a user message. Try again with a conversation that ends with a user message."
	}
	for _, sb := range v.GetArray("system") {
		count(sb.GetStringBytes("text"))
	}
	natural := s.opts.MaxTokens
	if k.tokens > 0 {
		natural = k.tokens
	}
	g.length = natural
	if m := v.GetInt("inferenceConfig", "maxTokens"); m > 0 && m < natural {
		g.length, g.cut = m, true
	}
	g.seed = mix64(uint64(s.opts.Seed)+golden64) ^ h
	tools := v.GetArray("toolConfig", "tools")
	if toolBlocks && len(tools) == 0 {
		return "The toolConfig field must be defined when using toolUse and toolResult content blocks."
	}
	for i, t := range tools {
		if len(t.GetStringBytes("toolSpec", "name")) == 0 || t.Get("toolSpec", "inputSchema", "json").Type() != fastjson.TypeObject {
			return "Malformed input request: #/toolConfig/tools/" + strconv.Itoa(i) + ": toolSpec needs a name and inputSchema.json"
		}
		count(t.GetStringBytes("toolSpec", "name"))
	}
	choice := v.Get("toolConfig", "toolChoice")
	forced := choice != nil && (choice.Get("any") != nil || choice.Get("tool") != nil)
	if len(tools) > 0 && (!lastResult || forced) {
		pick := tools[0]
		if name := choice.GetStringBytes("tool", "name"); len(name) > 0 {
			for _, t := range tools {
				if bytes.Equal(t.GetStringBytes("toolSpec", "name"), name) {
					pick = t
				}
			}
		}
		g.callName = pick.GetStringBytes("toolSpec", "name")
		g.callArgs = appendMockArgs(nil, pick.Get("toolSpec", "inputSchema", "json"))
		g.callTokens = s.tokens.count(g.callName) + s.tokens.count(g.callArgs)
		g.toolID = s.appendID([]byte("tooluse_"))
	}
	return ""
}

func (g *bedrockGen) outputTokens() int {
	if g.callName != nil {
		return g.callTokens
	}
	return g.length
}

func (g *bedrockGen) stopReason() string {
	switch {
	case g.callName != nil:
		return "tool_use"
	case g.cut:
		return "max_tokens"
	}
	return "end_turn"
}

func (g *bedrockGen) appendUsage(dst []byte) []byte {
	dst = append(dst, `"usage":{"inputTokens":`...)
	dst = strconv.AppendInt(dst, int64(g.promptTokens), 10)
	dst = append(dst, `,"outputTokens":`...)
	dst = strconv.AppendInt(dst, int64(g.outputTokens()), 10)
	dst = append(dst, `,"totalTokens":`...)
	dst = strconv.AppendInt(dst, int64(g.promptTokens+g.outputTokens()), 10)
	return append(dst, '}')
}

// appendConverseResponse renders a Converse answer.
func (s *Server) appendConverseResponse(dst []byte, g *bedrockGen, usage bool) []byte {
	dst = append(dst, `{"output":{"message":{"role":"assistant","content":[`...)
	if g.callName != nil {
		dst = append(dst, `{"toolUse":{"toolUseId":"`...)
		dst = append(dst, g.toolID...)
		dst = append(dst, `","name":`...)
		dst = jsonw.Bytes(dst, g.callName)
		dst = append(dst, `,"input":`...)
		dst = append(dst, g.callArgs...)
		dst = append(dst, "}}"...)
	} else {
		dst = append(dst, `{"text":"`...)
		dst = appendText(dst, g.seed, g.length)
		dst = append(dst, `"}`...)
	}
	dst = append(dst, `]}},"stopReason":"`...)
	dst = append(dst, g.stopReason()...)
	dst = append(dst, '"')
	if usage {
		dst = append(dst, ',')
		dst = g.appendUsage(dst)
	}
	return append(dst, `,"metrics":{"latencyMs":1}}`...)
}

// bedrockFrame encodes one event-stream message with the SDK's encoder.
func bedrockFrame(messageType, typ string, payload []byte) []byte {
	var m eventstream.Message
	m.Headers.Set(":message-type", eventstream.StringValue(messageType))
	if messageType == "exception" {
		m.Headers.Set(":exception-type", eventstream.StringValue(typ))
	} else {
		m.Headers.Set(":event-type", eventstream.StringValue(typ))
	}
	m.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	m.Payload = payload
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, m); err != nil {
		panic(err) // only on a header too long, which these fixed names never are
	}
	return b.Bytes()
}

// converseStream builds ConverseStream's frames: messageStart, the content block(s), messageStop, metadata.
func (s *Server) converseStream(g *bedrockGen, k *knobs) *eventStream {
	j := &eventStream{s: s, k: *k}
	add := func(typ string, payload []byte) { j.events = append(j.events, bedrockFrame("event", typ, payload)) }
	add("messageStart", []byte(`{"role":"assistant"}`))
	if g.callName != nil {
		start := append([]byte(`{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"`), g.toolID...)
		start = append(start, `","name":`...)
		start = jsonw.Bytes(start, g.callName)
		add("contentBlockStart", append(start, "}}}"...))
		half := len(g.callArgs) / 2 // the input arrives as JSON text in pieces
		for _, piece := range [][]byte{g.callArgs[:half], g.callArgs[half:]} {
			d := append([]byte(`{"contentBlockIndex":0,"delta":{"toolUse":{"input":`), jsonw.Bytes(nil, piece)...)
			add("contentBlockDelta", append(d, "}}}"...))
		}
	} else {
		gen := newWordGen(g.seed)
		for i := 0; i < g.length; i++ {
			d := append([]byte(`{"contentBlockIndex":0,"delta":{"text":"`), word(i, gen.next())...)
			add("contentBlockDelta", append(d, `"}}`...))
		}
	}
	add("contentBlockStop", []byte(`{"contentBlockIndex":0}`))
	add("messageStop", []byte(`{"stopReason":"`+g.stopReason()+`"}`))
	if !k.noUsage {
		meta := g.appendUsage([]byte(`{`))
		add("metadata", append(meta, `,"metrics":{"latencyMs":1}}`...))
	}
	j.fail = bedrockFrame("exception", "internalServerException", []byte(`{"message":"mockllm: stream broken by x-mock-fail-after"}`))
	return j
}

// appendBedrockEmbeddings answers InvokeModel for Titan ({"inputText","dimensions"}) and Cohere ({"texts",
// "input_type"}) embedding models; a non-empty message is a ValidationException.
func (s *Server) appendBedrockEmbeddings(dst []byte, v *fastjson.Value, model []byte) ([]byte, string) {
	vector := func(dst, text []byte, dims int) []byte {
		seed := mix64(uint64(s.opts.Seed)+golden64) ^ hashBytes(fnvOffset64, text)
		scale := embeddingScale(seed, dims)
		dst = append(dst, '[')
		for d := 0; d < dims; d++ {
			if d > 0 {
				dst = append(dst, ',')
			}
			dst = appendFloat32(dst, float32(embeddingComponent(seed, d)*scale))
		}
		return append(dst, ']')
	}
	switch {
	case bytes.Contains(model, []byte("titan-embed")):
		text := v.Get("inputText")
		if text == nil || text.Type() != fastjson.TypeString || len(text.GetStringBytes()) == 0 {
			return dst, "Malformed input request: #: required key [inputText] not found"
		}
		dims := 1536
		if bytes.Contains(model, []byte("-v2")) {
			dims = 1024
			if d := v.GetInt("dimensions"); d != 0 {
				if d != 256 && d != 512 && d != 1024 {
					return dst, "Malformed input request: #/dimensions: " + strconv.Itoa(d) + " is not a valid enum value"
				}
				dims = d
			}
		}
		dst = append(dst, `{"embedding":`...)
		dst = vector(dst, text.GetStringBytes(), dims)
		dst = append(dst, `,"inputTextTokenCount":`...)
		dst = strconv.AppendInt(dst, int64(s.tokens.count(text.GetStringBytes())), 10)
		return append(dst, '}'), ""
	case bytes.Contains(model, []byte("cohere.embed")):
		texts := v.GetArray("texts")
		if len(texts) == 0 || len(texts) > 96 {
			return dst, "Malformed input request: #/texts: expected 1 to 96 items"
		}
		switch string(v.GetStringBytes("input_type")) {
		case "search_document", "search_query", "classification", "clustering":
		default:
			return dst, "Malformed input request: #/input_type: required, one of search_document, search_query, classification, clustering"
		}
		dst = append(dst, `{"id":"`...)
		dst = s.appendID(dst)
		dst = append(dst, `","embeddings":[`...)
		for i, t := range texts {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = vector(dst, t.GetStringBytes(), 1024)
		}
		dst = append(dst, `],"texts":[`...)
		for i, t := range texts {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.Bytes(dst, t.GetStringBytes())
		}
		return append(dst, `],"response_type":"embeddings_floats"}`...), ""
	}
	return dst, "The provided model identifier is invalid."
}
