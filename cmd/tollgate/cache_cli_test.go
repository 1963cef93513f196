package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// TestCacheCLIOnEmbeddedDefault: the embedded default caches a
// deterministic request out of the box; `tollgate cache stats` shows the
// hit and `tollgate cache purge --all` forgets it.
func TestCacheCLIOnEmbeddedDefault(t *testing.T) {
	addr := startDefaultApp(t)
	oc := openai.DefaultConfig("any")
	oc.BaseURL = "http://" + addr + "/v1"
	c := openai.NewClientWithConfig(oc)
	seed := 1
	req := openai.ChatCompletionRequest{Model: "mock-gpt", Seed: &seed, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
	var results []string
	for range 2 {
		resp, err := c.CreateChatCompletion(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, resp.Header().Get("X-Tollgate-Cache"))
	}
	if results[0] != "miss" || results[1] != "hit" {
		t.Fatalf("x-tollgate-cache %q", results)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"cache", "stats", "--url", "http://" + addr}, nil, &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "hits 1,") || !strings.Contains(out.String(), "misses 1,") {
		t.Fatalf("stats: %d %q %q", code, out.String(), errb.String())
	}
	if code := run([]string{"cache", "purge", "--url", "http://" + addr}, nil, &out, &errb); code != 2 {
		t.Fatalf("purge with no scope: exit %d", code)
	}
	out.Reset()
	if code := run([]string{"cache", "purge", "--all", "--url", "http://" + addr}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "purged") {
		t.Fatalf("purge: %d %q %q", code, out.String(), errb.String())
	}
	resp, err := c.CreateChatCompletion(context.Background(), req)
	if err != nil || resp.Header().Get("X-Tollgate-Cache") != "miss" {
		t.Fatalf("after the purge: %v %q", err, resp.Header().Get("X-Tollgate-Cache"))
	}
}
