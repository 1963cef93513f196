package drift

// Accessors for the report: what one sample's vector says about refusals
// and feedback.

// Refusal reports whether the refusal detector called the response a
// refusal; ok is false when it did not judge it (no scorer, no response).
func (v *Vector) Refusal() (refused, ok bool) {
	switch v.Cat[cRefusal] {
	case "yes":
		return true, true
	case "no":
		return false, true
	}
	return false, false
}

// Feedback returns the sample's feedback score, if it has one.
func (v *Vector) Feedback() (float64, bool) { return v.Num[fFeedback], v.has(fFeedback) }

// LoadFile reads a JSONL sample file into feature vectors; bad counts the
// malformed lines skipped.
func LoadFile(path string, e *Extractor) (vs []Vector, bad int, err error) {
	recs, bad, err := readSampleFile(path)
	if err != nil {
		return nil, bad, err
	}
	return vectors(e, recs), bad, nil
}
