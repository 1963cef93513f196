package config

import "github.com/tollgate-ai/tollgate/filters"

// FiltersConfig is the content filters' section: which detector findings
// the gateway allows, flags, redacts, pseudonymises or denies, on requests
// (input) and on answers (output), per tenant, key and model.
//
//	filters:
//	  enabled: true
//	  scan: {detectors: [pii, secret], thresholds: {"*": 0.5}, decode_blobs: true}
//	  input:  {default: flag, pii.email: pseudonymize, secret.*: redact, injection: flag}
//	  output: {default: flag, secret.*: redact}
//	  overrides:
//	    - {tenant: acme, input: {pii.*: deny}}
//	    - {key: batch, model: gpt-4o, output: {pii.credit_card: allow}}
//
// A kind's action is the most specific entry that names it: the kind
// itself (pii.email), then its family (pii.*), then default. Overrides that
// match the request (every field they set matches) apply over the base
// tables in the order written.
type FiltersConfig struct {
	Enabled bool `yaml:"enabled"`
	// Scan chooses the detectors, their thresholds and the blocklists (the
	// format of `tollgate filters scan --config`); keys left out keep
	// filters.DefaultConfig's values ("injection" in scan.detectors is the
	// prompt-injection classifier).
	Scan      filters.Config   `yaml:"scan"`
	Input     FilterActions    `yaml:"input"`
	Output    FilterActions    `yaml:"output"`
	Overrides []FilterOverride `yaml:"overrides"`
	Stream    FilterStream     `yaml:"stream"`
}

// FilterActions maps a kind ("pii.email"), a family ("pii.*") or
// "default" to an action.
type FilterActions map[string]string

// FilterOverride changes actions for the requests it matches: every field
// set among Tenant, Key (a key id) and Model must match.
type FilterOverride struct {
	Tenant string        `yaml:"tenant"`
	Key    string        `yaml:"key"`
	Model  string        `yaml:"model"`
	Input  FilterActions `yaml:"input"`
	Output FilterActions `yaml:"output"`
}

// FilterStream tunes the streamed answers' hold-back window.
type FilterStream struct {
	// WindowBytes is the longest run of text without white space (a token
	// being generated) a stream holds back before releasing it anyway: 0 =
	// the detectors' longest span (filters.Scanner.MaxSpan) up to
	// DefaultFilterWindow. Findings longer than that (decoded base64 blobs)
	// are caught in a stream only when the window holds them; private key
	// blocks are held whole.
	WindowBytes int `yaml:"window_bytes"`
}

// Filter actions.
const (
	FilterAllow        = "allow"        // ignored: not counted, not shown to the policy
	FilterFlag         = "flag"         // counted and passed to the policy
	FilterRedact       = "redact"       // replaced by a typed placeholder ([EMAIL_1])
	FilterPseudonymize = "pseudonymize" // placeholders upstream, the originals restored for the client
	FilterDeny         = "deny"         // the request refused (400 content_filter), the answer withheld
)

// DefaultFilterWindow caps the default stream window: every PII kind and
// the usual tokens and keys fit (an e-mail address is at most 254 bytes).
// Prose is held back far less: the window holds the last 48 bytes plus the
// word they cut.
const DefaultFilterWindow = 512

// FilterDefaultKey is the actions' catch-all entry.
const FilterDefaultKey = "default"

// FilterInjection is the prompt-injection classifier's kind, and its name
// in scan.detectors.
const FilterInjection = "injection"

// presetFilters fills the detectors' defaults before the YAML is decoded
// over them, as `tollgate filters scan --config` does.
func presetFilters(f *FiltersConfig) { f.Scan = filters.DefaultConfig() }

func defaultFilters(f *FiltersConfig) {
	if f.Input == nil {
		f.Input = FilterActions{}
	}
	if f.Output == nil {
		f.Output = FilterActions{}
	}
	if _, ok := f.Input[FilterDefaultKey]; !ok {
		f.Input[FilterDefaultKey] = FilterFlag
	}
	if _, ok := f.Output[FilterDefaultKey]; !ok {
		f.Output[FilterDefaultKey] = FilterFlag
	}
	// Injection is an attack on the model through its input; an answer that
	// reads like one is not, and short answers score noisily ("here: the
	// answer" 0.51), so answers are not judged for it unless configured.
	if _, ok := f.Output[FilterInjection]; !ok {
		f.Output[FilterInjection] = FilterAllow
	}
}
