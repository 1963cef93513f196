package cache

import (
	"context"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/tollgate-ai/tollgate/cache/semantic"
	"github.com/tollgate-ai/tollgate/metering"
)

// SemanticHandler is the Stage's Semantic on top of package cache/semantic:
// it embeds a chat request's last user message through the model's
// embedding model, finds an earlier answer of the same scope (semanticScope)
// whose message means the same (cosine over the threshold, and Guard), and
// serves the exact cache's entry that answer is stored under. Build it with
// NewSemantic (from the config) and pass it as Options.Semantic.
type SemanticHandler struct {
	stage    atomic.Pointer[Stage] // set by New: the entries live in its tiers
	models   atomic.Pointer[map[string]*embedModel]
	prices   atomic.Pointer[metering.Prices]
	ledger   *metering.Ledger // nil: the embedding calls are not recorded
	log      *slog.Logger
	storeSem chan struct{} // bounds the stores running in the background
	wg       sync.WaitGroup

	lookups, hits, embedErrors atomic.Int64
}

var _ Semantic = (*SemanticHandler)(nil)

// Bounds of the background work a miss leaves.
const (
	// embedPause: after an embedding call failed, that embedding model is
	// left alone this long (no lookups, no stores), so a hanging endpoint
	// costs one timeout per pause, not one per request.
	embedPause = time.Second
	// maxStoring: stores (a remembered embedding and a Redis SET) running at
	// once; more are dropped (the answer is stored exactly all the same).
	maxStoring = 64
	// maxSemanticText: a longer last user message is not looked up. Long
	// messages rarely recur as paraphrases, the guard's cost grows with them,
	// and one over the embedding model's input limit would fail the call
	// (and pause the embedding model for everyone).
	maxSemanticText = 8 << 10
)

var (
	semanticEmbedErrors   = metrics.NewCounter(`tollgate_cache_semantic_embed_errors_total`)
	semanticStoresDropped = metrics.NewCounter(`tollgate_cache_semantic_stores_dropped_total`)
)

// embedModel is one embedding model: its semantic cache (index, vectors on
// Redis, embedder) and what its ledger records say.
type embedModel struct {
	name       string // the configured model
	served     string // the upstream's model name: records are priced under it
	deployment string
	spec       string // what it was built from: a reload rebuilds it when this changes
	cache      *semantic.Cache
	stop       func() // the in-process mock behind it, if any
	downUntil  atomic.Int64
}

func (m *embedModel) paused() bool { return time.Now().UnixNano() < m.downUntil.Load() }

// bindStage is called by New: a semantic hit reads the stage's entries.
func (h *SemanticHandler) bindStage(s *Stage) { h.stage.Store(s) }

// Lookup implements Semantic. Only chat requests with a last user message
// of text (up to maxSemanticText bytes) are looked up; an embedding failure
// is a miss without a Pending (nothing to store under).
func (h *SemanticHandler) Lookup(r *SemanticRequest) (*Entry, Pending) {
	st := h.stage.Load()
	if r.Endpoint != "chat" || st == nil {
		return nil, nil
	}
	em := (*h.models.Load())[r.EmbeddingModel]
	if em == nil || em.paused() {
		return nil, nil
	}
	rest, text, ok := semanticDigest(r.Body)
	if !ok || len(text) > maxSemanticText {
		return nil, nil
	}
	h.lookups.Add(1)
	scope := semanticScope(r, em.name+"\x00"+em.served, &rest)
	start := time.Now()
	m, err := em.cache.Lookup(context.Background(), scope, text, float32(r.Threshold))
	if err != nil {
		h.embedFailed(em, err)
		return nil, nil
	}
	h.record(em, m.EmbedTokens, start)
	parts := KeyParts{Endpoint: r.Endpoint, Scope: r.Scope, Profile: r.Profile, Model: r.Model, Gen: r.Gen}
	k := MakeKey(&parts, &r.Digest)
	p := &semanticPending{h: h, em: em, scope: scope, text: text, entryKey: hex.EncodeToString(k[:])}
	if !m.Hit {
		return nil, p
	}
	if e := st.stored(m.EntryKey); e != nil {
		h.hits.Add(1)
		return e, p
	}
	// The entry expired, was evicted or is not on Redis yet: forget it here
	// (its vector on Redis expires with the entry), answer as a miss.
	em.cache.Index().Remove(scope, m.EntryKey)
	return nil, p
}

// Purge implements Semantic. Nothing to do: the scope holds the purge
// generation, so a purge makes the old vectors unreachable; they leave the
// index as newer ones push them out, and Redis as the entries expire.
func (h *SemanticHandler) Purge(scope, model string) {}

// stored reads the entry a semantic match names (the hex of its exact key),
// from memory, then Redis; nil when it is gone.
func (s *Stage) stored(entryKey string) *Entry {
	var k Key
	if n, err := hex.Decode(k[:], []byte(entryKey)); err != nil || n != len(k) {
		return nil
	}
	if e := s.mem.get(k); e != nil {
		return e
	}
	if s.l2 == nil {
		return nil
	}
	return s.l2.get(k)
}

func (h *SemanticHandler) embedFailed(em *embedModel, err error) {
	h.embedErrors.Add(1)
	semanticEmbedErrors.Inc()
	em.downUntil.Store(time.Now().Add(embedPause).UnixNano())
	// err names the failure, never the text or the key (semantic.Embedder).
	h.log.Warn("semantic cache: embedding failed; no semantic lookups with this model for a while",
		"embedding_model", em.name, "pause", embedPause, "err", err)
}

// record puts an embedding call in the ledger: the gateway's own cost (no
// tenant, no key), tagged cache=semantic, priced under the embedding
// deployment's model. A call whose endpoint reported no usage (tokens 0) is
// indistinguishable from a remembered embedding and is not recorded.
func (h *SemanticHandler) record(em *embedModel, tokens int, start time.Time) {
	if h.ledger == nil || tokens <= 0 {
		return
	}
	rec := metering.Record{ModelRequested: em.name, ModelServed: em.served, Deployment: em.deployment,
		Endpoint: "embeddings", Tags: map[string]string{"cache": "semantic"},
		Usage: metering.Usage{PromptTokens: tokens}, Status: 200, LatencyMs: time.Since(start).Milliseconds()}
	if p := h.prices.Load(); p != nil {
		p.Bill(&rec)
	}
	h.ledger.Add(&rec)
}

// SemanticStats are the semantic cache's counters since start.
type SemanticStats struct {
	Lookups     int64 `json:"lookups"` // requests embedded and searched
	Hits        int64 `json:"hits"`
	EmbedErrors int64 `json:"embed_errors"`
	Vectors     int   `json:"vectors"` // in this replica's indexes
}

// Stats reports the semantic cache's figures.
func (h *SemanticHandler) Stats() SemanticStats {
	s := SemanticStats{Lookups: h.lookups.Load(), Hits: h.hits.Load(), EmbedErrors: h.embedErrors.Load()}
	for _, em := range *h.models.Load() {
		s.Vectors += em.cache.Index().Len()
	}
	return s
}

// Close waits for the background stores and stops the in-process mocks
// behind embedding models.
func (h *SemanticHandler) Close() {
	h.wg.Wait()
	for _, em := range *h.models.Load() {
		if em.stop != nil {
			em.stop()
		}
	}
}

// semanticPending is a looked-up request waiting for its answer. It keeps
// copies (the text, the keys), never the request body.
type semanticPending struct {
	h        *SemanticHandler
	em       *embedModel
	scope    string
	text     string
	entryKey string
}

// Store records the answer's vector (the lookup's embedding, remembered) in
// the index and on Redis, in the background: the request never waits on it.
func (p *semanticPending) Store(e *Entry, ttl time.Duration) {
	h := p.h
	select {
	case h.storeSem <- struct{}{}:
	default:
		semanticStoresDropped.Inc()
		return
	}
	h.wg.Add(1)
	go func() {
		defer func() { <-h.storeSem; h.wg.Done() }()
		start := time.Now()
		tokens, err := p.em.cache.Store(context.Background(), p.scope, p.text, p.entryKey, ttl)
		h.record(p.em, tokens, start)
		if err != nil {
			h.log.Debug("semantic cache: store", "err", err)
		}
	}()
}

// Release implements Pending: nothing is held.
func (p *semanticPending) Release() {}
