// Package drift compares a baseline window of sampled exchanges with a
// current one, feature by feature, and raises a drift alarm only when a
// permutation test says the difference is unlikely under "same source",
// after a Holm correction for testing many features at once. It runs from
// the `tollgate evals drift` command and, continuously, in the gateway's
// Monitor.
package drift

import (
	"strings"
	"time"

	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
)

// Numeric features, in report order.
const (
	fPromptTokens = iota
	fResponseTokens
	fLatency
	fTTFT
	fRefusalScore
	fSentiment
	fPromptProfanity
	fResponseProfanity
	fPII
	fFeedback
	numNumeric
)

var numericNames = [numNumeric]string{
	"prompt_tokens", "response_tokens", "latency_ms", "ttft_ms", "refusal_score", "sentiment",
	"prompt_profanity_per_100w", "response_profanity_per_100w", "pii_per_1k_chars", "feedback_score",
}

// Categorical features.
const (
	cFinishReason = iota
	cRefusal
	cPromptScript
	cResponseScript
	numCategorical
)

var categoricalNames = [numCategorical]string{"finish_reason", "refusal", "prompt_script", "response_script"}

// Text features, judged by the domain classifier.
const (
	tPrompt = iota
	tResponse
	numText
)

var textNames = [numText]string{"prompt_text", "response_text"}

// maxClassifierBytes caps the text a classifier sees per sample: the head
// of a prompt says what it is about, and a jailbreak of 10 KB must not
// cost 10× a question.
const maxClassifierBytes = 2048

// Vector is one sample's features. A missing numeric value has its bit
// clear in HasNum; a missing category or text is "".
type Vector struct {
	Time   time.Time
	Num    [numNumeric]float64
	HasNum uint32
	Cat    [numCategorical]string
	Text   [numText]string
}

func (v *Vector) setNum(i int, x float64) {
	v.Num[i] = x
	v.HasNum |= 1 << i
}

func (v *Vector) has(i int) bool { return v.HasNum&(1<<i) != 0 }

// SetFeedback records a feedback score (the application's thumbs up/down,
// joined to the sample by request id).
func (v *Vector) SetFeedback(score float64) { v.setNum(fFeedback, score) }

// TextScorers are the refusal detector's score (0…1, ≥0.5 = refusal) and
// the sentiment score (−1…1) of a response; a nil func skips its features.
type TextScorers struct {
	Refusal   func(string) float64
	Sentiment func(string) float64
}

// Extractor turns samples into feature vectors. It is safe for concurrent
// use. Token lengths are counted with the o200k_base tokenizer (the
// recorded counts are used only when the text is absent), profanity with
// the filters' surge_profanity and ldnoobw lists, PII with the filters'
// pii detectors.
type Extractor struct {
	scorers TextScorers
	enc     *tokenizer.Encoder
	scan    *filters.Scanner
}

// NewExtractor builds an Extractor; it loads the tokenizer's tables and
// the profanity automaton once.
func NewExtractor(s TextScorers) (*Extractor, error) {
	reg, err := tokenizer.New(tokenizer.Options{})
	if err != nil {
		return nil, err
	}
	enc, err := reg.ForEncoding(tokenizer.O200KBase)
	if err != nil {
		return nil, err
	}
	scan, err := filters.New(filters.Config{
		Detectors: []string{"pii"},
		Blocklists: []filters.BlocklistConfig{
			{Name: "surge", List: "surge_profanity"},
			{Name: "ldnoobw", List: "ldnoobw"},
		},
	})
	if err != nil {
		return nil, err
	}
	return &Extractor{scorers: s, enc: enc, scan: scan}, nil
}

// Skipped names the features this extractor never computes (no scorer).
func (e *Extractor) Skipped() []Skipped {
	var out []Skipped
	if e.scorers.Refusal == nil {
		out = append(out, Skipped{numericNames[fRefusalScore], "no refusal scorer"}, Skipped{categoricalNames[cRefusal], "no refusal scorer"})
	}
	if e.scorers.Sentiment == nil {
		out = append(out, Skipped{numericNames[fSentiment], "no sentiment scorer"})
	}
	return out
}

// Extract computes the features of s.
func (e *Extractor) Extract(s *evals.Sample) Vector {
	v := Vector{Time: s.Time}
	switch {
	case s.Prompt != "":
		v.setNum(fPromptTokens, float64(e.enc.CountString(s.Prompt)))
	case s.PromptTokens > 0:
		v.setNum(fPromptTokens, float64(s.PromptTokens))
	}
	switch {
	case s.Response != "":
		v.setNum(fResponseTokens, float64(e.enc.CountString(s.Response)))
	case s.OutputTokens > 0:
		v.setNum(fResponseTokens, float64(s.OutputTokens))
	}
	if s.LatencyMs > 0 {
		v.setNum(fLatency, s.LatencyMs)
	}
	if s.TTFTMs > 0 {
		v.setNum(fTTFT, s.TTFTMs)
	}
	v.Cat[cFinishReason] = s.FinishReason
	var pii int
	if s.Prompt != "" {
		prof, p := e.scanText(s.Prompt)
		pii += p
		v.setNum(fPromptProfanity, per100Words(prof, s.Prompt))
		v.Cat[cPromptScript] = dominantScript(s.Prompt)
		v.Text[tPrompt] = clip(s.Prompt)
	}
	if s.Response != "" {
		prof, p := e.scanText(s.Response)
		pii += p
		v.setNum(fResponseProfanity, per100Words(prof, s.Response))
		v.Cat[cResponseScript] = dominantScript(s.Response)
		v.Text[tResponse] = clip(s.Response)
		if f := e.scorers.Refusal; f != nil {
			r := f(s.Response)
			v.setNum(fRefusalScore, r)
			v.Cat[cRefusal] = "no"
			if r >= 0.5 {
				v.Cat[cRefusal] = "yes"
			}
		}
		if f := e.scorers.Sentiment; f != nil {
			v.setNum(fSentiment, f(s.Response))
		}
	}
	// Gateway samples carry redacted text and the filters' counts: trust
	// the counts there, scan only text from elsewhere.
	if n := len(s.Prompt) + len(s.Response); n > 0 {
		if s.Findings != nil {
			pii = 0
			for k, c := range s.Findings {
				if strings.HasPrefix(k, "pii.") {
					pii += c
				}
			}
		}
		v.setNum(fPII, float64(pii)*1000/float64(n))
	}
	return v
}

// scanText counts profane words and PII findings in text.
func (e *Extractor) scanText(text string) (profane, pii int) {
	found := e.scan.Scan([]byte(text), nil)
	lastStart := -1
	for _, f := range found {
		switch {
		case strings.HasPrefix(f.Kind, "pii."):
			pii++
		case strings.HasPrefix(f.Kind, "blocklist.") && f.Start != lastStart: // a word in both lists counts once
			profane++
			lastStart = f.Start
		}
	}
	return profane, pii
}

func per100Words(n int, text string) float64 {
	w := len(strings.Fields(text))
	if w == 0 {
		return 0
	}
	return float64(n) * 100 / float64(w)
}

func clip(s string) string {
	if len(s) <= maxClassifierBytes {
		return s
	}
	return s[:maxClassifierBytes]
}
