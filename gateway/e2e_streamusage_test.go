package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// spacedSSE is a stream as a Python upstream writes it (json.dumps'
// default separators: `"usage": {`), usage in a final chunk.
const spacedSSE = `data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "mock-gpt", "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hello"}, "finish_reason": null}], "usage": null}

data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "mock-gpt", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": null}

data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "mock-gpt", "choices": [], "usage": {"prompt_tokens": 11, "completion_tokens": 13, "total_tokens": 24}}

data: [DONE]

`

// TestStreamUsageWithSpacedJSON: the upstream's usage is found whatever its
// JSON spacing: the ledger records the upstream's numbers (not the
// gateway's estimate), and a client that did not ask for usage never sees
// the usage chunk the gateway asked for on its behalf.
func TestStreamUsageWithSpacedJSON(t *testing.T) {
	url, sw := startSwitchable(t)
	body := spacedSSE
	sw.sse.Store(&body)
	base, ledger := meteredGateway(t, `
upstreams: [{name: py, kind: openai, base_url: "{{U}}"}]
models: [{name: mock-gpt, deployments: [{upstream: py}]}]
keys: [{id: k-m, key: sk-m, tenant: acme}]
`, map[string]string{"U": url})
	req := chatReq("mock-gpt", "count me from the upstream")
	req.Stream = true
	st, err := taggedClient(base, "spaced").CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	usageSeen, text := drain(t, st)
	st.Close()
	if usageSeen {
		t.Fatal("the injected usage chunk reached a client that did not ask for usage")
	}
	if text != "Hello" {
		t.Fatalf("client read %q", text)
	}
	got := usageBy(t, ledger, "spaced", 1)
	if got.PromptTokens != 11 || got.CompletionTokens != 13 || got.Flagged != 0 {
		t.Fatalf("ledger %+v, want the upstream's 11 prompt and 13 completion tokens, unflagged", got)
	}
}

// TestStreamOptionsMergedNotReplaced: asking the upstream for usage sets
// include_usage inside the client's stream_options; the client's other
// fields (continuous_usage_stats) reach the upstream.
func TestStreamOptionsMergedNotReplaced(t *testing.T) {
	url, sw := startSwitchable(t)
	body := spacedSSE
	sw.sse.Store(&body)
	base, _ := startGateway(t, `
upstreams: [{name: up, kind: openai, base_url: "{{U}}"}]
models: [{name: mock-gpt, deployments: [{upstream: up}]}]
`, map[string]string{"U": url})
	for _, so := range []string{`{"continuous_usage_stats":true}`, `{"continuous_usage_stats":true,"include_usage":false}`} {
		status, _, resp := rawPost(t, base+"/chat/completions", "",
			`{"model":"mock-gpt","stream":true,"stream_options":`+so+`,"messages":[{"role":"user","content":"hi"}]}`)
		if status != 200 || strings.Contains(resp, `"usage": {`) {
			t.Fatalf("%s: %d, usage hidden from the client? %s", so, status, resp)
		}
		var up struct {
			StreamOptions map[string]any `json:"stream_options"`
		}
		if err := json.Unmarshal(sw.lastReq.Load().body, &up); err != nil {
			t.Fatal(err)
		}
		if up.StreamOptions["include_usage"] != true || up.StreamOptions["continuous_usage_stats"] != true {
			t.Fatalf("client sent %s, upstream received stream_options %v", so, up.StreamOptions)
		}
	}
}

// TestStreamOpeningWithErrorMemberAnywhere: a first event carrying an
// "error" member is a failed attempt whatever its spacing or place in the
// object (OpenRouter puts it after id and object), not a 200 stream.
func TestStreamOpeningWithErrorMemberAnywhere(t *testing.T) {
	url, sw := startSwitchable(t)
	base, _ := startGateway(t, `
upstreams: [{name: up, kind: openai, base_url: "{{U}}"}]
models: [{name: m, retry: {attempts: 1}, deployments: [{upstream: up, model: mock-gpt}]}]
`, map[string]string{"U": url})
	for _, first := range []string{
		`data: { "error" : {"message": "overloaded", "type": "server_error"}}`,
		`data: {"id": "c1", "object": "chat.completion.chunk", "error": {"message": "overloaded", "code": 502}, "choices": [{"index": 0, "delta": {}, "finish_reason": "error"}]}`,
	} {
		body := first + "\n\ndata: [DONE]\n\n"
		sw.sse.Store(&body)
		req := chatReq("m", "x")
		req.Stream = true
		_, err := newClient(base, "").CreateChatCompletionStream(context.Background(), req)
		apiErr(t, err, 502, "upstream_error")
	}
}
