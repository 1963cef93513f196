package filters

import (
	"embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The embedded lists ship with the binary but run only when a blocklist
// names them (see NOTICE for their licences).
//
//go:embed lexicons/surge_profanity.csv lexicons/ldnoobw.txt
var lexiconFS embed.FS

var embeddedLists = map[string]func(minSeverity float64) ([]string, error){
	"surge_profanity": loadSurge,
	"ldnoobw":         loadLines("lexicons/ldnoobw.txt"),
}

func embeddedListNames() string {
	names := make([]string, 0, len(embeddedLists))
	for n := range embeddedLists {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// loadSurge reads surge-ai/profanity: text,…,severity_rating,…
func loadSurge(minSeverity float64) ([]string, error) {
	b, err := lexiconFS.ReadFile("lexicons/surge_profanity.csv")
	if err != nil {
		return nil, err
	}
	var terms []string
	for i, line := range strings.Split(string(b), "\n") {
		if i == 0 || line == "" {
			continue
		}
		cols := strings.Split(line, ",")
		if len(cols) < 8 {
			continue
		}
		sev, _ := strconv.ParseFloat(cols[7], 64)
		if sev >= minSeverity {
			terms = append(terms, cols[0])
		}
	}
	return terms, nil
}

func loadLines(path string) func(float64) ([]string, error) {
	return func(float64) ([]string, error) {
		b, err := lexiconFS.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var terms []string
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				terms = append(terms, l)
			}
		}
		return terms, nil
	}
}

// blocklist matches whole words and phrases of one list on the folded
// text. Terms are folded like the text, so "SH1T", "ѕhit" and "shit" are
// one term; runs of spaces in a term match one space.
type blocklist struct {
	kinds []string
	ac    *ahoCorasick
	max   int
}

func isBlocklistKind(k string) bool { return strings.HasPrefix(k, "blocklist.") }

func newBlocklists(cfgs []BlocklistConfig) ([]*blocklist, error) {
	var out []*blocklist
	for _, c := range cfgs {
		terms := append([]string(nil), c.Terms...)
		if c.List != "" {
			load, ok := embeddedLists[c.List]
			if !ok {
				return nil, fmt.Errorf("filters: blocklist %q: unknown list %q", c.Name, c.List)
			}
			more, err := load(c.MinSeverity)
			if err != nil {
				return nil, err
			}
			terms = append(terms, more...)
		}
		seen := map[string]bool{}
		var folded []string
		longest := 0
		for _, t := range terms {
			f := strings.Join(strings.Fields(foldString(t)), " ")
			if f == "" || seen[f] {
				continue
			}
			seen[f] = true
			folded = append(folded, f)
			longest = max(longest, len(f))
		}
		if len(folded) == 0 {
			return nil, fmt.Errorf("filters: blocklist %q has no terms", c.Name)
		}
		out = append(out, &blocklist{
			kinds: []string{"blocklist." + c.Name},
			ac:    newAhoCorasick(folded, false),
			max:   longest,
		})
	}
	return out, nil
}

func (b *blocklist) Kinds() []string { return b.kinds }
func (b *blocklist) Form() Form      { return FormFolded }

// MaxSpan allows for terms written with extra spaces (folded text keeps
// them; the automaton does not skip them) and a few leetspeak expansions.
func (b *blocklist) MaxSpan() int { return b.max }

func (b *blocklist) Detect(text []byte, dst []Finding) []Finding {
	ac := b.ac
	st := int32(0)
	for i := 0; i < len(text); i++ {
		st = ac.step(st, text[i])
		if !ac.anyMatch[st] {
			continue
		}
		end := i + 1
		if end < len(text) && isWordByte(text[end]) {
			continue
		}
		for o := ac.outHead[st]; o >= 0; o = ac.outNext[o] {
			start := end - int(ac.patLen[ac.outPat[o]])
			if start > 0 && isWordByte(text[start-1]) {
				continue
			}
			dst = append(dst, Finding{Kind: b.kinds[0], Start: start, End: end, Score: 1})
			break // the longest term ending here; shorter ones are inside it
		}
	}
	return dst
}
