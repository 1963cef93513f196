package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// modelPrefixes maps model-name prefixes to encodings. The longest matching
// prefix wins, and a prefix matches only at a name boundary (end of name or a
// non-alphanumeric next byte), so "gpt-4o-2024-08-06" → gpt-4o and "adapter"
// does not match "ada". tiktoken-go v0.1.8 lacks most o200k models.
var modelPrefixes = []struct{ prefix, encoding string }{
	{"gpt-4o", O200KBase},
	{"chatgpt-4o", O200KBase},
	{"gpt-4.1", O200KBase},
	{"gpt-4.5", O200KBase},
	{"gpt-5", O200KBase},
	{"o1", O200KBase},
	{"o3", O200KBase},
	{"o4", O200KBase},
	{"gpt-oss", O200KBase},
	{"gpt-4", CL100KBase},
	{"gpt-3.5", CL100KBase},
	{"gpt-35", CL100KBase}, // Azure deployment spelling
	{"text-embedding-3", CL100KBase},
	{"text-embedding-ada-002", CL100KBase},
	{"davinci-002", CL100KBase},
	{"babbage-002", CL100KBase},
	{"text-davinci-002", P50KBase},
	{"text-davinci-003", P50KBase},
	{"code-", P50KBase},
	{"davinci-codex", P50KBase},
	{"cushman-codex", P50KBase},
	{"code-search-", R50KBase},
	{"text-davinci-001", R50KBase},
	{"text-curie", R50KBase},
	{"text-babbage", R50KBase},
	{"text-ada", R50KBase},
	{"text-similarity-", R50KBase},
	{"text-search-", R50KBase},
	{"davinci", R50KBase},
	{"curie", R50KBase},
	{"babbage", R50KBase},
	{"ada", R50KBase},
	{"mock-", CL100KBase}, // Tollgate's mockllm counts prompts with cl100k_base
}

// ErrUnknownModel is returned for a model with no known encoding when no
// DefaultEncoding is configured.
var ErrUnknownModel = errors.New("tokenizer: unknown model")

// canonicalModel lower-cases a model name and strips provider routing
// prefixes ("openai/", "azure/", "openrouter/openai/") and the fine-tune
// marker ("ft:gpt-4o-mini:org::id" → "gpt-4o-mini:org::id").
func canonicalModel(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	return strings.TrimPrefix(m, "ft:")
}

// builtinEncoding returns the encoding for a canonical model name, or "".
func builtinEncoding(m string) string {
	best, bestLen := "", -1
	for _, p := range modelPrefixes {
		if len(p.prefix) > bestLen && strings.HasPrefix(m, p.prefix) && atBoundary(m, len(p.prefix)) {
			best, bestLen = p.encoding, len(p.prefix)
		}
	}
	return best
}

func atBoundary(m string, i int) bool {
	if i == len(m) || m[i-1] == '-' {
		return true
	}
	c := m[i]
	return !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9')
}

// resolve maps a model name to an encoding name through aliases (a chain of
// at most 8 model → model hops, ending in a model or an encoding name), the
// built-in table and the default encoding.
func (r *Registry) resolve(model string) (string, error) {
	enc, _, err := r.resolveModel(model)
	return enc, err
}

// resolveModel is resolve that also returns the canonical model name at the
// end of the alias chain (its family decides chat overheads).
func (r *Registry) resolveModel(model string) (encoding, canonical string, err error) {
	m := canonicalModel(model)
	for hops := 0; ; hops++ {
		target, ok := r.aliases[m]
		if !ok {
			break
		}
		if hops == 8 {
			return "", "", fmt.Errorf("tokenizer: alias chain for model %q is longer than 8 (a cycle?)", model)
		}
		if _, isEncoding := encodings[target]; isEncoding {
			return target, m, nil
		}
		m = canonicalModel(target)
	}
	if enc := builtinEncoding(m); enc != "" {
		return enc, m, nil
	}
	if r.defaultEncoding != "" {
		return r.defaultEncoding, m, nil
	}
	return "", "", fmt.Errorf("%w %q: add it to Options.Aliases or set Options.DefaultEncoding", ErrUnknownModel, model)
}
