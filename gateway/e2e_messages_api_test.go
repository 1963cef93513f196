package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// capturingUpstream is an OpenAI upstream that records what the gateway
// sent and answers with a scripted body (JSON or SSE) when one is set,
// else as the mock LLM does.
type capturingUpstream struct {
	mock   *mockllm.Server
	script atomic.Pointer[scripted]
	last   atomic.Pointer[seenRequest]
}

type scripted struct{ contentType, body string }

type seenRequest struct {
	auth, apiKey, xAPIKey, anthropicVersion, path string
	body                                          string
}

func startCapturing(t *testing.T) (string, *capturingUpstream) {
	t.Helper()
	up := &capturingUpstream{mock: mockllm.New(mockllm.Options{})}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Request.Header
		up.last.Store(&seenRequest{auth: string(h.Peek("Authorization")), apiKey: string(h.Peek("api-key")),
			xAPIKey: string(h.Peek("x-api-key")), anthropicVersion: string(h.Peek("anthropic-version")),
			path: string(ctx.Path()), body: string(ctx.PostBody())})
		if s := up.script.Load(); s != nil {
			ctx.SetContentType(s.contentType)
			ctx.SetBodyString(s.body)
			return
		}
		up.mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = up.mock.Close() })
	return "http://" + ln.Addr().String() + "/v1", up
}

const messagesPolicy = `package tollgate

default decision := {"allow": true}

decision := {"allow": false, "reasons": [{"code": "tenant_blocked", "message": "tenant blocked is suspended"}]} if {
	input.principal.tenant == "blocked"
}
`

// messagesGateway serves two models, "gpt-up" on the capturing OpenAI
// upstream and "mocked" on the in-process mock kind, with the tokenizer,
// limiter, ledger and a policy on. It returns the gateway's root URL.
func messagesGateway(t *testing.T) (root, ledgerDir string, up *capturingUpstream) {
	t.Helper()
	upURL, up := startCapturing(t)
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledger, dir := testLedger(t)
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	cfg := parseConfig(t, `
upstreams:
  - {name: up, kind: openai, base_url: "{{UP}}", api_key: sk-upstream-secret}
  - {name: mock, kind: mock}
  - {name: mute, kind: openai, base_url: "{{UP}}", headers: {x-mock-no-usage: "1"}}
  - {name: down, kind: openai, base_url: "{{UP}}", headers: {x-mock-error-rate: "1", x-mock-error-status: "500"}}
models:
  - {name: gpt-down, deployments: [{upstream: down, model: mock-gpt}], retry: {attempts: 1}}
  - {name: gpt-up, deployments: [{upstream: up, model: mock-gpt}]}
  - {name: gpt-mute, deployments: [{upstream: mute, model: mock-gpt}]}
  - {name: mocked, deployments: [{upstream: mock}]}
keys:
  - {id: k-ok, key: sk-ok, tenant: acme}
  - {id: k-rpm, key: sk-rpm, tenant: acme, rpm: 1}
  - {id: k-blocked, key: sk-blocked, tenant: blocked}
`, map[string]string{"UP": upURL})
	gw, err = gateway.New(cfg, gateway.Options{Mock: inProcessMock,
		Stages: gateway.Stages{Tokens: tokens, Limiter: limiter, Ledger: ledger, Policy: regoPolicy(t, messagesPolicy)}})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw), dir, up
}

// anthropicClient talks to the gateway with the official SDK; key goes in
// x-api-key when xAPIKey is set, else as Authorization: Bearer. Beta
// headers and ?beta=true are sent as coding agents send them.
func anthropicClient(root, key string, xAPIKey bool) anthropic.Client {
	opts := []option.RequestOption{option.WithBaseURL(root), option.WithoutEnvironmentDefaults(), option.WithMaxRetries(0),
		option.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}),
		option.WithHeader("anthropic-beta", "interleaved-thinking-2025-05-14"), option.WithQuery("beta", "true")}
	if xAPIKey {
		opts = append(opts, option.WithHeader("x-api-key", key))
	} else {
		opts = append(opts, option.WithAPIKey(key))
	}
	return anthropic.NewClient(opts...)
}

func userText(text string) []anthropic.MessageParam {
	return []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(text))}
}

func TestMessagesAPIBufferedAndBothAuths(t *testing.T) {
	root, dir, up := messagesGateway(t)
	ctx := context.Background()
	for _, xKey := range []bool{true, false} {
		for _, model := range []string{"gpt-up", "mocked"} {
			c := anthropicClient(root, "sk-ok", xKey)
			msg, err := c.Messages.New(ctx, anthropic.MessageNewParams{Model: model, MaxTokens: 7,
				System: []anthropic.TextBlockParam{{Text: "be brief"}}, Messages: userText("say something")})
			if err != nil {
				t.Fatalf("%s x-api-key=%v: %v", model, xKey, err)
			}
			if msg.Type != "message" || msg.Role != "assistant" || msg.Model != model || len(msg.Content) != 1 ||
				msg.Content[0].Type != "text" || msg.Content[0].Text == "" || msg.StopReason != anthropic.StopReasonMaxTokens ||
				msg.Usage.InputTokens == 0 || msg.Usage.OutputTokens != 7 {
				t.Fatalf("%s: %+v", model, msg)
			}
		}
	}
	seen := up.last.Load()
	if seen.auth != "Bearer sk-upstream-secret" || seen.xAPIKey != "" || seen.apiKey != "" || seen.anthropicVersion != "" ||
		seen.path != "/v1/chat/completions" {
		t.Fatalf("the upstream saw %+v", seen)
	}
	if !strings.Contains(seen.body, `{"role":"system","content":"be brief"}`) || !strings.Contains(seen.body, `"max_tokens":7`) {
		t.Fatalf("translated body: %s", seen.body)
	}
	recs := ledgerRecords(t, dir, 4)
	for _, r := range recs {
		if r.Stages["api"] != "messages" || r.Status != 200 || r.CompletionTokens != 7 || r.KeyID != "k-ok" {
			t.Fatalf("ledger record: %+v", r)
		}
	}
}

func TestMessagesAPIStreaming(t *testing.T) {
	root, dir, _ := messagesGateway(t)
	for _, model := range []string{"gpt-up", "mocked"} {
		c := anthropicClient(root, "sk-ok", true)
		st := c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: model, MaxTokens: 12,
			Messages: userText("stream to me")})
		var acc anthropic.Message
		var kinds []string
		deltas := 0
		for st.Next() {
			ev := st.Current()
			if err := acc.Accumulate(ev); err != nil {
				t.Fatal(err)
			}
			kinds = append(kinds, ev.Type)
			if ev.Type == "content_block_delta" {
				deltas++
			}
		}
		if err := st.Err(); err != nil {
			t.Fatal(err)
		}
		if deltas < 2 || kinds[0] != "message_start" || kinds[1] != "content_block_start" || kinds[len(kinds)-1] != "message_stop" ||
			kinds[len(kinds)-2] != "message_delta" || kinds[len(kinds)-3] != "content_block_stop" {
			t.Fatalf("%s event sequence: %v", model, kinds)
		}
		if len(acc.Content) != 1 || acc.Content[0].Text == "" || acc.StopReason != anthropic.StopReasonMaxTokens ||
			acc.Usage.OutputTokens != 12 || acc.Usage.InputTokens == 0 {
			t.Fatalf("%s accumulated: %+v", model, acc)
		}
	}
	for _, r := range ledgerRecords(t, dir, 2) {
		if r.Stages["api"] != "messages" || r.CompletionTokens != 12 || r.Flags&metering.FlagEstimatedUsage != 0 {
			t.Fatalf("ledger record: %+v", r)
		}
	}
}

const toolCallAnswer = `{"id":"chatcmpl-t1","object":"chat.completion","created":1,"model":"mock-gpt","choices":[{"index":0,` +
	`"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather",` +
	`"arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":40,"completion_tokens":9,` +
	`"total_tokens":49,"prompt_tokens_details":{"cached_tokens":16}}}`

const toolCallStream = `data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me check."}}]}

data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}

data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}]}

data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Oslo\"}"}}]}}]}

data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

data: {"id":"chatcmpl-t2","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":11,"total_tokens":41}}

data: [DONE]

`

func TestMessagesAPIToolUseRoundTrip(t *testing.T) {
	root, _, up := messagesGateway(t)
	c := anthropicClient(root, "sk-ok", false)
	ctx := context.Background()
	tools := []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{Name: "get_weather", Description: anthropic.String("weather by city"),
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}, Required: []string{"city"}}}}}
	up.script.Store(&scripted{"application/json", toolCallAnswer})
	params := anthropic.MessageNewParams{Model: "gpt-up", MaxTokens: 100, Tools: tools,
		ToolChoice: anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}, Messages: userText("weather in Paris?")}
	msg, err := c.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonToolUse || len(msg.Content) != 1 || msg.Content[0].Type != "tool_use" ||
		msg.Content[0].ID != "call_1" || msg.Content[0].Name != "get_weather" || string(msg.Content[0].Input) != `{"city":"Paris"}` ||
		msg.Usage.InputTokens != 24 || msg.Usage.CacheReadInputTokens != 16 || msg.Usage.OutputTokens != 9 {
		t.Fatalf("tool use answer: %+v", msg)
	}
	body := up.last.Load().body
	if !strings.Contains(body, `"tools":[{"type":"function","function":{"name":"get_weather","description":"weather by city","parameters":{`) ||
		!strings.Contains(body, `"tool_choice":"required"`) {
		t.Fatalf("translated tools: %s", body)
	}

	// The second turn sends the tool's result back.
	up.script.Store(nil)
	params.ToolChoice = anthropic.ToolChoiceUnionParam{}
	params.Messages = append(params.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock("call_1", "18°C and sunny", false)))
	final, err := c.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if final.StopReason != anthropic.StopReasonEndTurn && final.StopReason != anthropic.StopReasonMaxTokens {
		t.Fatalf("final: %+v", final)
	}
	body = up.last.Load().body
	if !strings.Contains(body, `{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}`) ||
		!strings.Contains(body, `{"role":"tool","tool_call_id":"call_1","content":"18°C and sunny"}`) {
		t.Fatalf("second turn translated: %s", body)
	}

	// Streamed: the tool call arrives as input_json_delta pieces.
	up.script.Store(&scripted{"text/event-stream", toolCallStream})
	st := c.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: "gpt-up", MaxTokens: 100, Tools: tools, Messages: userText("Oslo?")})
	var acc anthropic.Message
	jsonDeltas := 0
	for st.Next() {
		ev := st.Current()
		if err := acc.Accumulate(ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type == "content_block_delta" && ev.Delta.Type == "input_json_delta" {
			jsonDeltas++
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if jsonDeltas != 2 || len(acc.Content) != 2 || acc.Content[0].Text != "Let me check." || acc.Content[1].Type != "tool_use" ||
		acc.Content[1].ID != "call_9" || string(acc.Content[1].Input) != `{"city":"Oslo"}` || acc.StopReason != anthropic.StopReasonToolUse ||
		acc.Usage.OutputTokens != 11 {
		t.Fatalf("streamed tool call: %d deltas, %+v", jsonDeltas, acc)
	}
}

func TestMessagesAPICountTokens(t *testing.T) {
	root, dir, up := messagesGateway(t)
	c := anthropicClient(root, "sk-ok", true)
	var resp *http.Response
	n, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{Model: "gpt-up",
		Messages: userText("how many tokens is this sentence?")}, option.WithResponseInto(&resp))
	if err != nil {
		t.Fatal(err)
	}
	if n.InputTokens < 8 || n.InputTokens > 20 || resp.Header.Get("X-Tollgate-Estimate") != "true" {
		t.Fatalf("count: %+v %v", n, resp.Header)
	}
	if up.last.Load() != nil {
		t.Fatal("count_tokens reached the upstream")
	}
	// Not metered: a Messages request after it is the ledger's only record.
	if _, err := c.Messages.New(context.Background(), anthropic.MessageNewParams{Model: "gpt-up", MaxTokens: 3, Messages: userText("x")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // a count_tokens record, if any, would be written before this one
	if recs := ledgerRecords(t, dir, 1); len(recs) != 1 {
		t.Fatalf("ledger holds %d records: %+v", len(recs), recs)
	}
	nope := anthropicClient(root, "sk-nope", true)
	_, err = nope.Messages.CountTokens(context.Background(),
		anthropic.MessageCountTokensParams{Model: "gpt-up", Messages: userText("x")})
	wantAnthropicError(t, err, 401, "authentication_error")
}

// wantAnthropicError asserts err is an Anthropic API error with status
// and type, as the SDK parsed it.
func wantAnthropicError(t *testing.T, err error, status int, typ string) {
	t.Helper()
	var e *anthropic.Error
	if !errors.As(err, &e) {
		t.Fatalf("want an API error %d %s, got %v", status, typ, err)
	}
	if e.StatusCode != status || string(e.Type()) != typ || e.Message == "" {
		t.Fatalf("want %d %s, got %d %q: %s", status, typ, e.StatusCode, e.Type(), e.RawJSON())
	}
}

func TestMessagesAPIErrors(t *testing.T) {
	root, _, _ := messagesGateway(t)
	ctx := context.Background()
	ok := anthropicClient(root, "sk-ok", true)
	params := anthropic.MessageNewParams{Model: "gpt-up", MaxTokens: 5, Messages: userText("x")}

	_, err := ok.Messages.New(ctx, params, option.WithJSONDel("max_tokens"))
	wantAnthropicError(t, err, 400, "invalid_request_error")
	bad := params
	bad.Model = "claude-nope"
	_, err = ok.Messages.New(ctx, bad)
	wantAnthropicError(t, err, 404, "not_found_error")
	wrong := anthropicClient(root, "sk-wrong", true)
	_, err = wrong.Messages.New(ctx, params)
	wantAnthropicError(t, err, 401, "authentication_error")
	blocked := anthropicClient(root, "sk-blocked", false)
	_, err = blocked.Messages.New(ctx, params)
	wantAnthropicError(t, err, 403, "permission_error")
	rpm := anthropicClient(root, "sk-rpm", true)
	if _, err := rpm.Messages.New(ctx, params); err != nil {
		t.Fatal(err)
	}
	_, err = rpm.Messages.New(ctx, params)
	wantAnthropicError(t, err, 429, "rate_limit_error")

	// The upstream failing: the gateway's 502 is an api_error.
	down := params
	down.Model = "gpt-down"
	_, err = ok.Messages.New(ctx, down)
	wantAnthropicError(t, err, 502, "api_error")

	// A stream refused before it starts is a plain error answer too.
	st := blocked.Messages.NewStreaming(ctx, params)
	for st.Next() {
	}
	wantAnthropicError(t, st.Err(), 403, "permission_error")

	// Raw: the error body is exactly Anthropic's shape.
	status, _, body := rawPostHeader(t, root+"/v1/messages", map[string]string{"x-api-key": "sk-ok"}, `{"model":"gpt-up","messages":[]}`)
	if status != 400 || !strings.HasPrefix(body, `{"type":"error","error":{"type":"invalid_request_error","message":`) {
		t.Fatalf("%d %s", status, body)
	}
}

// TestMessagesAPIStreamErrorEvent: an upstream stream that breaks after
// it started ends with an Anthropic error event the SDK reports.
func TestMessagesAPIStreamErrorEvent(t *testing.T) {
	root, _, up := messagesGateway(t)
	up.script.Store(&scripted{"text/event-stream", `data: {"id":"c","choices":[{"index":0,"delta":{"content":"partial"}}]}

data: {"error":{"message":"the model fell over","type":"server_error"}}

`})
	c := anthropicClient(root, "sk-ok", true)
	st := c.Messages.NewStreaming(context.Background(),
		anthropic.MessageNewParams{Model: "gpt-up", MaxTokens: 5, Messages: userText("x")})
	var acc anthropic.Message
	for st.Next() {
		_ = acc.Accumulate(st.Current())
	}
	if err := st.Err(); err == nil || !strings.Contains(err.Error(), "the model fell over") || len(acc.Content) != 1 || acc.Content[0].Text != "partial" {
		t.Fatalf("err %v, accumulated %+v", err, acc)
	}
}

// TestMessagesAPIStreamFiltered: the stages' stream filters run on the
// OpenAI chunks before the translation, so a secret the upstream streams
// three bytes at a time reaches a Messages API client redacted, and the
// finding is on the ledger record beside the API note.
func TestMessagesAPIStreamFiltered(t *testing.T) {
	base, dir, up := filtersGateway(t, `
filters:
  enabled: true
  output: {secret.*: redact}
`, "")
	answer := "Use the token " + plantedToken + " to push."
	up.fixed.Store(&answer)
	c := anthropicClient(strings.TrimSuffix(base, "/v1"), "sk-acme", true)
	st := c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "m", MaxTokens: 100, Messages: userText("how do I push?")})
	var acc anthropic.Message
	deltas := 0
	for st.Next() {
		if err := acc.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
		if st.Current().Type == "content_block_delta" {
			deltas++
		}
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "Use the token [GITHUB_TOKEN_1] to push."; len(acc.Content) != 1 || acc.Content[0].Text != want || deltas < 3 {
		t.Fatalf("client read %+v in %d deltas, want %q", acc.Content, deltas, want)
	}
	rec := ledgerRecordN(t, dir, 1)
	if rec.Stages["filters"] != "out:secret.github_token=1" || rec.Stages["api"] != "messages" {
		t.Fatalf("ledger record: %+v", rec)
	}
}

// TestMessagesAPIStreamWithoutUpstreamUsage: an upstream that reports no
// usage still gives the client message_delta usage, from the gateway's
// own counts, as it bills them.
func TestMessagesAPIStreamWithoutUpstreamUsage(t *testing.T) {
	root, dir, _ := messagesGateway(t)
	c := anthropicClient(root, "sk-ok", true)
	st := c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "gpt-mute", MaxTokens: 8,
		Messages: userText("count it yourself")})
	var acc anthropic.Message
	for st.Next() {
		if err := acc.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil || acc.Usage.InputTokens == 0 || acc.Usage.OutputTokens == 0 || acc.StopReason != anthropic.StopReasonMaxTokens {
		t.Fatalf("%v %+v", err, acc)
	}
	rec := ledgerRecordN(t, dir, 1)
	if rec.Flags&metering.FlagEstimatedUsage == 0 || rec.CompletionTokens != 8 || int64(acc.Usage.InputTokens) != int64(rec.PromptTokens) {
		t.Fatalf("ledger record %+v, client usage %+v", rec, acc.Usage)
	}
}

// TestMessagesAPICacheHits: the response cache answers repeated Messages
// requests, buffered and streamed (the stage's replayed events pass the
// translation too), and the client reads them in Anthropic's shape.
func TestMessagesAPICacheHits(t *testing.T) {
	base, _, up := filtersGatewayOn(t, `
models: [{name: m, deployments: [{upstream: u, model: m}]}]
keys: [{id: acme, key: sk-acme, tenant: acme}]
cache: {enabled: true}
`, nil)
	c := anthropicClient(strings.TrimSuffix(base, "/v1"), "sk-acme", true)
	ctx := context.Background()
	params := anthropic.MessageNewParams{Model: "m", MaxTokens: 50, Messages: userText("cache me")}
	zeroTemp := option.WithJSONSet("temperature", 0) // the cache keeps deterministic answers
	var texts, results []string
	for i := 0; i < 2; i++ {
		var resp *http.Response
		msg, err := c.Messages.New(ctx, params, option.WithResponseInto(&resp), zeroTemp)
		if err != nil {
			t.Fatal(err)
		}
		texts, results = append(texts, msg.Content[0].Text), append(results, resp.Header.Get("X-Tollgate-Cache"))
	}
	for i := 0; i < 2; i++ {
		var resp *http.Response
		st := c.Messages.NewStreaming(ctx, params, option.WithResponseInto(&resp), zeroTemp)
		var acc anthropic.Message
		for st.Next() {
			if err := acc.Accumulate(st.Current()); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.Err(); err != nil || len(acc.Content) != 1 || acc.StopReason == "" {
			t.Fatalf("stream %d: %v %+v", i, err, acc)
		}
		texts, results = append(texts, acc.Content[0].Text), append(results, resp.Header.Get("X-Tollgate-Cache"))
	}
	// The buffered answer's entry serves the streams too, replayed as events.
	for i, r := range results[1:] {
		if r != "hit" || texts[i+1] != "you said: cache me" {
			t.Fatalf("texts %q, cache results %q", texts, results)
		}
	}
	if n := len(up.received()); n != 1 {
		t.Fatalf("the upstream got %d requests, want 1", n)
	}
}

// TestMessagesAPIBodyTooLarge: a body over server.max_body_bytes, refused
// before any handler runs, is a 413 request_too_large in Anthropic's shape.
func TestMessagesAPIBodyTooLarge(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	base, _ := startGateway(t, `
server: {max_body_bytes: 1024}
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
`, map[string]string{"MOCK": mockURL})
	c := anthropicClient(strings.TrimSuffix(base, "/v1"), "any", true)
	_, err := c.Messages.New(context.Background(), anthropic.MessageNewParams{Model: "mock-gpt", MaxTokens: 5,
		Messages: userText(strings.Repeat("long ", 400))})
	wantAnthropicError(t, err, 413, "request_too_large")
	// The OpenAI API keeps its own shape.
	status, _, body := rawPost(t, base+"/chat/completions", "", `{"model":"mock-gpt","messages":[{"role":"user","content":"`+strings.Repeat("x", 2000)+`"}]}`)
	if status != 413 || !strings.HasPrefix(body, `{"error":`) {
		t.Fatalf("%d %s", status, body)
	}
}
