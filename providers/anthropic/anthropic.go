// Package anthropic translates the OpenAI chat API to Anthropic's Messages
// API (POST /v1/messages) and back: requests, answers, streams and errors.
//
// Written from Anthropic's API reference (docs.anthropic.com / platform.claude.com:
// "Messages", "Streaming messages", "Errors"); nothing is recorded from the
// real service. A request field the Messages API cannot express is a 400
// naming the field and the provider, never silently dropped.
package anthropic

import (
	"sync"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/providers"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fastjson"
)

// Provider is one anthropic upstream's translation. Safe for concurrent use.
type Provider struct {
	apiKey  string
	version string
	cfg     config.AnthropicUpstream
	parsers fastjson.ParserPool
	scratch sync.Pool // *[]byte: a tool call's input rendered before it is quoted
}

// New builds the translation for an upstream of kind anthropic; apiKey is
// sent as x-api-key.
func New(apiKey string, cfg config.AnthropicUpstream) *Provider {
	if cfg.Version == "" {
		cfg.Version = config.DefaultAnthropicVersion
	}
	if cfg.DefaultMaxTokens <= 0 {
		cfg.DefaultMaxTokens = config.DefaultAnthropicMaxTokens
	}
	p := &Provider{apiKey: apiKey, version: cfg.Version, cfg: cfg}
	p.scratch.New = func() any { b := make([]byte, 0, 512); return &b }
	return p
}

var _ providers.Provider = (*Provider)(nil)

const messagesPath = "/v1/messages"

// PrepareRequest writes POST {base}/v1/messages with the key, the API
// version and the translated body.
func (p *Provider) PrepareRequest(req *fasthttp.Request, base string, c *providers.Call) error {
	if c.Endpoint != providers.Chat {
		return unsupported("", "embeddings: Anthropic offers no embeddings API; use a model of another provider for /v1/embeddings")
	}
	body, err := p.translateRequest(req.Body()[:0], c)
	if err != nil {
		return err
	}
	req.SwapBody(body)
	uri := req.URI()
	uri.SetPathBytes(append(append(uri.Path()[:0], base...), messagesPath...))
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set("x-api-key", p.apiKey)
	req.Header.Set("anthropic-version", p.version)
	return nil
}

// maxTokens is the max_tokens for a request that set none.
func (p *Provider) maxTokens(model string) int {
	if n := p.cfg.MaxTokens[model]; n > 0 {
		return n
	}
	return p.cfg.DefaultMaxTokens
}

// thinkingBudget is the budget_tokens for an OpenAI reasoning_effort; 0
// when the effort turns thinking off.
func (p *Provider) thinkingBudget(effort []byte) (int, bool) {
	b := p.cfg.ThinkingBudgets
	switch string(effort) {
	case "none":
		return 0, true
	case "minimal", "low":
		return max(b.Low, 1024), true
	case "medium":
		return max(b.Medium, 1024), true
	case "high":
		return max(b.High, 1024), true
	}
	return 0, false
}
