package corpus

import (
	"hash/fnv"
	"math/rand/v2"
	"strings"
)

// A template is text with choices: "{a|b|c}" picks one alternative (which
// may hold further choices), "{$name}" expands a named list. Expansion is
// seeded by the template's name, so the corpus is the same on every run.
type expander struct {
	lists map[string][]string
	rng   *rand.Rand
}

func newExpander(seed string, lists map[string][]string) *expander {
	h := fnv.New64a()
	h.Write([]byte(seed))
	return &expander{lists: lists, rng: rand.New(rand.NewPCG(h.Sum64(), 7))}
}

func (e *expander) expand(t string) string {
	var b strings.Builder
	for i := 0; i < len(t); {
		if t[i] != '{' {
			b.WriteByte(t[i])
			i++
			continue
		}
		end := matchBrace(t, i)
		body := t[i+1 : end]
		if strings.HasPrefix(body, "$") {
			l := e.lists[body[1:]]
			if len(l) == 0 {
				panic("corpus: no list " + body)
			}
			b.WriteString(e.expand(l[e.rng.IntN(len(l))]))
		} else {
			alts := splitTop(body)
			b.WriteString(e.expand(alts[e.rng.IntN(len(alts))]))
		}
		i = end + 1
	}
	return b.String()
}

// matchBrace returns the index of the '}' closing the '{' at i.
func matchBrace(t string, i int) int {
	depth := 0
	for j := i; j < len(t); j++ {
		switch t[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	panic("corpus: unclosed brace in " + t)
}

// splitTop splits s on '|' outside nested braces.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[last:j])
				last = j + 1
			}
		}
	}
	return append(out, s[last:])
}
