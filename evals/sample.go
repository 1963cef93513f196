// Package evals samples live traffic and judges it: sample sinks, features,
// a refusal detector, drift statistics with calibrated alarms, bias probes
// and an HTML report.
package evals

import "time"

// Sample is one sampled exchange, one JSONL line in a sink. Its JSON schema
// is docs/evals-sample.schema.json. Text is redacted by the filters before
// it leaves the request path. Files from elsewhere may carry only prompt
// and/or response: every other field is optional to readers.
type Sample struct {
	Time         time.Time         `json:"time"`
	RequestID    string            `json:"request_id,omitempty"`
	Model        string            `json:"model,omitempty"`      // the model the client asked for
	Deployment   string            `json:"deployment,omitempty"` // the deployment that answered
	Tenant       string            `json:"tenant,omitempty"`
	Team         string            `json:"team,omitempty"`
	Tags         map[string]string `json:"tags,omitempty"`
	Prompt       string            `json:"prompt"`
	Response     string            `json:"response"`
	PromptTokens int               `json:"prompt_tokens,omitempty"`
	OutputTokens int               `json:"completion_tokens,omitempty"`
	LatencyMs    float64           `json:"latency_ms,omitempty"`
	TTFTMs       float64           `json:"ttft_ms,omitempty"` // streams only
	FinishReason string            `json:"finish_reason,omitempty"`
	Status       int               `json:"status,omitempty"`
	Findings     map[string]int    `json:"findings,omitempty"` // filter finding counts by kind
	// ResponseFindings are the output filters' finding counts by kind in
	// the answer (buffered or streamed).
	ResponseFindings map[string]int `json:"response_findings,omitempty"`
	Cache            string         `json:"cache,omitempty"` // hit, miss, semantic_hit, bypass, ""
	Stream           bool           `json:"stream,omitempty"`
	// SampleRate is the probability this exchange was sampled with (1 for
	// a stratum's floor; docs/evals-sampling.md): weight a sample by 1/SampleRate.
	SampleRate float64 `json:"sample_rate,omitempty"`
	// Truncated marks prompt or response cut at evals.max_text_bytes.
	Truncated bool `json:"truncated,omitempty"`
}
