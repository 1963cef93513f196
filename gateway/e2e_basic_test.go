package gateway_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const basicConfig = `
upstreams:
  - {name: mock, kind: openai, base_url: "{{MOCK}}", api_key: upstream-secret}
  - {name: gated, kind: openai, base_url: "{{MOCK}}", headers: {x-mock-gate: g1}}
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: renamed, deployments: [{upstream: mock, model: mock-gpt}]}
  - {name: gated-gpt, deployments: [{upstream: gated, model: mock-gpt}]}
  - {name: mock-embed, deployments: [{upstream: mock}]}
keys:
  - {id: k-acme, key: sk-acme, tenant: acme, team: search}
  - {id: k-limited, key: sk-limited, tenant: beta, models: [mock-embed]}
`

func basicSetup(t *testing.T) (string, *mockllm.Server) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, basicConfig, map[string]string{"MOCK": mockURL})
	return base, mock
}

func TestChatCompletion(t *testing.T) {
	base, _ := basicSetup(t)
	c := newClient(base, "sk-acme")
	resp, err := c.CreateChatCompletion(context.Background(), chatReq("mock-gpt", "Say hello"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content == "" {
		t.Fatalf("empty answer: %+v", resp)
	}
	if resp.Usage.CompletionTokens == 0 || resp.Usage.PromptTokens == 0 {
		t.Fatalf("usage missing: %+v", resp.Usage)
	}
	h := resp.Header()
	if h.Get("X-Request-Id") == "" || h.Get("X-Tollgate-Model") != "mock-gpt" {
		t.Fatalf("headers: %v", h)
	}
}

func TestModelRenameKeepsOtherFieldsUntouched(t *testing.T) {
	url, sw := startSwitchable(t)
	base, _ := startGateway(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}", api_key: upstream-secret}]
models: [{name: public-name, deployments: [{upstream: u, model: mock-gpt}]}]
keys: [{id: k, key: sk-client}]
`, map[string]string{"U": url})
	body := `{"model":"public-name","temperature":0,"x_vendor":{"a":[1,2.50]},"messages":[{"role":"user","content":"hi"}]}`
	status, _, _ := rawPost(t, base+"/chat/completions", "sk-client", body)
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	got := sw.lastReq.Load()
	want := strings.Replace(body, `"public-name"`, `"mock-gpt"`, 1)
	if string(got.body) != want {
		t.Fatalf("upstream body\n got %s\nwant %s", got.body, want)
	}
	if got.auth != "Bearer upstream-secret" {
		t.Fatalf("upstream Authorization = %q: the client's key must never be forwarded", got.auth)
	}
}

func TestStreamFirstEventBeforeUpstreamFinishes(t *testing.T) {
	mockURL, mock := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, basicConfig, map[string]string{"MOCK": mockURL})
	gate := mock.Gate("g1")
	c := newClient(base, "sk-acme")
	req := chatReq("gated-gpt", "stream please")
	req.Stream = true
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The mock sent its first chunk and now waits at the gate: the client
	// must already have that chunk, relayed before the upstream finished.
	first, err := st.Recv()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.Reached():
	default:
		t.Fatal("first event arrived but the mock never reached its gate")
	}
	if first.Choices[0].Delta.Role != "assistant" {
		t.Fatalf("first chunk %+v", first)
	}
	gate.Open()
	var text strings.Builder
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if text.Len() == 0 {
		t.Fatal("no content streamed")
	}
}

func TestStreamUsageWhenAsked(t *testing.T) {
	base, _ := basicSetup(t)
	c := newClient(base, "sk-acme")
	req := chatReq("mock-gpt", "count me")
	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var usage *openai.Usage
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ch.Usage != nil {
			usage = ch.Usage
		}
	}
	if usage == nil || usage.CompletionTokens == 0 {
		t.Fatalf("usage chunk missing: %+v", usage)
	}
}

func TestEmbeddings(t *testing.T) {
	base, _ := basicSetup(t)
	c := newClient(base, "sk-acme")
	resp, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{
		Model: "mock-embed", Input: []string{"one", "two"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[0].Embedding) == 0 {
		t.Fatalf("embeddings: %d", len(resp.Data))
	}
}

func TestModelsListAndGet(t *testing.T) {
	base, _ := basicSetup(t)
	all, err := newClient(base, "sk-acme").ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Models) != 4 {
		t.Fatalf("want 4 models, got %+v", all.Models)
	}
	limited, err := newClient(base, "sk-limited").ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(limited.Models) != 1 || limited.Models[0].ID != "mock-embed" {
		t.Fatalf("allowlist ignored: %+v", limited.Models)
	}
	m, err := newClient(base, "sk-acme").GetModel(context.Background(), "renamed")
	if err != nil || m.ID != "renamed" {
		t.Fatalf("get model: %+v %v", m, err)
	}
	_, err = newClient(base, "sk-acme").GetModel(context.Background(), "nope")
	apiErr(t, err, 404, "model_not_found")
}

func TestAuth(t *testing.T) {
	base, _ := basicSetup(t)
	_, err := newClient(base, "sk-wrong").CreateChatCompletion(context.Background(), chatReq("mock-gpt", "x"))
	apiErr(t, err, 401, "invalid_api_key")
	_, err = newClient(base, "sk-limited").CreateChatCompletion(context.Background(), chatReq("mock-gpt", "x"))
	apiErr(t, err, 403, "model_not_allowed")
	// Azure SDKs send the key as api-key.
	status, _, _ := rawPostHeader(t, base+"/chat/completions", map[string]string{"api-key": "sk-acme"},
		`{"model":"mock-gpt","messages":[{"role":"user","content":"x"}]}`)
	if status != 200 {
		t.Fatalf("api-key header: status %d", status)
	}
}

// TestAzureClientPath: an Azure OpenAI SDK client (deployment in the URL,
// api-key header, no model in the body) works against the gateway as is.
func TestAzureClientPath(t *testing.T) {
	base, _ := basicSetup(t)
	root := strings.TrimSuffix(base, "/v1")
	cfg := openai.DefaultAzureConfig("sk-acme", root)
	cfg.APIVersion = "2024-10-21"
	c := openai.NewClientWithConfig(cfg)
	resp, err := c.CreateChatCompletion(context.Background(), chatReq("renamed", "hello from azure"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header().Get("X-Tollgate-Model") != "renamed" || resp.Choices[0].Message.Content == "" {
		t.Fatalf("azure path: %+v %v", resp, resp.Header())
	}
	status, _, body := rawPostHeader(t, root+"/openai/deployments/mock-gpt/chat/completions?api-version=2024-10-21",
		map[string]string{"api-key": "sk-acme"}, `{"messages":[{"role":"user","content":"no model field"}]}`)
	if status != 200 {
		t.Fatalf("no model in body: %d %s", status, body)
	}
}
