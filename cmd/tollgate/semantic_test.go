package main

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/valyala/fasthttp"
)

const semanticAppConfig = `
upstreams: [{name: mock, kind: mock, mock: {embeddings: lexical}}]
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: mock-embed, deployments: [{upstream: mock}]}
keys: [{id: k1, key: client-key, tenant: acme}]
cache:
  enabled: true
  models: {mock-gpt: {semantic: {enabled: true, embedding_model: mock-embed}}}
`

// TestAppWiresSemanticCache: with a model's semantic cache on, the app
// builds the handler (the embedding model on the in-process mock, as the
// gateway starts it) and a paraphrase is served as a semantic hit; without
// one, no handler is built.
func TestAppWiresSemanticCache(t *testing.T) {
	off, err := config.Parse([]byte(authOnConfig), "off.yaml")
	if err != nil {
		t.Fatal(err)
	}
	off.Metering.LedgerDir = t.TempDir()
	a, err := newApp(off, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if a.semantic != nil {
		t.Fatal("a semantic handler without a model enabling it")
	}
	_ = a.shutdown(context.Background())

	cfg, err := config.Parse([]byte(semanticAppConfig), "on.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, addr := serveApp(t, cfg, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if a.semantic == nil {
		t.Fatal("no semantic handler")
	}
	ask := func(q string) string {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI("http://" + addr + "/v1/chat/completions")
		req.Header.SetMethod("POST")
		req.Header.Set("Authorization", "Bearer client-key")
		req.Header.SetContentType("application/json")
		req.SetBodyString(`{"model":"mock-gpt","seed":1,"messages":[{"role":"user","content":"` + q + `"}]}`)
		if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil || resp.StatusCode() != 200 {
			t.Fatalf("%v %d %s", err, resp.StatusCode(), resp.Body())
		}
		return string(resp.Header.Peek("X-Tollgate-Cache"))
	}
	if res := ask("What is the capital city of France?"); res != "miss" {
		t.Fatal(res)
	}
	for i := 0; a.semantic.Stats().Vectors == 0; i++ {
		if i == 500 {
			t.Fatal("the vector was never stored")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if res := ask("What is the capital city of France, please?"); res != "semantic-hit" {
		t.Fatalf("paraphrase: %s", res)
	}
}
