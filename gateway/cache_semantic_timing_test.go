package gateway_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/valyala/fasthttp"
)

// BenchmarkCacheSemanticMiss is the latency the semantic cache adds to a
// miss, through the whole gateway in-process: the same deterministic
// requests (a new question each time, so nothing hits and the embedding
// memo never answers) with the exact cache only, and with the semantic
// cache on (canonicalise, embed through the in-process mock, search, and
// store the vector in the background; the index grows by one vector per
// request). Sequential: ns/op is the latency.
func BenchmarkCacheSemanticMiss(b *testing.B) {
	const base = `
upstreams: [{name: mock, kind: mock, mock: {embeddings: lexical}}]
models:
  - {name: mock-gpt, deployments: [{upstream: mock}]}
  - {name: mock-embed, deployments: [{upstream: mock}]}
`
	asked := 0 // runs on across sub-benchmarks: no question twice
	run := func(name, cacheYAML string) {
		b.Run(name, func(b *testing.B) {
			cfg := parseConfig(b, base+cacheYAML, nil)
			o := cache.Options{Config: &cfg.Cache}
			if cache.SemanticEnabled(&cfg.Cache) {
				sem, err := cache.NewSemantic(cache.SemanticOptions{Config: cfg, Mock: inProcessMock})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(sem.Close)
				o.Semantic = sem
			}
			st := cache.New(o)
			b.Cleanup(st.Close)
			gw, err := gateway.New(cfg, gateway.Options{Stages: gateway.Stages{Cache: st}, Mock: inProcessMock})
			if err != nil {
				b.Fatal(err)
			}
			c := inmemClient(serveInMemory(b, gw))
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			b.ReportAllocs()
			for b.Loop() {
				asked++
				req.Reset()
				req.Header.SetMethod("POST")
				req.SetRequestURI("http://bench/v1/chat/completions")
				req.Header.SetContentType("application/json")
				req.SetBodyString(`{"model":"mock-gpt","temperature":0,"max_tokens":64,"messages":[{"role":"system","content":"Answer briefly."},{"role":"user","content":"Summarise the benefits of connection pooling for the ` +
					letters(asked) + ` service in two sentences."}]}`)
				if err := c.Do(req, resp); err != nil {
					b.Fatal(err)
				}
				if resp.StatusCode() != 200 || string(resp.Header.Peek("X-Tollgate-Cache")) != "miss" {
					b.Fatalf("status %d, %s: %s", resp.StatusCode(), resp.Header.Peek("X-Tollgate-Cache"), resp.Body())
				}
			}
		})
	}
	run("exact", "cache: {enabled: true}")
	run("semantic", "cache: {enabled: true, models: {mock-gpt: {semantic: {enabled: true, embedding_model: mock-embed}}}}")
}

// letters names n in lowercase letters: questions that differ in a word,
// not a number, share a guard tag, so every stored vector is searched.
func letters(n int) string {
	var b []byte
	for n++; n > 0; n /= 26 {
		b = append(b, byte('a'+n%26))
	}
	return string(b)
}
