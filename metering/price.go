package metering

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Price is what one model costs, in micro-USD per 1M tokens.
// CachedInput 0 means "same as Input"; Reasoning 0 means "same as Output" (OpenAI bills reasoning as output).
type Price struct {
	Input       int64 `json:"input" yaml:"input"`
	CachedInput int64 `json:"cached_input" yaml:"cached_input"`
	Output      int64 `json:"output" yaml:"output"`
	Reasoning   int64 `json:"reasoning" yaml:"reasoning"`
}

// picosPerMicro converts micro-USD to pico-USD.
const picosPerMicro = 1_000_000

// maxPricePerM bounds a price at $1M per 1M tokens, so tokens×price fits int64 picos for any int32 token count.
const maxPricePerM = 1_000_000 * 1_000_000

func (p Price) validate() error {
	for _, f := range []struct {
		name string
		v    int64
	}{{"input", p.Input}, {"cached_input", p.CachedInput}, {"output", p.Output}, {"reasoning", p.Reasoning}} {
		if f.v < 0 {
			return fmt.Errorf("%s price %d is negative", f.name, f.v)
		}
		if f.v > maxPricePerM {
			return fmt.Errorf("%s price %d micro-USD per 1M tokens is above $1M per 1M tokens; prices are micro-USD, not USD", f.name, f.v)
		}
	}
	return nil
}

// picos returns the exact cost of u in pico-USD: tokens × micro-USD per 1M tokens.
// Cached tokens are part of PromptTokens and reasoning tokens part of CompletionTokens, as OpenAI reports them.
func (p Price) picos(u Usage) int64 {
	u = u.clamped()
	cached := p.CachedInput
	if cached == 0 {
		cached = p.Input
	}
	reasoning := p.Reasoning
	if reasoning == 0 {
		reasoning = p.Output
	}
	return int64(u.PromptTokens-u.CachedTokens)*p.Input +
		int64(u.CachedTokens)*cached +
		int64(u.CompletionTokens-u.ReasoningTokens)*p.Output +
		int64(u.ReasoningTokens)*reasoning
}

// Prices resolves a model name to its Price. The zero value knows no models. Safe for concurrent use;
// build a new one (With) to change it.
type Prices struct {
	byModel  map[string]Price
	prefixes []string // byModel keys, longest first, for prefix resolution
	aliases  map[string]string
	fallback Price
}

// With returns a copy of p with overrides and aliases applied and fallback as the price of unknown models.
// Aliases map a name clients use to a priced model name.
func (p Prices) With(overrides map[string]Price, aliases map[string]string, fallback Price) (Prices, error) {
	out := Prices{byModel: make(map[string]Price, len(p.byModel)+len(overrides)), aliases: make(map[string]string, len(p.aliases)+len(aliases)), fallback: fallback}
	for m, pr := range p.byModel {
		out.byModel[m] = pr
	}
	for a, m := range p.aliases {
		out.aliases[a] = m
	}
	for m, pr := range overrides {
		if strings.TrimSpace(m) == "" {
			return Prices{}, fmt.Errorf("price override with an empty model name")
		}
		if err := pr.validate(); err != nil {
			return Prices{}, fmt.Errorf("price of model %q: %w", m, err)
		}
		out.byModel[strings.ToLower(m)] = pr
	}
	for a, m := range aliases {
		if _, ok := out.lookup(strings.ToLower(m)); !ok {
			return Prices{}, fmt.Errorf("price alias %q points to model %q, which has no price", a, m)
		}
		out.aliases[strings.ToLower(a)] = strings.ToLower(m)
	}
	if err := fallback.validate(); err != nil {
		return Prices{}, fmt.Errorf("default price for unknown models: %w", err)
	}
	out.prefixes = make([]string, 0, len(out.byModel))
	for m := range out.byModel {
		out.prefixes = append(out.prefixes, m)
	}
	sort.Slice(out.prefixes, func(i, j int) bool {
		if len(out.prefixes[i]) != len(out.prefixes[j]) {
			return len(out.prefixes[i]) > len(out.prefixes[j])
		}
		return out.prefixes[i] < out.prefixes[j]
	})
	return out, nil
}

// Lookup returns the price of model and whether it is known (false: the fallback price).
// Resolution: exact name, alias, then the longest priced prefix that ends at a '-' boundary, so
// "gpt-4o-2024-08-06" resolves to "gpt-4o" but "gpt-4o-mini-2024-07-18" to "gpt-4o-mini".
func (p Prices) Lookup(model string) (Price, bool) {
	m := strings.ToLower(strings.TrimSpace(model))
	if a, ok := p.aliases[m]; ok {
		m = a
	}
	if pr, ok := p.lookup(m); ok {
		return pr, true
	}
	return p.fallback, false
}

func (p Prices) lookup(m string) (Price, bool) {
	if pr, ok := p.byModel[m]; ok {
		return pr, true
	}
	// Provider prefixes such as "openai/gpt-4o" resolve like the bare name.
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		return p.lookup(m[i+1:])
	}
	for _, cand := range p.prefixes {
		if len(m) > len(cand) && strings.HasPrefix(m, cand) && m[len(cand)] == '-' {
			return p.byModel[cand], true
		}
	}
	return Price{}, false
}

// CostPicos returns the exact cost of u on model in pico-USD and whether the model's price is known.
// Unknown models are billed at the fallback price; callers flag the record (FlagUnknownPrice).
func (p Prices) CostPicos(model string, u Usage) (picos int64, known bool) {
	pr, known := p.Lookup(model)
	if !known {
		unknownPriceTotal.Inc()
	}
	return pr.picos(u), known
}

// Cost returns the cost of u on model in micro-USD, rounded up, and whether the price is known.
func (p Prices) Cost(model string, u Usage) (micros int64, known bool) {
	picos, known := p.CostPicos(model, u)
	return PicosToMicros(picos), known
}

// Bill sets rec's cost from its usage and served (else requested) model, and flags an unknown price.
func (p Prices) Bill(rec *Record) {
	picos, known := p.CostPicos(rec.model(), rec.Usage)
	rec.CostPicos, rec.CostMicros = picos, PicosToMicros(picos)
	if !known {
		rec.Flags |= FlagUnknownPrice
	}
}

// WorstCaseMicros is the most a request can cost: every prompt token uncached at the input price and
// maxOutput tokens at the higher of the output and reasoning prices. Budgets reserve this at request start.
func (p Prices) WorstCaseMicros(model string, promptTokens, maxOutput int) int64 {
	pr, _ := p.Lookup(model)
	out := max(pr.Output, pr.Reasoning)
	in := max(pr.Input, pr.CachedInput)
	return PicosToMicros(satAdd(satMul(int64(max(promptTokens, 0)), in), satMul(int64(max(maxOutput, 0)), out)))
}

// satMul and satAdd saturate at MaxInt64 instead of wrapping: an absurd
// max_tokens must reserve "everything", never wrap to a negative (= free)
// worst case that would slip past every budget.
func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// PicosToMicros converts pico-USD to micro-USD, rounding up (budgets must not under-charge).
func PicosToMicros(picos int64) int64 {
	if picos <= 0 {
		return 0
	}
	m := picos / picosPerMicro // no (picos + d - 1) / d: it would overflow near MaxInt64
	if picos%picosPerMicro != 0 {
		m++
	}
	return m
}

// ParseUSD parses a decimal dollar amount such as "2.50" or "0.075" into micro-USD exactly
// (no float parsing). Config uses it for prices ("$ per 1M tokens") and budgets.
func ParseUSD(s string) (int64, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "$")
	if t == "" {
		return 0, fmt.Errorf("empty dollar amount")
	}
	whole, frac, _ := strings.Cut(t, ".")
	if len(frac) > 6 {
		return 0, fmt.Errorf("dollar amount %q has more than 6 decimal places (the unit is micro-USD)", s)
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseUint(whole, 10, 63)
	if err != nil || w > 9_000_000_000_000 {
		return 0, fmt.Errorf("dollar amount %q is not a non-negative decimal number below 9e12", s)
	}
	var f uint64
	if frac != "" {
		if f, err = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 63); err != nil {
			return 0, fmt.Errorf("dollar amount %q is not a non-negative decimal number", s)
		}
	}
	return int64(w*1_000_000 + f), nil
}

// FormatUSD renders pico-USD as a dollar string with up to 12 decimals, trailing zeros trimmed.
func FormatUSD(picos int64) string {
	neg := picos < 0
	if neg {
		picos = -picos
	}
	s := strconv.FormatInt(picos/1e12, 10)
	if frac := picos % 1e12; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%012d", frac), "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}
