package mockllm

import "github.com/valyala/fastjson"

// parseCompletion fills p from a legacy completions body. An array prompt yields n choices per prompt.
func (s *Server) parseCompletion(v *fastjson.Value, deployment []byte, k *knobs, p *genPlan) *apiError {
	if err := s.parseCommon(v, deployment, k, p); err != nil {
		return err
	}
	if err := s.parsePrompts(v, "prompt", true, p); err != nil {
		return err
	}
	if p.choices() > maxChoices {
		return badRequest("n", "prompts × n must be at most 128")
	}
	p.ep = epCompletion
	return nil
}

// appendCompletionResponse renders a text_completion object.
func (s *Server) appendCompletionResponse(dst []byte, p *genPlan, usage bool) []byte {
	dst = s.appendHead(dst, "cmpl-", "text_completion", p)
	for c := 0; c < p.choices(); c++ {
		if c > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"text":"`...)
		dst = appendText(dst, p.choiceSeed(c), p.length)
		dst = append(dst, `","index":`...)
		dst = appendInt(dst, c)
		dst = append(dst, `,"logprobs":null,"finish_reason":"`...)
		dst = append(dst, p.finishReason()...)
		dst = append(dst, `"}`...)
	}
	return p.appendTail(dst, usage)
}
