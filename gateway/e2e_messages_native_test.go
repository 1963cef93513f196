package gateway_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/tollgate-ai/tollgate/filters/filterstage"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// nativeUpstream is mockllm speaking the Messages API, recording each
// request's path, headers and raw body; count_tokens answers 42.
type nativeUpstream struct {
	mock *mockllm.Server
	mu   sync.Mutex
	seen []seenRequest
	beta []string
}

func startNative(t *testing.T) (string, *nativeUpstream) {
	t.Helper()
	a := &nativeUpstream{mock: mockllm.New(mockllm.Options{})}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Request.Header
		a.mu.Lock()
		a.seen = append(a.seen, seenRequest{auth: string(h.Peek("Authorization")), apiKey: string(h.Peek("api-key")),
			xAPIKey: string(h.Peek("x-api-key")), anthropicVersion: string(h.Peek("anthropic-version")),
			path: string(ctx.Path()), body: string(ctx.PostBody())})
		a.beta = append(a.beta, string(h.Peek("anthropic-beta")))
		a.mu.Unlock()
		if string(ctx.Path()) == "/v1/messages/count_tokens" {
			ctx.SetContentType("application/json")
			ctx.SetBodyString(`{"input_tokens":42}`)
			return
		}
		a.mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = a.mock.Close() })
	return "http://" + ln.Addr().String(), a
}

func (a *nativeUpstream) last(t *testing.T) (seenRequest, string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.seen) == 0 {
		t.Fatal("the anthropic upstream received nothing")
	}
	return a.seen[len(a.seen)-1], a.beta[len(a.beta)-1]
}

// nativeGateway serves "claude-gw" from an anthropic upstream (upstream
// model claude-up) with a ledger, and with filters the filters stage
// redacting e-mail addresses in prompts.
func nativeGateway(t *testing.T, filters bool) (root, ledgerDir string, up *nativeUpstream) {
	t.Helper()
	url, up := startNative(t)
	yml := `
upstreams:
  - {name: anth, kind: anthropic, base_url: "{{A}}", api_key: sk-anthropic-upstream}
  - {name: broken, kind: anthropic, base_url: "{{A}}", api_key: sk-anthropic-upstream, headers: {x-mock-fail-after: "4"}}
  - {name: dead, kind: anthropic, base_url: "{{A}}", api_key: sk-anthropic-upstream, headers: {x-mock-fail-after: "0"}}
  - {name: oai, kind: openai, base_url: "{{O}}"}
models:
  - {name: claude-gw, deployments: [{upstream: anth, model: claude-up}]}
  - {name: claude-broken, deployments: [{upstream: broken, model: claude-up}], retry: {attempts: 1}}
  - {name: claude-dead, deployments: [{upstream: dead, model: claude-up}], retry: {attempts: 1}, fallbacks: [gpt-spare]}
  - {name: gpt-spare, deployments: [{upstream: oai, model: mock-gpt}]}
keys: [{id: k-ok, key: sk-ok, tenant: acme}]
`
	if filters {
		yml += "filters: {enabled: true, input: {pii.email: redact}}\n"
	}
	oaiURL, _ := startMock(t, mockllm.Options{})
	cfg := parseConfig(t, yml, map[string]string{"A": url, "O": oaiURL})
	var st gateway.Stages
	if filters {
		sc, err := filterstage.NewScanner(&cfg.Filters)
		if err != nil {
			t.Fatal(err)
		}
		if st.Filters, err = filterstage.New(cfg.Filters, sc); err != nil {
			t.Fatal(err)
		}
	}
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledger, dir := testLedger(t)
	st.Tokens, st.Ledger = tokens, ledger
	gw, err := gateway.New(cfg, gateway.Options{Stages: st})
	if err != nil {
		t.Fatal(err)
	}
	return serveGateway(t, gw), dir, up
}

// TestMessagesAPINativeToAnthropic: a Messages API request to an
// anthropic upstream goes out as the client wrote it, cache_control,
// top_k, an earlier thinking block's signature and the beta header
// included, with the upstream's key and model and a stage's redaction
// mapped onto the client's block; the answer comes back as the upstream
// wrote it (its model id), and the ledger bills its usage.
func TestMessagesAPINativeToAnthropic(t *testing.T) {
	root, dir, up := nativeGateway(t, true)
	c := anthropicClient(root, "sk-ok", true)
	params := anthropic.MessageNewParams{Model: "claude-gw", MaxTokens: 9,
		System: []anthropic.TextBlockParam{{Text: "be brief", CacheControl: anthropic.NewCacheControlEphemeralParam()}},
		Messages: []anthropic.MessageParam{
			anthropic.NewUserMessage(anthropic.NewTextBlock("hi")),
			anthropic.NewAssistantMessage(anthropic.NewThinkingBlock("sig-123", "they said hi"), anthropic.NewTextBlock("hello")),
			anthropic.NewUserMessage(anthropic.NewTextBlock("mail bob.smith@example.com the notes")),
		}}
	msg, err := c.Messages.New(context.Background(), params, option.WithJSONSet("top_k", 5))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Model != "claude-up" || len(msg.Content) == 0 || msg.Usage.OutputTokens != 9 {
		t.Fatalf("answer: %+v", msg)
	}
	seen, beta := up.last(t)
	for _, want := range []string{`"model":"claude-up"`, `"cache_control":{"type":"ephemeral"}`, `"top_k":5`,
		`"signature":"sig-123"`, `mail [EMAIL_1] the notes`} {
		if !strings.Contains(seen.body, want) {
			t.Fatalf("the upstream got no %s in %s", want, seen.body)
		}
	}
	if strings.Contains(seen.body, "bob.smith") || seen.path != "/v1/messages" || seen.xAPIKey != "sk-anthropic-upstream" ||
		seen.auth != "" || seen.anthropicVersion == "" || beta != "interleaved-thinking-2025-05-14" {
		t.Fatalf("the upstream saw %+v (beta %q)", seen, beta)
	}
	rec := ledgerRecordN(t, dir, 1)
	if rec.Stages["api"] != "messages" || rec.CompletionTokens != 9 || rec.PromptTokens == 0 || rec.Stages["filters"] == "" {
		t.Fatalf("ledger record: %+v", rec)
	}

	// A redaction in text the translation joined (two system blocks)
	// cannot go back onto one block: the request is sent translated, and
	// still redacted.
	joined := anthropic.MessageNewParams{Model: "claude-gw", MaxTokens: 4, Messages: userText("hi"),
		System: []anthropic.TextBlockParam{{Text: "be brief"}, {Text: "the owner is bob.smith@example.com"}}}
	if _, err := c.Messages.New(context.Background(), joined); err != nil {
		t.Fatal(err)
	}
	if seen, _ := up.last(t); strings.Contains(seen.body, "bob.smith") || !strings.Contains(seen.body, "the owner is [EMAIL_1]") ||
		strings.Contains(seen.body, "cache_control") {
		t.Fatalf("joined system: the upstream got %s", seen.body)
	}

	// Streamed, through both translations: the SDK accumulates it.
	st := c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "claude-gw", MaxTokens: 6,
		Messages: userText("stream please")})
	var acc anthropic.Message
	for st.Next() {
		if err := acc.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil || len(acc.Content) == 0 || acc.Usage.OutputTokens != 6 || acc.StopReason != anthropic.StopReasonMaxTokens {
		t.Fatalf("stream: %v %+v", err, acc)
	}
	if seen, _ := up.last(t); !strings.Contains(seen.body, `"stream":true`) || !strings.Contains(seen.body, `"model":"claude-up"`) {
		t.Fatalf("streamed request: %s", seen.body)
	}

	// count_tokens asks the upstream, with its key, and relays its count.
	n, err := c.Messages.CountTokens(context.Background(), anthropic.MessageCountTokensParams{Model: "claude-gw", Messages: userText("count me")})
	if err != nil || n.InputTokens != 42 {
		t.Fatalf("count_tokens: %+v %v", n, err)
	}
	if seen, _ := up.last(t); seen.path != "/v1/messages/count_tokens" || seen.xAPIKey != "sk-anthropic-upstream" ||
		!strings.Contains(seen.body, `"model":"claude-up"`) {
		t.Fatalf("count_tokens upstream saw %+v", seen)
	}
}

// TestMessagesAPINativeStream: without stream filters a Messages client
// streaming from an anthropic upstream reads the upstream's own events
// (its ping, its model id), relayed as they arrive, and the SDK
// accumulates them; the ledger bills the usage read from them.
func TestMessagesAPINativeStream(t *testing.T) {
	root, dir, _ := nativeGateway(t, false)
	status, h, body := rawPostHeader(t, root+"/v1/messages", map[string]string{"x-api-key": "sk-ok"},
		`{"model":"claude-gw","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"raw please"}]}`)
	if status != 200 || h.Get("Content-Type") != "text/event-stream" || !strings.Contains(body, "event: ping") ||
		!strings.Contains(body, `"model":"claude-up"`) || !strings.HasSuffix(body, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n") {
		t.Fatalf("%d %v\n%s", status, h, body)
	}

	c := anthropicClient(root, "sk-ok", true)
	st := c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "claude-gw", MaxTokens: 7,
		Messages: userText("stream natively")})
	var acc anthropic.Message
	for st.Next() {
		if err := acc.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil || acc.Model != "claude-up" || acc.Usage.OutputTokens != 7 || len(acc.Content) == 0 {
		t.Fatalf("%v %+v", err, acc)
	}
	// A stream that breaks mid-way: the events relayed so far, then an
	// Anthropic error event, which the SDK reports.
	st = c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "claude-broken", MaxTokens: 20,
		Messages: userText("break please")})
	acc = anthropic.Message{}
	for st.Next() {
		_ = acc.Accumulate(st.Current())
	}
	var ae *anthropic.Error
	if err := st.Err(); !errors.As(err, &ae) || ae.Type() != "api_error" || acc.Model != "claude-up" || len(acc.Content) == 0 || acc.Content[0].Text == "" {
		t.Fatalf("broken stream: %v %+v", err, acc)
	}
	if testing.Verbose() {
		t.Logf("broken stream ended with: %v", st.Err())
	}
	// A native stream that dies before its first event falls back to an
	// OpenAI model: the client gets that answer translated, nothing of the
	// failed attempt.
	st = c.Messages.NewStreaming(context.Background(), anthropic.MessageNewParams{Model: "claude-dead", MaxTokens: 5,
		Messages: userText("fall back")})
	acc = anthropic.Message{}
	for st.Next() {
		if err := acc.Accumulate(st.Current()); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Err(); err != nil || acc.Model != "claude-dead" || acc.Usage.OutputTokens != 5 || len(acc.Content) != 1 {
		t.Fatalf("fallback stream: %v %+v", err, acc)
	}
	for _, r := range ledgerRecords(t, dir, 3)[:2] {
		if r.Stages["api"] != "messages" || r.CompletionTokens == 0 || r.PromptTokens == 0 || r.Status != 200 {
			t.Fatalf("ledger record %+v", r)
		}
	}
}
