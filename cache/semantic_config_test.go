package cache

import (
	"strings"
	"testing"

	"github.com/tollgate-ai/tollgate/config"
)

const semanticWiringConfig = `
upstreams:
  - {name: oa, kind: openai, base_url: "http://127.0.0.1:1/v1", api_key: sk-upstream}
  - {name: mock, kind: mock, mock: {embeddings: lexical}}
models:
  - {name: m, deployments: [{upstream: mock, model: mock-gpt}]}
  - {name: emb, deployments: [{upstream: oa, model: text-embedding-3-small, name: oa-small}]}
  - {name: mock-embed, deployments: [{upstream: mock}]}
cache:
  enabled: true
  models: {m: {semantic: {enabled: true, embedding_model: EMB}}}
`

func semanticWiringCfg(t *testing.T, emb string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(strings.ReplaceAll(semanticWiringConfig, "EMB", emb)), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestNewSemanticResolvesEmbeddingModels: embedding_model resolves to its
// first deployment's upstream and model; a mock upstream needs the
// in-process mock; a reload keeps an unchanged embedding model (and its
// index) and builds a new one.
func TestNewSemanticResolvesEmbeddingModels(t *testing.T) {
	if !SemanticEnabled(&semanticWiringCfg(t, "emb").Cache) || SemanticEnabled(&config.CacheConfig{Enabled: true}) {
		t.Fatal("SemanticEnabled")
	}
	h, err := NewSemantic(SemanticOptions{Config: semanticWiringCfg(t, "emb")})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	em := (*h.models.Load())["emb"]
	if em == nil || em.served != "text-embedding-3-small" || em.deployment != "oa-small" || strings.Contains(em.spec, "sk-upstream") {
		t.Fatalf("%+v", em)
	}
	if _, err := NewSemantic(SemanticOptions{Config: semanticWiringCfg(t, "mock-embed")}); err == nil ||
		!strings.Contains(err.Error(), "in-process mock") {
		t.Fatalf("a mock upstream without SemanticOptions.Mock: %v", err)
	}
	if err := h.Reload(semanticWiringCfg(t, "emb"), SemanticOptions{}); err != nil || (*h.models.Load())["emb"] != em {
		t.Fatalf("unchanged reload rebuilt the embedding model: %v", err)
	}
	if err := h.Reload(semanticWiringCfg(t, "mock-embed"), SemanticOptions{Mock: inMemoryMock}); err != nil {
		t.Fatal(err)
	}
	if ms := *h.models.Load(); ms["emb"] != nil || ms["mock-embed"] == nil || ms["mock-embed"].served != "mock-embed" {
		t.Fatalf("after reload: %v", ms)
	}
}
