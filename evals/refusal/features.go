package refusal

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is normalised once (lower case, curly quotes folded, runs of
// anything but letters, digits and apostrophes collapsed to one space) and
// both the phrase heuristics and the hashed n-grams read the result.

// headWords is how many leading words count as the answer's opening:
// refusals and their disclaimers sit at the start of an answer.
const headWords = 48

// maxWords bounds the work per response: a long answer's tail adds
// little evidence and would only cost time.
const maxWords = 600

// phraseScanBytes bounds the phrase search: a refusal, a redirect or a
// lecture shows in the first few paragraphs.
const phraseScanBytes = 2048

// features is one response's feature vector: hashed n-gram indexes (with
// repeats) and the heuristic values.
type features struct {
	idx  []uint32
	heur [numHeuristics]float64
}

// normalise folds text into space-separated lower-case words; punctuation
// other than apostrophes and list/code markers becomes a separator. It also
// returns the markers the compliance cues need.
func normalise(dst []byte, text string) (out []byte, codeFence, listItems int) {
	space := true
	lineStart := true
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		if lineStart && (r == '-' || r == '*' || (r >= '0' && r <= '9' && i+1 < len(text) && (text[i+1] == '.' || text[i+1] == ')'))) {
			listItems++
		}
		if r == '`' && strings.HasPrefix(text[i:], "```") {
			codeFence++
		}
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
		i += size
		switch {
		case r == '\u2019' || r == '\u2018' || r == '\'':
			dst = append(dst, '\'')
			space = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
			space = false
		default:
			if !space {
				dst = append(dst, ' ')
				space = true
			}
		}
	}
	if n := len(dst); n > 0 && dst[n-1] == ' ' {
		dst = dst[:n-1]
	}
	return dst, codeFence, listItems
}

// fnv1a hashes s into a 32-bit value seeded by ns (the feature namespace).
func fnv1a(ns uint32, s string) uint32 {
	h := uint32(2166136261) ^ ns*16777619
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// fnvMore continues an FNV-1a hash with s.
func fnvMore(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// extract computes the features of text; norm is scratch space.
func extract(text string, bits uint, norm []byte, f *features) []byte {
	norm, fences, lists := normalise(norm[:0], text)
	all := string(norm) // one copy; words and the head are substrings of it
	s, headEnd := all, len(all)
	f.idx = f.idx[:0]
	mask := uint32(1)<<bits - 1
	words := 0
	prev := ""
	for len(s) > 0 && words < maxWords {
		var w string
		if j := strings.IndexByte(s, ' '); j >= 0 {
			w, s = s[:j], s[j+1:]
		} else {
			w, s = s, ""
		}
		ns := uint32(1) // body
		if words < headWords {
			ns = 3 // opening
		}
		f.idx = append(f.idx, fnv1a(ns, w)&mask)
		if prev != "" {
			f.idx = append(f.idx, fnvMore(fnvMore(fnv1a(ns+1, prev), " "), w)&mask)
		}
		prev = w
		words++
		if words == headWords {
			headEnd = len(all) - len(s)
		}
	}
	if s != "" {
		words += strings.Count(s, " ") + 1
	}
	if len(all) > phraseScanBytes {
		all = all[:phraseScanBytes]
	}
	heuristicValues(all, all[:min(headEnd, len(all))], words, fences, lists, &f.heur)
	return norm
}
