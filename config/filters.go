package config

// FiltersConfig is the content filters' section: which detector findings
// the gateway allows, flags, redacts, pseudonymises or denies, on requests
// (input) and on answers (output), per tenant, key and model.
//
//	filters:
//	  enabled: true
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
	Enabled   bool             `yaml:"enabled"`
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
	// WindowBytes is how much text is held back per choice before it is
	// released: 0 = the detectors' longest span (filters.Scanner.MaxSpan).
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

// FilterDefaultKey is the actions' catch-all entry.
const FilterDefaultKey = "default"

// FilterPIITypes are the pii.<type> kinds the detectors report.
var FilterPIITypes = []string{"email", "phone", "credit_card", "iban", "ssn", "ip_address", "person"}

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
}
