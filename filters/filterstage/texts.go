package filterstage

// Where the texts are: every string a request, a buffered answer or a
// streamed chunk carries as text, by its place in the OpenAI shapes.

// requestTexts appends the texts of a chat, completions or embeddings
// request: messages' content of every role (strings and the text of
// content parts; tool results included), assistant tool-call arguments,
// prompt and input (strings or arrays of strings). ok is false when the
// body is not the JSON object it should be.
func requestTexts(body []byte, dst []strSpan) (_ []strSpan, ok bool) {
	c := cursor{b: body}
	if !c.enter('{') {
		return dst, false
	}
	add := func(s strSpan) { dst = append(dst, s) }
	for {
		key, more := c.member()
		if !more {
			break
		}
		switch string(key) {
		case "messages":
			if !c.enter('[') {
				c.skip()
				continue
			}
			for c.elem() {
				messageTexts(&c, add)
			}
		case "prompt", "input":
			c.strings(add)
		default:
			c.skip()
		}
	}
	return dst, !c.bad
}

// messageTexts reads one message (or an answer's message): content and
// tool-call (or legacy function-call) arguments.
func messageTexts(c *cursor, add func(strSpan)) {
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
			switch c.peek() {
			case '"':
				c.strings(add)
			case '[':
				c.i++
				for c.elem() {
					memberString(c, "text", add)
				}
			default:
				c.skip()
			}
		case "tool_calls":
			if !c.enter('[') {
				c.skip()
				continue
			}
			for c.elem() {
				toolCallArgs(c, func(_ int, s strSpan) { add(s) })
			}
		case "function_call": // the legacy functions API
			memberString(c, "arguments", add)
		default:
			c.skip()
		}
	}
}

// memberString reads an object and adds its string member name.
func memberString(c *cursor, name string, add func(strSpan)) {
	if !c.enter('{') {
		c.skip()
		return
	}
	for {
		key, more := c.member()
		if !more {
			return
		}
		if string(key) == name && c.peek() == '"' {
			c.strings(add)
			continue
		}
		c.skip()
	}
}

// toolCallArgs reads one tool call ({"index":k,"function":{"arguments":…}})
// and reports its arguments with its index (-1 when it has none).
func toolCallArgs(c *cursor, add func(index int, s strSpan)) {
	if !c.enter('{') {
		c.skip()
		return
	}
	index, found := -1, false
	var args strSpan
	for {
		key, more := c.member()
		if !more {
			break
		}
		switch string(key) {
		case "index":
			index = c.int()
		case "function":
			memberString(c, "arguments", func(s strSpan) { args, found = s, true })
		default:
			c.skip()
		}
	}
	if found {
		add(index, args)
	}
}

// answerTexts appends the texts of a buffered chat or completions answer:
// choices' message content and tool-call arguments, or text.
func answerTexts(body []byte, dst []strSpan) (_ []strSpan, ok bool) {
	c := cursor{b: body}
	if !c.enter('{') {
		return dst, false
	}
	add := func(s strSpan) { dst = append(dst, s) }
	for {
		key, more := c.member()
		if !more {
			break
		}
		if string(key) != "choices" || !c.enter('[') {
			c.skip()
			continue
		}
		for c.elem() {
			if !c.enter('{') {
				c.skip()
				continue
			}
			for {
				key, more := c.member()
				if !more {
					break
				}
				switch string(key) {
				case "message":
					messageTexts(&c, add)
				case "text":
					c.strings(add)
				default:
					c.skip()
				}
			}
		}
	}
	return dst, !c.bad
}
