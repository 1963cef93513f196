package tokenizer

// Pre-tokenizers: each returns the end of the piece that starts at t[i],
// reproducing the leftmost-first, backtracking semantics of the encoding's
// regex (as regexp2 runs it in tiktoken-go) with a single forward scan, so the
// split is linear in the input. t is valid UTF-8 and i < len(t).

const (
	clsPunct = 0 // no L, N or Space bit: [^\s\p{L}\p{N}]
	clsLN    = clsL | clsN
	clsAny   = clsL | clsN | clsSpace
)

// isPunctAt reports whether t[i] is in [^\s\p{L}\p{N}].
func isPunctAt(t []byte, i int) bool {
	c, _ := classAt(t, i)
	return c&clsAny == clsPunct
}

// contractionAt returns the end of 's|'t|'re|'ve|'m|'ll|'d at t[i] (t[i] is
// known to be '\”), or -1. foldCase handles (?i:…): only ASCII letters
// lower-case to these letters, so folding bytes is exact.
func contractionAt(t []byte, i int, foldCase bool) int {
	at := func(k int) byte {
		if k >= len(t) {
			return 0
		}
		b := t[k]
		if foldCase && b >= 'A' && b <= 'Z' {
			b += 'a' - 'A'
		}
		return b
	}
	switch at(i + 1) {
	case 's', 't', 'm', 'd':
		return i + 2
	case 'r', 'v':
		if at(i+2) == 'e' {
			return i + 3
		}
	case 'l':
		if at(i+2) == 'l' {
			return i + 3
		}
	}
	return -1
}

// whitespaceEnd matches, at a rune of class \s, the alternatives
// `\s*[\r\n]+` (when crlf), `\s+(?!\S)` and `\s+` in that order.
func whitespaceEnd(t []byte, i int, crlf bool) int {
	j, last, runes, lastNL := i, i, 0, -1
	for j < len(t) {
		c, n := classAt(t, j)
		if c&clsSpace == 0 {
			break
		}
		if t[j] == '\r' || t[j] == '\n' {
			lastNL = j
		}
		last = j
		runes++
		j += n
	}
	if crlf && lastNL >= 0 {
		return lastNL + 1 // \s* backs off to the last newline, [\r\n]+ takes it
	}
	if j == len(t) || runes == 1 {
		return j // (?!\S) holds at the end; a single space before \S is plain \s+
	}
	return last // \s+ gives back its last rune so (?!\S) holds
}

// splitCL100K follows
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitCL100K(t []byte, i int) int {
	b := t[i]
	if b == '\'' {
		if e := contractionAt(t, i, true); e > 0 {
			return e
		}
	}
	c, n := classAtFrom(t, i, b)
	if c&clsL != 0 {
		return runOf(t, i+n, clsL)
	}
	if b != '\r' && b != '\n' && c&clsN == 0 && i+n < len(t) {
		if c2, n2 := classAtFrom(t, i+n, t[i+n]); c2&clsL != 0 {
			return runOf(t, i+n+n2, clsL)
		}
	}
	if c&clsN != 0 {
		j := i + n
		for k := 1; k < 3 && j < len(t); k++ {
			c2, n2 := classAt(t, j)
			if c2&clsN == 0 {
				break
			}
			j += n2
		}
		return j
	}
	if e := punctEnd(t, i, false); e > 0 {
		return e
	}
	return whitespaceEnd(t, i, true)
}

// punctEnd matches ` ?[^\s\p{L}\p{N}]+` followed by [\r\n]* (cl100k) or
// [\r\n/]* (o200k, slash true), or returns -1.
func punctEnd(t []byte, i int, slash bool) int {
	j := i
	if t[i] == ' ' {
		j++
	}
	if j >= len(t) || !isPunctAt(t, j) {
		return -1
	}
	for j < len(t) && isPunctAt(t, j) {
		_, n := classAt(t, j)
		j += n
	}
	for j < len(t) && (t[j] == '\r' || t[j] == '\n' || (slash && t[j] == '/')) {
		j++
	}
	return j
}

// splitGPT2 follows r50k/p50k's
// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
func splitGPT2(t []byte, i int) int {
	if t[i] == '\'' {
		if e := contractionAt(t, i, false); e > 0 {
			return e
		}
	}
	j := i
	if t[i] == ' ' && i+1 < len(t) {
		j++
	}
	c, n := classAt(t, j)
	if c&clsL != 0 {
		return runOf(t, j+n, clsL)
	}
	if c&clsN != 0 {
		return runOf(t, j+n, clsN)
	}
	if c&clsAny == clsPunct {
		for j < len(t) && isPunctAt(t, j) {
			_, n := classAt(t, j)
			j += n
		}
		return j
	}
	return whitespaceEnd(t, i, false)
}

// splitO200K follows o200k's alternation:
//
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?
//	\p{N}{1,3}
//	 ?[^\s\p{L}\p{N}]+[\r\n/]*
//	\s*[\r\n]+
//	\s+(?!\S)
//	\s+
func splitO200K(t []byte, i int) int {
	b := t[i]
	c, n := classAtFrom(t, i, b)
	// The optional leading [^\r\n\p{L}\p{N}] is tried taken first, then empty.
	lead := b != '\r' && b != '\n' && c&clsLN == 0
	if lead {
		if e := o200kLowerWord(t, i+n); e > 0 {
			return e
		}
	}
	if e := o200kLowerWord(t, i); e > 0 {
		return e
	}
	if lead {
		if e := o200kUpperWord(t, i+n); e > 0 {
			return e
		}
	}
	if e := o200kUpperWord(t, i); e > 0 {
		return e
	}
	if c&clsN != 0 {
		j := i + n
		for k := 1; k < 3 && j < len(t); k++ {
			c2, n2 := classAt(t, j)
			if c2&clsN == 0 {
				break
			}
			j += n2
		}
		return j
	}
	if e := punctEnd(t, i, true); e > 0 {
		return e
	}
	return whitespaceEnd(t, i, true)
}

// o200kLowerWord matches Upper* Lower+ Contraction? at a, or returns -1.
// Upper* is greedy and backs off until Lower+ can match: either right after
// the Upper run, or at the last rune inside it that is also Lower.
func o200kLowerWord(t []byte, a int) int {
	u, lastLowerEnd := a, -1
	for u < len(t) {
		c, n := classAtFrom(t, u, t[u])
		if c&clsUpper == 0 {
			break
		}
		if c&clsLower != 0 {
			lastLowerEnd = u + n
		}
		u += n
	}
	e := lastLowerEnd
	if u < len(t) {
		if c, _ := classAtFrom(t, u, t[u]); c&clsLower != 0 {
			e = runOf(t, u, clsLower)
		}
	}
	if e < 0 {
		return -1
	}
	return withContraction(t, e)
}

// o200kUpperWord matches Upper+ Lower* Contraction? at a, or returns -1.
func o200kUpperWord(t []byte, a int) int {
	if a >= len(t) {
		return -1
	}
	u := runOf(t, a, clsUpper)
	if u == a {
		return -1
	}
	return withContraction(t, runOf(t, u, clsLower))
}

func withContraction(t []byte, e int) int {
	if e < len(t) && t[e] == '\'' {
		if c := contractionAt(t, e, true); c > 0 {
			return c
		}
	}
	return e
}
