package evals

import "time"

// FeedbackType marks a feedback record in a sample sink ("type" member);
// sample records carry no type.
const FeedbackType = "feedback"

// Feedback is an application's judgement of one answer (POST
// /v1/feedback), stored in the sample sink as its own record. Tenant (and
// team and key id) come from the caller's virtual key, never from the
// body: request ids are chosen by clients, so a join is by (tenant,
// request_id).
type Feedback struct {
	Type      string    `json:"type"` // FeedbackType
	Time      time.Time `json:"time"`
	RequestID string    `json:"request_id"`
	Tenant    string    `json:"tenant"`
	Team      string    `json:"team,omitempty"`
	KeyID     string    `json:"key_id,omitempty"`
	Score     float64   `json:"score"` // in [-1, 1]: -1 thumbs down, 1 thumbs up
	Label     string    `json:"label,omitempty"`
	Comment   string    `json:"comment,omitempty"`
}

// JoinKey is what joins a feedback record to its sample and ledger record.
type JoinKey struct{ Tenant, RequestID string }

// FeedbackIndex holds the latest feedback per (tenant, request id).
type FeedbackIndex map[JoinKey]*Feedback

// Add keeps f unless a later feedback for the same request is held.
func (ix FeedbackIndex) Add(f *Feedback) {
	k := JoinKey{f.Tenant, f.RequestID}
	if old := ix[k]; old == nil || !f.Time.Before(old.Time) {
		ix[k] = f
	}
}

// For is the feedback given on sample s (nil when none).
func (ix FeedbackIndex) For(s *Sample) *Feedback {
	if s.RequestID == "" {
		return nil
	}
	return ix[JoinKey{s.Tenant, s.RequestID}]
}

// ModelFeedback is one model's feedback over the sampled requests.
type ModelFeedback struct {
	Samples   int     `json:"samples"`
	Feedback  int     `json:"feedback"`   // samples with feedback
	Rate      float64 `json:"rate"`       // Feedback / Samples
	MeanScore float64 `json:"mean_score"` // over the samples with feedback
	Negative  int     `json:"negative"`   // score < 0
	Positive  int     `json:"positive"`   // score > 0
}

// JoinFeedback joins feedback to samples by (tenant, request id) and
// returns per model (Sample.Model) how many samples got feedback and how
// it scored. Feedback whose request was not sampled is not counted.
func JoinFeedback(samples []*Sample, ix FeedbackIndex) map[string]ModelFeedback {
	out := map[string]ModelFeedback{}
	sums := map[string]float64{}
	for _, s := range samples {
		m := out[s.Model]
		m.Samples++
		if f := ix.For(s); f != nil {
			m.Feedback++
			sums[s.Model] += f.Score
			switch {
			case f.Score < 0:
				m.Negative++
			case f.Score > 0:
				m.Positive++
			}
		}
		out[s.Model] = m
	}
	for name, m := range out {
		if m.Samples > 0 {
			m.Rate = float64(m.Feedback) / float64(m.Samples)
		}
		if m.Feedback > 0 {
			m.MeanScore = sums[name] / float64(m.Feedback)
		}
		out[name] = m
	}
	return out
}

// FeedbackRates reads a sample source (file, directory or Redis stream:
// ReadRecords) and returns per model the feedback joined to its samples.
func FeedbackRates(src string) (map[string]ModelFeedback, ReadStats, error) {
	var samples []*Sample
	ix := FeedbackIndex{}
	st, err := ReadRecords(src, func(s *Sample) error { samples = append(samples, s); return nil },
		func(f *Feedback) error { ix.Add(f); return nil })
	if err != nil {
		return nil, st, err
	}
	return JoinFeedback(samples, ix), st, nil
}
