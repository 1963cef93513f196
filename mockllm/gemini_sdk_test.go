package mockllm

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genai"
)

// geminiClient is Google's official Go SDK pointed at the mock: the fidelity check of the mock's Gemini API.
func geminiClient(t *testing.T, ts *testServer, key string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey: key, Backend: genai.BackendGeminiAPI, HTTPClient: ts.http,
		HTTPOptions: genai.HTTPOptions{BaseURL: "http://mock/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGeminiSDKGenerateContent(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 10})
	c := geminiClient(t, ts, GeminiAPIKey)
	ctx := context.Background()
	resp, err := c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Name a colour."),
		&genai.GenerateContentConfig{SystemInstruction: genai.NewContentFromText("Be terse.", genai.RoleUser)})
	if err != nil {
		t.Fatal(err)
	}
	if words := len(strings.Fields(resp.Text())); words != 10 {
		t.Fatalf("text %q: %d words, want 10", resp.Text(), words)
	}
	u := resp.UsageMetadata
	if u == nil || u.PromptTokenCount == 0 || u.CandidatesTokenCount != 10 || u.TotalTokenCount != u.PromptTokenCount+10 {
		t.Fatalf("usage %+v", u)
	}
	if resp.Candidates[0].FinishReason != genai.FinishReasonStop || resp.ResponseID == "" {
		t.Fatalf("finish %q id %q", resp.Candidates[0].FinishReason, resp.ResponseID)
	}

	var max int32 = 3
	resp, err = c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Long story."),
		&genai.GenerateContentConfig{MaxOutputTokens: max, CandidateCount: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Candidates) != 2 || resp.Candidates[1].FinishReason != genai.FinishReasonMaxTokens ||
		resp.UsageMetadata.CandidatesTokenCount != 6 {
		t.Fatalf("n=2 max 3: %d candidates, finish %q, usage %+v", len(resp.Candidates), resp.Candidates[0].FinishReason, resp.UsageMetadata)
	}
}

func TestGeminiSDKStream(t *testing.T) {
	ts := startServer(t, Options{MaxTokens: 10})
	c := geminiClient(t, ts, GeminiAPIKey)
	var text strings.Builder
	var last *genai.GenerateContentResponse
	events := 0
	for resp, err := range c.Models.GenerateContentStream(context.Background(), "gemini-2.5-flash", genai.Text("Count."), nil) {
		if err != nil {
			t.Fatal(err)
		}
		events++
		text.WriteString(resp.Text())
		last = resp
	}
	if events != 3 || len(strings.Fields(text.String())) != 10 {
		t.Fatalf("%d events, text %q", events, text.String())
	}
	if last.Candidates[0].FinishReason != genai.FinishReasonStop || last.UsageMetadata.CandidatesTokenCount != 10 {
		t.Fatalf("last event: finish %q usage %+v", last.Candidates[0].FinishReason, last.UsageMetadata)
	}
}

func TestGeminiSDKFunctionCalls(t *testing.T) {
	ts := startServer(t, Options{})
	c := geminiClient(t, ts, GeminiAPIKey)
	ctx := context.Background()
	tools := []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{
		Name: "get_weather", Description: "Weather for a city",
		Parameters: &genai.Schema{Type: genai.TypeObject, Properties: map[string]*genai.Schema{
			"city": {Type: genai.TypeString}, "days": {Type: genai.TypeInteger}}, Required: []string{"city"}},
	}}}}
	cfg := &genai.GenerateContentConfig{Tools: tools}
	resp, err := c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Weather in Paris?"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.FunctionCalls()
	if len(calls) != 1 || calls[0].Name != "get_weather" || calls[0].Args["city"] != "mock" || calls[0].Args["days"] != float64(1) {
		t.Fatalf("function calls %+v", calls)
	}
	if resp.UsageMetadata.CandidatesTokenCount == 0 {
		t.Fatalf("usage %+v", resp.UsageMetadata)
	}
	// the function's answer goes back: the mock answers in text
	history := append(genai.Text("Weather in Paris?"),
		&genai.Content{Role: genai.RoleModel, Parts: []*genai.Part{{FunctionCall: calls[0]}}},
		&genai.Content{Role: genai.RoleUser, Parts: []*genai.Part{genai.NewPartFromFunctionResponse("get_weather", map[string]any{"temp_c": 18})}})
	resp, err = c.Models.GenerateContent(ctx, "gemini-2.5-flash", history, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.FunctionCalls()) != 0 || resp.Text() == "" {
		t.Fatalf("after the function response: calls %+v text %q", resp.FunctionCalls(), resp.Text())
	}
	// streamed function call
	n := 0
	for resp, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("Weather?"), cfg) {
		if err != nil {
			t.Fatal(err)
		}
		n += len(resp.FunctionCalls())
	}
	if n != 1 {
		t.Fatalf("streamed function calls: %d", n)
	}
}

func TestGeminiSDKEmbedContent(t *testing.T) {
	ts := startServer(t, Options{})
	c := geminiClient(t, ts, GeminiAPIKey)
	dims := int32(64)
	resp, err := c.Models.EmbedContent(context.Background(), "gemini-embedding-001",
		[]*genai.Content{genai.NewContentFromText("first", genai.RoleUser), genai.NewContentFromText("second", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: &dims})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Embeddings) != 2 || len(resp.Embeddings[0].Values) != 64 || resp.Embeddings[0].Values[0] == resp.Embeddings[1].Values[0] {
		t.Fatalf("embeddings %d", len(resp.Embeddings))
	}
}

func TestGeminiSDKErrors(t *testing.T) {
	ts := startServer(t, Options{})
	ctx := context.Background()
	var apiErr genai.APIError
	_, err := geminiClient(t, ts, "wrong-key").Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("hi"), nil)
	if !errors.As(err, &apiErr) || apiErr.Code != 400 || apiErr.Status != "INVALID_ARGUMENT" {
		t.Fatalf("wrong key: %v", err)
	}
	c := geminiClient(t, ts, GeminiAPIKey)
	cfg := &genai.GenerateContentConfig{HTTPOptions: &genai.HTTPOptions{Headers: map[string][]string{
		"x-mock-error-rate": {"1"}, "x-mock-error-status": {"429"}, "x-mock-retry-after": {"7"}}}}
	_, err = c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("hi"), cfg)
	if !errors.As(err, &apiErr) || apiErr.Code != 429 || apiErr.Status != "RESOURCE_EXHAUSTED" || len(apiErr.Details) != 1 {
		t.Fatalf("injected 429: %v", err)
	}
	// a stream broken mid-way ends with Google's error event, which the SDK reports
	cfg = &genai.GenerateContentConfig{HTTPOptions: &genai.HTTPOptions{Headers: map[string][]string{"x-mock-fail-after": {"1"}}}}
	var got error
	events := 0
	for _, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("hi"), cfg) {
		if err != nil {
			got = err
			break
		}
		events++
	}
	if events != 1 || got == nil {
		t.Fatalf("broken stream: %d events, err %v", events, got)
	}
}

// TestGeminiRejectsUnknownSchemaFields: the mock refuses what real Gemini refuses (additionalProperties in a
// function's parameters), so an e2e test through the gateway proves the translation strips it.
func TestGeminiRejectsUnknownSchemaFields(t *testing.T) {
	ts := startServer(t, Options{})
	f := func(body string, wantStatus int, wantIn string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://mock/v1beta/models/gemini-2.5-flash:generateContent", strings.NewReader(body))
		req.Header.Set("x-goog-api-key", GeminiAPIKey)
		resp, err := ts.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantStatus || !strings.Contains(string(b), wantIn) {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	f(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}}}]}]}`,
		400, `Unknown name \"additionalProperties\"`)
	f(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string"}}}}]}]}`,
		200, `"functionCall":{"name":"f","args":{"a":"mock"}}`)
	f(`{"contents":[{"role":"assistant","parts":[{"text":"hi"}]}]}`, 400, "valid role")
	f(`{"contents":[]}`, 400, "contents is not specified")
}
