package filters

// Form names the normalised text a detector reads.
type Form uint8

const (
	// FormSafe is NFKC with invisible characters removed: case, digits and
	// punctuation intact, for structured detectors (PII, secrets).
	FormSafe Form = iota
	// FormFolded is FormSafe lowercased with homoglyphs, diacritics and
	// leetspeak folded to ASCII letters, for word detectors (blocklists,
	// the injection classifier).
	FormFolded
)

// Detector finds one family of kinds in normalised text. Detect appends
// findings with spans over text (the normalised form it asked for); the
// Scanner maps them back to the caller's bytes, applies thresholds and
// sorts. Implementations must be safe for concurrent use, linear in
// len(text) and allocation-free when they find nothing.
type Detector interface {
	Kinds() []string // every kind Detect may report
	Form() Form
	MaxSpan() int // the longest span, in normalised bytes, Detect reports
	Detect(text []byte, dst []Finding) []Finding
}

// ScoreDetector adapts a whole-text scorer (the injection classifier's
// Score) to a Detector: one finding over the whole text when the score is
// positive. Its span is the text, so it has no MaxSpan bound of its own
// (MaxSpan returns 0) and a stream inspector must score the text it holds.
func ScoreDetector(kind string, form Form, score func([]byte) float64) Detector {
	return &scoreDetector{kinds: []string{kind}, form: form, score: score}
}

type scoreDetector struct {
	kinds []string
	form  Form
	score func([]byte) float64
}

func (d *scoreDetector) Kinds() []string { return d.kinds }
func (d *scoreDetector) Form() Form      { return d.form }
func (d *scoreDetector) MaxSpan() int    { return 0 }
func (d *scoreDetector) Detect(text []byte, dst []Finding) []Finding {
	if len(text) == 0 {
		return dst
	}
	if s := d.score(text); s > 0 {
		dst = append(dst, Finding{Kind: d.kinds[0], Start: 0, End: len(text), Score: s})
	}
	return dst
}

// runDetector is a built-in detector that starts only at digit runs; the
// scanner finds the runs once (8 bytes a step) for all of them.
type runDetector interface {
	detectRuns(text []byte, runs []int32, dst []Finding) []Finding
	// minDigits is the fewest digits a finding holds; the scanner passes
	// only runs in clusters of that many (digit_clusters.go), 0 for all.
	minDigits() int32
}
