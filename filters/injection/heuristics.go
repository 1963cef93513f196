package injection

import (
	"math/bits"
	"strconv"
	"strings"
)

// Heuristics are word patterns that injections and jailbreaks share across
// sources: "ignore all previous instructions", "you are now", "developer
// mode", "stay in character", "reveal your system prompt", "send the
// passwords to". Each is a binary feature of a window with its own learned
// weight, not divided by the window's length, so one clear phrase is not
// diluted by the benign text around it (an attack buried in a tool result).
//
// Pattern syntax: space-separated slots; a slot lists alternative words
// "a|b|c"; "?slot" is optional; "*N" skips up to N words. The first slot is
// never optional or a gap. Words are folded like the text (so "all" is
// written as it reads, and matches "aii" too).
var heuristics = []struct {
	name     string
	patterns []string
}{
	{"override_previous", []string{
		"ignore|disregard|forget|override|bypass|skip|neglect|overlook|discard|abandon|drop *3 previous|prior|above|earlier|preceding|initial|original|former|old|existing|system|given|developer ?*1 instructions|instruction|rules|directions|prompt|prompts|guidelines|directives|programming|restrictions|constraints|policies|guidance|commands|context|training|messages|text|input|task|request|conversation",
		"forget|ignore|disregard everything|anything *3 told|said|above|before|previously|so",
	}},
	{"override_any", []string{
		"ignore|disregard|forget|override|bypass|neglect|overlook|discard *4 instructions|instruction|rules|directives|programming|restrictions|constraints|policies|guidelines|safeguards|filters|ethics|morals",
		"do not|don't|never follow|obey *3 instructions|rules|guidelines|policies|programming",
	}},
	{"new_instructions", []string{
		"new|updated|revised|real|actual|true|secret|hidden|additional|different|following ?*1 instructions|instruction|directive|directives|orders|objective|task|mission",
		"instead ?*2 you|do|say|output|respond|print|write|reply|answer",
	}},
	{"system_prompt", []string{
		"system|initial|hidden|secret|original|developer|internal|confidential|pre|underlying|full prompt|prompts|instructions|message|messages|preprompt|configuration",
	}},
	{"reveal", []string{
		"reveal|print|repeat|show|output|display|leak|tell|disclose|dump|share|echo|copy|recite|spell *5 prompt|instructions|above|verbatim|configuration|rules|guidelines|preprompt",
	}},
	{"you_are_now", []string{
		"you are|you're|youre now|going|about|free|no",
		"from now|this on|point|moment",
		"you will|shall|must now|always|from|henceforth",
		"starting now|today|immediately",
		"henceforth",
	}},
	{"role_play", []string{
		"act|acting *1 as|like",
		"pretend|pretending to|you|that|be",
		"roleplay|role-play|impersonate|simulate|emulate|embody",
		"role play",
		"play *2 role|character|game",
		"you are|you're|youre *3 character|persona|ai|bot|model|assistant|entity|version",
	}},
	{"stay_in_character", []string{
		"stay|remain|keep|break|staying|breaking *1 in|out *1 character",
		"character|persona|role *2 at all times|no matter",
	}},
	{"jailbreak_names", []string{
		"dan|stan|dude|aim|mongo|evilbot|betterdan|antigpt|developer|dev|god|unrestricted|jailbreak|jailbroken|evil|dark|chaos *1 mode|version|prompt|persona",
		"do anything now",
		"jailbreak|jailbroken|jailbreaking|jailbreaks",
		"dan",
	}},
	{"unfiltered_ai", []string{
		"uncensored|unfiltered|unrestricted|unbound|unbounded|amoral|unethical|immoral|rogue|evil|limitless|unlimited *2 ai|assistant|bot|chatbot|model|version|mode|entity|character|persona|language",
	}},
	{"no_limits", []string{
		"no|without|free|freed|beyond|any|zero|none *3 restrictions|restriction|limits|limitations|filters|filter|filtering|censorship|boundaries|rules|guidelines|ethics|ethical|morals|moral|morality|constraints|restraints|safeguards|policies|principles",
		"not|never bound|restricted|limited|constrained|censored|filtered *1 by|to",
	}},
	{"policy", []string{
		"openai|anthropic|google|meta|microsoft|openai's|anthropic's *3 policy|policies|guidelines|rules|content|filters|restrictions|moderation|terms",
		"content policy|policies|filter|filters|moderation|guidelines",
		"break|breaking|broken|violate|violates|violating *3 rules|policies|policy|guidelines|laws|ethics",
	}},
	{"never_refuse", []string{
		"never|not|don't|dont|cannot|can't|cant|won't|wont|must not ?*2 refuse|decline|deny|reject|refuses|refusing",
		"always|must|will *2 answer|comply|respond|obey|provide *2 any|every|all|regardless|no matter",
		"even if|though *4 illegal|unethical|immoral|harmful|offensive|dangerous|inappropriate|explicit|wrong",
		"no matter how *3 illegal|unethical|immoral|harmful|offensive|dangerous|inappropriate|explicit",
		"regardless of *3 legality|ethics|morality|consequences|harm|rules",
	}},
	{"no_warnings", []string{
		"never|don't|dont|not|no|without *3 apologize|apologise|apologies|warnings|warning|warn|disclaimers|disclaimer|caution|reminders|remind|moralizing|lecture|lectures",
	}},
	{"dual_response", []string{
		"two|both|dual|separate|different responses|answers|paragraphs|outputs|replies",
		"normal|classic|standard|default|filtered *1 response|output|answer|mode",
		"jailbreak|jailbroken|dan|developer|unfiltered|uncensored *1 response|output|answer",
	}},
	{"mode_switch", []string{
		"enable|enabled|enter|entering|activate|activated|switch|unlock|unlocked|turn *3 mode|jailbreak|dan",
		"mode enabled|activated|on|unlocked|engaged",
	}},
	{"fiction_frame", []string{
		"hypothetical|fictional|imaginary|fiction|alternate *3 world|story|scenario|universe|setting|response|reality",
		"for educational|research|academic purposes|purpose only",
	}},
	{"address_ai", []string{
		"if you are|you're an|a ai|assistant|llm|language|chatbot|bot|agent|model",
		"ai|assistant|llm|model|agent|bot|chatbot|gpt|chatgpt|claude *3 reading|processing|summarizing|summarising|parsing|analyzing|reads|processes|summarizes",
		"note|attention|important|message|instructions|instruction|notice|memo to|for *1 the|any|all ai|assistant|assistants|llm|llms|model|agent|agents|chatbot|bot",
		"when|while|after|before summarizing|summarising|processing|reading|translating|analyzing|answering *3 this|the|these|email|document|page|text",
	}},
	{"exfiltrate", []string{
		"send|forward|email|post|upload|transmit|exfiltrate|leak|submit|copy|paste|append *6 password|passwords|credentials|credential|key|keys|token|tokens|cookies|cookie|history|conversation|secrets|secret|contacts|emails|files|ssh|env|environment",
		"send|forward|upload|post|transmit|exfiltrate *4 to http|https|www|url|endpoint|server|webhook",
	}},
	{"secrecy", []string{
		"do not|don't|dont|never|without *2 tell|telling|inform|informing|mention|mentioning|reveal|revealing|alert|alerting|notify *2 user|users|human|them|anyone|him|her",
		"keep this|it secret|hidden|confidential *2 from",
	}},
	{"forced_output", []string{
		"i have|i've been pwned|hacked|jailbroken|freed",
		"say|output|print|respond|reply|write|type *3 pwned|hacked|jailbroken",
		"respond|reply|answer|start|begin *3 only|exactly|with *2 sure|certainly|absolutely|understood",
	}},
	{"response_tamper", []string{
		"add|include|append|insert|put|mention|modify|change|alter|end|start|begin|prepend|embed|suggest|recommend *5 your|the|every|each|all response|responses|answer|answers|reply|replies|output|summary|message",
		"in|to|into|within|throughout your|every|each response|responses|answer|answers|reply|replies|output|summary",
	}},
	{"delimiters", []string{
		"end|begin|start|beginning *1 of *2 system|user|prompt|instructions|input|context|document|conversation|text",
		"im_start|im_end|endoftext|inst|sys",
		"new|updated system|admin|root|developer *1 message|prompt|mode|instructions|override|command",
		"admin|administrator|root|sudo|developer|system *1 override|access|command|privileges",
	}},
	{"ethics_off", []string{
		"no|without|lacks|lack|zero|free of ethical|moral *1 guidelines|compass|constraints|boundaries|principles|considerations|limits",
		"doesn't|does not|don't|do not *2 care|abide|adhere|follow *4 ethics|morals|laws|rules|guidelines|safety|legality",
	}},
}

// matcher finds heuristic hits in a word sequence. Every word any pattern
// names gets a small id from a cuckoo table (each word in one of two
// places, so a text word costs two loads and no branch), and a slot test
// is one bit test on the id. Patterns are indexed by the ids their first
// slot accepts.
type matcher struct {
	pats  []pattern
	keys  [vocabTableSize]uint64
	ids   [vocabTableSize]uint16
	first [][2]uint64 // per id: the patterns whose first slot accepts it (128 patterns at most)
}

const vocabTableSize = 2048

type pattern struct {
	feature uint8
	slots   []slot
}

type slot struct {
	words    []uint64 // bitset of vocabulary ids; nil for a gap
	optional bool
	gap      int
}

var theMatcher = newMatcher()

func newMatcher() *matcher {
	m := &matcher{first: make([][2]uint64, 1)} // id 0: not a pattern word
	var s scratch
	idOf := func(w string) int {
		s.fold([]byte(w), 1)
		h := hashWord(string(s.buf))
		if id := m.id(h); id != 0 {
			return int(id)
		}
		if len(m.first) >= vocabTableSize/4 {
			panic("injection: heuristic vocabulary too large")
		}
		id := uint16(len(m.first))
		m.insert(h, id)
		m.first = append(m.first, [2]uint64{})
		return int(id)
	}
	type rawSlot struct {
		ids      []int
		optional bool
		gap      int
	}
	var raw [][]rawSlot
	for f, h := range heuristics {
		for _, src := range h.patterns {
			var p []rawSlot
			for _, tok := range strings.Fields(src) {
				var sl rawSlot
				if strings.HasPrefix(tok, "*") {
					n, err := strconv.Atoi(tok[1:])
					if err != nil {
						panic("injection: bad gap in pattern " + src)
					}
					sl.gap = n
					p = append(p, sl)
					continue
				}
				if strings.HasPrefix(tok, "?") {
					sl.optional, tok = true, tok[1:]
				}
				for _, w := range strings.Split(tok, "|") {
					sl.ids = append(sl.ids, idOf(w))
				}
				p = append(p, sl)
			}
			if len(p) == 0 || p[0].ids == nil || p[0].optional {
				panic("injection: pattern must start with a required word slot: " + src)
			}
			raw = append(raw, p)
			m.pats = append(m.pats, pattern{feature: uint8(f)})
		}
	}
	if len(m.pats) > 128 {
		panic("injection: too many heuristic patterns")
	}
	words := (len(m.first) + 63) / 64
	for id, p := range raw {
		for _, rs := range p {
			sl := slot{optional: rs.optional, gap: rs.gap}
			if rs.ids != nil {
				sl.words = make([]uint64, words)
				for _, w := range rs.ids {
					sl.words[w/64] |= 1 << (w % 64)
				}
			}
			m.pats[id].slots = append(m.pats[id].slots, sl)
		}
		for _, w := range p[0].ids {
			m.first[w][id/64] |= 1 << (id % 64)
		}
	}
	return m
}

// vocabSlots are the two places a word hashed h may be in.
func vocabSlots(h uint64) (a, b uint64) {
	x := (h ^ h>>29) * mixMul // FNV's bits are poorly mixed for short words
	return x >> 53, x >> 21 & (vocabTableSize - 1)
}

// insert puts (h, id) into the cuckoo table: into a free one of its two
// places, else into one of them, moving the word there to its other place
// (and so on).
func (m *matcher) insert(h uint64, id uint16) {
	from := uint64(vocabTableSize) // the place the word in hand was just moved out of
	for range 256 {
		a, b := vocabSlots(h)
		switch {
		case m.keys[a] == 0:
			m.keys[a], m.ids[a] = h, id
			return
		case m.keys[b] == 0:
			m.keys[b], m.ids[b] = h, id
			return
		}
		e := a
		if a == from {
			e = b
		}
		m.keys[e], h = h, m.keys[e]
		m.ids[e], id = id, m.ids[e]
		from = e
	}
	panic("injection: heuristic vocabulary does not fit its table")
}

// id returns the vocabulary id of the word hashed h, 0 for a word no
// pattern names.
func (m *matcher) id(h uint64) uint16 {
	a, b := vocabSlots(h)
	var id uint16
	if m.keys[a] == h {
		id = m.ids[a]
	}
	if m.keys[b] == h {
		id = m.ids[b]
	}
	return id
}

// match appends a hit for every pattern that matches starting at each
// word; the words carry their vocabulary ids (id).
func (m *matcher) match(words []word, hits []hit) []hit {
	for i := range words {
		id := words[i].id
		if id == 0 {
			continue
		}
		for half, mask := range m.first[id] {
			for mask != 0 {
				pid := half*64 + bits.TrailingZeros64(mask)
				mask &= mask - 1
				p := &m.pats[pid]
				if p.cannotStart(words, i+1, 1) {
					continue
				}
				if end, ok := p.matchAt(words, i+1, 1); ok {
					hits = append(hits, hit{words[end].end, p.feature})
				}
			}
		}
	}
	return hits
}

// matchAt matches slots[k:] from words[i:]; the first slot matched words[i-1].
// It returns the index of the last matched word. Gaps and optional slots
// branch a bounded number of times (patterns are short), so cost stays
// linear in the text.
func (p *pattern) matchAt(words []word, i, k int) (int, bool) {
	if k == len(p.slots) {
		return i - 1, true
	}
	sl := &p.slots[k]
	if sl.words == nil {
		for skip := 0; skip <= sl.gap && i+skip <= len(words); skip++ {
			if p.cannotStart(words, i+skip, k+1) {
				continue
			}
			if end, ok := p.matchAt(words, i+skip, k+1); ok {
				return end, true
			}
		}
		return 0, false
	}
	if i < len(words) && sl.has(words[i].id) {
		if end, ok := p.matchAt(words, i+1, k+1); ok {
			return end, true
		}
	}
	if sl.optional {
		return p.matchAt(words, i, k+1)
	}
	return 0, false
}

// cannotStart is a quick test before matchAt(words, i, k): slot k is a
// required word slot and words[i] is not one of its words (most tries
// end there, and a call costs more than the test).
func (p *pattern) cannotStart(words []word, i, k int) bool {
	if k == len(p.slots) {
		return false
	}
	sl := &p.slots[k]
	return sl.words != nil && !sl.optional && (i >= len(words) || !sl.has(words[i].id))
}

func (sl *slot) has(id uint16) bool {
	return id != 0 && sl.words[id/64]&(1<<(id%64)) != 0
}

// hit is one heuristic match: the feature and the folded offset it ends at.
type hit struct {
	pos     int32
	feature uint8
}
