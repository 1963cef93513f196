package cache

import (
	"context"
	"encoding/json"
	"time"

	"github.com/valyala/fasthttp"
)

// Stats are the cache's counters since start and its memory use.
type Stats struct {
	Entries      int     `json:"entries"`
	Bytes        uint64  `json:"bytes"`
	MaxBytes     uint64  `json:"max_bytes"`
	Hits         int64   `json:"hits"`
	SemanticHits int64   `json:"semantic_hits"`
	Misses       int64   `json:"misses"`
	Coalesced    int64   `json:"coalesced"`
	Bypassed     int64   `json:"bypassed"`
	Stores       int64   `json:"stores"`
	HitRate      float64 `json:"hit_rate"` // (hits + semantic hits + coalesced) / lookups
	Redis        string  `json:"redis"`    // off, up, or down (skipped after a failure)
}

// Stats reports the cache's figures.
func (s *Stage) Stats() Stats {
	st := Stats{Entries: s.mem.entries(), Bytes: s.mem.bytes(), MaxBytes: s.mem.c.GetMaximum(),
		Hits: s.hits.Load(), SemanticHits: s.semanticHits.Load(), Misses: s.misses.Load(),
		Coalesced: s.coalesced.Load(), Bypassed: s.bypassed.Load(), Stores: s.stores.Load(), Redis: "off"}
	answered := st.Hits + st.SemanticHits + st.Coalesced
	if lookups := answered + st.Misses; lookups > 0 {
		st.HitRate = float64(answered) / float64(lookups)
	}
	if s.l2 != nil {
		st.Redis = "up"
		if !s.l2.available() {
			st.Redis = "down"
		}
	}
	return st
}

// UISection implements gateway.UISection: the stats on /ui.
func (s *Stage) UISection() any { return s.Stats() }

// Purge forgets the answers of tenant and model ("" = every tenant or
// model; both "" = everything): one INCR of a generation counter on Redis
// (other replicas follow within generation_refresh), and this replica's
// memory forgets at once. A tenant purge leaves models configured shared
// alone (their answers belong to no tenant); purge those by model.
func (s *Stage) Purge(ctx context.Context, tenant, model string) error {
	err := s.gens.bump(ctx, tenant, model)
	if tenant == "" && model == "" {
		s.mem.clear()
	}
	if s.semantic != nil {
		s.semantic.Purge(tenant, model)
	}
	return err
}

// ServeAdmin answers /admin/cache (behind the admin key): GET the stats,
// DELETE ?tenant=…&model=… purges (neither: everything).
func (s *Stage) ServeAdmin(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	switch {
	case ctx.IsGet():
		b, _ := json.Marshal(s.Stats())
		ctx.SetBody(b)
	case ctx.IsDelete():
		args := ctx.QueryArgs()
		tenant, model := string(args.Peek("tenant")), string(args.Peek("model"))
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err := s.Purge(c, tenant, model); err != nil {
			ctx.SetStatusCode(fasthttp.StatusBadGateway)
			b, _ := json.Marshal(map[string]any{"error": map[string]string{"type": "server_error", "code": "purge_not_shared",
				"message": "purged on this replica only; Redis failed: " + err.Error()}})
			ctx.SetBody(b)
			return
		}
		b, _ := json.Marshal(map[string]string{"status": "purged", "tenant": tenant, "model": model})
		ctx.SetBody(b)
	default:
		ctx.SetStatusCode(fasthttp.StatusMethodNotAllowed)
		ctx.Response.Header.Set("Allow", "GET, DELETE")
		ctx.SetBodyString(`{"error":{"message":"use GET (stats) or DELETE (purge)","type":"invalid_request_error","code":"method_not_allowed","param":null}}`)
	}
}
