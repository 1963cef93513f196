package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/cache/semantic"
	"github.com/tollgate-ai/tollgate/config"
)

// flakyEmbedder fails while fail is set and counts its calls.
type flakyEmbedder struct {
	calls atomic.Int64
	fail  atomic.Bool
}

func (f *flakyEmbedder) Embed(context.Context, string) (semantic.Embedding, error) {
	f.calls.Add(1)
	if f.fail.Load() {
		return semantic.Embedding{}, errors.New("semantic: embedding endpoint answered status 500")
	}
	return semantic.Embedding{Vector: []float32{1, 0, 0, 0}, Tokens: 3}, nil
}

// TestSemanticHandlerEmbeddingFailure: a failed embedding is a miss with
// nothing to store, and pauses the embedding model (no calls) for
// embedPause; afterwards lookups resume.
func TestSemanticHandlerEmbeddingFailure(t *testing.T) {
	emb := &flakyEmbedder{}
	emb.fail.Store(true)
	em := &embedModel{name: "emb", served: "emb", cache: semantic.New(semantic.Options{Embedder: emb})}
	h := &SemanticHandler{log: slog.New(slog.DiscardHandler), storeSem: make(chan struct{}, maxStoring)}
	h.models.Store(&map[string]*embedModel{"emb": em})
	st := New(Options{Config: &config.CacheConfig{Enabled: true, MemoryBytes: 1 << 20, Redis: "off"}, Semantic: h})
	defer st.Close()
	r := &SemanticRequest{Scope: "acme", Model: "m", Endpoint: "chat", EmbeddingModel: "emb",
		Body: []byte(`{"messages":[{"role":"user","content":"hello there"}]}`)}
	if hit, p := h.Lookup(r); hit != nil || p != nil || emb.calls.Load() != 1 || h.Stats().EmbedErrors != 1 {
		t.Fatalf("failed embedding: %v %v, %d calls", hit, p, emb.calls.Load())
	}
	if !em.paused() {
		t.Fatal("not paused")
	}
	if hit, p := h.Lookup(r); hit != nil || p != nil || emb.calls.Load() != 1 {
		t.Fatalf("paused: %v %v, %d calls", hit, p, emb.calls.Load())
	}
	emb.fail.Store(false)
	em.downUntil.Store(time.Now().Add(-time.Millisecond).UnixNano()) // the pause is over
	if hit, p := h.Lookup(r); hit != nil || p == nil || emb.calls.Load() != 2 {
		t.Fatalf("after the pause: %v %v, %d calls", hit, p, emb.calls.Load())
	}
	r.Endpoint = "completions"
	if hit, p := h.Lookup(r); hit != nil || p != nil {
		t.Fatal("a completions request was looked up")
	}
}
