package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/config"
)

const filtersAppConfig = `
admin: {key: adm}
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys:
  - {id: k1, key: client-key, tenant: acme}
`

func filtersClient(addr string) *openai.Client {
	c := openai.DefaultConfig("client-key")
	c.BaseURL = "http://" + addr + "/v1"
	return openai.NewClientWithConfig(c)
}

func mailReq() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{Model: "mock-gpt", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "mail bob@example.com"}}}
}

// startFiltersApp serves the app of yml on loopback.
func startFiltersApp(t *testing.T, yml string) (*app, string) {
	t.Helper()
	cfg, err := config.Parse([]byte(yml), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return serveApp(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestFiltersOffBuildsNoStage: with filters off the gateway gets no stage
// at all (a nil stage costs one branch per request) and /ui no section.
func TestFiltersOffBuildsNoStage(t *testing.T) {
	a, addr := startFiltersApp(t, filtersAppConfig)
	if a.filters != nil {
		t.Fatal("filters are off but a stage was built")
	}
	if _, err := filtersClient(addr).CreateChatCompletion(context.Background(), mailReq()); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, addr, "/ui/data.json", "adm"); strings.Contains(body, `"filters"`) {
		t.Fatalf("/ui shows a filters section: %s", body)
	}
}

// TestFiltersStageFromConfig: the stage is built from the filters section,
// its actions follow a reload, and /ui shows its counts.
func TestFiltersStageFromConfig(t *testing.T) {
	a, addr := startFiltersApp(t, filtersAppConfig+"filters: {enabled: true, input: {pii.email: deny}}\n")
	if a.filters == nil {
		t.Fatal("no filters stage")
	}
	c := filtersClient(addr)
	_, err := c.CreateChatCompletion(context.Background(), mailReq())
	var e *openai.APIError
	if !errors.As(err, &e) || e.HTTPStatusCode != 400 || e.Code != "content_filter" {
		t.Fatalf("want 400 content_filter, got %v", err)
	}
	code, body := get(t, addr, "/ui/data.json", "adm")
	var ui struct {
		Sources struct {
			Filters struct{ Findings map[string]map[string]int }
		}
	}
	if err := json.Unmarshal([]byte(body), &ui); code != 200 || err != nil || ui.Sources.Filters.Findings["pii.email"]["deny"] < 1 {
		t.Fatalf("/ui: %d %v %s", code, err, body)
	}
	next, err := config.Parse([]byte(filtersAppConfig+"filters: {enabled: true, input: {pii.email: flag}}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	next.Metering.LedgerDir = t.TempDir()
	if err := a.reload(next); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateChatCompletion(context.Background(), mailReq()); err != nil {
		t.Fatalf("after the reload the e-mail is only flagged: %v", err)
	}
}
