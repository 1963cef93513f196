package gateway_test

import (
	"testing"

	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/gateway"
)

// benchCached asks for a ~2 KB answer, deterministically (temperature 0).
var benchCached = []byte(`{"model":"mock-gpt","temperature":0,"max_tokens":400,"messages":[{"role":"user","content":"Summarise the benefits of connection pooling in two sentences."}]}`)

// BenchmarkCache compares, in one run and in-process, the same
// deterministic request through the gateway with the cache off, missing
// every time (max_entry_bytes too small to store, no coalescing: key,
// lookup, capture, upstream), and hitting (buffered and streamed replay): hit minus off is
// what a hit saves, miss minus off what the cache adds to a miss.
func BenchmarkCache(b *testing.B) {
	build := func(b *testing.B, cacheYAML string) *gateway.Server {
		cfg := parseConfig(b, `
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
`+cacheYAML, nil)
		var st gateway.Stages
		if c := cache.New(cache.Options{Config: &cfg.Cache}); c != nil {
			b.Cleanup(c.Close)
			st.Cache = c
		}
		gw, err := gateway.New(cfg, gateway.Options{Stages: st, Mock: inProcessMock})
		if err != nil {
			b.Fatal(err)
		}
		return gw
	}
	stream := append([]byte(`{"stream":true,`), benchCached[1:]...)
	run := func(name, cacheYAML string, body []byte, isStream bool) {
		b.Run(name, func(b *testing.B) {
			c := inmemClient(serveInMemory(b, build(b, cacheYAML)))
			benchPost(b, c, body, isStream, "")
		})
	}
	run("off", "", benchCached, false)
	run("miss", "cache: {enabled: true, max_entry_bytes: 64, coalesce: off}", benchCached, false)
	run("hit", "cache: {enabled: true}", benchCached, false)
	run("off-stream", "", stream, true)
	run("hit-stream", "cache: {enabled: true}", stream, true)
}
