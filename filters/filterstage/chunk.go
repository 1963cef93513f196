package filterstage

// chunk is what the stream filter needs of one streamed chunk: where its
// text deltas are and which choices it finishes. Everything else in the
// chunk is left as the upstream sent it.
type chunk struct {
	open, close int // the choices array's '[' and ']': the envelope around them is kept
	texts       []chunkText
	finished    []int // the choices whose finish_reason this chunk sets
	completions bool  // a completions chunk (choices[].text), not a chat one
}

// chunkText is one text delta: a choice's content (tool -1) or the
// arguments of one of its tool calls.
type chunkText struct {
	choice, tool int
	span         strSpan
}

// parseChunk reads a chunk's JSON (the event's data); false when it is not
// a chunk with choices.
func parseChunk(data []byte, ch *chunk) bool {
	ch.texts, ch.finished, ch.open, ch.close, ch.completions = ch.texts[:0], ch.finished[:0], -1, -1, false
	c := cursor{b: data}
	if !c.enter('{') {
		return false
	}
	for {
		key, more := c.member()
		if !more {
			break
		}
		if string(key) != "choices" || c.peek() != '[' {
			c.skip()
			continue
		}
		ch.open = c.i
		c.i++
		for c.elem() {
			ch.choice(&c)
		}
		ch.close = c.i - 1
	}
	return !c.bad && ch.open >= 0
}

// choice reads one choice object; its index may come after its delta.
func (ch *chunk) choice(c *cursor) {
	if !c.enter('{') {
		c.skip()
		return
	}
	first, index, finished := len(ch.texts), 0, false
	for {
		key, more := c.member()
		if !more {
			break
		}
		switch string(key) {
		case "index":
			index = c.int()
		case "finish_reason":
			finished = c.peek() == '"'
			c.skip()
		case "text":
			ch.completions = true
			if c.peek() == '"' {
				s, _ := c.str()
				ch.texts = append(ch.texts, chunkText{tool: -1, span: s})
				continue
			}
			c.skip()
		case "delta":
			ch.delta(c)
		default:
			c.skip()
		}
	}
	for i := first; i < len(ch.texts); i++ {
		ch.texts[i].choice = index
	}
	if finished {
		ch.finished = append(ch.finished, index)
	}
}

func (ch *chunk) delta(c *cursor) {
	if !c.enter('{') {
		c.skip()
		return
	}
	for {
		key, more := c.member()
		if !more {
			return
		}
		switch string(key) {
		case "content":
			if c.peek() == '"' {
				s, _ := c.str()
				ch.texts = append(ch.texts, chunkText{tool: -1, span: s})
				continue
			}
			c.skip()
		case "tool_calls":
			if !c.enter('[') {
				c.skip()
				continue
			}
			for c.elem() {
				toolCallArgs(c, func(index int, s strSpan) {
					ch.texts = append(ch.texts, chunkText{tool: max(index, 0), span: s})
				})
			}
		default:
			c.skip()
		}
	}
}
