package filters

import (
	"fmt"
	"strings"

	"github.com/tollgate-ai/tollgate/filters/injection"
)

// Config chooses the detectors, their thresholds and the blocklists.
// The zero value runs nothing; DefaultConfig runs every PII and secret
// detector with the default thresholds.
type Config struct {
	// Detectors lists the kinds to report: a kind ("pii.email",
	// "secret.github_token"), or a family prefix ("pii", "secret") for all
	// of its kinds. Blocklist kinds need no entry here: a configured
	// blocklist always runs.
	Detectors []string `yaml:"detectors"`
	// Thresholds holds the minimum score per kind or family prefix; the
	// longest matching key wins, "*" is the fallback, and a kind with none
	// uses DefaultThreshold.
	Thresholds map[string]float64 `yaml:"thresholds"`
	// Blocklists are word and phrase lists reported as blocklist.<Name>.
	Blocklists []BlocklistConfig `yaml:"blocklists"`
	// DecodeBlobs decodes base64 and hex runs once and scans what they
	// hold; a finding inside one spans the whole run.
	DecodeBlobs bool `yaml:"decode_blobs"`
	// MaxSpan caps the long kinds (PEM blocks, JWTs, decoded blobs) in
	// bytes, and with them Scanner.MaxSpan, which sets a stream's
	// hold-back window: 0 means DefaultMaxSpan, else at least 512.
	MaxSpan int `yaml:"max_span"`
	// Extra detectors run beside the built-in ones (the injection
	// classifier plugs in here through ScoreDetector).
	Extra []Detector `yaml:"-"`
}

// BlocklistConfig is one blocklist: its own Terms, an embedded List
// ("surge_profanity", "ldnoobw"), or both. Terms are matched as whole
// words after the same folding as the text (case, homoglyphs, leetspeak).
type BlocklistConfig struct {
	Name  string   `yaml:"name"`
	Terms []string `yaml:"terms"`
	List  string   `yaml:"list"`
	// MinSeverity keeps only terms at or above it for lists that rate
	// severity (surge_profanity: 1 mild … 3 severe); 0 keeps all.
	MinSeverity float64 `yaml:"min_severity"`
}

// DefaultMaxSpan is the default cap on long findings: a 4096-bit RSA key
// in PEM (about 3.3 KB) fits.
const DefaultMaxSpan = 4096

// DefaultThreshold applies to kinds with no configured threshold.
const DefaultThreshold = 0.5

// DefaultConfig runs every PII and secret detector and the injection
// classifier (at its calibrated threshold, about 2 % false positives on
// benign prompts), decodes blobs, and enables no blocklist (the embedded
// lists are opt-in).
func DefaultConfig() Config {
	return Config{
		Detectors:   []string{"pii", "secret", KindInjection},
		Thresholds:  map[string]float64{"*": DefaultThreshold, KindInjection: injection.DefaultThreshold},
		DecodeBlobs: true,
	}
}

// Validate reports the first problem in c.
func (c *Config) Validate() error {
	known := map[string]bool{}
	for _, k := range builtinKinds() {
		known[k] = true
		if i := strings.IndexByte(k, '.'); i > 0 {
			known[k[:i]] = true
		}
	}
	for _, d := range c.Detectors {
		if !known[d] {
			return fmt.Errorf("filters: unknown detector %q", d)
		}
	}
	for k, v := range c.Thresholds {
		if v < 0 || v > 1 {
			return fmt.Errorf("filters: threshold for %q is %v, want a value in [0,1]", k, v)
		}
	}
	if c.MaxSpan != 0 && (c.MaxSpan < 512 || c.MaxSpan > 1<<20) {
		return fmt.Errorf("filters: max_span %d, want 0 (default %d) or 512…1048576", c.MaxSpan, DefaultMaxSpan)
	}
	if len(c.Blocklists) > maxBlocklists {
		return fmt.Errorf("filters: %d blocklists, at most %d", len(c.Blocklists), maxBlocklists)
	}
	seen := map[string]bool{}
	for i, b := range c.Blocklists {
		if b.Name == "" || strings.ContainsAny(b.Name, " \t\n.") {
			return fmt.Errorf("filters: blocklists[%d]: name %q must be a non-empty word", i, b.Name)
		}
		if seen[b.Name] {
			return fmt.Errorf("filters: blocklists[%d]: duplicate name %q", i, b.Name)
		}
		seen[b.Name] = true
		if b.List != "" {
			if _, ok := embeddedLists[b.List]; !ok {
				return fmt.Errorf("filters: blocklists[%d]: unknown list %q (have %s)", i, b.List, embeddedListNames())
			}
		}
		if b.List == "" && len(b.Terms) == 0 {
			return fmt.Errorf("filters: blocklists[%d]: %q has neither terms nor list", i, b.Name)
		}
	}
	return nil
}

// optInKinds are selected only by their own name, never by their family:
// pii.person flags ordinary prose full of first names (docs/filters.md).
var optInKinds = map[string]bool{KindPerson: true}

// enabled reports whether kind is selected by the Detectors list.
func (c *Config) enabled(kind string) bool {
	for _, d := range c.Detectors {
		if d == kind || strings.HasPrefix(kind, d+".") && !optInKinds[kind] {
			return true
		}
	}
	return false
}

// threshold resolves the minimum score of kind.
func (c *Config) threshold(kind string) float64 {
	best, bestLen := DefaultThreshold, -1
	if v, ok := c.Thresholds["*"]; ok {
		best, bestLen = v, 0
	}
	for k, v := range c.Thresholds {
		if (k == kind || strings.HasPrefix(kind, k+".")) && len(k) > bestLen {
			best, bestLen = v, len(k)
		}
	}
	return best
}
