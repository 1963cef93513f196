package filters

import "github.com/tollgate-ai/tollgate/filters/injection"

// KindInjection is the prompt-injection classifier's kind.
const KindInjection = "injection"

// injectionDetector reports the shipped classifier's score (a calibrated
// probability, filters/injection) over the text's highest-scoring window.
// It reads the safe form: the model folds case, look-alikes and leetspeak
// itself, the same way in training and serving.
type injectionDetector struct{ m *injection.Model }

func (injectionDetector) Kinds() []string { return []string{KindInjection} }
func (injectionDetector) Form() Form      { return FormSafe }

// MaxSpan is 0: the finding is a score of a window, not a value to cut out,
// so a stream need not hold text back for it.
func (injectionDetector) MaxSpan() int { return 0 }

func (d injectionDetector) Detect(text []byte, dst []Finding) []Finding {
	if len(text) == 0 {
		return dst
	}
	if p, start, end := d.m.ScoreSpan(text); p > 0 && end > start {
		dst = append(dst, Finding{Kind: KindInjection, Start: start, End: end, Score: p})
	}
	return dst
}
