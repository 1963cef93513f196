package config

import (
	"slices"
	"strings"
)

// maxFilterOverrides bounds the overrides (the stage keys its resolved
// tables by the set of matching overrides, a 64-bit mask).
const maxFilterOverrides = 64

// maxFilterWindow bounds the stream window: text held back delays the
// client's tokens.
const maxFilterWindow = 64 << 10

// validateFilters checks the filters section: actions, kinds, overrides
// and the stream window.
func validateFilters(f *FiltersConfig, keyIDs, models map[string]bool, at reporter) {
	validateFilterActions(f.Input, "filters.input", false, at)
	validateFilterActions(f.Output, "filters.output", true, at)
	if len(f.Overrides) > maxFilterOverrides {
		at("filters.overrides", "at most %d overrides, got %d", maxFilterOverrides, len(f.Overrides))
	}
	for i, o := range f.Overrides {
		p := indexPath("filters.overrides", i)
		if o.Tenant == "" && o.Key == "" && o.Model == "" {
			at(p, "set tenant, key or model: an override without them would apply to every request (change input/output instead)")
		}
		if o.Key != "" && !keyIDs[o.Key] {
			at(p+".key", "unknown key id %q", o.Key)
		}
		if o.Model != "" && !models[o.Model] {
			at(p+".model", "unknown model %q", o.Model)
		}
		validateFilterActions(o.Input, p+".input", false, at)
		validateFilterActions(o.Output, p+".output", true, at)
	}
	if w := f.Stream.WindowBytes; w < 0 || w > maxFilterWindow {
		at("filters.stream.window_bytes", "must be in [0, %d] (0 = the detectors' longest span), got %d", maxFilterWindow, w)
	}
}

func validateFilterActions(a FilterActions, path string, output bool, at reporter) {
	for kind, action := range a {
		p := joinPath(path, kind)
		if !ValidFilterKind(kind) {
			at(p, "unknown kind %q (default, injection, pii.* or pii.<%s>, secret.* or secret.<type>, blocklist.* or blocklist.<name>)",
				kind, strings.Join(FilterPIITypes, "|"))
		}
		switch action {
		case FilterAllow, FilterFlag, FilterRedact, FilterDeny:
		case FilterPseudonymize:
			if output {
				at(p, "pseudonymize applies to requests (input) only: the gateway restores the values in the answer")
			}
		default:
			at(p, "unknown action %q (allow, flag, redact, pseudonymize or deny)", action)
		}
	}
}

// ValidFilterKind reports whether an actions key names a kind the
// detectors report, a family of them ("pii.*") or the default.
func ValidFilterKind(kind string) bool {
	switch kind {
	case FilterDefaultKey, "injection", "pii.*", "secret.*", "blocklist.*":
		return true
	}
	family, name, ok := strings.Cut(kind, ".")
	if !ok || name == "" {
		return false
	}
	switch family {
	case "pii":
		return slices.Contains(FilterPIITypes, name)
	case "secret", "blocklist":
		return isIdent(name)
	}
	return false
}

// isIdent accepts lower-case identifiers ([a-z0-9_-]), the secret types'
// and blocklists' names.
func isIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return s != ""
}
