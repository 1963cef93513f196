package gateway

import (
	"unicode/utf8"

	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
)

// endpoint identifies which OpenAI API a request is for.
type endpoint uint8

const (
	epChat endpoint = iota + 1
	epCompletions
	epEmbeddings
	epPassthrough
)

// apiPath is the OpenAI API path after /v1/.
func (e endpoint) apiPath() string {
	if e == epPassthrough {
		return "passthrough"
	}
	return e.upstreamPath()[1:]
}

// clientPath is the path the client called ("/v1/chat/completions"), as
// the policy input names it: a constant, so no string is built per request.
func (e endpoint) clientPath() string {
	switch e {
	case epChat:
		return "/v1/chat/completions"
	case epCompletions:
		return "/v1/completions"
	case epEmbeddings:
		return "/v1/embeddings"
	}
	return "/v1/" + e.apiPath()
}

func (e endpoint) String() string {
	switch e {
	case epChat:
		return "chat"
	case epCompletions:
		return "completions"
	case epEmbeddings:
		return "embeddings"
	case epPassthrough:
		return "passthrough"
	}
	return "other"
}

// upstreamPath is the path after an upstream's base URL.
func (e endpoint) upstreamPath() string {
	switch e {
	case epChat:
		return "/chat/completions"
	case epCompletions:
		return "/completions"
	case epEmbeddings:
		return "/embeddings"
	}
	return ""
}

// requestFields are the few fields the gateway reads from a request body.
// Everything else passes through to the upstream untouched.
type requestFields struct {
	Model          string
	known          map[string]*model // the configured models, whose names Model reuses instead of copying; nil = copy
	modelFromPath  bool              // Azure-style URL: /openai/deployments/{model}/…; the path wins over the body
	Stream         bool
	IncludeUsage   bool // stream_options.include_usage
	MaxTokens      int  // max_tokens or max_completion_tokens; 0 = unset
	maxTokensKey   string
	N              int
	Temperature    float64
	HasTemperature bool
	MessageCount   int
	PromptChars    int
	User           string
	// Read only when a policy needs them (parseExtras): they allocate.
	Tools    []string
	Metadata map[string]string
}

// maxOutputTokens bounds max_tokens: no model writes more, and a larger
// value would only inflate budget reservations.
const maxOutputTokens = 10_000_000

// readBody parses the client's body, the request's one parse: the meter
// keeps the value while the handler needs it (parseExtras, the prompt
// estimate), and the fields the gateway routes on are read from it.
func (s *Server) readBody(x *Exchange, ep endpoint, body []byte) *APIError {
	if len(body) == 0 {
		return errInvalid("", "request body is empty; send a JSON object")
	}
	// JSON text is UTF-8 (RFC 8259); the parser does not check string
	// values, and an upstream would refuse the bytes or mangle them.
	if !utf8.Valid(body) {
		return errInvalid("", "request body is not valid UTF-8; JSON must be UTF-8")
	}
	v, err := x.meter.ParseRequest(body)
	if err != nil {
		return errInvalid("", "request body is not valid JSON: "+err.Error())
	}
	f := &x.fields
	if x.rt != nil {
		f.known = x.rt.models
	}
	if e := readRequest(ep, v, f); e != nil {
		return e
	}
	x.meter.SetPrompt(s.stages.Tokens, metering.Prompt{Kind: ep.promptKind(), Model: f.Model, Chars: f.PromptChars,
		Messages: f.MessageCount})
	return nil
}

// promptKind says where the meter finds ep's prompt.
func (e endpoint) promptKind() metering.PromptKind {
	switch e {
	case epChat:
		return metering.PromptChat
	case epCompletions, epEmbeddings:
		return metering.PromptText
	}
	return metering.PromptNone
}

// modelName is the request's model as a string: a configured model's own
// name when mb is one (no copy, the common case), else a copy.
func (f *requestFields) modelName(mb []byte) string {
	if m, ok := f.known[string(mb)]; ok {
		return m.name
	}
	return string(mb)
}

// readRequest validates the parsed body v for ep and fills f. Strings
// copied into f are the only allocations, and only because f outlives the
// parser.
func readRequest(ep endpoint, v *fastjson.Value, f *requestFields) *APIError {
	if v.Type() != fastjson.TypeObject {
		return errInvalid("", "request body must be a JSON object, got "+v.Type().String())
	}
	if e := checkKeys(v); e != nil {
		return e
	}
	mv := v.Get("model")
	switch {
	case mv == nil && f.modelFromPath:
		// Azure-style path: the deployment in the URL names the model.
	case mv == nil:
		return errInvalid("model", "you must provide a model parameter")
	default:
		mb, err := mv.StringBytes()
		if err != nil || len(mb) == 0 {
			return errInvalid("model", "model must be a non-empty string")
		}
		if !f.modelFromPath {
			f.Model = f.modelName(mb)
		}
	}
	if sv := v.Get("stream"); sv != nil {
		switch sv.Type() {
		case fastjson.TypeTrue:
			f.Stream = true
		case fastjson.TypeFalse, fastjson.TypeNull:
		default:
			return errInvalid("stream", "stream must be a boolean")
		}
	}
	if so := v.Get("stream_options"); so != nil && so.Type() != fastjson.TypeNull {
		if so.Type() != fastjson.TypeObject {
			return errInvalid("stream_options", "stream_options must be an object")
		}
		if iu := so.Get("include_usage"); iu != nil {
			switch iu.Type() {
			case fastjson.TypeTrue:
				f.IncludeUsage = f.Stream
			case fastjson.TypeFalse, fastjson.TypeNull:
			default:
				return errInvalid("stream_options.include_usage", "stream_options.include_usage must be a boolean")
			}
		}
	}
	for _, k := range [...]string{"max_tokens", "max_completion_tokens"} {
		if tv := v.Get(k); tv != nil && tv.Type() != fastjson.TypeNull {
			if f.maxTokensKey != "" {
				// Upstreams differ on which one wins; the cap and the
				// reservation must bound what the upstream will use.
				return errInvalid(k, "send either max_tokens or max_completion_tokens, not both")
			}
			n, err := tv.Int()
			if err != nil || n < 0 {
				return errInvalid(k, k+" must be a non-negative integer")
			}
			if n > maxOutputTokens {
				return errInvalid(k, k+" is larger than any model's output limit ("+itoa(maxOutputTokens)+")")
			}
			f.MaxTokens = n
			f.maxTokensKey = k
		}
	}
	if tv := v.Get("temperature"); tv != nil && tv.Type() == fastjson.TypeNumber {
		f.Temperature, f.HasTemperature = tv.GetFloat64(), true
	}
	if nv := v.Get("n"); nv != nil && nv.Type() != fastjson.TypeNull {
		n, err := nv.Int()
		if err != nil || n < 1 {
			return errInvalid("n", "n must be a positive integer")
		}
		f.N = n
	}
	if uv := v.Get("user"); uv != nil {
		if ub, err := uv.StringBytes(); err == nil {
			f.User = string(ub)
		}
	}
	switch ep {
	case epChat:
		msgs := v.Get("messages")
		if msgs == nil {
			return errInvalid("messages", "you must provide a messages parameter")
		}
		arr, err := msgs.Array()
		if err != nil {
			return errInvalid("messages", "messages must be an array of message objects")
		}
		if len(arr) == 0 {
			return errInvalid("messages", "messages must contain at least one message")
		}
		for i, m := range arr {
			if m.Type() != fastjson.TypeObject {
				return errInvalid("messages", "messages["+itoa(i)+"] must be an object")
			}
			if r := m.Get("role"); r == nil || r.Type() != fastjson.TypeString {
				return errInvalid("messages", "messages["+itoa(i)+"].role must be a string")
			}
			f.PromptChars += contentChars(m.Get("content"))
		}
		f.MessageCount = len(arr)
	case epCompletions:
		pv := v.Get("prompt")
		if pv == nil {
			return errInvalid("prompt", "you must provide a prompt parameter")
		}
		f.PromptChars = contentChars(pv)
	case epEmbeddings:
		iv := v.Get("input")
		if iv == nil || iv.Type() == fastjson.TypeNull {
			return errInvalid("input", "you must provide an input parameter")
		}
		f.PromptChars = contentChars(iv)
	}
	return nil
}

// parseExtras reads the fields only policies look at, tool names and
// metadata, from the body's one parse (none once the meter released it).
// Bounded so a hostile body cannot make the input huge.
func (x *Exchange) parseExtras() {
	v, f := x.meter.Request(), &x.fields
	if v == nil {
		return
	}
	for _, t := range v.GetArray("tools") {
		name := t.GetStringBytes("function", "name")
		if len(name) == 0 {
			name = t.GetStringBytes("name")
		}
		if len(name) > 0 && len(f.Tools) < 128 {
			f.Tools = append(f.Tools, string(name))
		}
	}
	if md := v.GetObject("metadata"); md != nil {
		f.Metadata = make(map[string]string, md.Len())
		md.Visit(func(k []byte, mv *fastjson.Value) {
			if b, err := mv.StringBytes(); err == nil && len(f.Metadata) < 64 {
				f.Metadata[string(k)] = string(b)
			}
		})
	}
}

// contentChars counts the bytes of text in a string, an array of strings or
// an array of content parts ({"type":"text","text":…}).
func contentChars(v *fastjson.Value) int {
	if v == nil {
		return 0
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return len(b)
	case fastjson.TypeArray:
		arr, _ := v.Array()
		n := 0
		for _, e := range arr {
			if e.Type() == fastjson.TypeObject {
				n += contentChars(e.Get("text"))
			} else {
				n += contentChars(e)
			}
		}
		return n
	}
	return 0
}

func itoa(i int) string {
	if i >= 0 && i < 10 {
		return string(rune('0' + i))
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
