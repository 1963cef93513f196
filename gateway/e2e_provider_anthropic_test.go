package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const anthropicYAML = `
upstreams:
  - {name: ant, kind: anthropic, base_url: "{{A}}", api_key: sk-ant-upstream, anthropic: {max_tokens: {claude-test: 64}}}
models:
  - {name: claude, deployments: [{upstream: ant, model: claude-test}], retry: {attempts: 1}}
`

var weatherTool = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
	Name: "get_weather", Description: "weather in a city",
	Parameters: jsonschema.Definition{Type: jsonschema.Object, Properties: map[string]jsonschema.Definition{
		"city": {Type: jsonschema.String}}, Required: []string{"city"}},
}}

// TestAnthropicUpstreamChat: go-openai against an anthropic upstream: the
// answer and usage in OpenAI's shape, and the upstream got a Messages API
// request with the gateway's key, never the client's.
func TestAnthropicUpstreamChat(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{MaxTokens: 12})
	base, _ := startGateway(t, anthropicYAML, map[string]string{"A": a.url})
	briefChat(t, base, "claude", func(req *openai.ChatCompletionRequest) {
		req.Stop, req.User = []string{"END"}, "user-42"
	})
	got := a.last(t)
	if got.path != "/v1/messages" || got.xAPIKey != "sk-ant-upstream" || got.auth != "" || got.version != "2023-06-01" {
		t.Fatalf("upstream saw path %q x-api-key %q authorization %q version %q", got.path, got.xAPIKey, got.auth, got.version)
	}
	b := got.body
	sys, _ := json.Marshal(b["system"])
	if b["model"] != "claude-test" || b["max_tokens"] != float64(64) || string(sys) != `[{"text":"Be brief.","type":"text"}]` ||
		b["metadata"].(map[string]any)["user_id"] != "user-42" || b["n"] != nil || b["stream"] != nil {
		t.Fatalf("upstream body %v", b)
	}
	if stop, _ := json.Marshal(b["stop_sequences"]); string(stop) != `["END"]` {
		t.Fatalf("stop_sequences %s", stop)
	}
	if msgs, _ := json.Marshal(b["messages"]); string(msgs) != `[{"content":[{"text":"Hello there","type":"text"}],"role":"user"}]` {
		t.Fatalf("messages %s", msgs)
	}
}

// TestAnthropicUpstreamStream: the stream arrives event by event (one
// chunk per Anthropic text delta), then the usage chunk.
func TestAnthropicUpstreamStream(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{MaxTokens: 9})
	base, _ := startGateway(t, anthropicYAML, map[string]string{"A": a.url})
	checkStreamedAnswer(t, base, "claude", 9, 9)
	if a.last(t).body["stream"] != true {
		t.Fatal("the upstream was not asked for a stream")
	}
}

// TestAnthropicUpstreamTools: tool_calls come back from tool_use, and the
// tool's result goes back as a tool_result; buffered and streamed.
func TestAnthropicUpstreamTools(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{MaxTokens: 5})
	base, _ := startGateway(t, anthropicYAML, map[string]string{"A": a.url})
	c := newClient(base, "")
	ctx := context.Background()
	req := chatReq("claude", "Weather in Paris?")
	req.Tools, req.ToolChoice = []openai.Tool{weatherTool}, "required"
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.Choices[0].Message
	if resp.Choices[0].FinishReason != openai.FinishReasonToolCalls || len(msg.ToolCalls) != 1 ||
		msg.ToolCalls[0].Function.Name != "get_weather" || msg.ToolCalls[0].Function.Arguments != `{"city":"mock"}` {
		t.Fatalf("tool call %+v finish %q", msg, resp.Choices[0].FinishReason)
	}
	if tc, _ := json.Marshal(a.last(t).body["tool_choice"]); string(tc) != `{"type":"any"}` {
		t.Fatalf("tool_choice %s", tc)
	}

	// Streamed: the call's id and name first, then its arguments in pieces.
	if tc := readToolCallStream(t, c, req); tc.name != "get_weather" || tc.args != `{"city":"mock"}` || tc.pieces < 2 {
		t.Fatalf("streamed call %q(%s) in %d pieces", tc.name, tc.args, tc.pieces)
	}

	// The round trip: the result answered with text.
	checkToolResultAnswered(t, c, req, msg, nil)
	msgs, _ := json.Marshal(a.last(t).body["messages"])
	want := `[{"content":[{"text":"Weather in Paris?","type":"text"}],"role":"user"},` +
		`{"content":[{"id":"` + msg.ToolCalls[0].ID + `","input":{"city":"mock"},"name":"get_weather","type":"tool_use"}],"role":"assistant"},` +
		`{"content":[{"content":"sunny","tool_use_id":"` + msg.ToolCalls[0].ID + `","type":"tool_result"}],"role":"user"}]`
	if string(msgs) != want {
		t.Fatalf("messages\n got %s\nwant %s", msgs, want)
	}
}

// TestAnthropicUpstreamMetered: the ledger bills the provider's usage,
// not an estimate, for buffered and streamed answers.
func TestAnthropicUpstreamMetered(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{MaxTokens: 7})
	checkUsageMetered(t, anthropicYAML, map[string]string{"A": a.url}, "claude")
}

// TestAnthropicUpstreamFailover: an overloaded (529) deployment is retried
// on another; a failing anthropic model falls back to an openai-kind one.
func TestAnthropicUpstreamFailover(t *testing.T) {
	over := startProviderMock(t, mockllm.Options{ErrorRate: 1, ErrorStatus: 529})
	good := startProviderMock(t, mockllm.Options{MaxTokens: 4})
	openaiURL, openaiMock := startMock(t, mockllm.Options{MaxTokens: 6})
	base, _ := startGateway(t, `
upstreams:
  - {name: over, kind: anthropic, base_url: "{{O}}", api_key: k}
  - {name: good, kind: anthropic, base_url: "{{G}}", api_key: k}
  - {name: oai, kind: openai, base_url: "{{P}}"}
models:
  - {name: claude, balance: weighted, deployments: [{upstream: over, model: c1}, {upstream: good, model: c1}], retry: {attempts: 2, backoff: 1ms}}
  - {name: claude-down, deployments: [{upstream: over, model: c1}], retry: {attempts: 1}, fallbacks: [gpt]}
  - {name: claude-over, deployments: [{upstream: over, model: c1}], retry: {attempts: 2, backoff: 1ms}}
  - {name: gpt, deployments: [{upstream: oai, model: mock-gpt}]}
`, map[string]string{"O": over.url, "G": good.url, "P": openaiURL})
	c := newClient(base, "")
	ctx := context.Background()
	checkRetriedPast(t, c, "claude", 4, over)
	resp, err := c.CreateChatCompletion(ctx, chatReq("claude-down", "fall back"))
	if err != nil || len(strings.Fields(resp.Choices[0].Message.Content)) != 6 || openaiMock.Stats().Requests != 1 {
		t.Fatalf("fallback: %v %+v, openai mock requests %d", err, resp, openaiMock.Stats().Requests)
	}
	// With every deployment overloaded the client gets Anthropic's overload as a 503.
	st, _, body := rawPost(t, base+"/chat/completions", "", `{"model":"claude-over","messages":[{"role":"user","content":"x"}]}`)
	if st != 503 || !strings.Contains(body, "upstream_overloaded") || !strings.Contains(body, "anthropic") {
		t.Fatalf("all overloaded: %d %s", st, body)
	}
}

// TestAnthropicUpstreamBadInput: what the Messages API cannot express is a
// 400 naming the field and the provider, never sent; an answer the
// translation cannot read is a 502, buffered or streamed.
func TestAnthropicUpstreamBadInput(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams:
  - {name: ant, kind: anthropic, base_url: "{{A}}", api_key: k}
  - {name: garbage, kind: anthropic, base_url: "{{A}}", api_key: k, headers: {x-mock-garbage: "1"}}
models:
  - {name: claude, deployments: [{upstream: ant, model: c}]}
  - {name: claude-garbage, deployments: [{upstream: garbage, model: c}], retry: {attempts: 1}}
`, map[string]string{"A": a.url})
	c := newClient(base, "")
	ctx := context.Background()
	req := chatReq("claude", "two please")
	req.N = 2
	_, err := c.CreateChatCompletion(ctx, req)
	apiErr(t, err, 400, "unsupported_parameter")
	var e *openai.APIError
	if errors.As(err, &e); !strings.Contains(e.Message, "'n'") || !strings.Contains(e.Message, "anthropic") || e.Param == nil || *e.Param != "n" {
		t.Fatalf("n=2: %+v", e)
	}
	req = chatReq("claude", "logprobs please")
	req.LogProbs = true
	_, err = c.CreateChatCompletion(ctx, req)
	apiErr(t, err, 400, "unsupported_parameter")
	st, _, body := rawPost(t, base+"/embeddings", "", `{"model":"claude","input":"x"}`)
	if st != 400 || !strings.Contains(body, "anthropic") || !strings.Contains(body, "embeddings") {
		t.Fatalf("embeddings: %d %s", st, body)
	}
	st, _, body = rawPost(t, base+"/completions", "", `{"model":"claude","prompt":"x"}`)
	if st != 400 || !strings.Contains(body, "unsupported_endpoint") || !strings.Contains(body, "anthropic") {
		t.Fatalf("completions: %d %s", st, body)
	}
	if n := a.mock.Stats().Requests; n != 0 {
		t.Fatalf("%d refused requests reached the upstream", n)
	}
	checkGarbageIs502(t, base, "claude-garbage", "anthropic")
}

// TestAnthropicUpstreamBrokenStream: a provider stream that breaks mid-way
// ends with an error event; what was relayed is billed, counted locally
// and flagged as an estimate.
func TestAnthropicUpstreamBrokenStream(t *testing.T) {
	a := startProviderMock(t, mockllm.Options{MaxTokens: 20})
	base, dir, _ := meteredForward(t, `
upstreams:
  - {name: ant, kind: anthropic, base_url: "{{A}}", api_key: k, headers: {x-mock-fail-after: "5"}}
models:
  - {name: claude, deployments: [{upstream: ant, model: claude-test}]}
keys: [{id: k1, key: sk-1}]
`, map[string]string{"A": a.url})
	st, _, body := rawPost(t, base+"/chat/completions", "sk-1", `{"model":"claude","stream":true,"messages":[{"role":"user","content":"break"}]}`)
	if st != 200 || strings.Count(body, `"content":`) != 2 || !strings.Contains(body, `"upstream_stream_broken"`) || strings.Contains(body, "[DONE]") {
		t.Fatalf("%d %s", st, body)
	}
	r := ledgerRecords(t, dir, 1)[0]
	if r.Flags&metering.FlagEstimatedUsage == 0 || r.CompletionTokens < 2 || r.PromptTokens == 0 {
		t.Fatalf("record %+v", r)
	}
}
