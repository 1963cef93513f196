package cache

import (
	"testing"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
)

func benchStage(b *testing.B) *Stage {
	cc := &config.CacheConfig{Enabled: true, TTL: 3600e9, MaxTTL: 3600e9, When: "deterministic", MaxEntryBytes: 1 << 20,
		MemoryBytes: 64 << 20, Redis: "off", RedisTimeout: 20e6, GenerationRefresh: 1e9, Coalesce: "on", CoalesceTimeout: 60e9}
	s := New(Options{Config: cc})
	b.Cleanup(s.Close)
	return s
}

// BenchmarkL1HitPath2KB is what a hit adds to a buffered request, apart
// from the View reads: key the 1 KB request, read the generation, find
// the 2 KB answer in memory and build the Answer the gateway sends.
func BenchmarkL1HitPath2KB(b *testing.B) {
	s := benchStage(b)
	body := []byte(`{"model":"gpt-4o","temperature":0,"messages":[{"role":"system","content":"You are a careful assistant for an internal support desk. Answer briefly and cite the runbook section you used."},{"role":"user","content":"The deploy of service 12 failed with exit code 137 after the readiness probe timed out; what should I check first, and in which order? Give the three most likely causes with one line each, then the commands to confirm each cause on a Kubernetes node, and finally what to change in the deployment manifest so it does not happen again."}],"max_tokens":512}`)
	parts := KeyParts{Endpoint: "chat", Scope: "acme", Model: "gpt-4o"}
	k, _, _, _ := s.key(body, &parts, true)
	e := answer2KB()
	s.mem.set(k, e, 3600e9)
	b.ReportAllocs()
	for b.Loop() {
		p := KeyParts{Endpoint: "chat", Scope: "acme", Model: "gpt-4o"}
		k, _, _, ok := s.key(body, &p, true)
		got := s.lookup(k, 3600e9)
		if !ok || got == nil {
			b.Fatal("miss")
		}
		a := &gateway.Answer{Body: got.Body, Usage: got.Usage, PricedAs: got.Model}
		if len(a.Body) < 2000 {
			b.Fatal("short")
		}
	}
}

// BenchmarkReplay2KB renders a 2 KB stored answer as SSE chunks (a
// streamed request's hit).
func BenchmarkReplay2KB(b *testing.B) {
	e := answer2KB()
	b.ReportAllocs()
	for b.Loop() {
		r, ok := replayChat(e, true)
		if !ok || len(r.ends) < 5 {
			b.Fatal("no replay")
		}
	}
}
