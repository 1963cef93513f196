package gateway_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const bedrockCreds = `bedrock: {region: us-east-1, access_key_id: ` + mockllm.BedrockAccessKeyID +
	`, secret_access_key: "` + mockllm.BedrockSecretAccessKey + `"}`

const bedrockYAML = `
upstreams:
  - {name: br, kind: bedrock, base_url: "{{B}}", ` + bedrockCreds + `}
models:
  - {name: claude-br, deployments: [{upstream: br, model: "anthropic.claude-3-5-sonnet-20240620-v1:0"}], retry: {attempts: 1}}
  - {name: titan, deployments: [{upstream: br, model: "amazon.titan-embed-text-v2:0"}]}
  - {name: cohere, deployments: [{upstream: br, model: "cohere.embed-english-v3"}]}
`

// TestBedrockUpstreamChat: go-openai against a bedrock upstream: Converse
// answers in OpenAI's shape; every request reached the mock SigV4-signed
// with the configured key (the mock recomputes the signature and refuses
// a wrong one), and the client's key never went upstream.
func TestBedrockUpstreamChat(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{MaxTokens: 12})
	base, _ := startGateway(t, bedrockYAML, map[string]string{"B": b.url})
	briefChat(t, base, "claude-br", func(req *openai.ChatCompletionRequest) {
		req.Stop, req.Temperature, req.MaxTokens = []string{"END"}, 0.5, 40
	})
	got := b.last(t)
	if got.path != "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse" || got.apiKey != "" ||
		!strings.HasPrefix(got.auth, "AWS4-HMAC-SHA256 Credential="+mockllm.BedrockAccessKeyID+"/") || strings.Contains(got.auth, "sk-client") {
		t.Fatalf("upstream saw path %q authorization %q api-key %q", got.path, got.auth, got.apiKey)
	}
	if s := jsonOf(got.body); s != `{"inferenceConfig":{"maxTokens":40,"stopSequences":["END"],"temperature":0.5},`+
		`"messages":[{"content":[{"text":"Hello there"}],"role":"user"}],"system":[{"text":"Be brief."}]}` {
		t.Fatalf("upstream body %s", s)
	}
}

// TestBedrockUpstreamStream: ConverseStream's event-stream frames become
// chunks one by one (one per text delta), then the usage chunk.
func TestBedrockUpstreamStream(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{MaxTokens: 9})
	base, _ := startGateway(t, bedrockYAML, map[string]string{"B": b.url})
	checkStreamedAnswer(t, base, "claude-br", 9, 9)
	if p := b.last(t).path; p != "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse-stream" {
		t.Fatalf("stream went to %s", p)
	}
}

// TestBedrockUpstreamTools: toolUse comes back as tool_calls (buffered and
// streamed in pieces), the result goes back as a toolResult.
func TestBedrockUpstreamTools(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{MaxTokens: 5})
	base, _ := startGateway(t, bedrockYAML, map[string]string{"B": b.url})
	c := newClient(base, "")
	ctx := context.Background()
	req := chatReq("claude-br", "Weather in Paris?")
	req.Tools, req.ToolChoice = []openai.Tool{weatherTool}, "required"
	resp, err := c.CreateChatCompletion(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	msg := resp.Choices[0].Message
	if resp.Choices[0].FinishReason != openai.FinishReasonToolCalls || len(msg.ToolCalls) != 1 || !strings.HasPrefix(msg.ToolCalls[0].ID, "tooluse_") ||
		msg.ToolCalls[0].Function.Name != "get_weather" || msg.ToolCalls[0].Function.Arguments != `{"city":"mock"}` {
		t.Fatalf("tool call %+v finish %q", msg, resp.Choices[0].FinishReason)
	}
	if s := jsonOf(b.last(t).body["toolConfig"]); s != `{"toolChoice":{"any":{}},"tools":[{"toolSpec":{"description":"weather in a city",`+
		`"inputSchema":{"json":{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}},"name":"get_weather"}}]}` {
		t.Fatalf("toolConfig %s", s)
	}

	if tc := readToolCallStream(t, c, req); tc.name != "get_weather" || tc.args != `{"city":"mock"}` || tc.pieces != 2 || tc.finish != "tool_calls" {
		t.Fatalf("streamed call %q(%s) in %d pieces, finish %q", tc.name, tc.args, tc.pieces, tc.finish)
	}

	checkToolResultAnswered(t, c, req, msg, "auto")
	id := msg.ToolCalls[0].ID
	want := `[{"content":[{"text":"Weather in Paris?"}],"role":"user"},` +
		`{"content":[{"toolUse":{"input":{"city":"mock"},"name":"get_weather","toolUseId":"` + id + `"}}],"role":"assistant"},` +
		`{"content":[{"toolResult":{"content":[{"text":"sunny"}],"toolUseId":"` + id + `"}}],"role":"user"}]`
	if s := jsonOf(b.last(t).body["messages"]); s != want {
		t.Fatalf("messages\n got %s\nwant %s", s, want)
	}
}

// TestBedrockUpstreamEmbeddings: Titan (with its token count as usage) and
// Cohere through InvokeModel.
func TestBedrockUpstreamEmbeddings(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{})
	base, _ := startGateway(t, bedrockYAML, map[string]string{"B": b.url})
	c := newClient(base, "")
	ctx := context.Background()
	resp, err := c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "titan", Input: []string{"hello world"}, Dimensions: 256})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 1 || len(resp.Data[0].Embedding) != 256 || resp.Usage.PromptTokens != 2 {
		t.Fatalf("titan: %d vectors, usage %+v", len(resp.Data), resp.Usage)
	}
	if got := b.last(t); got.path != "/model/amazon.titan-embed-text-v2:0/invoke" || jsonOf(got.body) != `{"dimensions":256,"inputText":"hello world"}` {
		t.Fatalf("titan upstream %s %s", got.path, jsonOf(got.body))
	}
	resp, err = c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Model: "cohere", Input: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 3 || len(resp.Data[2].Embedding) != 1024 || resp.Data[2].Index != 2 {
		t.Fatalf("cohere: %d vectors", len(resp.Data))
	}
	if s := jsonOf(b.last(t).body); s != `{"input_type":"search_document","texts":["a","b","c"]}` {
		t.Fatalf("cohere upstream %s", s)
	}
}

// TestBedrockUpstreamMetered: the ledger bills Converse's usage (buffered)
// and the stream's metadata usage, not estimates.
func TestBedrockUpstreamMetered(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{MaxTokens: 7})
	checkUsageMetered(t, bedrockYAML, map[string]string{"B": b.url}, "claude-br")
}

// TestBedrockUpstreamThrottledCrossProvider: a ThrottlingException is
// retried on another bedrock deployment; a throttled bedrock model falls
// back to a gemini one (a chain across providers); a wrong secret's
// signature is refused by the mock, a 502 for the client.
func TestBedrockUpstreamThrottledCrossProvider(t *testing.T) {
	throttled := startProviderMock(t, mockllm.Options{ErrorRate: 1, ErrorStatus: 429})
	good := startProviderMock(t, mockllm.Options{MaxTokens: 4})
	gem := startProviderMock(t, mockllm.Options{MaxTokens: 6})
	base, _ := startGateway(t, `
upstreams:
  - {name: throttled, kind: bedrock, base_url: "{{T}}", `+bedrockCreds+`}
  - {name: good, kind: bedrock, base_url: "{{B}}", `+bedrockCreds+`}
  - {name: badsecret, kind: bedrock, base_url: "{{B}}", bedrock: {region: us-east-1, access_key_id: `+mockllm.BedrockAccessKeyID+`, secret_access_key: wrong}}
  - {name: gem, kind: gemini, base_url: "{{G}}", api_key: `+mockllm.GeminiAPIKey+`}
models:
  - {name: claude-br, balance: weighted, deployments: [{upstream: throttled, model: m1}, {upstream: good, model: m1}], retry: {attempts: 2, backoff: 1ms}}
  - {name: claude-throttled, deployments: [{upstream: throttled, model: m1}], retry: {attempts: 1}, fallbacks: [gemini]}
  - {name: gemini, deployments: [{upstream: gem, model: gemini-test}]}
  - {name: claude-badsig, deployments: [{upstream: badsecret, model: m1}, {upstream: badsecret, model: m2}], retry: {attempts: 2, backoff: 1ms}}
`, map[string]string{"T": throttled.url, "B": good.url, "G": gem.url})
	c := newClient(base, "")
	ctx := context.Background()
	checkRetriedPast(t, c, "claude-br", 4, throttled)
	resp, err := c.CreateChatCompletion(ctx, chatReq("claude-throttled", "fall back"))
	if err != nil || len(strings.Fields(resp.Choices[0].Message.Content)) != 6 || gem.last(t).path != "/v1beta/models/gemini-test:generateContent" {
		t.Fatalf("fallback bedrock → gemini: %v %+v", err, resp)
	}
	// the mock refuses the signature (403 InvalidSignatureException): the
	// gateway's own credentials are wrong, which the client sees as a 502
	before := good.mock.Stats().BadRequests
	_, err = c.CreateChatCompletion(ctx, chatReq("claude-badsig", "x"))
	var e *openai.APIError
	if !errors.As(err, &e) || e.HTTPStatusCode != 502 || !strings.Contains(e.Message, "credentials") {
		t.Fatalf("bad signature: %v", err)
	}
	if good.mock.Stats().BadRequests == before {
		t.Fatal("the mock did not refuse the wrongly signed request")
	}
}

// TestBedrockUpstreamEnvCredentials: with no credentials in the config the
// standard AWS environment variables sign the requests.
func TestBedrockUpstreamEnvCredentials(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", mockllm.BedrockAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", mockllm.BedrockSecretAccessKey)
	t.Setenv("AWS_SESSION_TOKEN", "session-token-from-env")
	t.Setenv("AWS_REGION", "eu-west-3")
	b := startProviderMock(t, mockllm.Options{MaxTokens: 3})
	base, _ := startGateway(t, `
upstreams:
  - {name: br, kind: bedrock, base_url: "{{B}}"}
models:
  - {name: claude-br, deployments: [{upstream: br, model: m1}]}
`, map[string]string{"B": b.url})
	resp, err := newClient(base, "").CreateChatCompletion(context.Background(), chatReq("claude-br", "hi"))
	if err != nil || len(strings.Fields(resp.Choices[0].Message.Content)) != 3 {
		t.Fatalf("%v %+v", err, resp)
	}
	if a := b.last(t).auth; !strings.Contains(a, "/eu-west-3/bedrock/aws4_request") || !strings.Contains(a, "x-amz-security-token") {
		t.Fatalf("authorization %q", a)
	}
}

// TestBedrockUpstreamBadInput: what Converse cannot express (n > 1,
// logprobs, an image URL) is a 400 naming the field and the provider; a
// stream broken mid-way ends with an error event.
func TestBedrockUpstreamBadInput(t *testing.T) {
	b := startProviderMock(t, mockllm.Options{MaxTokens: 20})
	base, _ := startGateway(t, `
upstreams:
  - {name: br, kind: bedrock, base_url: "{{B}}", `+bedrockCreds+`}
  - {name: broken, kind: bedrock, base_url: "{{B}}", `+bedrockCreds+`, headers: {x-mock-fail-after: "4"}}
models:
  - {name: claude-br, deployments: [{upstream: br, model: m1}]}
  - {name: claude-broken, deployments: [{upstream: broken, model: m1}]}
`, map[string]string{"B": b.url})
	c := newClient(base, "")
	ctx := context.Background()
	req := chatReq("claude-br", "two please")
	req.N = 2
	_, err := c.CreateChatCompletion(ctx, req)
	apiErr(t, err, 400, "unsupported_parameter")
	var e *openai.APIError
	if errors.As(err, &e); !strings.Contains(e.Message, "bedrock") || e.Param == nil || *e.Param != "n" {
		t.Fatalf("n=2: %+v", e)
	}
	st, _, body := rawPost(t, base+"/chat/completions", "", `{"model":"claude-br","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}`)
	if st != 400 || !strings.Contains(body, "bedrock") || !strings.Contains(body, "image_url") {
		t.Fatalf("image url: %d %s", st, body)
	}
	if n := b.mock.Stats().Requests; n != 0 {
		t.Fatalf("%d refused requests reached the upstream", n)
	}
	st, _, body = rawPost(t, base+"/chat/completions", "", `{"model":"claude-broken","stream":true,"messages":[{"role":"user","content":"break"}]}`)
	if st != 200 || strings.Count(body, `"content":`) != 4 || !strings.Contains(body, "internalServerException") || strings.Contains(body, "[DONE]") {
		t.Fatalf("broken stream: %d %s", st, body)
	}
}
