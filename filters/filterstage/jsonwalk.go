package filterstage

// A cursor walks JSON bytes without building a tree, so the stage knows
// where each text sits in the body and can splice a rewritten string in
// place. It descends only where texts live; everything else is skipped
// iteratively (deep nesting costs no recursion). Input the gateway already
// parsed (a request body, a buffered answer) is valid JSON; on anything
// else the cursor stops with bad set and the caller leaves the bytes alone.
type cursor struct {
	b   []byte
	i   int
	bad bool
}

// strSpan is a JSON string's body (between its quotes) in the walked bytes.
type strSpan struct {
	start, end int
	escaped    bool // holds backslash escapes: unescape before scanning
}

func (c *cursor) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte (0 at the end).
func (c *cursor) peek() byte {
	c.ws()
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

func (c *cursor) fail() bool { c.bad = true; c.i = len(c.b); return false }

// enter consumes open ('{' or '[') if it comes next.
func (c *cursor) enter(open byte) bool {
	if c.peek() != open {
		return false
	}
	c.i++
	return true
}

// member moves to the next member of the object entered and returns its
// key (raw, unescaped keys only matter here); false after the closing '}'.
func (c *cursor) member() ([]byte, bool) {
	switch c.peek() {
	case ',':
		c.i++
		c.ws()
	case '}':
		c.i++
		return nil, false
	}
	if c.i >= len(c.b) || c.b[c.i] != '"' {
		return nil, c.fail()
	}
	s, ok := c.str()
	if !ok || c.peek() != ':' {
		return nil, c.fail()
	}
	c.i++
	c.ws()
	return c.b[s.start:s.end], true
}

// elem moves to the next element of the array entered; false after ']'.
func (c *cursor) elem() bool {
	switch c.peek() {
	case ',':
		c.i++
		c.ws()
	case ']':
		c.i++
		return false
	case 0:
		return c.fail()
	}
	return true
}

// str consumes a string value.
func (c *cursor) str() (strSpan, bool) {
	if c.peek() != '"' {
		return strSpan{}, false
	}
	s := strSpan{start: c.i + 1}
	for j := c.i + 1; j < len(c.b); j++ {
		switch c.b[j] {
		case '\\':
			s.escaped = true
			j++
		case '"':
			s.end, c.i = j, j+1
			return s, true
		}
	}
	return strSpan{}, c.fail()
}

// skip consumes one value of any kind.
func (c *cursor) skip() {
	switch c.peek() {
	case '"':
		c.str()
		return
	case '{', '[':
	default: // number, true, false, null
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			c.i++
		}
		return
	}
	depth := 0
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case '"':
			if _, ok := c.str(); !ok {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				c.i++
				return
			}
		}
		c.i++
	}
	c.fail()
}

// int consumes a small non-negative integer (an index); -1 if it is not one.
func (c *cursor) int() int {
	c.ws()
	n, digits := 0, 0
	for c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' && digits < 9 {
		n = n*10 + int(c.b[c.i]-'0')
		c.i++
		digits++
	}
	if digits == 0 {
		c.skip()
		return -1
	}
	return n
}

// strings calls add for a string value or for each string of an array
// (prompt, input); other values are skipped.
func (c *cursor) strings(add func(strSpan)) {
	switch c.peek() {
	case '"':
		if s, ok := c.str(); ok {
			add(s)
		}
	case '[':
		c.i++
		for c.elem() {
			if c.peek() == '"' {
				if s, ok := c.str(); ok {
					add(s)
				}
				continue
			}
			c.skip()
		}
	default:
		c.skip()
	}
}
