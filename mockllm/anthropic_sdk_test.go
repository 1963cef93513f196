package mockllm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

// anthropicClient is the official SDK pointed at ts, sending headers (the
// x-mock-* knobs) with every request; its own retries are off.
func (ts *testServer) anthropicClient(headers map[string]string) anthropic.Client {
	return anthropic.NewClient(
		option.WithAPIKey("sk-ant-test"),
		option.WithBaseURL("http://mock/"),
		option.WithHTTPClient(&http.Client{Transport: headerTransport{base: ts.http.Transport, headers: headers}}),
		option.WithMaxRetries(0),
	)
}

var weatherTool = anthropic.ToolUnionParam{OfTool: &anthropic.ToolParam{
	Name:        "get_weather",
	Description: anthropic.String("Weather in a city"),
	InputSchema: anthropic.ToolInputSchemaParam{
		Properties: map[string]any{"city": map[string]any{"type": "string"}, "days": map[string]any{"type": "integer"}},
		Required:   []string{"city"},
	},
}}

// TestAnthropicSDKFidelity: anthropic-sdk-go parses the mock's messages,
// streams (accumulated), tool use and usage without error.
func TestAnthropicSDKFidelity(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.anthropicClient(nil)
	ctx := context.Background()
	params := anthropic.MessageNewParams{
		Model:     "claude-sonnet-4-5",
		MaxTokens: 10,
		System:    []anthropic.TextBlockParam{{Text: "Be brief."}},
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say something."))},
	}

	msg, err := c.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Content) != 1 || msg.Content[0].Type != "text" || msg.Content[0].Text == "" {
		t.Fatalf("content %+v", msg.Content)
	}
	if msg.StopReason != anthropic.StopReasonMaxTokens || msg.Usage.OutputTokens != 10 || msg.Usage.InputTokens <= 0 {
		t.Fatalf("stop %q usage %+v", msg.StopReason, msg.Usage)
	}

	stream := c.Messages.NewStreaming(ctx, params)
	var acc anthropic.Message
	deltas := 0
	for stream.Next() {
		ev := stream.Current()
		if err := acc.Accumulate(ev); err != nil {
			t.Fatalf("accumulate: %v", err)
		}
		if ev.Type == "content_block_delta" {
			deltas++
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if deltas != 10 || acc.Content[0].Text != msg.Content[0].Text {
		t.Fatalf("stream: %d deltas, text %q, want the message's %q", deltas, acc.Content[0].Text, msg.Content[0].Text)
	}
	if acc.StopReason != anthropic.StopReasonMaxTokens || acc.Usage.OutputTokens != 10 || acc.Usage.InputTokens != msg.Usage.InputTokens {
		t.Fatalf("stream stop %q usage %+v", acc.StopReason, acc.Usage)
	}

	// Tool use, then the tool's result answered with text.
	params.Tools = []anthropic.ToolUnionParam{weatherTool}
	params.MaxTokens = 100
	msg, err = c.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	tu := msg.Content[0].AsToolUse()
	if msg.StopReason != anthropic.StopReasonToolUse || tu.Name != "get_weather" || !strings.Contains(string(tu.Input), `"city":"mock"`) {
		t.Fatalf("tool use: stop %q block %+v", msg.StopReason, msg.Content[0])
	}
	stream = c.Messages.NewStreaming(ctx, params)
	acc = anthropic.Message{}
	for stream.Next() {
		if err := acc.Accumulate(stream.Current()); err != nil {
			t.Fatalf("accumulate: %v", err)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if stu := acc.Content[0].AsToolUse(); stu.Name != "get_weather" || string(stu.Input) != string(tu.Input) {
		t.Fatalf("streamed tool use %+v, want input %s", acc.Content[0], tu.Input)
	}
	params.Messages = append(params.Messages, msg.ToParam(),
		anthropic.NewUserMessage(anthropic.NewToolResultBlock(tu.ID, "sunny", false)))
	msg, err = c.Messages.New(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	if msg.StopReason != anthropic.StopReasonEndTurn || msg.Content[0].Type != "text" {
		t.Fatalf("after the tool result: stop %q content %+v", msg.StopReason, msg.Content)
	}

	// An injected overload is Anthropic's 529 overloaded_error.
	over := ts.anthropicClient(map[string]string{"x-mock-error-rate": "1", "x-mock-error-status": "529"})
	_, err = over.Messages.New(ctx, params)
	var apiErr *anthropic.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 529 || !strings.Contains(apiErr.RawJSON(), `"overloaded_error"`) {
		t.Fatalf("overload: %v", err)
	}
	// A missing max_tokens is a 400 invalid_request_error.
	code, _, body := ts.post(t, "/v1/messages", map[string]string{"x-api-key": "k", "anthropic-version": "2023-06-01"},
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`)
	if code != 400 || !strings.Contains(string(body), `"type":"error","error":{"type":"invalid_request_error"`) {
		t.Fatalf("missing max_tokens: %d %s", code, body)
	}
}
