package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/tollgate-ai/tollgate/cache/semantic"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const semanticBenchConfig = `
upstreams: [{name: mock, kind: mock, mock: {embeddings: lexical}}]
models:
  - {name: m, deployments: [{upstream: mock, model: mock-gpt}]}
  - {name: mock-embed, deployments: [{upstream: mock, model: mock-embed}]}
cache:
  enabled: true
  redis: off
  models: {m: {semantic: {enabled: true, embedding_model: mock-embed}}}
`

func inMemoryMock(m config.MockUpstream) (func() (net.Conn, error), func()) {
	return mockllm.StartInMemory(mockllm.Options{Embeddings: m.Embeddings})
}

// semanticBenchRequest is a ~1 KB chat request whose last user message ends
// with word (lowercase letters: every variant has the same guard tag, so
// every stored row is a candidate the search must rule out).
func semanticBenchRequest(word string) []byte {
	return []byte(`{"model":"m","temperature":0,"max_tokens":512,"messages":[{"role":"system","content":"You are a careful assistant for an internal support desk. Answer briefly and cite the runbook section you used."},{"role":"user","content":"The deploy failed after the readiness probe timed out; what should I check first?"},{"role":"assistant","content":"Check the memory limits first, then the probe's initial delay, then recent config changes."},{"role":"user","content":"The memory limits look fine and nothing changed in the config recently, so what should I look at next to find why the readiness probe keeps timing out on this service, case ` + word + `?"}]}`)
}

func benchWord(i int) string {
	var b []byte
	for i++; i > 0; i /= 26 {
		b = append(b, byte('a'+i%26))
	}
	return string(b)
}

// BenchmarkSemanticMiss is what the semantic cache adds to a request that
// misses (after the exact miss): canonicalise the request without its last
// user message, embed that message (the in-process mock over an in-memory
// connection: a real endpoint adds its network and model time), search the
// scope's index holding n vectors that do not match. Each iteration asks a
// new text, so the embedding memo never answers.
func BenchmarkSemanticMiss(b *testing.B) {
	cfg, err := config.Parse([]byte(semanticBenchConfig), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	h, err := NewSemantic(SemanticOptions{Config: cfg, Mock: inMemoryMock})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(h.Close)
	s := New(Options{Config: &cfg.Cache, Semantic: h})
	b.Cleanup(s.Close)
	em := (*h.models.Load())["mock-embed"]

	b.Run("digest", func(b *testing.B) {
		body := semanticBenchRequest("x")
		b.ReportAllocs()
		for b.Loop() {
			if _, _, ok := semanticDigest(body); !ok {
				b.Fatal("no digest")
			}
		}
	})
	b.Run("embed", func(b *testing.B) { // the embedding call alone, with the text a lookup sends
		dial, stop := inMemoryMock(config.MockUpstream{Embeddings: mockllm.EmbeddingsLexical})
		b.Cleanup(stop)
		emb, err := semantic.NewOpenAIEmbedder(semantic.OpenAIEmbedderOptions{BaseURL: "http://mock/v1", Model: "mock-embed",
			Dial: func(string) (net.Conn, error) { return dial() }})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			_, text, _ := semanticDigest(semanticBenchRequest("e" + benchWord(i))) // the text lookup embeds
			if _, err := emb.Embed(context.Background(), text); err != nil {
				b.Fatal(err)
			}
		}
	})
	rng := rand.New(rand.NewPCG(1, 2))
	stored, asked := 0, 0 // asked runs on across sub-benchmarks: no text twice
	for _, n := range []int{0, 1000, 4000} {
		// Fill the request's scope up to n unrelated vectors with its guard tag.
		r := &SemanticRequest{Scope: "acme", Model: "m", Endpoint: "chat", EmbeddingModel: "mock-embed"}
		rest, text, _ := semanticDigest(semanticBenchRequest("x"))
		scope := semanticScope(r, em.name+"\x00"+em.served, &rest)
		tag := semantic.GuardTag(text)
		for ; stored < n; stored++ {
			v := make([]float32, mockllm.DefaultDimensions)
			for j := range v {
				v[j] = float32(rng.NormFloat64())
			}
			em.cache.Index().AddTagged(scope, fmt.Sprintf("k%d", stored), v, tag)
		}
		b.Run(fmt.Sprintf("lookup/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				asked++
				r.Body = semanticBenchRequest(benchWord(asked))
				hit, p := h.Lookup(r)
				if hit != nil || p == nil {
					b.Fatal("want a miss with a pending store")
				}
			}
		})
	}
}
