package filterstage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/tollgate-ai/tollgate/config"
)

// The output profile names the output filtering a request's answer gets
// (View.SetOutputProfile): the cache keys answers by it, so a hit never
// crosses redaction settings. It is a hash of the output actions in force
// and of the detectors' settings, the same on every replica with the same
// config; the policy's redact list, when it names kinds, is added to it.

// outputProfile hashes the output table t under the scan settings scan.
func outputProfile(t *table, scan string) string {
	var b strings.Builder
	b.WriteString(scan)
	fmt.Fprintf(&b, "|def=%d", t.def)
	for _, m := range [2]map[string]action{t.exact, t.families} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b.WriteString("|")
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%d,", k, m[k])
		}
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:8])
}

// scanIdentity is the detectors' settings as text, for outputProfile.
func scanIdentity(cfg *config.FiltersConfig) string {
	return fmt.Sprintf("%v|%v|%v|%v|%d", cfg.Scan.Detectors, cfg.Scan.Thresholds, cfg.Scan.Blocklists, cfg.Scan.DecodeBlobs, cfg.Scan.MaxSpan)
}

// withRedact adds the policy's redact list to a profile.
func withRedact(profile string, redact []string) string {
	if len(redact) == 0 {
		return profile
	}
	r := slices.Clone(redact)
	slices.Sort(r)
	return profile + "+r:" + strings.Join(r, ",")
}
