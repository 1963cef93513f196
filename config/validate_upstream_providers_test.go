package config

import (
	"strings"
	"testing"
)

// TestProviderUpstreams: the translated kinds' sections, their defaults and
// their mistakes reported at file:line.
func TestProviderUpstreams(t *testing.T) {
	ok := `
upstreams:
  - {name: a, kind: anthropic, api_key: k, anthropic: {max_tokens: {claude-x: 100}}}
  - {name: g, kind: gemini, api_key: k}
  - {name: v, kind: gemini, gemini: {vertex: {project: p, location: europe-west4}}}
  - {name: b, kind: bedrock, bedrock: {region: eu-west-1}}
models:
  - {name: m, deployments: [{upstream: a, model: claude-x}, {upstream: g, model: gemini-2.5-flash}, {upstream: v, model: gemini-2.5-flash}, {upstream: b, model: amazon.nova-pro-v1:0}]}
`
	c, err := Parse([]byte(ok), "ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a := c.Upstreams[0]
	if a.BaseURL != "https://api.anthropic.com" || a.Anthropic.Version != DefaultAnthropicVersion ||
		a.Anthropic.DefaultMaxTokens != DefaultAnthropicMaxTokens || a.Anthropic.ThinkingBudgets.High != 16384 {
		t.Fatalf("anthropic defaults: %+v", a)
	}
	if c.Upstreams[1].BaseURL != "https://generativelanguage.googleapis.com" ||
		c.Upstreams[2].BaseURL != "https://europe-west4-aiplatform.googleapis.com" ||
		c.Upstreams[3].BaseURL != "https://bedrock-runtime.eu-west-1.amazonaws.com" {
		t.Fatalf("base_url defaults: %s %s %s", c.Upstreams[1].BaseURL, c.Upstreams[2].BaseURL, c.Upstreams[3].BaseURL)
	}

	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	bad := `
upstreams:
  - {name: a, kind: anthropic, anthropic: {default_max_tokens: -1, thinking_budgets: {low: 10}}}
  - {name: g, kind: gemini}
  - {name: v, kind: gemini, api_key: k, gemini: {vertex: {project: p, location: x}}}
  - {name: b, kind: bedrock, bedrock: {access_key_id: AKIA}}
  - {name: x, kind: vertex}
models:
  - {name: m, deployments: [{upstream: a, model: c}]}
`
	_, err = Parse([]byte(bad), "bad.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"bad.yaml:3: upstreams[0].api_key: is required for kind anthropic",
		"upstreams[0].anthropic.default_max_tokens: must be positive",
		"upstreams[0].anthropic.thinking_budgets.low: must be at least 1024",
		"bad.yaml:4: upstreams[1].api_key: is required for kind gemini",
		"upstreams[2].gemini.vertex.project: set either api_key",
		"upstreams[3].bedrock.region: is required for kind bedrock",
		"upstreams[3].bedrock.access_key_id: access_key_id and secret_access_key go together",
		`upstreams[4].kind: unknown kind "vertex" (openai, azure, anthropic, gemini, bedrock or mock)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
