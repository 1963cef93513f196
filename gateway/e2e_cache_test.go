package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
)

// cacheUpstream is the mock LLM behind a counter: how many calls reached
// it, and knobs to slow, pace or fail them.
type cacheUpstream struct {
	mock  *mockllm.Server
	hits  atomic.Int64
	delay atomic.Int64 // before answering, ns
	fail  atomic.Int32 // answer this status instead
	pace  atomic.Int32 // stream tokens per second (0 = unpaced)
}

func startCacheUpstream(t *testing.T) (string, *cacheUpstream) {
	t.Helper()
	u := &cacheUpstream{mock: mockllm.New(mockllm.Options{})}
	ln := listenLoopback(t)
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		u.hits.Add(1)
		time.Sleep(time.Duration(u.delay.Load()))
		if st := u.fail.Load(); st != 0 {
			ctx.SetStatusCode(int(st))
			ctx.SetContentType("application/json")
			ctx.SetBodyString(`{"error":{"message":"injected failure","type":"server_error"}}`)
			return
		}
		if p := u.pace.Load(); p > 0 {
			ctx.Request.Header.Set("x-mock-tokens-per-sec", fmt.Sprint(p))
		}
		u.mock.Handler(ctx)
	}}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); _ = u.mock.Close() })
	return "http://" + ln.Addr().String() + "/v1", u
}

// cacheConfig serves model m (and m-shared, cached across tenants) from
// the upstream, for two tenants' keys; extra adds to the cache section.
const cacheConfig = `
admin: {key: sk-admin}
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}]
models:
  - {name: m, deployments: [{upstream: u, model: mock-gpt}], retry: {attempts: 1}}
  - {name: m-shared, deployments: [{upstream: u, model: mock-gpt}], retry: {attempts: 1}}
keys:
  - {id: a, key: sk-acme, tenant: acme}
  - {id: b, key: sk-globex, tenant: globex}
cache:
  enabled: true
  models: {m-shared: {shared: true}}
`

type cacheGW struct {
	base      string // /v1 URL
	root      string
	ledgerDir string
	gw        *gateway.Server
	stage     *cache.Stage
}

// startCacheGateway runs a gateway with the cache stage built from the
// config (yml with {{U}} and extra lines appended to the cache section),
// a ledger, and the admin endpoint /admin/cache.
func startCacheGateway(t *testing.T, upURL, extra string, rdb redis.UniversalClient, rego string) *cacheGW {
	t.Helper()
	return startCacheGatewayYAML(t, cacheConfig+extra, map[string]string{"U": upURL}, rdb, rego)
}

func startCacheGatewayYAML(t *testing.T, yml string, vars map[string]string, rdb redis.UniversalClient, rego string) *cacheGW {
	t.Helper()
	cfg := parseConfig(t, yml, vars)
	st := cache.New(cache.Options{Config: &cfg.Cache, Redis: rdb})
	if st == nil {
		t.Fatal("no cache stage")
	}
	t.Cleanup(st.Close)
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	ledger, dir := testLedger(t)
	hr, err := health.New(gateway.HealthOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	stages := gateway.Stages{Tokens: tokens, Ledger: ledger, Cache: st, Health: hr}
	if rego != "" {
		stages.Policy = regoPolicy(t, rego)
	}
	gw, err := gateway.New(cfg, gateway.Options{Stages: stages})
	if err != nil {
		t.Fatal(err)
	}
	gw.Handle("/admin/cache", st.ServeAdmin, gateway.Admin)
	gw.Handle("/v1/health/models", hr.ServeModelsHealth, gateway.Ops)
	gw.Handle("/metrics", hr.ServeMetrics, gateway.Ops)
	root := serveGateway(t, gw)
	return &cacheGW{base: root + "/v1", root: root, ledgerDir: dir, gw: gw, stage: st}
}

func seeded(model, prompt string) openai.ChatCompletionRequest {
	r := chatReq(model, prompt)
	seed := 7
	r.Seed = &seed
	return r
}

// cachedChat sends a buffered request and returns its content and x-tollgate-cache.
func cachedChat(t *testing.T, base, key string, req openai.ChatCompletionRequest) (string, string) {
	t.Helper()
	resp, err := newClient(base, key).CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Choices[0].Message.Content, resp.Header().Get("X-Tollgate-Cache")
}

// cachedStream sends a streamed request and returns the text, the finish
// reason, the usage chunk's total (0 when none came) and x-tollgate-cache.
func cachedStream(t *testing.T, base, key string, req openai.ChatCompletionRequest) (text, finish string, usage int, result string, err error) {
	t.Helper()
	req.Stream = true
	s, err := newClient(base, key).CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		return "", "", 0, "", err
	}
	defer s.Close()
	result = s.Header().Get("X-Tollgate-Cache")
	for {
		r, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return text, finish, usage, result, nil
		}
		if err != nil {
			return text, finish, usage, result, err
		}
		if r.Usage != nil {
			usage = r.Usage.TotalTokens
		}
		for _, c := range r.Choices {
			text += c.Delta.Content
			if c.FinishReason != "" {
				finish = string(c.FinishReason)
			}
		}
	}
}

// TestCacheHitMissBypass: a deterministic request misses, then hits
// without reaching the upstream (the same answer, a ledger record marked
// as a hit with the answer's tokens, no cost and the cost saved); a
// request with neither temperature 0 nor a seed bypasses; no-store
// bypasses and stores nothing; no-cache goes upstream and refreshes.
func TestCacheHitMissBypass(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	req := seeded("m", "what is a gateway")

	first, res := cachedChat(t, g.base, "sk-acme", req)
	if res != "miss" || up.hits.Load() != 1 {
		t.Fatalf("first: %s, %d upstream calls", res, up.hits.Load())
	}
	again, res := cachedChat(t, g.base, "sk-acme", req)
	if res != "hit" || again != first || up.hits.Load() != 1 {
		t.Fatalf("second: %s %q (first %q), %d upstream calls", res, again, first, up.hits.Load())
	}
	miss, hit := ledgerRecordN(t, g.ledgerDir, 1), ledgerRecordN(t, g.ledgerDir, 2)
	if !hit.CacheHit || hit.AnsweredBy != "cache" || hit.Stages["cache"] != "hit" || hit.CostPicos != 0 ||
		hit.PromptTokens != miss.PromptTokens || hit.CompletionTokens != miss.CompletionTokens || hit.CompletionTokens == 0 ||
		hit.CostSavedPicos != miss.CostPicos || miss.CostPicos == 0 || miss.CacheHit {
		t.Fatalf("ledger:\nmiss %+v\nhit  %+v", miss, hit)
	}

	if _, res := cachedChat(t, g.base, "sk-acme", chatReq("m", "what is a gateway")); res != "bypass" || up.hits.Load() != 2 {
		t.Fatalf("a non-deterministic request: %s, %d upstream calls", res, up.hits.Load())
	}
	// The verdicts reach the health registry: hit rate 1/2 of the looked-up
	// requests, and the per-model counter.
	waitFor(t, "the hit rate in /v1/health/models", func() bool {
		b := adminGet(t, g.root+"/v1/health/models")
		return strings.Contains(b, `"cache_hit_rate":0.5`)
	})
	if m := adminGet(t, g.root+"/metrics"); !strings.Contains(m, `tollgate_cache_requests_total{model="m",result="hit"} 1`) ||
		!strings.Contains(m, `tollgate_cache_requests_total{model="m",result="bypass"} 1`) {
		t.Fatalf("metrics:\n%s", grepLines(m, "tollgate_cache_"))
	}

	noStore := seeded("m", "no store please")
	if res, _ := rawChat(t, g.base, "sk-acme", noStore, map[string]string{"Cache-Control": "no-store"}); res != "bypass" {
		t.Fatalf("no-store: %s", res)
	}
	if _, res := cachedChat(t, g.base, "sk-acme", noStore); res != "miss" || up.hits.Load() != 4 {
		t.Fatalf("after no-store: %s, %d upstream calls (no-store must not store)", res, up.hits.Load())
	}
	if res, _ := rawChat(t, g.base, "sk-acme", req, map[string]string{"Cache-Control": "no-cache"}); res != "bypass" || up.hits.Load() != 5 {
		t.Fatalf("no-cache: %s, %d upstream calls", res, up.hits.Load())
	}
	if _, res := cachedChat(t, g.base, "sk-acme", req); res != "hit" || up.hits.Load() != 5 {
		t.Fatalf("after no-cache: %s", res)
	}
}

// rawChat posts req as JSON with extra headers and returns x-tollgate-cache and the body.
func rawChat(t *testing.T, base, key string, req openai.ChatCompletionRequest, headers map[string]string) (string, []byte) {
	t.Helper()
	b, _ := json.Marshal(req)
	hr, _ := http.NewRequest(http.MethodPost, base+"/chat/completions", bytes.NewReader(b))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+key)
	for k, v := range headers {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	return resp.Header.Get("X-Tollgate-Cache"), body
}

// TestCacheTTLHeaderAndPolicy: x-tollgate-cache-ttl sets how long an
// answer lives (0: not cached); the policy's cache_ttl_s 0 bypasses.
func TestCacheTTLHeaderAndPolicy(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, `package tollgate
default decision := {"allow": true}
decision := {"allow": true, "cache_ttl_s": 0} if { input.request.metadata.cache == "never" }
`)
	short := seeded("m", "short lived")
	if res, _ := rawChat(t, g.base, "sk-acme", short, map[string]string{"X-Tollgate-Cache-Ttl": "1"}); res != "miss" {
		t.Fatalf("ttl 1: %s", res)
	}
	if _, res := cachedChat(t, g.base, "sk-acme", short); res != "hit" {
		t.Fatalf("within its ttl: %s", res)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, res := cachedChat(t, g.base, "sk-acme", short); res != "miss" {
		t.Fatalf("after its ttl: %s", res)
	}
	zero := seeded("m", "ttl zero")
	if res, _ := rawChat(t, g.base, "sk-acme", zero, map[string]string{"X-Tollgate-Cache-Ttl": "0"}); res != "bypass" {
		t.Fatalf("ttl 0: %s", res)
	}
	never := seeded("m", "never cache")
	never.Metadata = map[string]string{"cache": "never"}
	for i := 0; i < 2; i++ {
		if _, res := cachedChat(t, g.base, "sk-acme", never); res != "bypass" {
			t.Fatalf("policy cache_ttl_s 0, request %d: %s", i, res)
		}
	}
	if up.hits.Load() != 5 {
		t.Fatalf("%d upstream calls, want 5", up.hits.Load())
	}
}

// TestCacheCrossServing: an answer stored from a stream serves a buffered
// request, and one stored from JSON is replayed as a stream (with the
// usage chunk when asked), with the same text and finish reason.
func TestCacheCrossServing(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")

	sreq := seeded("m", "streamed first")
	text, finish, _, res, err := cachedStream(t, g.base, "sk-acme", sreq)
	if err != nil || res != "miss" || text == "" || finish == "" {
		t.Fatalf("stream miss: %q %q %s %v", text, finish, res, err)
	}
	waitFor(t, "the streamed answer stored", func() bool { return g.stage.Stats().Stores == 1 })
	got, res := cachedChat(t, g.base, "sk-acme", sreq)
	if res != "hit" || got != text || up.hits.Load() != 1 {
		t.Fatalf("stream stored, JSON served: %s %q, want %q; %d upstream calls", res, got, text, up.hits.Load())
	}

	breq := seeded("m", "buffered first")
	want, res := cachedChat(t, g.base, "sk-acme", breq)
	if res != "miss" {
		t.Fatal(res)
	}
	breq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	text, finish, usage, res, err := cachedStream(t, g.base, "sk-acme", breq)
	if err != nil || res != "hit" || text != want || finish != "stop" && finish != "length" || usage == 0 || up.hits.Load() != 2 {
		t.Fatalf("JSON stored, stream served: %s %q (want %q) finish %q usage %d %v; %d upstream calls",
			res, text, want, finish, usage, err, up.hits.Load())
	}
}

// TestCacheCoalescing: 20 concurrent identical misses, buffered and
// streamed, make one upstream call; every follower gets the leader's
// answer (stream followers from its first event on).
func TestCacheCoalescing(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	up.delay.Store(int64(300 * time.Millisecond))
	up.pace.Store(100)
	req := seeded("m", "coalesce me")
	const n = 20
	texts := make([]string, n)
	results := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				texts[i], _, _, results[i], errs[i] = cachedStream(t, g.base, "sk-acme", req)
				return
			}
			resp, err := newClient(g.base, "sk-acme").CreateChatCompletion(context.Background(), req)
			if errs[i] = err; err == nil {
				texts[i], results[i] = resp.Choices[0].Message.Content, resp.Header().Get("X-Tollgate-Cache")
			}
		}()
		if i == 0 {
			waitFor(t, "the leader upstream", func() bool { return up.hits.Load() == 1 })
		}
	}
	wg.Wait()
	coalesced := 0
	for i := range n {
		if errs[i] != nil || texts[i] == "" || texts[i] != texts[0] {
			t.Fatalf("request %d: %q (leader %q) %v", i, texts[i], texts[0], errs[i])
		}
		if results[i] == "coalesced" {
			coalesced++
		}
	}
	if up.hits.Load() != 1 || results[0] != "miss" || coalesced != n-1 {
		t.Fatalf("%d upstream calls, results %q", up.hits.Load(), results)
	}
	waitFor(t, "every ledger record", func() bool { return len(readLedger(g.ledgerDir)) == n })
	for _, rec := range readLedger(g.ledgerDir) {
		if rec.CompletionTokens == 0 || rec.Status != 200 || (rec.Stages["cache"] == "coalesced") != rec.CacheHit ||
			(rec.CacheHit && (rec.CostPicos != 0 || rec.AnsweredBy != "cache" || rec.CostSavedPicos == 0)) {
			t.Fatalf("ledger record %+v", rec)
		}
	}
}

// TestCacheFallbackStoredUnderServedModel: an answer a fallback model
// served is stored under that model's key: it serves requests for the
// fallback model.
func TestCacheFallbackStoredUnderServedModel(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	badURL, bad := startCacheUpstream(t)
	bad.fail.Store(500)
	g := startCacheGatewayYAML(t, `
upstreams: [{name: u, kind: openai, base_url: "{{U}}"}, {name: bad, kind: openai, base_url: "{{B}}"}]
models:
  - {name: primary, deployments: [{upstream: bad, model: mock-gpt}], fallbacks: [m], retry: {attempts: 1}}
  - {name: m, deployments: [{upstream: u, model: mock-gpt}], retry: {attempts: 1}}
cache: {enabled: true}
`, map[string]string{"U": upURL, "B": badURL}, nil, "")
	req := seeded("primary", "served by the fallback")
	resp, err := newClient(g.base, "").CreateChatCompletion(context.Background(), req)
	if err != nil || resp.Header().Get("X-Tollgate-Model") != "m" || bad.hits.Load() == 0 {
		t.Fatalf("%v %q", err, resp.Header().Get("X-Tollgate-Model"))
	}
	req.Model = "m"
	if got, res := cachedChat(t, g.base, "", req); res != "hit" || got != resp.Choices[0].Message.Content || up.hits.Load() != 1 {
		t.Fatalf("the fallback model's own request: %s, %d upstream calls", res, up.hits.Load())
	}
}

// TestCacheAbandonedStreamNotStored: a stream the client left before its
// end is never stored.
func TestCacheAbandonedStreamNotStored(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	up.pace.Store(20)
	hr, _ := http.NewRequest(http.MethodPost, g.base+"/chat/completions",
		strings.NewReader(`{"model":"m","seed":1,"stream":true,"max_tokens":40,"messages":[{"role":"user","content":"left early"}]}`))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer sk-acme")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	if _, err := resp.Body.Read(buf); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec := ledgerRecordN(t, g.ledgerDir, 1)
	if rec.Flags&metering.FlagClientAborted == 0 {
		t.Fatalf("ledger record %+v", rec)
	}
	up.pace.Store(0)
	seed := 1
	req := chatReq("m", "left early")
	req.Seed, req.MaxTokens = &seed, 40
	if _, res := cachedChat(t, g.base, "sk-acme", req); res != "miss" || g.stage.Stats().Stores != 1 {
		t.Fatalf("after an abandoned stream: %s, %d stores", res, g.stage.Stats().Stores)
	}
}

// TestCacheCoalescedLeaderFails: followers of a leader that fails get an
// error (an error event for streams), promptly, never a hang.
func TestCacheCoalescedLeaderFails(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	up.delay.Store(int64(300 * time.Millisecond))
	up.fail.Store(500)
	req := seeded("m", "doomed")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 1 {
				_, _, _, _, errs[i] = cachedStream(t, g.base, "sk-acme", req)
				return
			}
			_, errs[i] = newClient(g.base, "sk-acme").CreateChatCompletion(context.Background(), req)
		}()
		if i == 0 {
			waitFor(t, "the leader upstream", func() bool { return up.hits.Load() == 1 })
		}
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Fatalf("request %d succeeded", i)
		}
	}
	if up.hits.Load() != 1 || time.Since(start) > 10*time.Second {
		t.Fatalf("%d upstream calls in %s", up.hits.Load(), time.Since(start))
	}
}

// TestCacheTenantIsolation: tenant B never gets tenant A's answer (its
// own request goes upstream), unless the model is configured shared.
func TestCacheTenantIsolation(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	req := seeded("m", "acme's secret plan")
	if _, res := cachedChat(t, g.base, "sk-acme", req); res != "miss" {
		t.Fatal(res)
	}
	if _, res := cachedChat(t, g.base, "sk-globex", req); res != "miss" || up.hits.Load() != 2 {
		t.Fatalf("tenant B: %s, %d upstream calls: it was served tenant A's answer", res, up.hits.Load())
	}
	if _, res := cachedChat(t, g.base, "sk-acme", req); res != "hit" {
		t.Fatalf("tenant A again: %s", res)
	}
	text, _, _, res, err := cachedStream(t, g.base, "sk-globex", seeded("m", "globex only"))
	if err != nil || res != "miss" || text == "" {
		t.Fatal(res, err)
	}
	waitFor(t, "stored", func() bool { return g.stage.Stats().Stores == 3 })
	if _, res := cachedChat(t, g.base, "sk-acme", seeded("m", "globex only")); res != "miss" {
		t.Fatalf("tenant A got tenant B's streamed answer: %s", res)
	}
	shared := seeded("m-shared", "public facts")
	cachedChat(t, g.base, "sk-acme", shared)
	if _, res := cachedChat(t, g.base, "sk-globex", shared); res != "hit" {
		t.Fatalf("a shared model: %s", res)
	}
}

// TestCacheEntryOverCapNotStored: an answer bigger than max_entry_bytes is
// served but never stored.
func TestCacheEntryOverCapNotStored(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "  max_entry_bytes: 64\n", nil, "")
	req := seeded("m", "a long answer")
	for i := 0; i < 2; i++ {
		if _, res := cachedChat(t, g.base, "sk-acme", req); res != "miss" {
			t.Fatalf("request %d: %s", i, res)
		}
	}
	if up.hits.Load() != 2 || g.stage.Stats().Stores != 0 {
		t.Fatalf("%d upstream calls, %d stores", up.hits.Load(), g.stage.Stats().Stores)
	}
}

// TestCacheRedisSharedByReplicas: a second replica hits what the first
// stored on Redis; a purge on one reaches both; a corrupt entry on Redis is
// a miss (deleted and counted); Redis stopped mid-run fails no request.
func TestCacheRedisSharedByReplicas(t *testing.T) {
	rs := testredis.StartOpts(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr})
	t.Cleanup(func() { _ = rdb.Close() })
	upURL, up := startCacheUpstream(t)
	const fast = "  generation_refresh: 50ms\n  redis_timeout: 50ms\n"
	g1 := startCacheGateway(t, upURL, fast, rdb, "")
	g2 := startCacheGateway(t, upURL, fast, rdb, "")
	req := seeded("m", "shared by replicas")
	want, res := cachedChat(t, g1.base, "sk-acme", req)
	if res != "miss" {
		t.Fatal(res)
	}
	waitFor(t, "the entry on Redis", func() bool { return len(rdb.Keys(context.Background(), "tg:cache:e:*").Val()) == 1 })
	if got, res := cachedChat(t, g2.base, "sk-acme", req); res != "hit" || got != want || up.hits.Load() != 1 {
		t.Fatalf("second replica: %s %q, %d upstream calls", res, got, up.hits.Load())
	}

	// A purge of the tenant's model on replica 1, through the admin API.
	hr, _ := http.NewRequest(http.MethodDelete, g1.root+"/admin/cache?tenant=acme&model=m", nil)
	hr.Header.Set("Authorization", "Bearer sk-admin")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("purge: %v %v", resp, err)
	}
	resp.Body.Close()
	// Replica 2 takes the new generation from Redis within generation_refresh:
	// until then it may still serve the old answer from memory.
	waitFor(t, "replica 2 to see the purge", func() bool {
		_, res := cachedChat(t, g2.base, "sk-acme", req)
		return res == "miss"
	})
	if up.hits.Load() != 2 {
		t.Fatalf("%d upstream calls", up.hits.Load())
	}
	waitFor(t, "replica 1 to hit what replica 2 stored after the purge", func() bool {
		_, res := cachedChat(t, g1.base, "sk-acme", req)
		return res == "hit"
	})
	if up.hits.Load() != 2 {
		t.Fatalf("%d upstream calls: replica 1 missed after the purge", up.hits.Load())
	}

	// A corrupt value on Redis: a third replica (empty memory) misses.
	ctx := context.Background()
	for _, k := range rdb.Keys(ctx, "tg:cache:e:*").Val() {
		v := rdb.Get(ctx, k).Val()
		rdb.Set(ctx, k, v[:len(v)/2], time.Minute)
	}
	corrupt := counterValue(t, "tollgate_cache_corrupt_entries_total")
	g3 := startCacheGateway(t, upURL, fast, rdb, "")
	if _, res := cachedChat(t, g3.base, "sk-acme", req); res != "miss" {
		t.Fatalf("corrupt entry: %s", res)
	}
	if counterValue(t, "tollgate_cache_corrupt_entries_total") != corrupt+1 {
		t.Fatal("the corrupt entry was not counted")
	}

	// Redis stalls (paused): requests still succeed, from memory or upstream.
	rs.Pause()
	if _, res := cachedChat(t, g1.base, "sk-acme", seeded("m", "redis paused")); res != "miss" {
		t.Fatalf("miss with Redis paused: %s", res)
	}
	if _, res := cachedChat(t, g2.base, "sk-acme", req); res != "hit" {
		t.Fatalf("memory hit with Redis paused: %s", res)
	}
	rs.Resume()

	// Redis stops: requests still succeed, hits from memory.
	rs.Stop()
	if _, res := cachedChat(t, g2.base, "sk-acme", req); res != "hit" {
		t.Fatalf("memory hit with Redis down: %s", res)
	}
	for i := 0; i < 3; i++ {
		if _, res := cachedChat(t, g1.base, "sk-acme", seeded("m", fmt.Sprint("redis down ", i))); res != "miss" {
			t.Fatalf("miss with Redis down: %s", res)
		}
	}
	if s := g1.stage.Stats(); s.Redis != "down" {
		t.Fatalf("stats %+v", s)
	}
}

// TestCacheAdminPurgeAll: DELETE /admin/cache with no tenant or model
// forgets every answer; the stats are on GET.
func TestCacheAdminPurgeAll(t *testing.T) {
	upURL, _ := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	req := seeded("m", "purge all")
	cachedChat(t, g.base, "sk-acme", req)
	hr, _ := http.NewRequest(http.MethodDelete, g.root+"/admin/cache", nil)
	hr.Header.Set("Authorization", "Bearer sk-admin")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	resp.Body.Close()
	if _, res := cachedChat(t, g.base, "sk-acme", req); res != "miss" {
		t.Fatalf("after purging all: %s", res)
	}
	hr, _ = http.NewRequest(http.MethodGet, g.root+"/admin/cache", nil)
	hr.Header.Set("Authorization", "Bearer sk-admin")
	resp, err = http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"misses":2`) {
		t.Fatalf("stats %s", b)
	}
}

func adminGet(t *testing.T, url string) string {
	t.Helper()
	hr, _ := http.NewRequest(http.MethodGet, url, nil)
	hr.Header.Set("Authorization", "Bearer sk-admin")
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestCacheEmbeddingsAlwaysCached: embeddings need no temperature or seed;
// the second identical request is a hit with the same vectors.
func TestCacheEmbeddingsAlwaysCached(t *testing.T) {
	upURL, up := startCacheUpstream(t)
	g := startCacheGateway(t, upURL, "", nil, "")
	c := newClient(g.base, "sk-acme")
	req := openai.EmbeddingRequest{Model: "m", Input: []string{"tollgate caches embeddings"}}
	first, err := c.CreateEmbeddings(context.Background(), req)
	if err != nil || first.Header().Get("X-Tollgate-Cache") != "miss" {
		t.Fatalf("%v %q", err, first.Header().Get("X-Tollgate-Cache"))
	}
	again, err := c.CreateEmbeddings(context.Background(), req)
	if err != nil || again.Header().Get("X-Tollgate-Cache") != "hit" || up.hits.Load() != 1 ||
		len(again.Data) != 1 || len(again.Data[0].Embedding) == 0 || again.Data[0].Embedding[0] != first.Data[0].Embedding[0] {
		t.Fatalf("%v %q, %d upstream calls", err, again.Header().Get("X-Tollgate-Cache"), up.hits.Load())
	}
}
