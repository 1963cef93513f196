package mockllm

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// cookbookCount is OpenAI's cookbook rule, written independently of the server's counter.
func cookbookCount(t *testing.T, msgs []openai.ChatCompletionMessage) int {
	t.Helper()
	enc := encodings(t)["cl100k_base"]
	n := 3
	for _, m := range msgs {
		n += 3 + len(enc.EncodeOrdinary(m.Role)) + len(enc.EncodeOrdinary(m.Content))
		for _, part := range m.MultiContent {
			n += len(enc.EncodeOrdinary(part.Text))
		}
		if m.Name != "" {
			n += len(enc.EncodeOrdinary(m.Name)) + 1
		}
	}
	return n
}

func TestChatUsageExact(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	cl100k := encodings(t)["cl100k_base"]
	f := func(msgs ...openai.ChatCompletionMessage) {
		t.Helper()
		resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{Model: ModelChat, Messages: msgs})
		if err != nil {
			t.Fatalf("CreateChatCompletion: %v", err)
		}
		if want := cookbookCount(t, msgs); resp.Usage.PromptTokens != want {
			t.Errorf("prompt_tokens = %d, want %d", resp.Usage.PromptTokens, want)
		}
		text := resp.Choices[0].Message.Content
		if got := len(cl100k.EncodeOrdinary(text)); resp.Usage.CompletionTokens != got || got != DefaultMaxTokens {
			t.Errorf("completion_tokens = %d, tiktoken counts %d in %q, want %d", resp.Usage.CompletionTokens, got, text, DefaultMaxTokens)
		}
		if resp.Usage.TotalTokens != resp.Usage.PromptTokens+resp.Usage.CompletionTokens {
			t.Errorf("total_tokens = %d, want prompt + completion", resp.Usage.TotalTokens)
		}
		if !strings.HasPrefix(resp.ID, "chatcmpl-") || resp.Object != "chat.completion" || resp.Model != ModelChat ||
			resp.Choices[0].Message.Role != "assistant" || resp.Choices[0].FinishReason != openai.FinishReasonStop {
			t.Errorf("unexpected shape: %+v", resp)
		}
	}
	f(openai.ChatCompletionMessage{Role: "user", Content: "Hello!"})
	f(openai.ChatCompletionMessage{Role: "system", Content: "You are terse."},
		openai.ChatCompletionMessage{Role: "user", Name: "alice_01", Content: "Tell me about <|endoftext|> and émojis 🎉\n\ttabs"})
	f(openai.ChatCompletionMessage{Role: "user", MultiContent: []openai.ChatMessagePart{
		{Type: openai.ChatMessagePartTypeText, Text: "first part"},
		{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "https://example.com/a.png"}},
		{Type: openai.ChatMessagePartTypeText, Text: " and the second"},
	}})
	f(openai.ChatCompletionMessage{Role: "user", Content: strings.Repeat("long prompt text ", 200)})
}

// TestChatCookbookExample pins prompt_tokens to the count OpenAI's API reported for the cookbook's example.
func TestChatCookbookExample(t *testing.T) {
	raw, err := os.ReadFile("testdata/cookbook_chat.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden struct {
		PromptTokens int             `json:"prompt_tokens"`
		Request      json.RawMessage `json:"request"`
	}
	if err := json.Unmarshal(raw, &golden); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, Options{})
	status, _, body := ts.post(t, "/v1/chat/completions", nil, string(golden.Request))
	var resp openai.ChatCompletionResponse
	if err := json.Unmarshal(body, &resp); status != 200 || err != nil {
		t.Fatalf("status %d, err %v, body %s", status, err, body)
	}
	if resp.Usage.PromptTokens != golden.PromptTokens {
		t.Errorf("prompt_tokens = %d, want %d", resp.Usage.PromptTokens, golden.PromptTokens)
	}
}

func TestChatDeterministic(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	ask := func(prompt string, seed *int) string {
		t.Helper()
		resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
			Model: "any-model-works", Seed: seed, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Choices[0].Message.Content
	}
	a, b, other := ask("What is a cat?", nil), ask("What is a cat?", nil), ask("What is a dog?", nil)
	if a != b {
		t.Errorf("same prompt, different text: %q vs %q", a, b)
	}
	if a == other {
		t.Errorf("different prompts, same text %q", a)
	}
	one, two := 1, 2
	if ask("What is a cat?", &one) == ask("What is a cat?", &two) {
		t.Error("different request seeds gave the same text")
	}
	// Options.Seed changes the text, so two mocks can disagree on purpose.
	other2 := startServer(t, Options{Seed: 42}).client(nil)
	resp, err := other2.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "m", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "What is a cat?"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content == a {
		t.Error("Options.Seed did not change the text")
	}
}

func TestChatMaxTokens(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 10})
	f := func(req openai.ChatCompletionRequest, headers map[string]string, wantTokens int, wantFinish openai.FinishReason) {
		t.Helper()
		req.Model = ModelChat
		req.Messages = []openai.ChatCompletionMessage{{Role: "user", Content: "count"}}
		resp, err := ts.client(headers).CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range resp.Choices {
			if n := len(strings.Fields(ch.Message.Content)); n != wantTokens || ch.FinishReason != wantFinish {
				t.Errorf("choice %d: %d words, finish %q; want %d, %q", ch.Index, n, ch.FinishReason, wantTokens, wantFinish)
			}
		}
		if want := wantTokens * len(resp.Choices); resp.Usage.CompletionTokens != want {
			t.Errorf("completion_tokens = %d, want %d", resp.Usage.CompletionTokens, want)
		}
	}
	f(openai.ChatCompletionRequest{}, nil, 10, openai.FinishReasonStop)
	f(openai.ChatCompletionRequest{MaxTokens: 4}, nil, 4, openai.FinishReasonLength)
	f(openai.ChatCompletionRequest{MaxCompletionTokens: 3}, nil, 3, openai.FinishReasonLength)
	f(openai.ChatCompletionRequest{MaxTokens: 50}, nil, 10, openai.FinishReasonStop)
	f(openai.ChatCompletionRequest{MaxTokens: 50}, map[string]string{"x-mock-tokens": "17"}, 17, openai.FinishReasonStop)
	f(openai.ChatCompletionRequest{MaxTokens: 5}, map[string]string{"x-mock-tokens": "17"}, 5, openai.FinishReasonLength)
	f(openai.ChatCompletionRequest{N: 3, MaxTokens: 2}, nil, 2, openai.FinishReasonLength)
}

func TestChatChoicesDiffer(t *testing.T) {
	ts := startServer(t, Options{})
	resp, err := ts.client(nil).CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: ModelChat, N: 3, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 3 {
		t.Fatalf("%d choices, want 3", len(resp.Choices))
	}
	seen := map[string]bool{}
	for i, ch := range resp.Choices {
		if ch.Index != i || seen[ch.Message.Content] {
			t.Errorf("choice %d: index %d, duplicate text %v", i, ch.Index, seen[ch.Message.Content])
		}
		seen[ch.Message.Content] = true
	}
}

func TestChatBadRequests(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(body, wantParam, wantInMessage string) {
		t.Helper()
		status, _, raw := ts.post(t, "/v1/chat/completions", nil, body)
		var e struct {
			Error struct {
				Message string  `json:"message"`
				Type    string  `json:"type"`
				Param   *string `json:"param"`
				Code    *string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(raw, &e); err != nil || status != 400 {
			t.Fatalf("%s: status %d, body %s (%v)", body, status, raw, err)
		}
		param := ""
		if e.Error.Param != nil {
			param = *e.Error.Param
		}
		if e.Error.Type != "invalid_request_error" || param != wantParam || !strings.Contains(e.Error.Message, wantInMessage) {
			t.Errorf("%s: got %s", body, raw)
		}
	}
	f(`{"model":`, "", "not valid JSON")
	f(`[1,2]`, "", "must be a JSON object")
	f(`{"messages":[{"role":"user","content":"x"}]}`, "model", `"model"`)
	f(`{"model":"m"}`, "messages", `"messages"`)
	f(`{"model":"m","messages":[]}`, "messages", "must not be empty")
	f(`{"model":"m","messages":["hi"]}`, "messages", "must be an object")
	f(`{"model":"m","messages":[{"content":"x"}]}`, "messages", `"role"`)
	f(`{"model":"m","messages":[{"role":"user","content":["x"]}]}`, "messages", "content parts")
	f(`{"model":"m","n":0,"messages":[{"role":"user","content":"x"}]}`, "n", "[1, 128]")
	f(`{"model":"m","max_tokens":"5","messages":[{"role":"user","content":"x"}]}`, "max_tokens", "integer")
	f(`{"model":"m","stream":"yes","messages":[{"role":"user","content":"x"}]}`, "stream", "boolean")
	f(`{"model":"m","seed":1.5,"messages":[{"role":"user","content":"x"}]}`, "seed", "integer")
	if got := ts.Stats().BadRequests; got != 12 {
		t.Errorf("BadRequests = %d, want 12", got)
	}
}
