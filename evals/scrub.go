package evals

import (
	"strings"

	"github.com/tollgate-ai/tollgate/filters"
)

// Scanner finds findings in a text (filters.Scanner).
type Scanner interface {
	Scan(text []byte, dst []filters.Finding) []filters.Finding
}

// NewScrubScanner builds the scanner a Writer scrubs sample text with:
// every secret and PII detector, whatever the filters section enables.
func NewScrubScanner() (*filters.Scanner, error) {
	return filters.New(filters.Config{Detectors: []string{"pii", "secret"}})
}

// scrubber replaces the secrets and PII a Scanner finds in sample text
// with "[kind]". One per writer goroutine (it reuses its buffers).
type scrubber struct {
	found []filters.Finding
	buf   []byte
}

// scrubbed reports whether a finding's kind is taken out of samples:
// secrets and personal data. Injections and blocklist words stay: they are
// what evals look at.
func scrubbed(kind string) bool {
	return strings.HasPrefix(kind, "secret") || strings.HasPrefix(kind, "pii")
}

func (sc *scrubber) scrub(s Scanner, text string) string {
	if text == "" {
		return text
	}
	sc.buf = append(sc.buf[:0], text...)
	sc.found = s.Scan(sc.buf, sc.found[:0])
	var out []byte
	at := 0
	for _, f := range sc.found {
		if !scrubbed(f.Kind) || f.Start < at || f.End > len(sc.buf) || f.Start >= f.End {
			continue
		}
		out = append(out, sc.buf[at:f.Start]...)
		out = append(out, '[')
		out = append(out, f.Kind...)
		out = append(out, ']')
		at = f.End
	}
	if out == nil {
		return text
	}
	return string(append(out, sc.buf[at:]...))
}
