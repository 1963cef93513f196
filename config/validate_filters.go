package config

import (
	"strings"

	"github.com/tollgate-ai/tollgate/filters"
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
	if err := f.Scan.Validate(); err != nil {
		at("filters.scan", "%s", strings.TrimPrefix(err.Error(), "filters: "))
	}
	validateFilterActions(f.Input, "filters.input", false, &f.Scan, at)
	validateFilterActions(f.Output, "filters.output", true, &f.Scan, at)
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
		validateFilterActions(o.Input, p+".input", false, &f.Scan, at)
		validateFilterActions(o.Output, p+".output", true, &f.Scan, at)
	}
	if w := f.Stream.WindowBytes; w < 0 || w > maxFilterWindow {
		at("filters.stream.window_bytes", "must be in [0, %d] (0 = the detectors' longest span), got %d", maxFilterWindow, w)
	}
}

func validateFilterActions(a FilterActions, path string, output bool, scan *filters.Config, at reporter) {
	for kind, action := range a {
		p := joinPath(path, kind)
		if !ValidFilterKind(kind, scan) {
			at(p, "unknown kind %q (default, injection, a detector's kind such as pii.email or secret.github_token, "+
				"a family pii.* or secret.* or blocklist.*, or blocklist.<name> of filters.scan.blocklists)", kind)
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
// detectors report (scan's blocklists included), a family of them
// ("pii.*") or the default.
func ValidFilterKind(kind string, scan *filters.Config) bool {
	switch kind {
	case FilterDefaultKey, "injection", "pii.*", "secret.*", "blocklist.*":
		return true
	}
	if name, ok := strings.CutPrefix(kind, "blocklist."); ok {
		for _, b := range scan.Blocklists {
			if b.Name == name {
				return true
			}
		}
		return false
	}
	if !strings.Contains(kind, ".") {
		return false
	}
	probe := filters.Config{Detectors: []string{kind}} // the detectors' own vocabulary
	return probe.Validate() == nil
}
