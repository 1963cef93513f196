package mockllm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func chatRequest(prompt string) openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: ModelChat, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}}
}

func TestStreamChunkSequence(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	req := chatRequest("stream me")
	req.MaxTokens = 6
	full, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	req.Stream = true
	req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var chunks []openai.ChatCompletionStreamResponse
	for {
		ch, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Recv after %d chunks: %v", len(chunks), err)
		}
		chunks = append(chunks, ch)
	}
	// role, 6 words, finish, usage
	if len(chunks) != 9 {
		t.Fatalf("%d chunks, want 9: %+v", len(chunks), chunks)
	}
	if d := chunks[0].Choices[0].Delta; d.Role != "assistant" || d.Content != "" {
		t.Errorf("first chunk delta %+v, want role only", d)
	}
	var text strings.Builder
	for i, ch := range chunks[1:7] {
		if len(ch.Choices) != 1 || ch.Choices[0].FinishReason != "" || ch.Usage != nil {
			t.Errorf("word chunk %d: %+v", i, ch)
		}
		text.WriteString(ch.Choices[0].Delta.Content)
	}
	if text.String() != full.Choices[0].Message.Content {
		t.Errorf("streamed %q, non-stream answered %q", text.String(), full.Choices[0].Message.Content)
	}
	if fin := chunks[7].Choices[0]; fin.FinishReason != openai.FinishReasonLength || fin.Delta.Content != "" {
		t.Errorf("finish chunk %+v", fin)
	}
	last := chunks[8]
	if len(last.Choices) != 0 || last.Usage == nil || *last.Usage != full.Usage {
		t.Errorf("usage chunk %+v, want no choices and usage %+v", last, full.Usage)
	}
	for _, ch := range chunks {
		if ch.ID != chunks[0].ID || ch.Object != "chat.completion.chunk" || ch.Model != ModelChat {
			t.Errorf("chunk header %s %s %s differs", ch.ID, ch.Object, ch.Model)
		}
	}
	// The client may read [DONE] before the server counts the stream as completed.
	waitFor(t, "StreamsCompleted == 1 and InFlight == 0", func() bool {
		st := ts.Stats()
		return st.StreamsCompleted == 1 && st.InFlight == 0 && st.Streams == 1
	})
}

// sseEvents splits a raw SSE body into its data payloads.
func sseEvents(t *testing.T, body []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

func TestStreamRawUsageOptions(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 3})
	f := func(body string, headers map[string]string, wantEvents int, wantUsage bool) {
		t.Helper()
		status, hdr, raw := ts.post(t, "/v1/chat/completions", headers, body)
		if status != 200 || hdr.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("status %d, content type %q", status, hdr.Get("Content-Type"))
		}
		events := sseEvents(t, raw)
		if len(events) != wantEvents || events[len(events)-1] != "[DONE]" {
			t.Fatalf("%d events %q, want %d ending in [DONE]", len(events), events, wantEvents)
		}
		gotUsage := strings.Contains(events[len(events)-2], `"prompt_tokens"`)
		if gotUsage != wantUsage {
			t.Errorf("usage chunk present = %v, want %v: %s", gotUsage, wantUsage, events[len(events)-2])
		}
		for _, e := range events[:len(events)-1] {
			if !json.Valid([]byte(e)) {
				t.Errorf("event is not JSON: %s", e)
			}
		}
	}
	const msgs = `"model":"m","messages":[{"role":"user","content":"x"}],"stream":true`
	f(`{`+msgs+`}`, nil, 1+3+1+1, false)
	f(`{`+msgs+`,"stream_options":{"include_usage":false}}`, nil, 6, false)
	f(`{`+msgs+`,"stream_options":{"include_usage":true}}`, nil, 7, true)
	f(`{`+msgs+`,"stream_options":{"include_usage":true}}`, map[string]string{"x-mock-no-usage": "1"}, 6, false)
	// n=2: two role chunks, 2×3 words, two finish chunks, usage, [DONE]
	f(`{`+msgs+`,"n":2,"stream_options":{"include_usage":true}}`, nil, 2+6+2+1+1, true)
}

func TestStreamCompletions(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(nil)
	req := openai.CompletionRequest{Model: "mock-instruct", Prompt: "Once upon a time", MaxTokens: 5}
	full, err := c.CreateCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if full.Object != "text_completion" || full.Usage.CompletionTokens != 5 || full.Choices[0].FinishReason != "length" {
		t.Errorf("completion %+v", full)
	}
	if want := len(encodings(t)["cl100k_base"].EncodeOrdinary(req.Prompt.(string))); full.Usage.PromptTokens != want {
		t.Errorf("prompt_tokens = %d, want %d", full.Usage.PromptTokens, want)
	}
	req.Stream = true
	stream, err := c.CreateCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	var text strings.Builder
	var finish string
	for {
		ch, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(ch.Choices[0].Text)
		if ch.Choices[0].FinishReason != "" {
			finish = ch.Choices[0].FinishReason
		}
	}
	if text.String() != full.Choices[0].Text || finish != "length" {
		t.Errorf("streamed %q finish %q, want %q length", text.String(), finish, full.Choices[0].Text)
	}
}

func TestCompletionsPromptShapes(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 2})
	f := func(prompt string, wantChoices, wantPromptTokens int) {
		t.Helper()
		status, _, raw := ts.post(t, "/v1/completions", nil, `{"model":"m","n":2,"prompt":`+prompt+`}`)
		var resp openai.CompletionResponse
		if err := json.Unmarshal(raw, &resp); err != nil || status != 200 {
			t.Fatalf("%s: status %d body %s", prompt, status, raw)
		}
		if len(resp.Choices) != wantChoices || resp.Usage.PromptTokens != wantPromptTokens {
			t.Errorf("%s: %d choices, %d prompt tokens; want %d, %d", prompt, len(resp.Choices), resp.Usage.PromptTokens, wantChoices, wantPromptTokens)
		}
	}
	f(`"hello world"`, 2, 2)
	f(`["hello world","the cat"]`, 4, 4)
	f(`[15339, 1917, 11]`, 2, 3)
	f(`[[15339],[1917, 11]]`, 4, 3)
	status, _, raw := ts.post(t, "/v1/completions", nil, `{"model":"m","prompt":[{"x":1}]}`)
	if status != 400 || !strings.Contains(string(raw), "array of strings") {
		t.Errorf("bad prompt: status %d body %s", status, raw)
	}
}

// TestStreamClientDisconnect checks a client going away mid-stream is counted and stops generation.
func TestStreamClientDisconnect(t *testing.T) {
	ts := startServer(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := chatRequest("a long answer")
	req.Stream = true
	c := ts.client(map[string]string{"x-mock-tokens": "100000", "x-mock-tokens-per-sec": "1000"})
	stream, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := stream.Recv(); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	stream.Close()
	waitFor(t, "StreamsCancelled == 1 and InFlight == 0", func() bool {
		st := ts.Stats()
		return st.StreamsCancelled == 1 && st.InFlight == 0
	})
	if st := ts.Stats(); st.StreamsCompleted != 0 {
		t.Errorf("stats %+v: the cancelled stream must not complete", st)
	}
}

// waitFor polls cond for up to 10 s: a bound for a failing test, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
