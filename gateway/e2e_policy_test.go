package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/policy"
)

const testPolicy = `package tollgate

default decision := {"allow": true}

decision := {"allow": false, "reasons": [{"code": "tenant_blocked", "message": "tenant blocked is suspended"}]} if {
	input.principal.tenant == "blocked"
}

decision := {"allow": true, "model": "cheap-gpt", "tags": {"downgraded": "yes"}, "headers": {"x-policy-note": "downgraded"}} if {
	input.principal.team == "thrifty"
	input.phase == "request"
}

decision := {"allow": true, "max_tokens": 3} if {
	input.principal.team == "capped"
}

decision := {"allow": false, "reasons": [{"code": "truncated_answer", "message": "answers cut by length are withheld"}]} if {
	input.principal.tenant == "strict"
	input.phase == "response"
	input.response.finish_reason == "length"
}
`

func policyGateway(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "decision.rego"), []byte(testPolicy), 0o600); err != nil {
		t.Fatal(err)
	}
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	mockURL, _ := startMock(t, mockllm.Options{})
	cfg := parseConfig(t, `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: cheap-gpt, deployments: [{upstream: mock, model: mock-gpt}]}
keys:
  - {id: k-ok, key: sk-ok, tenant: acme}
  - {id: k-blocked, key: sk-blocked, tenant: blocked}
  - {id: k-thrifty, key: sk-thrifty, tenant: acme, team: thrifty}
  - {id: k-capped, key: sk-capped, tenant: acme, team: capped}
  - {id: k-strict, key: sk-strict, tenant: strict}
`, map[string]string{"MOCK": mockURL})
	gw, err := gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Policy: eng}})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw) + "/v1"
}

func TestPolicyDecisionsApplied(t *testing.T) {
	base := policyGateway(t)
	ctx := context.Background()
	if _, err := newClient(base, "sk-ok").CreateChatCompletion(ctx, chatReq("mock-gpt", "hi")); err != nil {
		t.Fatal(err)
	}
	_, err := newClient(base, "sk-blocked").CreateChatCompletion(ctx, chatReq("mock-gpt", "hi"))
	apiErr(t, err, 403, "tenant_blocked")

	resp, err := newClient(base, "sk-thrifty").CreateChatCompletion(ctx, chatReq("mock-gpt", "hi"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header().Get("X-Tollgate-Model") != "cheap-gpt" || resp.Header().Get("X-Policy-Note") != "downgraded" {
		t.Fatalf("rewrite not applied: %v", resp.Header())
	}

	resp, err = newClient(base, "sk-capped").CreateChatCompletion(ctx, chatReq("mock-gpt", "a long answer please"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Usage.CompletionTokens != 3 || resp.Choices[0].FinishReason != "length" {
		t.Fatalf("max_tokens cap not applied: %+v", resp.Usage)
	}
}

func TestPolicyResponsePhase(t *testing.T) {
	base := policyGateway(t)
	ctx := context.Background()
	req := chatReq("mock-gpt", "cut me")
	req.MaxTokens = 2
	_, err := newClient(base, "sk-strict").CreateChatCompletion(ctx, req)
	apiErr(t, err, 403, "truncated_answer")

	events := readSSEWithKey(t, base+"/chat/completions", "sk-strict",
		`{"model":"mock-gpt","stream":true,"max_tokens":2,"messages":[{"role":"user","content":"cut me"}]}`)
	last := events[len(events)-1]
	if !strings.Contains(last, "truncated_answer") || strings.Contains(strings.Join(events, ""), "[DONE]") {
		t.Fatalf("stream not ended by the response-phase denial: %v", events)
	}
}

// TestPolicyCapOnStreamKeepsBodyIntact: a policy edit (max_tokens) and the
// stream-usage edit on the same request must compose, not overwrite.
func TestPolicyCapOnStreamKeepsBodyIntact(t *testing.T) {
	base := policyGateway(t)
	events := readSSEWithKey(t, base+"/chat/completions", "sk-capped",
		`{"model":"mock-gpt","stream":true,"messages":[{"role":"user","content":"a long answer please"}]}`)
	words := 0
	for _, e := range events {
		if strings.Contains(e, `"content":"`) && !strings.Contains(e, `"content":""`) {
			words++
		}
	}
	if words != 3 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("want 3 content chunks then [DONE], got %d: %v", words, events)
	}
}
