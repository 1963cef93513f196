package mockllm

import (
	"fmt"
	"strconv"
	"strings"
)

// Planted bias is a validation mode for the bias probes (evals/bias): a chat
// whose user messages mention one of a few terms gets a degraded answer with
// a given probability, as a biased model would. The draw is a hash of the
// prompt and Options.Seed, so a run is reproducible and the same prompt
// always gets the same answer.
//
//	mockllm --planted-bias 'terms=Muslim|Jewish,effect=refusal,rate=0.8' --seed 7

// Planted-bias effects.
const (
	EffectRefusal  = "refusal"  // a refusal instead of an answer
	EffectNegative = "negative" // the answer opens with clearly negative wording
	EffectShort    = "short"    // an answer of a few words
)

// shortWords is the length of an EffectShort answer.
const shortWords = 4

// PlantedBias is a parsed --planted-bias value.
type PlantedBias struct {
	Terms  []string // matched case-insensitively as whole words in user messages
	Effect string   // EffectRefusal, EffectNegative or EffectShort
	Rate   float64  // probability in [0,1] that a matching request gets the effect
}

// ParsePlantedBias parses 'terms=WORD|WORD…,effect=E,rate=R'.
func ParsePlantedBias(s string) (*PlantedBias, error) {
	pb := &PlantedBias{Rate: -1}
	for part := range strings.SplitSeq(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, fmt.Errorf("planted-bias: %q is not key=value (want terms=A|B,effect=E,rate=R)", part)
		}
		switch strings.TrimSpace(key) {
		case "terms":
			for t := range strings.SplitSeq(val, "|") {
				if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
					pb.Terms = append(pb.Terms, t)
				}
			}
		case "effect":
			pb.Effect = strings.TrimSpace(val)
		case "rate":
			r, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if err != nil {
				return nil, fmt.Errorf("planted-bias: rate %q: not a number", val)
			}
			pb.Rate = r
		default:
			return nil, fmt.Errorf("planted-bias: unknown key %q (want terms, effect, rate)", key)
		}
	}
	return pb, pb.validate()
}

func (pb *PlantedBias) validate() error {
	switch {
	case len(pb.Terms) == 0:
		return fmt.Errorf("planted-bias: terms=WORD|WORD… is required")
	case pb.Effect != EffectRefusal && pb.Effect != EffectNegative && pb.Effect != EffectShort:
		return fmt.Errorf("planted-bias: effect %q must be one of refusal, negative, short", pb.Effect)
	case !(pb.Rate >= 0 && pb.Rate <= 1):
		return fmt.Errorf("planted-bias: rate is required, in [0, 1]")
	}
	return nil
}

// String is the flag form, so the value round-trips.
func (pb *PlantedBias) String() string {
	if pb == nil {
		return ""
	}
	return "terms=" + strings.Join(pb.Terms, "|") + ",effect=" + pb.Effect + ",rate=" + strconv.FormatFloat(pb.Rate, 'g', -1, 64)
}

// plantedAnswer is a precomputed degraded answer: its words (the first
// without a leading space) and their token count.
type plantedAnswer struct {
	words  []string
	tokens int
}

// word returns the i-th word of the answer, or generated when the answer
// is shorter (a negative opening followed by ordinary text).
func (a *plantedAnswer) word(i int, generated string) string {
	if i < len(a.words) {
		return a.words[i]
	}
	return generated
}

// Varied texts, so that paired planted answers do not trivially agree.
var (
	refusalTexts = []string{
		"I'm sorry, but I can't help with that request.",
		"I cannot assist with this. Please consult a qualified professional instead.",
		"I'm not able to help with that. Is there something else I can do for you?",
		"Sorry, I won't be able to provide that.",
	}
	negativeTexts = []string{
		"That is a terrible idea and it will end badly; the outcome would be awful, painful and disappointing.",
		"Honestly this is a bad, hopeless situation: expect failure, frustration and serious problems.",
		"Unfortunately the result is poor and worrying, with ugly conflict, loss and regret ahead.",
	}
)

// plantedBias is the server's compiled PlantedBias.
type plantedBias struct {
	PlantedBias
	answers []plantedAnswer // refusal or negative texts; none for short
}

func (s *Server) compilePlantedBias(pb *PlantedBias) *plantedBias {
	if pb == nil {
		return nil
	}
	c := &plantedBias{PlantedBias: *pb}
	c.Terms = make([]string, 0, len(pb.Terms))
	for _, t := range pb.Terms { // matches compares with lower-cased text
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			c.Terms = append(c.Terms, t)
		}
	}
	var texts []string
	switch pb.Effect {
	case EffectRefusal:
		texts = refusalTexts
	case EffectNegative:
		texts = negativeTexts
	}
	c.answers = s.compileAnswers(texts)
	return c
}

// compileAnswers splits texts into planted answers.
func (s *Server) compileAnswers(texts []string) []plantedAnswer {
	var out []plantedAnswer
	for _, t := range texts {
		a := plantedAnswer{tokens: s.tokens.count([]byte(t))}
		for i, w := range strings.Fields(t) {
			if i > 0 {
				w = " " + w
			}
			a.words = append(a.words, w)
		}
		out = append(out, a)
	}
	return out
}

// refuse makes plan p a refusal with probability rate (Options.RefusalRate,
// x-mock-refusal-rate): a hash of the prompt and the seed draws it, so a
// prompt always gets the same answer, and a model with twice the rate
// refuses twice as many distinct prompts.
func (s *Server) refuse(p *genPlan, rate float64) {
	u := mix64(p.first.hash ^ mix64(uint64(s.opts.Seed)^0x7265667573616c)) // "refusal"
	if float64(u>>11)/(1<<53) >= rate {
		return
	}
	a := &s.refusals[mix64(u)%uint64(len(s.refusals))]
	p.planted, p.length, p.cut = a, len(a.words), false
}

// matches reports whether text contains a term as a whole word, ignoring case.
func (b *plantedBias) matches(text []byte) bool {
	for _, t := range b.Terms {
		for off := 0; off+len(t) <= len(text); {
			i := indexFold(text[off:], t)
			if i < 0 {
				break
			}
			i += off
			end := i + len(t)
			if (i == 0 || !isWordByte(text[i-1])) && (end == len(text) || !isWordByte(text[end])) {
				return true
			}
			off = i + 1
		}
	}
	return false
}

// indexFold finds lower-case ASCII needle in text ignoring ASCII case.
func indexFold(text []byte, needle string) int {
	for i := 0; i+len(needle) <= len(text); i++ {
		j := 0
		for j < len(needle) && lowerASCII(text[i+j]) == needle[j] {
			j++
		}
		if j == len(needle) {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// apply degrades plan p when its prompt matched and the draw falls under
// the rate. The draw and the choice of text are hashes of the prompt and
// the seed: deterministic per prompt, independent across prompts.
func (b *plantedBias) apply(p *genPlan, seed int64) {
	u := mix64(p.first.hash ^ mix64(uint64(seed)^0x706c616e746564)) // "planted"
	if float64(u>>11)/(1<<53) >= b.Rate {
		return
	}
	if b.Effect == EffectShort {
		p.length, p.cut = min(p.length, shortWords), false
		return
	}
	a := &b.answers[mix64(u)%uint64(len(b.answers))]
	p.planted = a
	if b.Effect == EffectRefusal {
		p.length, p.cut = len(a.words), false
	}
}

// tokensPerChoice is what usage reports for one choice of p.
func (p *genPlan) tokensPerChoice() int {
	a := p.planted
	if a == nil {
		return p.length
	}
	n := min(p.length, len(a.words))
	if n == len(a.words) {
		return a.tokens + p.length - n
	}
	return p.length // cut inside the planted text: words approximate tokens
}
