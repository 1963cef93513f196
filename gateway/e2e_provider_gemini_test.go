package gateway_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/sashabaranov/go-openai/jsonschema"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const geminiYAML = `
upstreams:
  - {name: gem, kind: gemini, base_url: "{{G}}", api_key: ` + mockllm.GeminiAPIKey + `}
models:
  - {name: gemini, deployments: [{upstream: gem, model: gemini-test}], retry: {attempts: 1}}
  - {name: gemini-embed, deployments: [{upstream: gem, model: gemini-embedding-001}]}
`

// strictWeatherTool carries additionalProperties, which Gemini rejects
// (and the mock too): the translation must strip it.
var strictWeatherTool = openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
	Name: "get_weather", Description: "weather in a city", Strict: true,
	Parameters: jsonschema.Definition{Type: jsonschema.Object, AdditionalProperties: false,
		Properties: map[string]jsonschema.Definition{"city": {Type: jsonschema.String}}, Required: []string{"city"}},
}}

// TestGeminiUpstreamChat: go-openai against a gemini upstream: the answer
// and usage in OpenAI's shape; the upstream got a generateContent request
// with the gateway's API key, never the client's credentials.
func TestGeminiUpstreamChat(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{MaxTokens: 12})
	base, _ := startGateway(t, geminiYAML, map[string]string{"G": g.url})
	briefChat(t, base, "gemini", func(req *openai.ChatCompletionRequest) {
		req.Stop, req.Temperature, req.MaxTokens = []string{"END"}, 0.5, 40
	})
	got := g.last(t)
	if got.path != "/v1beta/models/gemini-test:generateContent" || got.googKey != mockllm.GeminiAPIKey || got.auth != "" || got.apiKey != "" {
		t.Fatalf("upstream saw path %q x-goog-api-key %q authorization %q api-key %q", got.path, got.googKey, got.auth, got.apiKey)
	}
	b := got.body
	if s := jsonOf(b["systemInstruction"]); s != `{"parts":[{"text":"Be brief."}]}` {
		t.Fatalf("systemInstruction %s", s)
	}
	if s := jsonOf(b["contents"]); s != `[{"parts":[{"text":"Hello there"}],"role":"user"}]` {
		t.Fatalf("contents %s", s)
	}
	if s := jsonOf(b["generationConfig"]); s != `{"maxOutputTokens":40,"stopSequences":["END"],"temperature":0.5}` {
		t.Fatalf("generationConfig %s", s)
	}
	if b["model"] != nil || b["messages"] != nil {
		t.Fatalf("OpenAI fields leaked upstream: %v", b)
	}
}

// TestGeminiUpstreamStream: each Gemini SSE event becomes one chunk (four
// words each from the mock), then the usage chunk.
func TestGeminiUpstreamStream(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{MaxTokens: 12})
	base, _ := startGateway(t, geminiYAML, map[string]string{"G": g.url})
	checkStreamedAnswer(t, base, "gemini", 12, 3)
	if got := g.last(t); got.path != "/v1beta/models/gemini-test:streamGenerateContent" || got.query != "alt=sse" {
		t.Fatalf("stream went to %s?%s", got.path, got.query)
	}
}

// TestGeminiUpstreamTools: a strict tool schema is stripped to what Gemini
// takes, the functionCall comes back as tool_calls (buffered and
// streamed), and the tool's result goes back as a functionResponse.
func TestGeminiUpstreamTools(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{MaxTokens: 5})
	base, _ := startGateway(t, geminiYAML, map[string]string{"G": g.url})
	c := newClient(base, "")
	ctx := context.Background()
	req := chatReq("gemini", "Weather in Paris?")
	req.Tools, req.ToolChoice = []openai.Tool{strictWeatherTool}, "required"
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.Choices[0].Message
	if resp.Choices[0].FinishReason != openai.FinishReasonToolCalls || len(msg.ToolCalls) != 1 || msg.ToolCalls[0].ID == "" ||
		msg.ToolCalls[0].Function.Name != "get_weather" || msg.ToolCalls[0].Function.Arguments != `{"city":"mock"}` {
		t.Fatalf("tool call %+v finish %q", msg, resp.Choices[0].FinishReason)
	}
	b := g.last(t).body
	if s := jsonOf(b["tools"]); s != `[{"functionDeclarations":[{"description":"weather in a city","name":"get_weather","parameters":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}}]}]` {
		t.Fatalf("tools %s", s)
	}
	if s := jsonOf(b["toolConfig"]); s != `{"functionCallingConfig":{"mode":"ANY"}}` {
		t.Fatalf("toolConfig %s", s)
	}

	if tc := readToolCallStream(t, c, req); tc.name != "get_weather" || tc.args != `{"city":"mock"}` || tc.finish != "tool_calls" || tc.missingID {
		t.Fatalf("streamed call %+v", tc)
	}

	checkToolResultAnswered(t, c, req, msg, "auto")
	want := `[{"parts":[{"text":"Weather in Paris?"}],"role":"user"},` +
		`{"parts":[{"functionCall":{"args":{"city":"mock"},"name":"get_weather"}}],"role":"model"},` +
		`{"parts":[{"functionResponse":{"name":"get_weather","response":{"output":"sunny"}}}],"role":"user"}]`
	if s := jsonOf(g.last(t).body["contents"]); s != want {
		t.Fatalf("contents\n got %s\nwant %s", s, want)
	}
}

// TestGeminiUpstreamEmbeddings: one input through embedContent, a list
// through batchEmbedContents, dimensions as outputDimensionality.
func TestGeminiUpstreamEmbeddings(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{})
	base, _ := startGateway(t, geminiYAML, map[string]string{"G": g.url})
	c := newClient(base, "")
	ctx := context.Background()
	resp, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "gemini-embed", Input: []string{"first", "second"}, Dimensions: 32})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[1].Embedding) != 32 || resp.Data[1].Index != 1 {
		t.Fatalf("embeddings %d", len(resp.Data))
	}
	got := g.last(t)
	if got.path != "/v1beta/models/gemini-embedding-001:batchEmbedContents" || got.googKey != mockllm.GeminiAPIKey {
		t.Fatalf("upstream saw %s key %q", got.path, got.googKey)
	}
	if s := jsonOf(got.body["requests"].([]any)[0]); s != `{"content":{"parts":[{"text":"first"}]},"model":"models/gemini-embedding-001","outputDimensionality":32}` {
		t.Fatalf("first request %s", s)
	}
	st, _, body := rawPost(t, base+"/embeddings", "", `{"model":"gemini-embed","input":"one"}`)
	if st != 200 || !strings.Contains(body, `"index":0`) || g.last(t).path != "/v1beta/models/gemini-embedding-001:embedContent" {
		t.Fatalf("single input: %d %.200s (upstream %s)", st, body, g.last(t).path)
	}
}

// TestGeminiUpstreamMetered: the ledger bills Gemini's usageMetadata, not
// an estimate, for buffered and streamed answers.
func TestGeminiUpstreamMetered(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{MaxTokens: 7})
	checkUsageMetered(t, geminiYAML, map[string]string{"G": g.url}, "gemini")
}

// TestGeminiUpstreamThrottled: a RESOURCE_EXHAUSTED (429) deployment is
// retried on another; an invalid request is not retried.
func TestGeminiUpstreamThrottled(t *testing.T) {
	throttled := startProviderMock(t, mockllm.Options{ErrorRate: 1, ErrorStatus: 429})
	good := startProviderMock(t, mockllm.Options{MaxTokens: 4})
	base, _ := startGateway(t, `
upstreams:
  - {name: throttled, kind: gemini, base_url: "{{T}}", api_key: `+mockllm.GeminiAPIKey+`}
  - {name: good, kind: gemini, base_url: "{{G}}", api_key: `+mockllm.GeminiAPIKey+`}
  - {name: badkey, kind: gemini, base_url: "{{G}}", api_key: wrong-key}
models:
  - {name: gemini, balance: weighted, deployments: [{upstream: throttled, model: g1}, {upstream: good, model: g1}], retry: {attempts: 2, backoff: 1ms}}
  - {name: gemini-badkey, deployments: [{upstream: badkey, model: g1}, {upstream: badkey, model: g2}], retry: {attempts: 2, backoff: 1ms}}
`, map[string]string{"T": throttled.url, "G": good.url})
	c := newClient(base, "")
	ctx := context.Background()
	checkRetriedPast(t, c, "gemini", 4, throttled)
	before := good.mock.Stats().Requests
	_, err := c.CreateChatCompletion(ctx, chatReq("gemini-badkey", "x"))
	var e *openai.APIError
	if !errors.As(err, &e) || e.HTTPStatusCode != 400 || !strings.Contains(e.Message, "API key not valid") {
		t.Fatalf("bad upstream key: %v", err)
	}
	if n := good.mock.Stats().Requests - before; n != 1 {
		t.Fatalf("an invalid request (bad API key, INVALID_ARGUMENT) was sent %d times", n)
	}
}

// TestGeminiUpstreamBadInput: what Gemini cannot express is a 400 naming
// the field and the provider, never sent; an unreadable answer is a 502.
func TestGeminiUpstreamBadInput(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
upstreams:
  - {name: gem, kind: gemini, base_url: "{{G}}", api_key: `+mockllm.GeminiAPIKey+`}
  - {name: garbage, kind: gemini, base_url: "{{G}}", api_key: `+mockllm.GeminiAPIKey+`, headers: {x-mock-garbage: "1"}}
models:
  - {name: gemini, deployments: [{upstream: gem, model: gemini-test}]}
  - {name: gemini-garbage, deployments: [{upstream: garbage, model: g}], retry: {attempts: 1}}
`, map[string]string{"G": g.url})
	c := newClient(base, "")
	req := chatReq("gemini", "logprobs please")
	req.LogProbs = true
	_, err := c.CreateChatCompletion(context.Background(), req)
	apiErr(t, err, 400, "unsupported_parameter")
	var e *openai.APIError
	if errors.As(err, &e); !strings.Contains(e.Message, "logprobs") || !strings.Contains(e.Message, "gemini") {
		t.Fatalf("logprobs: %+v", e)
	}
	if n := g.mock.Stats().Requests; n != 0 {
		t.Fatalf("%d refused requests reached the upstream", n)
	}
	checkGarbageIs502(t, base, "gemini-garbage", "gemini")
}

// TestGeminiUpstreamEmbeddingsEstimated: Gemini reports no token usage for
// embeddings, so the gateway counts the input itself and the ledger flags
// the count as an estimate.
func TestGeminiUpstreamEmbeddingsEstimated(t *testing.T) {
	g := startProviderMock(t, mockllm.Options{})
	base, dir, _ := meteredForward(t, geminiYAML+`keys: [{id: k1, key: sk-1}]`, map[string]string{"G": g.url})
	_, err := newClient(base, "sk-1").CreateEmbeddings(context.Background(),
		openai.EmbeddingRequestStrings{Model: "gemini-embed", Input: []string{"some words to count"}})
	if err != nil {
		t.Fatal(err)
	}
	r := ledgerRecords(t, dir, 1)[0]
	if r.Flags&metering.FlagEstimatedUsage == 0 || r.PromptTokens <= 0 {
		t.Fatalf("record %+v", r)
	}
}

// TestGeminiUpstreamVertex: kind gemini with gemini.vertex: the request
// goes to the Vertex AI path with a service account's OAuth token (fetched
// from the key file's token_uri, a loopback server here), no API key.
func TestGeminiUpstreamVertex(t *testing.T) {
	var fetched atomic.Int32
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"ya29.vertex-%d","token_type":"Bearer","expires_in":3600}`, fetched.Add(1))
	}))
	t.Cleanup(tokens.Close)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "proj", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "sa@proj.iam.gserviceaccount.com", "token_uri": tokens.URL + "/token"})
	credFile := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(credFile, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	g := startProviderMock(t, mockllm.Options{MaxTokens: 5})
	base, _ := startGateway(t, `
upstreams:
  - {name: vertex, kind: gemini, base_url: "{{G}}", gemini: {vertex: {project: proj, location: europe-west4, credentials_file: "{{F}}"}}}
models:
  - {name: gemini, deployments: [{upstream: vertex, model: gemini-2.5-flash}]}
`, map[string]string{"G": g.url, "F": credFile})
	c := newClient(base, "sk-client")
	for i := 0; i < 3; i++ {
		resp, err := c.CreateChatCompletion(context.Background(), chatReq("gemini", "hi"))
		if err != nil || len(strings.Fields(resp.Choices[0].Message.Content)) != 5 {
			t.Fatalf("%v %+v", err, resp)
		}
	}
	got := g.last(t)
	if got.path != "/v1/projects/proj/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent" ||
		got.auth != "Bearer ya29.vertex-1" || got.googKey != "" {
		t.Fatalf("upstream saw %s authorization %q x-goog-api-key %q", got.path, got.auth, got.googKey)
	}
	if n := fetched.Load(); n != 1 {
		t.Fatalf("%d token fetches for 3 requests: the token is not reused", n)
	}
}
