package mockllm

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultErrorStatus = 500
	DefaultMaxTokens   = 32
	DefaultDimensions  = 256
)

// Limits that keep one request from exhausting the mock; requests over them get a 400.
const (
	maxChoices    = 128
	maxTokensCap  = 100_000
	maxDimensions = 4096
	maxDelay      = 10 * time.Minute
	gateTimeout   = 30 * time.Second
	maxGates      = 1024
	maxGateName   = 64
)

// Options configure a Server. Every field can be overridden per request with an x-mock-* header (see knobs.go).
type Options struct {
	Latency      time.Duration // delay before response headers
	TTFT         time.Duration // extra delay before the first streamed chunk
	TokensPerSec float64       // stream pacing; 0 = as fast as possible
	ErrorRate    float64       // probability in [0,1] of answering ErrorStatus instead
	ErrorStatus  int           // status of injected errors; default 500
	Seed         int64         // mixed into every generated text and embedding
	MaxTokens    int           // completion length when neither max_tokens nor x-mock-tokens says otherwise; default 32
	Embeddings   string        // EmbeddingsRandom (default, also "") or EmbeddingsLexical
	PlantedBias  *PlantedBias  // nil = off; see planted_bias.go (no per-request knob)
	RefusalRate  float64       // probability in [0,1] that a chat answer is a refusal (drawn from a hash of the prompt and Seed)
	Logger       *slog.Logger  // nil = slog.Default()
}

// Validate reports the first field out of range, naming it the way cmd/mockllm's flags do.
func (o Options) Validate() error {
	switch {
	case o.Latency < 0 || o.Latency > maxDelay:
		return fmt.Errorf("latency %s out of range [0, %s]", o.Latency, maxDelay)
	case o.TTFT < 0 || o.TTFT > maxDelay:
		return fmt.Errorf("ttft %s out of range [0, %s]", o.TTFT, maxDelay)
	case o.TokensPerSec < 0 || o.TokensPerSec != o.TokensPerSec:
		return fmt.Errorf("tokens-per-sec %v must be >= 0 (0 = unpaced)", o.TokensPerSec)
	case !(o.ErrorRate >= 0 && o.ErrorRate <= 1):
		return fmt.Errorf("error-rate %v out of range [0, 1]", o.ErrorRate)
	case !(o.RefusalRate >= 0 && o.RefusalRate <= 1):
		return fmt.Errorf("refusal-rate %v out of range [0, 1]", o.RefusalRate)
	case o.ErrorStatus != 0 && (o.ErrorStatus < 400 || o.ErrorStatus > 599):
		return fmt.Errorf("error-status %d must be a 4xx or 5xx status", o.ErrorStatus)
	case o.MaxTokens < 0 || o.MaxTokens > maxTokensCap:
		return fmt.Errorf("max-tokens %d out of range [1, %d]", o.MaxTokens, maxTokensCap)
	case o.Embeddings != "" && o.Embeddings != EmbeddingsRandom && o.Embeddings != EmbeddingsLexical:
		return fmt.Errorf("embeddings %q must be %s or %s", o.Embeddings, EmbeddingsRandom, EmbeddingsLexical)
	}
	if o.PlantedBias != nil {
		return o.PlantedBias.validate()
	}
	return nil
}

// withDefaults fills zero fields and clamps out-of-range ones, so New never fails; call Validate to reject them.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ErrorStatus < 400 || o.ErrorStatus > 599 {
		o.ErrorStatus = DefaultErrorStatus
	}
	if o.MaxTokens <= 0 || o.MaxTokens > maxTokensCap {
		o.MaxTokens = DefaultMaxTokens
	}
	o.ErrorRate = min(max(o.ErrorRate, 0), 1)
	o.RefusalRate = min(max(o.RefusalRate, 0), 1)
	if o.TokensPerSec < 0 || o.TokensPerSec != o.TokensPerSec {
		o.TokensPerSec = 0
	}
	o.Latency = min(max(o.Latency, 0), maxDelay)
	o.TTFT = min(max(o.TTFT, 0), maxDelay)
	return o
}
