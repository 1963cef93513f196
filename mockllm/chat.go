package mockllm

import (
	"github.com/tollgate-ai/tollgate/internal/jsonw"
	"github.com/valyala/fastjson"
)

// Token accounting of OpenAI's cookbook (num_tokens_from_messages) for gpt-3.5-turbo-0613 and later, gpt-4*:
// every message costs 3 tokens plus the tokens of each of its string values (role, content, name, tool_call_id…),
// a name costs 1 more, and the reply is primed with 3. Extensions of the cookbook, which only knows strings:
// content given as parts counts each text part; tool_calls count each function's name and arguments.
const (
	tokensPerMessage = 3
	tokensPerName    = 1
	tokensReplyPrime = 3
)

// parseChat fills p from a chat completions body.
func (s *Server) parseChat(v *fastjson.Value, deployment []byte, k *knobs, p *genPlan) *apiError {
	if err := s.parseCommon(v, deployment, k, p); err != nil {
		return err
	}
	msgs := v.Get("messages")
	if msgs == nil || msgs.Type() != fastjson.TypeArray {
		return badRequest("messages", `missing required field "messages" (a non-empty array of {"role","content"} objects)`)
	}
	arr, _ := msgs.Array()
	if len(arr) == 0 {
		return badRequest("messages", `"messages" must not be empty`)
	}
	h, total := uint64(fnvOffset64), tokensReplyPrime
	biasHit := false
	for _, m := range arr {
		o, err := m.Object()
		if err != nil {
			return badRequest("messages", `each entry of "messages" must be an object`)
		}
		role := o.Get("role")
		if role == nil || role.Type() != fastjson.TypeString || len(role.GetStringBytes()) == 0 {
			return badRequest("messages", `each entry of "messages" needs a "role" string`)
		}
		mc := messageCounter{s: s, h: hashSep(h, 'm'), tokens: tokensPerMessage}
		mc.checkBias = s.bias != nil && !biasHit && string(role.GetStringBytes()) == "user"
		o.Visit(mc.visit)
		if mc.err != nil {
			return mc.err
		}
		h, total, biasHit = mc.h, total+mc.tokens, biasHit || mc.biasHit
	}
	p.ep = epChat
	p.addPrompt(promptItem{hash: h, tokens: total})
	if biasHit {
		s.bias.apply(p, s.opts.Seed)
	}
	if k.refusalRate > 0 && p.planted == nil {
		s.refuse(p, k.refusalRate)
	}
	return nil
}

// messageCounter counts and hashes one message's fields.
type messageCounter struct {
	s      *Server
	h      uint64
	tokens int
	err    *apiError

	checkBias bool // a user message while planted bias is on
	biasHit   bool
}

func (mc *messageCounter) text(key, text []byte) {
	mc.h = hashBytes(hashSep(hashBytes(hashSep(mc.h, 'k'), key), 'v'), text)
	mc.tokens += mc.s.tokens.count(text)
	if mc.checkBias && string(key) == "content" && !mc.biasHit {
		mc.biasHit = mc.s.bias.matches(text)
	}
}

func (mc *messageCounter) visit(key []byte, v *fastjson.Value) {
	switch v.Type() {
	case fastjson.TypeString:
		mc.text(key, v.GetStringBytes())
		if string(key) == "name" {
			mc.tokens += tokensPerName
		}
	case fastjson.TypeArray:
		switch string(key) {
		case "content":
			for _, part := range v.GetArray() {
				if part.Type() != fastjson.TypeObject {
					mc.err = badRequest("messages", `content parts must be objects like {"type":"text","text":"..."}`)
					return
				}
				if t := part.Get("text"); t != nil && t.Type() == fastjson.TypeString {
					mc.text(key, t.GetStringBytes())
				}
			}
		case "tool_calls":
			for _, call := range v.GetArray() {
				fn := call.Get("function")
				if fn == nil {
					continue
				}
				mc.text(key, fn.GetStringBytes("name"))
				mc.text(key, fn.GetStringBytes("arguments"))
			}
		}
	}
}

// appendChatResponse renders a chat.completion object.
func (s *Server) appendChatResponse(dst []byte, p *genPlan, usage bool) []byte {
	dst = s.appendHead(dst, "chatcmpl-", "chat.completion", p)
	for c := 0; c < p.choices(); c++ {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"index":`...)
		dst = appendInt(dst, c)
		dst = append(dst, `,"message":{"role":"assistant","content":"`...)
		if p.planted != nil {
			dst = appendPlanted(dst, p.planted, p.choiceSeed(c), p.length)
		} else {
			dst = appendText(dst, p.choiceSeed(c), p.length)
		}
		dst = append(dst, `","refusal":null},"logprobs":null,"finish_reason":"`...)
		dst = append(dst, p.finishReason()...)
		dst = append(dst, `"}`...)
	}
	return p.appendTail(dst, usage)
}

// appendHead opens a response object up to its choices array.
func (s *Server) appendHead(dst []byte, idPrefix, object string, p *genPlan) []byte {
	dst = append(dst, `{"id":"`...)
	dst = append(dst, idPrefix...)
	dst = s.appendID(dst)
	dst = append(dst, `","object":"`...)
	dst = append(dst, object...)
	dst = append(dst, `","created":`...)
	dst = appendInt(dst, int(s.now().Unix()))
	dst = append(dst, `,"model":`...)
	dst = jsonw.Bytes(dst, p.model)
	return append(dst, `,"choices":[`...)
}

// appendTail closes the choices array, adds usage when asked, and ends the object.
func (p *genPlan) appendTail(dst []byte, usage bool) []byte {
	dst = append(dst, ']')
	if usage {
		dst = p.appendUsage(dst)
	}
	return append(dst, `,"system_fingerprint":"fp_mockllm"}`...)
}

// appendUsage appends `,"usage":{...}` for the whole response: every choice is p.length tokens (planted answers:
// their text's tokens).
func (p *genPlan) appendUsage(dst []byte) []byte {
	completion := p.choices() * p.tokensPerChoice()
	dst = append(dst, `,"usage":{"prompt_tokens":`...)
	dst = appendInt(dst, p.promptTokens)
	if p.ep != epEmbedding {
		dst = append(dst, `,"completion_tokens":`...)
		dst = appendInt(dst, completion)
	}
	dst = append(dst, `,"total_tokens":`...)
	dst = appendInt(dst, p.promptTokens+completion)
	return append(dst, '}')
}
