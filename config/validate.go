package config

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
)

// reporter records one problem at a config path (validate's errs.add with
// the path's line).
type reporter func(path, format string, args ...any)

// validate checks what decoding cannot: references between sections, value
// ranges and duplicates. All problems are reported together, section by
// section in this order (one file each: validate_<section>.go).
func validate(c *Config, name string, lines lineIndex) error {
	errs := &errorList{name: name}
	at := reporter(func(path, format string, args ...any) { errs.add(lines.line(path), path, format, args...) })

	validateServer(c, at)
	upstreams := validateUpstreams(c.Upstreams, at)
	models := validateModels(c.Models, upstreams, at)
	keyIDs := map[string]bool{}
	for _, k := range c.Keys {
		keyIDs[k.ID] = true
	}
	routeModels := validateRoutes(c.Routes, upstreams, keyIDs, at)
	validateKeys(c.Keys, models, routeModels, at)
	validateLimitScopes(c, at)
	validateMetering(&c.Metering, at)
	validatePolicy(&c.Policy, at)
	validateCache(&c.Cache, models, at)
	validateFilters(&c.Filters, keyIDs, models, at)
	validateEvals(&c.Evals, models, len(c.Redis.Addrs) > 0, at)
	validateEvalsBias(&c.Evals.BiasSchedule, models, at)
	validateEvalsDrift(&c.Evals.Drift, models, at)
	validateEvalsReport(&c.Evals.Report, c.Evals.Sink.Kind, at)
	validateRollouts(c.Rollouts, models, upstreams, at)
	return errs.err()
}

func validateBalance(b, path string, at reporter) {
	switch b {
	case BalanceWeighted, BalanceLeastInFlight, BalanceLatency:
	default:
		at(path, "unknown strategy %q (weighted, least_inflight or latency)", b)
	}
}

// keySum is a key's SHA-256 in lower-case hex, from the key or its sum; "" when neither is set.
func keySum(plain, sum string) string {
	if plain != "" {
		h := sha256.Sum256([]byte(plain))
		return hex.EncodeToString(h[:])
	}
	return strings.ToLower(sum)
}

func isSHA256Hex(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

func names(m map[string]*Upstream) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	if len(out) == 0 {
		return "none"
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
