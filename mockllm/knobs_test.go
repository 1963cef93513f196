package mockllm

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

const chatBody = `{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}`

func TestKnobInjectedErrors(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(headers map[string]string, wantStatus int, wantType, wantRetryAfter string) {
		t.Helper()
		_, err := ts.client(headers).CreateChatCompletion(context.Background(), chatRequest("hi"))
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("%v: err %v, want *openai.APIError", headers, err)
		}
		if apiErr.HTTPStatusCode != wantStatus || apiErr.Type != wantType || !strings.Contains(apiErr.Message, "injected") {
			t.Errorf("%v: got %d %q %q", headers, apiErr.HTTPStatusCode, apiErr.Type, apiErr.Message)
		}
		status, hdr, body := ts.post(t, "/v1/chat/completions", headers, chatBody)
		if status != wantStatus || hdr.Get("Retry-After") != wantRetryAfter || !json.Valid(body) {
			t.Errorf("%v: raw status %d, Retry-After %q, body %s", headers, status, hdr.Get("Retry-After"), body)
		}
	}
	f(map[string]string{"x-mock-error-rate": "1"}, 500, "server_error", "")
	f(map[string]string{"x-mock-error-rate": "1", "x-mock-error-status": "429", "x-mock-retry-after": "7"}, 429, "rate_limit_error", "7")
	f(map[string]string{"x-mock-error-rate": "1", "x-mock-error-status": "503"}, 503, "server_error", "")
	if got := ts.Stats().ErrorsInjected; got != 6 {
		t.Errorf("ErrorsInjected = %d, want 6", got)
	}
	// Injected errors come before parsing: a broken body still gets the injected status.
	if status, _, _ := ts.post(t, "/v1/embeddings", map[string]string{"x-mock-error-rate": "1"}, "{"); status != 500 {
		t.Errorf("status %d, want 500", status)
	}
}

func TestErrorRateFraction(t *testing.T) {
	ts := startServer(t, Options{ErrorRate: 0.25, ErrorStatus: 502, Seed: 7})
	const total = 400
	failed := 0
	for i := 0; i < total; i++ {
		status, _, _ := ts.post(t, "/v1/chat/completions", nil, chatBody)
		switch status {
		case 502:
			failed++
		case 200:
		default:
			t.Fatalf("status %d", status)
		}
	}
	// 0.25 × 400 = 100, σ ≈ 8.7: ±40 is > 4σ.
	if failed < 60 || failed > 140 {
		t.Errorf("%d of %d failed at rate 0.25", failed, total)
	}
	if int64(failed) != ts.Stats().ErrorsInjected {
		t.Errorf("ErrorsInjected %d, counted %d", ts.Stats().ErrorsInjected, failed)
	}
}

func TestKnobFailAfterBreaksStream(t *testing.T) {
	ts := startServer(t, Options{})
	req := chatRequest("break me")
	req.Stream = true
	stream, err := ts.client(map[string]string{"x-mock-fail-after": "3"}).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	got := 0
	for {
		_, err = stream.Recv()
		if err != nil {
			break
		}
		got++
	}
	if got != 3 || errors.Is(err, io.EOF) {
		t.Errorf("%d chunks then %v; want 3 chunks then a read error, not a clean EOF", got, err)
	}
	waitFor(t, "StreamsAborted == 1", func() bool { return ts.Stats().StreamsAborted == 1 })
}

func TestKnobFailAfterBreaksJSON(t *testing.T) {
	ts := startServer(t, Options{})
	_, err := ts.client(map[string]string{"x-mock-fail-after": "10"}).CreateChatCompletion(context.Background(), chatRequest("x"))
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("err %v, want unexpected EOF", err)
	}
}

func TestKnobGarbage(t *testing.T) {
	ts := startServer(t, Options{})
	c := ts.client(map[string]string{"x-mock-garbage": "1"})
	if _, err := c.CreateChatCompletion(context.Background(), chatRequest("x")); err == nil {
		t.Error("non-stream garbage decoded without error")
	}
	req := chatRequest("x")
	req.Stream = true
	stream, err := c.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	if _, err := stream.Recv(); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("stream garbage: Recv err %v, want a decode error", err)
	}
	status, _, body := ts.post(t, "/v1/chat/completions", map[string]string{"x-mock-garbage": "1"}, chatBody)
	if status != 200 || json.Valid(body) {
		t.Errorf("status %d, body %s: want 200 and not JSON", status, body)
	}
}

func TestKnobNoUsage(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(path, body string) {
		t.Helper()
		status, _, raw := ts.post(t, path, map[string]string{"x-mock-no-usage": "1"}, body)
		if status != 200 || strings.Contains(string(raw), "usage") {
			t.Errorf("%s: status %d body %s", path, status, raw)
		}
	}
	f("/v1/chat/completions", chatBody)
	f("/v1/completions", `{"model":"m","prompt":"x"}`)
	f("/v1/embeddings", `{"model":"m","input":"x"}`)
}

// TestKnobDelays checks only lower bounds, which sleeping guarantees: a loaded machine can make a request slower,
// never faster.
func TestKnobDelays(t *testing.T) {
	ts := startServer(t, Options{})
	start := time.Now()
	if _, err := ts.client(map[string]string{"x-mock-latency-ms": "40"}).CreateChatCompletion(context.Background(), chatRequest("x")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("latency 40ms answered in %v", d)
	}

	req := chatRequest("slow")
	req.Stream = true
	req.MaxTokens = 11
	start = time.Now()
	stream, err := ts.client(map[string]string{"x-mock-latency-ms": "20", "x-mock-ttft-ms": "30", "x-mock-tokens-per-sec": "200"}).
		CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	headers := time.Since(start)
	if headers < 20*time.Millisecond {
		t.Errorf("headers after %v, want >= latency 20ms", headers)
	}
	n := 0
	var first time.Duration
	for {
		if _, err := stream.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			first = time.Since(start)
		}
		n++
	}
	total := time.Since(start)
	if n != 1+11+1 {
		t.Errorf("%d chunks, want 13", n)
	}
	if first < 50*time.Millisecond {
		t.Errorf("first chunk after %v, want >= latency + ttft = 50ms", first)
	}
	// 11 words at 200/s: 10 intervals of 5 ms after the first word.
	if total-first < 50*time.Millisecond {
		t.Errorf("words took %v, want >= 50ms at 200 tokens/s", total-first)
	}
}

func TestKnobBadValues(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(header, value, wantInMessage string) {
		t.Helper()
		status, _, raw := ts.post(t, "/v1/chat/completions", map[string]string{header: value}, chatBody)
		if status != 400 || !strings.Contains(string(raw), wantInMessage) {
			t.Errorf("%s: %s: status %d body %s", header, value, status, raw)
		}
	}
	f("x-mock-latency-ms", "-1", "X-Mock-Latency-Ms: want an integer")
	f("x-mock-latency-ms", "abc", "want an integer")
	f("x-mock-error-rate", "1.5", "want a number in [0, 1]")
	f("x-mock-error-status", "200", "[400, 599]")
	f("x-mock-tokens", "0", "[1, 100000]")
	f("x-mock-no-usage", "yes", "want 1, true, 0 or false")
	f("x-mock-gate", strings.Repeat("g", 65), "gate name")
	f("x-mock-tokns", "5", "unknown mock knob header")
}

func TestOptionsValidate(t *testing.T) {
	f := func(o Options, wantErr string) {
		t.Helper()
		err := o.Validate()
		if (err == nil) != (wantErr == "") || (err != nil && !strings.Contains(err.Error(), wantErr)) {
			t.Errorf("%+v: err %v, want %q", o, err, wantErr)
		}
	}
	f(Options{}, "")
	f(Options{ErrorRate: 1, ErrorStatus: 429, TokensPerSec: 20, MaxTokens: 5}, "")
	f(Options{ErrorRate: -0.1}, "error-rate")
	f(Options{ErrorStatus: 200}, "error-status")
	f(Options{Latency: -1}, "latency")
	f(Options{TokensPerSec: -1}, "tokens-per-sec")
	f(Options{MaxTokens: -2}, "max-tokens")
}
