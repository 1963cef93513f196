package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// What the provider end-to-end tests (e2e_provider_*_test.go) share: a
// recording mock upstream and the checks that read the same for every
// provider kind.

// providerUpstream is mockllm speaking a provider's wire format (selected
// by path) on loopback, recording what each request carried.
type providerUpstream struct {
	mock *mockllm.Server
	url  string // base_url (no /v1)
	mu   sync.Mutex
	reqs []capturedProvider
}

type capturedProvider struct {
	path, query, auth string
	apiKey            string // api-key
	xAPIKey, version  string // x-api-key, anthropic-version
	googKey           string // x-goog-api-key
	body              map[string]any
}

func startProviderMock(t *testing.T, opts mockllm.Options) *providerUpstream {
	t.Helper()
	u := &providerUpstream{mock: mockllm.New(opts)}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		h := &ctx.Request.Header
		c := capturedProvider{path: string(ctx.Path()), query: string(ctx.QueryArgs().QueryString()),
			auth: string(h.Peek("Authorization")), apiKey: string(h.Peek("api-key")),
			xAPIKey: string(h.Peek("x-api-key")), version: string(h.Peek("anthropic-version")),
			googKey: string(h.Peek("x-goog-api-key"))}
		_ = json.Unmarshal(ctx.PostBody(), &c.body)
		u.mu.Lock()
		u.reqs = append(u.reqs, c)
		u.mu.Unlock()
		u.mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = u.mock.Close() })
	u.url = "http://" + ln.Addr().String()
	return u
}

func (u *providerUpstream) last(t *testing.T) capturedProvider {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("the upstream received nothing")
	}
	return u.reqs[len(u.reqs)-1]
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// readStream reads a chat stream: the text, how many chunks carried
// content, the finish reason and the usage chunk.
func readStream(t *testing.T, c *openai.Client, req openai.ChatCompletionRequest) (string, int, string, *openai.Usage) {
	t.Helper()
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var text strings.Builder
	chunks, finish := 0, ""
	var usage *openai.Usage
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Usage != nil {
			usage = r.Usage
		}
		if len(r.Choices) == 0 {
			continue
		}
		if r.Choices[0].Delta.Content != "" {
			chunks++
			text.WriteString(r.Choices[0].Delta.Content)
		}
		if r.Choices[0].FinishReason != "" {
			finish = string(r.Choices[0].FinishReason)
		}
	}
	return text.String(), chunks, finish, usage
}

// streamedToolCall is one tool call read from a chat stream.
type streamedToolCall struct {
	name, args string
	pieces     int    // deltas that carried arguments
	finish     string // the finish reason
	missingID  bool   // a delta came without the call's id
}

// readToolCallStream reads a chat stream whose answer is one tool call;
// every delta must name index 0.
func readToolCallStream(t *testing.T, c *openai.Client, req openai.ChatCompletionRequest) streamedToolCall {
	t.Helper()
	st, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var got streamedToolCall
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range r.Choices[0].Delta.ToolCalls {
			if tc.Index == nil || *tc.Index != 0 {
				t.Fatalf("tool call delta without index 0: %+v", tc)
			}
			got.missingID = got.missingID || tc.ID == ""
			got.name += tc.Function.Name
			if tc.Function.Arguments != "" {
				got.pieces++
				got.args += tc.Function.Arguments
			}
		}
		if r.Choices[0].FinishReason != "" {
			got.finish = string(r.Choices[0].FinishReason)
		}
	}
}

// checkToolResultAnswered sends the tool's result for call back (with
// toolChoice) and wants a text answer.
func checkToolResultAnswered(t *testing.T, c *openai.Client, req openai.ChatCompletionRequest, call openai.ChatCompletionMessage, toolChoice any) {
	t.Helper()
	req.Messages = append(req.Messages, call, openai.ChatCompletionMessage{Role: "tool", ToolCallID: call.ToolCalls[0].ID, Content: "sunny"})
	req.ToolChoice = toolChoice
	resp, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].FinishReason != openai.FinishReasonStop || resp.Choices[0].Message.Content == "" {
		t.Fatalf("after the tool result: %+v", resp.Choices[0])
	}
}

// checkChatAnswer wants an assistant answer of words words that stopped,
// with the provider's usage.
func checkChatAnswer(t *testing.T, resp openai.ChatCompletionResponse, words int) {
	t.Helper()
	ch := resp.Choices[0]
	if ch.Message.Role != "assistant" || len(strings.Fields(ch.Message.Content)) != words || ch.FinishReason != openai.FinishReasonStop {
		t.Fatalf("answer %+v", ch)
	}
	if resp.Usage.CompletionTokens != words || resp.Usage.PromptTokens <= 0 || resp.Usage.TotalTokens != resp.Usage.PromptTokens+words {
		t.Fatalf("usage %+v", resp.Usage)
	}
}

// checkUsageMetered: with yaml (whose mock answers 7 tokens) the ledger
// bills the provider's usage, not an estimate, for a buffered and a
// streamed answer of model.
func checkUsageMetered(t *testing.T, yaml string, vars map[string]string, model string) {
	t.Helper()
	base, dir, _ := meteredForward(t, yaml+`keys: [{id: k1, key: sk-1}]`, vars)
	c := newClient(base, "sk-1")
	resp, err := c.CreateChatCompletion(context.Background(), chatReq(model, "count me"))
	if err != nil {
		t.Fatal(err)
	}
	readStream(t, c, chatReq(model, "count me too"))
	recs := ledgerRecords(t, dir, 2)
	for _, r := range recs {
		if r.CompletionTokens != 7 || r.PromptTokens <= 0 || r.Flags&metering.FlagEstimatedUsage != 0 || r.ModelServed != model {
			t.Fatalf("record %+v", r)
		}
	}
	if recs[0].PromptTokens != resp.Usage.PromptTokens {
		t.Fatalf("billed %d prompt tokens, the client was told %d", recs[0].PromptTokens, resp.Usage.PromptTokens)
	}
}

// checkRetriedPast: model balances over failing and a deployment answering
// words words; every request succeeds, and some met failing.
func checkRetriedPast(t *testing.T, c *openai.Client, model string, words int, failing *providerUpstream) {
	t.Helper()
	for i := 0; i < 8; i++ {
		resp, err := c.CreateChatCompletion(context.Background(), chatReq(model, "retry me"))
		if err != nil || len(strings.Fields(resp.Choices[0].Message.Content)) != words {
			t.Fatalf("request %d: %v %+v", i, err, resp)
		}
	}
	if failing.mock.Stats().ErrorsInjected == 0 {
		t.Fatal("no request met the failing deployment: the retry was not exercised")
	}
}

// checkGarbageIs502: an answer of model the translation cannot read is a
// 502 naming provider, buffered and streamed.
func checkGarbageIs502(t *testing.T, base, model, provider string) {
	t.Helper()
	st, _, body := rawPost(t, base+"/chat/completions", "", `{"model":"`+model+`","messages":[{"role":"user","content":"x"}]}`)
	if st != 502 || !strings.Contains(body, provider) {
		t.Fatalf("garbage answer: %d %s", st, body)
	}
	st, _, body = rawPost(t, base+"/chat/completions", "", `{"model":"`+model+`","stream":true,"messages":[{"role":"user","content":"x"}]}`)
	if st != 502 || !strings.Contains(body, provider) {
		t.Fatalf("garbage stream: %d %s", st, body)
	}
}

// checkStreamedAnswer streams an answer of model (with usage asked for):
// words words in chunks content chunks, a stop, then the usage chunk.
func checkStreamedAnswer(t *testing.T, base, model string, words, chunks int) {
	t.Helper()
	req := chatReq(model, "Stream please")
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	text, n, finish, usage := readStream(t, newClient(base, ""), req)
	if n != chunks || len(strings.Fields(text)) != words || finish != "stop" {
		t.Fatalf("%d content chunks, text %q, finish %q", n, text, finish)
	}
	if usage == nil || usage.CompletionTokens != words || usage.PromptTokens <= 0 {
		t.Fatalf("usage %+v", usage)
	}
}

// briefChat sends model "Hello there" after a "Be brief." system message,
// with the client's own key (which must never go upstream) and edit's
// settings, and wants an answer of 12 words (the mock's MaxTokens).
func briefChat(t *testing.T, base, model string, edit func(*openai.ChatCompletionRequest)) {
	t.Helper()
	req := chatReq(model, "Hello there")
	req.Messages = append([]openai.ChatCompletionMessage{{Role: "system", Content: "Be brief."}}, req.Messages...)
	edit(&req)
	resp, err := newClient(base, "sk-client-secret").CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	checkChatAnswer(t, resp, 12)
}
