package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/config"
)

func TestVersionAndUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, nil, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "tollgate ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run([]string{"bogus"}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "bogus"`) {
		t.Fatalf("bogus: %d %q", code, errb.String())
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	var errb bytes.Buffer
	if code := run([]string{"serve", "--config", "/nonexistent/tollgate.yaml"}, nil, &bytes.Buffer{}, &errb); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(errb.String(), "/nonexistent/tollgate.yaml") {
		t.Fatalf("error does not name the file: %q", errb.String())
	}
}

// TestEmbeddedDefaultServes is the README's first command: no files, no
// keys, the mock models answer a real OpenAI client.
func TestEmbeddedDefaultServes(t *testing.T) {
	addr := startDefaultApp(t)
	oc := openai.DefaultConfig("any")
	oc.BaseURL = "http://" + addr + "/v1"
	c := openai.NewClientWithConfig(oc)
	resp, err := c.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: "mock-gpt", Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hello"}},
	})
	if err != nil || resp.Choices[0].Message.Content == "" {
		t.Fatalf("chat: %v %+v", err, resp)
	}
	emb, err := c.CreateEmbeddings(context.Background(), openai.EmbeddingRequestStrings{Model: "mock-embed", Input: []string{"x"}})
	if err != nil || len(emb.Data) != 1 {
		t.Fatalf("embeddings: %v", err)
	}
}

func TestHealthCLIAgainstRunningGateway(t *testing.T) {
	addr := startDefaultApp(t)
	var out, errb bytes.Buffer
	if code := run([]string{"health", "--url", "http://" + addr}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "mock-gpt") || !strings.Contains(out.String(), "STATUS") {
		t.Fatalf("table:\n%s", out.String())
	}
	if code := run([]string{"health", "--url", "http://127.0.0.1:1"}, nil, &out, &errb); code != 1 {
		t.Fatalf("unreachable gateway: exit %d", code)
	}
}

// startDefaultApp serves the embedded default config (ledger in a temp dir)
// on loopback and returns its address.
func startDefaultApp(t *testing.T) string {
	t.Helper()
	cfg, err := config.Load("")
	if err != nil {
		t.Fatal(err)
	}
	_, addr := serveApp(t, cfg, slog.Default())
	return addr
}

// serveApp builds cfg's app (ledger in a temp dir), serves it on loopback
// until the test ends, and returns it with its address.
func serveApp(t *testing.T, cfg *config.Config, log *slog.Logger) (*app, string) {
	t.Helper()
	cfg.Metering.LedgerDir = t.TempDir()
	a, err := newApp(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = a.gw.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.shutdown(ctx)
	})
	return a, ln.Addr().String()
}
