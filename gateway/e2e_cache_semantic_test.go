package gateway_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	openai "github.com/sashabaranov/go-openai"
	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/cache/semantic"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// countingMock starts in-process mocks (gateway.Options.Mock and
// cache.SemanticOptions.Mock) that count the chat and embedding calls
// reaching them, across every instance it started; failEmbed answers the
// embedding calls 500.
type countingMock struct {
	chat, embed atomic.Int64
	failEmbed   atomic.Bool
}

func (c *countingMock) start(m config.MockUpstream) (func() (net.Conn, error), func()) {
	srv := mockllm.New(mockllm.Options{Latency: m.Latency, ErrorRate: m.ErrorRate, Embeddings: m.Embeddings})
	ln := fasthttputil.NewInmemoryListener()
	fs := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		switch p := string(ctx.Path()); {
		case strings.HasSuffix(p, "/chat/completions"):
			c.chat.Add(1)
		case strings.HasSuffix(p, "/embeddings"):
			c.embed.Add(1)
			if c.failEmbed.Load() {
				ctx.SetStatusCode(500)
				ctx.SetBodyString(`{"error":{"message":"injected","type":"server_error"}}`)
				return
			}
		}
		srv.Handler(ctx)
	}}
	go func() { _ = fs.Serve(ln) }()
	return ln.Dial, func() { _ = srv.Close(); _ = ln.Close() }
}

// semanticConfig: model m caches semantically through mock-embed (the
// in-process mock with lexical embeddings), m-down through an embedding
// model whose upstream refuses connections.
const semanticConfig = `
admin: {key: sk-admin}
upstreams:
  - {name: mock, kind: mock, mock: {embeddings: lexical}}
  - {name: down, kind: openai, base_url: "http://127.0.0.1:1/v1"}
models:
  - {name: m, deployments: [{upstream: mock, model: mock-gpt}], retry: {attempts: 1}}
  - {name: m-down, deployments: [{upstream: mock, model: mock-gpt}], retry: {attempts: 1}}
  - {name: mock-embed, deployments: [{upstream: mock, model: mock-embed}]}
  - {name: embed-down, deployments: [{upstream: down, model: mock-embed}]}
keys:
  - {id: a, key: sk-acme, tenant: acme}
  - {id: b, key: sk-globex, tenant: globex}
cache:
  enabled: true
  redis_timeout: 50ms
  generation_refresh: 50ms
  models:
    m: {semantic: {enabled: true, embedding_model: mock-embed}}
    m-down: {semantic: {enabled: true, embedding_model: embed-down}}
`

type semanticGW struct {
	base, root, ledgerDir string
	stage                 *cache.Stage
	sem                   *cache.SemanticHandler
}

// startSemanticGateway wires a gateway as cmd/tollgate does when a model
// enables the semantic cache: the handler built from the config
// (cache.NewSemantic) and passed to the cache stage, with a ledger.
func startSemanticGateway(t *testing.T, mock *countingMock, rdb redis.UniversalClient) *semanticGW {
	t.Helper()
	cfg := parseConfig(t, semanticConfig, nil)
	ledger, dir := testLedger(t)
	sem, err := cache.NewSemantic(cache.SemanticOptions{Config: cfg, Mock: mock.start, Redis: rdb, Ledger: ledger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sem.Close)
	st := cache.New(cache.Options{Config: &cfg.Cache, Redis: rdb, Semantic: sem})
	t.Cleanup(st.Close)
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	hr, err := health.New(gateway.HealthOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	gw, err := gateway.New(cfg, gateway.Options{Mock: mock.start, Stages: gateway.Stages{Tokens: tokens, Ledger: ledger, Cache: st, Health: hr}})
	if err != nil {
		t.Fatal(err)
	}
	gw.Handle("/metrics", hr.ServeMetrics, gateway.Ops)
	root := serveGateway(t, gw)
	return &semanticGW{base: root + "/v1", root: root, ledgerDir: dir, stage: st, sem: sem}
}

// The question and a paraphrase the lexical embeddings put at cosine 0.93
// (13 of 15 word uni- and bi-grams shared); the guard lets them meet.
const (
	question   = "What is the capital city of France?"
	paraphrase = "What is the capital city of France, please?"
)

// waitStored waits for the background store of n vectors in g's indexes.
func waitStored(t *testing.T, g *semanticGW, n int) {
	t.Helper()
	waitFor(t, "the vector stored", func() bool { return g.sem.Stats().Vectors >= n })
}

// TestSemanticCacheParaphraseHits: a paraphrase of an answered question is
// served the stored answer (semantic-hit, one chat call at the mock), with
// a ledger record marked like an exact hit, the embedding calls recorded as
// the gateway's own cost tagged cache=semantic, and the metrics label.
func TestSemanticCacheParaphraseHits(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	first, res := cachedChat(t, g.base, "sk-acme", seeded("m", question))
	if res != "miss" {
		t.Fatal(res)
	}
	waitStored(t, g, 1)
	got, res := cachedChat(t, g.base, "sk-acme", seeded("m", paraphrase))
	if res != "semantic-hit" || got != first || mock.chat.Load() != 1 {
		t.Fatalf("paraphrase: %s %q (first %q), %d chat calls", res, got, first, mock.chat.Load())
	}
	if mock.embed.Load() != 2 { // one per distinct question; the store reused the lookup's vector
		t.Fatalf("%d embedding calls", mock.embed.Load())
	}
	var miss, hit metering.Record
	var embeds []metering.Record
	waitFor(t, "4 ledger records", func() bool { return len(readLedger(g.ledgerDir)) >= 4 })
	for _, r := range readLedger(g.ledgerDir) {
		switch {
		case r.Tags["cache"] == "semantic":
			embeds = append(embeds, r)
		case r.CacheHit:
			hit = r
		default:
			miss = r
		}
	}
	if !hit.CacheHit || hit.AnsweredBy != "cache" || hit.Stages["cache"] != "semantic-hit" || hit.CostPicos != 0 ||
		hit.Tenant != "acme" || hit.CompletionTokens != miss.CompletionTokens || hit.CostSavedPicos != miss.CostPicos {
		t.Fatalf("ledger:\nmiss %+v\nhit  %+v", miss, hit)
	}
	if len(embeds) != 2 {
		t.Fatalf("embedding records: %+v", embeds)
	}
	for _, e := range embeds {
		if e.Tenant != "" || e.KeyID != "" || e.ModelRequested != "mock-embed" || e.Endpoint != "embeddings" ||
			e.PromptTokens == 0 || e.CostPicos == 0 || e.Status != 200 {
			t.Fatalf("embedding record: %+v", e)
		}
	}
	if m := adminGet(t, g.root+"/metrics"); !strings.Contains(m, `tollgate_cache_requests_total{model="m",result="semantic-hit"} 1`) {
		t.Fatalf("metrics:\n%s", grepLines(m, "tollgate_cache_requests"))
	}
	// A streamed paraphrase replays the same answer as a stream.
	text, finish, _, res, err := cachedStream(t, g.base, "sk-acme", seeded("m", paraphrase))
	if err != nil || res != "semantic-hit" || text != first || finish == "" || mock.chat.Load() != 1 {
		t.Fatalf("streamed paraphrase: %s %q %q %v, %d chat calls", res, text, finish, err, mock.chat.Load())
	}
}

// TestSemanticCacheNearMissMisses: "what is 2+2" never answers "what is
// 2+3", nor a longer pair that differs in a number only, nor a negated
// question. The last two are above the threshold for the lexical
// embeddings (checked here): the guard is what keeps them apart.
func TestSemanticCacheNearMissMisses(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	pairs := []struct {
		stored, asked  string
		aboveThreshold bool
	}{
		{"what is 2+2", "what is 2+3", false},
		{"in plain and simple words for my small child at school please explain what 2+2 is",
			"in plain and simple words for my small child at school please explain what 2+3 is", true},
		{"is the bridge safe to cross today", "is the bridge not safe to cross today", true},
	}
	for i, p := range pairs {
		if cos := lexicalCosine(t, p.stored, p.asked); (cos >= semantic.DefaultThreshold) != p.aboveThreshold {
			t.Fatalf("%q / %q: cosine %.3f", p.stored, p.asked, cos)
		}
		cachedChat(t, g.base, "sk-acme", seeded("m", p.stored))
		waitStored(t, g, 2*i+1)
		if _, res := cachedChat(t, g.base, "sk-acme", seeded("m", p.asked)); res != "miss" || mock.chat.Load() != int64(2*i+2) {
			t.Fatalf("%q after %q: %s, %d chat calls", p.asked, p.stored, res, mock.chat.Load())
		}
		waitStored(t, g, 2*i+2)
	}
}

// lexicalCosine is the cosine of two texts' lexical mock embeddings.
func lexicalCosine(t *testing.T, a, b string) float64 {
	t.Helper()
	dial, stop := mockllm.StartInMemory(mockllm.Options{Embeddings: mockllm.EmbeddingsLexical})
	defer stop()
	e, err := semantic.NewOpenAIEmbedder(semantic.OpenAIEmbedderOptions{BaseURL: "http://mock/v1", Model: "mock-embed",
		Dial: func(string) (net.Conn, error) { return dial() }})
	if err != nil {
		t.Fatal(err)
	}
	va, err := e.Embed(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	vb, err := e.Embed(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	var dot float64
	for i := range va.Vector {
		dot += float64(va.Vector[i]) * float64(vb.Vector[i])
	}
	return dot
}

// TestSemanticCacheTenantIsolation: tenant B's paraphrase of tenant A's
// question goes upstream; tenant A's own paraphrase hits.
func TestSemanticCacheTenantIsolation(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	cachedChat(t, g.base, "sk-acme", seeded("m", question))
	waitStored(t, g, 1)
	if _, res := cachedChat(t, g.base, "sk-globex", seeded("m", paraphrase)); res != "miss" || mock.chat.Load() != 2 {
		t.Fatalf("tenant B: %s, %d chat calls: served tenant A's answer", res, mock.chat.Load())
	}
	if _, res := cachedChat(t, g.base, "sk-acme", seeded("m", paraphrase)); res != "semantic-hit" {
		t.Fatalf("tenant A: %s", res)
	}
}

// TestSemanticCacheNeverWithTools: a request with tools is neither looked up
// nor stored semantically (no embedding call), only exactly.
func TestSemanticCacheNeverWithTools(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	tools := []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "lookup",
		Parameters: map[string]any{"type": "object", "properties": map[string]any{}}}}}
	withTools := func(prompt string) openai.ChatCompletionRequest {
		r := seeded("m", prompt)
		r.Tools = tools
		return r
	}
	cachedChat(t, g.base, "sk-acme", withTools(question))
	if _, res := cachedChat(t, g.base, "sk-acme", withTools(paraphrase)); res != "miss" || mock.chat.Load() != 2 || mock.embed.Load() != 0 {
		t.Fatalf("tools: %s, %d chat calls, %d embedding calls", res, mock.chat.Load(), mock.embed.Load())
	}
	// An answer stored without tools does not serve a paraphrase with them.
	cachedChat(t, g.base, "sk-acme", seeded("m", "Which river runs through Paris?"))
	waitStored(t, g, 1)
	if _, res := cachedChat(t, g.base, "sk-acme", withTools("Which river runs through Paris, please?")); res != "miss" {
		t.Fatalf("a paraphrase with tools: %s", res)
	}
	if _, res := cachedChat(t, g.base, "sk-acme", withTools(question)); res != "hit" {
		t.Fatalf("the exact cache still serves requests with tools: %s", res)
	}
}

// TestSemanticCacheEmbeddingFailureIsAMiss: an embedding model whose upstream
// is down, or that answers errors, means no semantic lookup: the requests
// succeed as misses, and the exact cache still works.
func TestSemanticCacheEmbeddingFailureIsAMiss(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	first, res := cachedChat(t, g.base, "sk-acme", seeded("m-down", question))
	if res != "miss" || first == "" {
		t.Fatal(res)
	}
	if _, res := cachedChat(t, g.base, "sk-acme", seeded("m-down", paraphrase)); res != "miss" || mock.chat.Load() != 2 {
		t.Fatalf("upstream down: %s, %d chat calls", res, mock.chat.Load())
	}
	if again, res := cachedChat(t, g.base, "sk-acme", seeded("m-down", question)); res != "hit" || again != first {
		t.Fatalf("exact hit with the embedder down: %s", res)
	}
	if g.sem.Stats().EmbedErrors == 0 {
		t.Fatal("the embedding failure was not counted")
	}

	mock.failEmbed.Store(true)
	if _, res := cachedChat(t, g.base, "sk-acme", seeded("m", question)); res != "miss" || mock.embed.Load() != 1 {
		t.Fatalf("embedding 500: %s, %d embedding calls", res, mock.embed.Load())
	}
	// Paused after the failure (cache/semantic_handler_test.go checks the
	// pause itself): a miss either way.
	if _, res := cachedChat(t, g.base, "sk-acme", seeded("m", paraphrase)); res != "miss" || mock.chat.Load() != 4 {
		t.Fatalf("after the failure: %s, %d chat calls", res, mock.chat.Load())
	}
}

// TestSemanticCacheSharedByReplicas: the second replica, sharing Redis,
// serves a semantic hit from the vector and entry the first stored there.
func TestSemanticCacheSharedByReplicas(t *testing.T) {
	rs := testredis.StartOpts(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	mock := &countingMock{}
	g1 := startSemanticGateway(t, mock, rdb)
	g2 := startSemanticGateway(t, mock, rdb)
	first, res := cachedChat(t, g1.base, "sk-acme", seeded("m", question))
	if res != "miss" {
		t.Fatal(res)
	}
	ctx := context.Background()
	waitFor(t, "the entry and its vector on Redis", func() bool {
		return len(rdb.Keys(ctx, "tg:cache:e:*").Val()) == 1 && len(rdb.Keys(ctx, "tg:cache:sem:*:v:*").Val()) == 1
	})
	if got, res := cachedChat(t, g2.base, "sk-acme", seeded("m", paraphrase)); res != "semantic-hit" || got != first || mock.chat.Load() != 1 {
		t.Fatalf("second replica: %s %q (first %q), %d chat calls", res, got, first, mock.chat.Load())
	}
	for _, k := range rdb.Keys(ctx, "tg:cache:sem:*").Val() {
		if strings.Contains(k, "acme") || strings.Contains(k, "France") {
			t.Fatalf("a Redis key names the tenant or the text: %s", k)
		}
	}
}

// TestSemanticCacheConversationMustMatch: a different system prompt (the
// conversation before the last user message) is a miss; the same one hits.
func TestSemanticCacheConversationMustMatch(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	conv := func(system, prompt string) openai.ChatCompletionRequest {
		r := seeded("m", prompt)
		r.Messages = append([]openai.ChatCompletionMessage{{Role: "system", Content: system}}, r.Messages...)
		return r
	}
	cachedChat(t, g.base, "sk-acme", conv("Answer in one word.", question))
	waitStored(t, g, 1)
	if _, res := cachedChat(t, g.base, "sk-acme", conv("Answer at length.", paraphrase)); res != "miss" || mock.chat.Load() != 2 {
		t.Fatalf("other system prompt: %s, %d chat calls", res, mock.chat.Load())
	}
	if _, res := cachedChat(t, g.base, "sk-acme", conv("Answer in one word.", paraphrase)); res != "semantic-hit" {
		t.Fatalf("same system prompt: %s", res)
	}
	// Other parameters are part of the scope too.
	r := conv("Answer in one word.", paraphrase)
	r.MaxTokens = 5
	if _, res := cachedChat(t, g.base, "sk-acme", r); res != "miss" {
		t.Fatalf("other max_tokens: %s", res)
	}
}

// A burst: 40 concurrent requests from two tenants, paraphrases and
// near-misses mixed, after each tenant's answer is stored. Every request
// succeeds; a tenant's paraphrases get its own answer (semantic-hit), never
// the other tenant's; a near-miss ("…of Spain?") never gets a stored
// question's answer (repeats of it get its own answer: an exact or a
// semantic hit on its own entry, or a coalesced call);
// the upstream sees only the misses.
func TestSemanticCacheBurst(t *testing.T) {
	mock := &countingMock{}
	g := startSemanticGateway(t, mock, nil)
	answers := map[string]string{}
	for _, key := range []string{"sk-acme", "sk-globex"} {
		a, res := cachedChat(t, g.base, key, seeded("m", question))
		if res != "miss" {
			t.Fatal(res)
		}
		answers[key] = a
	}
	waitStored(t, g, 2)
	chatBefore := mock.chat.Load()
	const n = 40
	type result struct{ key, prompt, answer, cache string }
	results := make(chan result, n)
	errs := make(chan error, n)
	for i := range n {
		key := []string{"sk-acme", "sk-globex"}[i%2]
		prompt := paraphrase
		if i%4 >= 2 {
			prompt = "What is the capital city of Spain, please?"
		}
		go func() {
			resp, err := newClient(g.base, key).CreateChatCompletion(context.Background(), seeded("m", prompt))
			if err != nil {
				errs <- err
				return
			}
			results <- result{key, prompt, resp.Choices[0].Message.Content, resp.Header().Get("X-Tollgate-Cache")}
		}()
	}
	misses := 0
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case r := <-results:
			switch {
			case r.prompt == paraphrase && (r.cache != "semantic-hit" || r.answer != answers[r.key]):
				t.Fatalf("%s paraphrase: %s %q, want semantic-hit %q", r.key, r.cache, r.answer, answers[r.key])
			case r.prompt != paraphrase && (r.answer == answers["sk-acme"] || r.answer == answers["sk-globex"]):
				t.Fatalf("%s near-miss served a stored question's answer (%s): %q", r.key, r.cache, r.answer)
			case r.prompt != paraphrase && r.cache == "miss":
				misses++
			}
		case <-time.After(30 * time.Second):
			t.Fatal("burst did not finish")
		}
	}
	if up := mock.chat.Load() - chatBefore; up != int64(misses) || misses == 0 {
		t.Fatalf("%d upstream chat calls during the burst, %d misses (coalesced followers make none)", up, misses)
	}
}
