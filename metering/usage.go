package metering

import (
	"fmt"
	"strings"
)

// Usage is the token usage of one request as OpenAI reports it: CachedTokens are part of PromptTokens
// and ReasoningTokens part of CompletionTokens.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	CachedTokens     int `json:"cached_tokens,omitempty"`
	ReasoningTokens  int `json:"reasoning_tokens,omitempty"`
}

// maxTokensPerRequest bounds any token count we accept; larger is a bug upstream, not a request.
const maxTokensPerRequest = 100_000_000

// Validate reports usage an upstream should never send: negative counts, parts larger than their
// totals, or absurd sizes. The ledger still records such usage (clamped) with FlagInvalidUsage.
func (u Usage) Validate() error {
	var bad []string
	for _, f := range []struct {
		name string
		v    int
	}{{"prompt_tokens", u.PromptTokens}, {"completion_tokens", u.CompletionTokens}, {"cached_tokens", u.CachedTokens}, {"reasoning_tokens", u.ReasoningTokens}} {
		if f.v < 0 {
			bad = append(bad, fmt.Sprintf("%s is negative (%d)", f.name, f.v))
		}
		if f.v > maxTokensPerRequest {
			bad = append(bad, fmt.Sprintf("%s is above %d (%d)", f.name, maxTokensPerRequest, f.v))
		}
	}
	if u.CachedTokens > u.PromptTokens {
		bad = append(bad, fmt.Sprintf("cached_tokens %d exceed prompt_tokens %d", u.CachedTokens, u.PromptTokens))
	}
	if u.ReasoningTokens > u.CompletionTokens {
		bad = append(bad, fmt.Sprintf("reasoning_tokens %d exceed completion_tokens %d", u.ReasoningTokens, u.CompletionTokens))
	}
	if len(bad) > 0 {
		return fmt.Errorf("invalid usage: %s", strings.Join(bad, "; "))
	}
	return nil
}

// clamped returns u with negatives as 0, sizes capped and parts no larger than their totals, so
// cost is never negative and never overflows.
func (u Usage) clamped() Usage {
	c := func(v int) int { return min(max(v, 0), maxTokensPerRequest) }
	u.PromptTokens, u.CompletionTokens = c(u.PromptTokens), c(u.CompletionTokens)
	u.CachedTokens = min(c(u.CachedTokens), u.PromptTokens)
	u.ReasoningTokens = min(c(u.ReasoningTokens), u.CompletionTokens)
	return u
}

// Flags mark a ledger record whose numbers are not plain upstream facts.
type Flags uint8

const (
	FlagUnknownPrice   Flags = 1 << iota // model had no price; billed at the fallback price
	FlagInvalidUsage                     // upstream usage failed Validate; stored clamped
	FlagEstimatedUsage                   // upstream gave no usage; Tollgate counted tokens itself
	FlagClientAborted                    // client disconnected mid-response; usage counts what was relayed
)

var flagNames = []string{"unknown_price", "invalid_usage", "estimated_usage", "client_aborted"}

// Strings returns the flag names, e.g. ["unknown_price"].
func (f Flags) Strings() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

func (f Flags) String() string { return strings.Join(f.Strings(), ",") }
