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

// blocklist matches the whole words and phrases of every configured list
// on the folded text, with one automaton for all lists (one pass however
// many lists). Terms are folded like the text, so "SH1T", "ѕhit" and
// "shit" are one term; a run of spaces in a term matches one space.
type blocklist struct {
	kinds []string // blocklist.<name>, one per list
	ac    *ahoCorasick
	lists []uint64 // pattern id -> the lists holding it (bit i: kinds[i])
	max   int
}

func isBlocklistKind(k string) bool { return strings.HasPrefix(k, "blocklist.") }

// maxBlocklists is the number of lists one scanner holds (a bit each).
const maxBlocklists = 64

// newBlocklists builds the detector for cfgs, nil when there are none.
func newBlocklists(cfgs []BlocklistConfig) (*blocklist, error) {
	if len(cfgs) == 0 {
		return nil, nil
	}
	if len(cfgs) > maxBlocklists {
		return nil, fmt.Errorf("filters: %d blocklists, at most %d", len(cfgs), maxBlocklists)
	}
	b := &blocklist{}
	ids := map[string]int{}
	var patterns []string
	for li, c := range cfgs {
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
		n := 0
		for _, t := range terms {
			f := strings.Join(strings.Fields(foldString(t)), " ")
			if f == "" {
				continue
			}
			id, ok := ids[f]
			if !ok {
				id = len(patterns)
				ids[f] = id
				patterns = append(patterns, f)
				b.lists = append(b.lists, 0)
				b.max = max(b.max, len(f))
			}
			b.lists[id] |= 1 << li
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("filters: blocklist %q has no terms", c.Name)
		}
		b.kinds = append(b.kinds, "blocklist."+c.Name)
	}
	b.ac = newAhoCorasick(patterns, false, false)
	return b, nil
}

func (b *blocklist) Kinds() []string { return b.kinds }
func (b *blocklist) Form() Form      { return FormFolded }

// MaxSpan is the longest folded term; the original may be longer by the
// characters folding removed or shortened (zero-width, accents).
func (b *blocklist) MaxSpan() int { return b.max }

func (b *blocklist) Detect(text []byte, dst []Finding) []Finding {
	ac := b.ac
	st := int32(0)
	for i := 0; i < len(text); i++ {
		if i, st = ac.next(text, i, st); st >= 0 {
			continue
		}
		head := ac.outputs(st)
		st = -st
		end := i + 1
		if end < len(text) && isWordByte(text[end]) {
			continue
		}
		// Outputs come longest first: each list reports its longest term
		// ending here (shorter ones are inside it).
		var done uint64
		for o := head; o >= 0; o = ac.outNext[o] {
			pat := ac.outPat[o]
			todo := b.lists[pat] &^ done
			if todo == 0 {
				continue
			}
			start := end - int(ac.patLen[pat])
			if start > 0 && isWordByte(text[start-1]) {
				continue
			}
			for li := 0; todo != 0; li++ {
				if todo&1 != 0 {
					dst = append(dst, Finding{Kind: b.kinds[li], Start: start, End: end, Score: 1})
				}
				todo >>= 1
			}
			done |= b.lists[pat]
		}
	}
	return dst
}
