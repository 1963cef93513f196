package wire

import (
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fastjson"
)

// Params are the fields of an OpenAI chat request a translation reads,
// gathered in one pass over the top-level object. Values point into the
// parsed request.
type Params struct {
	Messages         []*fastjson.Value
	Temperature      *fastjson.Value // a number
	TopP             *fastjson.Value // a number
	MaxTokens        int             // max_completion_tokens, else max_tokens; 0 = not given
	Stop             []*fastjson.Value
	N                int // 1 when not given
	Seed             *fastjson.Value
	PresencePenalty  *fastjson.Value
	FrequencyPenalty *fastjson.Value
	Tools            []*fastjson.Value
	ToolChoice       *fastjson.Value
	ResponseFormat   *fastjson.Value
	ReasoningEffort  []byte
}

// ReadParams reads v (a chat request) into p. Fields that change nothing
// the provider sees (model, stream, stream_options, user, store, metadata,
// service_tier, parallel_tool_calls) are accepted; logprobs, logit_bias,
// legacy functions, audio and any unknown field are refused with a 400
// naming the field and the provider.
func ReadParams(v *fastjson.Value, provider string, p *Params) *providers.Error {
	o, err := v.Object()
	if err != nil {
		return Invalid(provider, "body", "not a JSON object")
	}
	*p = Params{Messages: p.Messages[:0], Stop: p.Stop[:0], Tools: p.Tools[:0], N: 1}
	var perr *providers.Error
	maxTokens, maxCompletion := 0, 0
	o.Visit(func(k []byte, f *fastjson.Value) {
		if perr != nil || f.Type() == fastjson.TypeNull {
			return
		}
		switch string(k) {
		case "model", "stream", "stream_options", "user", "store", "metadata", "service_tier", "parallel_tool_calls":
		case "messages":
			arr, err := f.Array()
			if err != nil || len(arr) == 0 {
				perr = Invalid(provider, "messages", "want a non-empty array")
				return
			}
			p.Messages = append(p.Messages, arr...)
		case "temperature":
			p.Temperature, perr = number(provider, "temperature", f)
		case "top_p":
			p.TopP, perr = number(provider, "top_p", f)
		case "presence_penalty":
			p.PresencePenalty, perr = number(provider, "presence_penalty", f)
		case "frequency_penalty":
			p.FrequencyPenalty, perr = number(provider, "frequency_penalty", f)
		case "seed":
			p.Seed, perr = number(provider, "seed", f)
		case "max_tokens":
			maxTokens, perr = positive(provider, "max_tokens", f)
		case "max_completion_tokens":
			maxCompletion, perr = positive(provider, "max_completion_tokens", f)
		case "n":
			p.N, perr = positive(provider, "n", f)
		case "stop":
			switch f.Type() {
			case fastjson.TypeString:
				p.Stop = append(p.Stop, f)
			case fastjson.TypeArray:
				for _, s := range f.GetArray() {
					if s.Type() != fastjson.TypeString {
						perr = Invalid(provider, "stop", "want a string or an array of strings")
						return
					}
					p.Stop = append(p.Stop, s)
				}
			default:
				perr = Invalid(provider, "stop", "want a string or an array of strings")
			}
		case "tools":
			arr, err := f.Array()
			if err != nil {
				perr = Invalid(provider, "tools", "want an array")
				return
			}
			p.Tools = append(p.Tools, arr...)
		case "tool_choice":
			p.ToolChoice = f
		case "response_format":
			p.ResponseFormat = f
		case "reasoning_effort":
			p.ReasoningEffort = f.GetStringBytes()
		case "logprobs":
			if f.GetBool() {
				perr = Unsupported(provider, "logprobs", "")
			}
		case "logit_bias":
			if o, _ := f.Object(); o == nil || o.Len() > 0 {
				perr = Unsupported(provider, "logit_bias", "")
			}
		default:
			perr = Unsupported(provider, string(k), "")
		}
	})
	if perr != nil {
		return perr
	}
	if len(p.Messages) == 0 {
		return Invalid(provider, "messages", "missing")
	}
	p.MaxTokens = maxTokens
	if maxCompletion > 0 {
		p.MaxTokens = maxCompletion
	}
	return nil
}

func number(provider, field string, f *fastjson.Value) (*fastjson.Value, *providers.Error) {
	if f.Type() != fastjson.TypeNumber {
		return nil, Invalid(provider, field, "want a number")
	}
	return f, nil
}

func positive(provider, field string, f *fastjson.Value) (int, *providers.Error) {
	n, err := f.Int()
	if err != nil || n < 1 {
		return 0, Invalid(provider, field, "want a positive integer")
	}
	return n, nil
}

// Text returns a message's content when it is a plain string (ok), nil and
// ok for null or absent content, and !ok for an array of parts.
func Text(m *fastjson.Value) (text []byte, ok bool) {
	c := m.Get("content")
	if c == nil || c.Type() == fastjson.TypeNull {
		return nil, true
	}
	if c.Type() == fastjson.TypeString {
		return c.GetStringBytes(), true
	}
	return nil, false
}
