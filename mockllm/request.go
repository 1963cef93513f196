package mockllm

import (
	"strconv"

	"github.com/valyala/fastjson"
)

// endpoint is the kind of OpenAI API a request asked for.
type endpoint uint8

const (
	epChat endpoint = iota
	epCompletion
	epEmbedding
)

// promptItem is one prompt of a request: its content hash (seeds the output) and its token count.
type promptItem struct {
	hash   uint64
	tokens int
}

// genPlan is everything needed to answer a chat or completion request, decided before the first byte is written.
// It refers to the request body (model) until a stream copies it.
type genPlan struct {
	ep           endpoint
	model        []byte
	first        promptItem   // the only prompt of a chat (the whole conversation) or of most other requests
	more         []promptItem // prompts after the first; allocated only for array prompts
	prompts      int
	n            int    // choices per prompt
	seed         uint64 // Options.Seed mixed with the request's seed field
	length       int    // words per choice
	cut          bool   // max tokens cut the text: finish_reason "length", else "stop"
	promptTokens int
	stream       bool
	includeUsage bool
	planted      *plantedAnswer // planted bias: the degraded answer's text, nil for ordinary text
}

func (p *genPlan) choices() int { return p.prompts * p.n }

// addPrompt records one more prompt. The first one lives in the plan itself: plans stay on the handler's stack.
func (p *genPlan) addPrompt(it promptItem) {
	if p.prompts == 0 {
		p.first = it
	} else {
		p.more = append(p.more, it)
	}
	p.prompts++
	p.promptTokens += it.tokens
}

func (p *genPlan) prompt(i int) promptItem {
	if i == 0 {
		return p.first
	}
	return p.more[i-1]
}

func (p *genPlan) finishReason() string {
	if p.cut {
		return "length"
	}
	return "stop"
}

// choiceSeed returns the generator seed of choice c (choices are numbered prompt-major, like OpenAI's index).
func (p *genPlan) choiceSeed(c int) uint64 {
	return choiceSeed(mix64(p.prompt(c/p.n).hash^p.seed), c%p.n)
}

// parseCommon reads the fields chat and completions share: model, n, stream, stream_options, max tokens, seed.
func (s *Server) parseCommon(v *fastjson.Value, deployment []byte, k *knobs, p *genPlan) *apiError {
	if deployment != nil {
		p.model = deployment // Azure: the deployment names the model, a model field is ignored
	} else {
		m := v.Get("model")
		if m == nil || m.Type() != fastjson.TypeString || len(m.GetStringBytes()) == 0 {
			return badRequest("model", `missing required field "model" (a non-empty string)`)
		}
		p.model = m.GetStringBytes()
	}
	var err *apiError
	if p.n, err = optionalInt(v, "n", 1, 1, maxChoices); err != nil {
		return err
	}
	if p.stream, err = optionalBool(v, "stream"); err != nil {
		return err
	}
	if so := v.Get("stream_options"); so != nil && so.Type() != fastjson.TypeNull {
		if so.Type() != fastjson.TypeObject {
			return badRequest("stream_options", `"stream_options" must be an object`)
		}
		if p.includeUsage, err = optionalBool(so, "include_usage"); err != nil {
			return err
		}
	}
	natural := s.opts.MaxTokens
	if k.tokens > 0 {
		natural = k.tokens
	}
	limit, err := optionalInt(v, "max_completion_tokens", 0, 1, maxTokensCap)
	if err != nil {
		return err
	}
	if limit == 0 {
		if limit, err = optionalInt(v, "max_tokens", 0, 1, maxTokensCap); err != nil {
			return err
		}
	}
	p.length, p.cut = natural, false
	if limit > 0 && limit < natural {
		p.length, p.cut = limit, true
	}
	p.seed = mix64(uint64(s.opts.Seed) + golden64)
	if sv := v.Get("seed"); sv != nil && sv.Type() != fastjson.TypeNull {
		reqSeed, serr := sv.Int64()
		if serr != nil {
			return badRequest("seed", `"seed" must be an integer`)
		}
		p.seed ^= mix64(uint64(reqSeed) ^ golden64)
	}
	return nil
}

// optionalInt reads an integer field in [lo, hi]; absent or null gives def.
func optionalInt(v *fastjson.Value, field string, def, lo, hi int) (int, *apiError) {
	f := v.Get(field)
	if f == nil || f.Type() == fastjson.TypeNull {
		return def, nil
	}
	n, err := f.Int()
	if err != nil || n < lo || n > hi {
		return 0, badRequest(field, strconv.Quote(field)+" must be an integer in ["+strconv.Itoa(lo)+", "+
			strconv.Itoa(hi)+"], got "+string(f.MarshalTo(nil)))
	}
	return n, nil
}

// optionalBool reads a boolean field; absent or null is false.
func optionalBool(v *fastjson.Value, field string) (bool, *apiError) {
	f := v.Get(field)
	if f == nil || f.Type() == fastjson.TypeNull {
		return false, nil
	}
	b, err := f.Bool()
	if err != nil {
		return false, badRequest(field, strconv.Quote(field)+" must be a boolean, got "+string(f.MarshalTo(nil)))
	}
	return b, nil
}

// parsePrompts reads a completions prompt or an embeddings input: a string, an array of strings, an array of
// token ids, or an array of token-id arrays. Each prompt is added to p with its hash and token count.
func (s *Server) parsePrompts(v *fastjson.Value, field string, allowEmpty bool, p *genPlan) *apiError {
	f := v.Get(field)
	if f == nil {
		return badRequest(field, "missing required field "+strconv.Quote(field))
	}
	switch f.Type() {
	case fastjson.TypeString:
		return s.addTextPrompt(p, f, field, allowEmpty)
	case fastjson.TypeArray:
	default:
		return promptShapeError(field)
	}
	arr, _ := f.Array()
	if len(arr) == 0 {
		return badRequest(field, strconv.Quote(field)+" must not be an empty array")
	}
	if arr[0].Type() == fastjson.TypeNumber {
		item, err := tokenPrompt(arr, field)
		p.addPrompt(item)
		return err
	}
	for _, e := range arr {
		switch e.Type() {
		case fastjson.TypeString:
			if err := s.addTextPrompt(p, e, field, allowEmpty); err != nil {
				return err
			}
		case fastjson.TypeArray:
			toks, _ := e.Array()
			if len(toks) == 0 {
				return badRequest(field, strconv.Quote(field)+" must not contain an empty token array")
			}
			item, err := tokenPrompt(toks, field)
			if err != nil {
				return err
			}
			p.addPrompt(item)
		default:
			return promptShapeError(field)
		}
	}
	return nil
}

func (s *Server) addTextPrompt(p *genPlan, f *fastjson.Value, field string, allowEmpty bool) *apiError {
	text := f.GetStringBytes()
	if len(text) == 0 && !allowEmpty {
		return badRequest(field, strconv.Quote(field)+" must not contain empty strings")
	}
	p.addPrompt(promptItem{hash: hashBytes(fnvOffset64, text), tokens: s.tokens.count(text)})
	return nil
}

// tokenPrompt hashes a prompt given as token ids; its token count is its length.
func tokenPrompt(toks []*fastjson.Value, field string) (promptItem, *apiError) {
	h := hashSep(fnvOffset64, 't')
	for _, t := range toks {
		id, err := t.Int()
		if err != nil || id < 0 {
			return promptItem{}, badRequest(field, "token ids in "+strconv.Quote(field)+" must be non-negative integers")
		}
		h = mix64(h ^ uint64(id))
	}
	return promptItem{hash: h, tokens: len(toks)}, nil
}

func promptShapeError(field string) *apiError {
	return badRequest(field, strconv.Quote(field)+
		" must be a string, an array of strings, an array of token ids or an array of token-id arrays")
}
