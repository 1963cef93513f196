package metering

import "github.com/valyala/fastjson"

// unknownImageTokens is what an image the tokenizer cannot size costs:
// OpenAI's high-detail 1024² price.
const unknownImageTokens = 765

// PromptEstimate counts the request's prompt tokens offline, once, from the
// parsed request. Without a tokenizer (or once the request was released)
// it falls back to the usual 4-characters-per-token rule.
func (m *Meter) PromptEstimate() int {
	if m.estimated {
		return m.estimate
	}
	p := &m.prompt
	n := p.Chars/4 + 4*p.Messages + 3
	if m.tokens != nil && m.req != nil {
		switch p.Kind {
		case PromptChat:
			if c, err := m.tokens.CountChatValue(p.Model, m.req); err == nil {
				n = c.Tokens + c.Unknown*unknownImageTokens
			}
		case PromptText:
			if enc, err := m.tokens.ForModel(p.Model); err == nil {
				f := m.req.Get("prompt")
				if f == nil {
					f = m.req.Get("input")
				}
				n = countValue(f, enc.Count)
			}
		}
	}
	m.estimate, m.estimated = n, true
	return n
}

// CountPromptNow makes the estimate while the parsed request is at hand,
// when a tokenizer counts and the upstream's usage is not (yet) known: the
// estimate stands in for usage an upstream never reports.
func (m *Meter) CountPromptNow() {
	if m.tokens != nil && !m.usageKnown {
		m.PromptEstimate()
	}
}

// countValue counts prompt (completions) or input (embeddings) text: a
// string or an array of strings. Token ids count one each.
func countValue(v *fastjson.Value, count func([]byte) int) int {
	if v == nil {
		return 0
	}
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return count(b)
	case fastjson.TypeNumber:
		return 1
	case fastjson.TypeArray:
		n := 0
		for _, e := range v.GetArray() {
			n += countValue(e, count)
		}
		return n
	}
	return 0
}

// countOutput counts the relayed text with model's tokenizer.
func (m *Meter) countOutput(model string) int {
	if len(m.outText) == 0 {
		return 0
	}
	if m.tokens != nil {
		if enc, err := m.tokens.ForModel(model); err == nil {
			return enc.Count(m.outText)
		}
	}
	return (len(m.outText) + 3) / 4
}
