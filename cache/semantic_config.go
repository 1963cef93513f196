package cache

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/cache/semantic"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
)

// SemanticOptions build a SemanticHandler from the config.
type SemanticOptions struct {
	Config *config.Config
	// Mock starts the in-process mock behind an embedding model on an
	// upstream of kind mock (what the gateway gets as Options.Mock): the
	// embedder gets its own instance, configured like the gateway's.
	Mock gateway.MockStarter
	// Redis keeps the vectors beside the entries for the other replicas;
	// nil (or cache.redis: off): this replica's memory only.
	Redis  redis.UniversalClient
	Ledger *metering.Ledger // the embedding calls' records; nil: none
	// EmbedTimeout bounds one embedding call (the request waits for it);
	// 0 = semantic.DefaultEmbedTimeout.
	EmbedTimeout time.Duration
	Logger       *slog.Logger
}

// SemanticEnabled reports whether a model enables the semantic cache (else
// no handler is needed; turning it on later takes a restart, like the cache).
func SemanticEnabled(c *config.CacheConfig) bool {
	for _, m := range c.Models {
		if m.Semantic.Enabled {
			return true
		}
	}
	return false
}

// NewSemantic builds the handler: one semantic cache per embedding model
// the config's cache.models.*.semantic name.
func NewSemantic(o SemanticOptions) (*SemanticHandler, error) {
	h := &SemanticHandler{ledger: o.Ledger, log: o.Logger, storeSem: make(chan struct{}, maxStoring)}
	if h.log == nil {
		h.log = slog.Default()
	}
	none := map[string]*embedModel{}
	h.models.Store(&none)
	if o.Config.Cache.Redis == "off" {
		o.Redis = nil
	}
	if err := h.reload(o.Config, &o); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// Reload follows a new config: new embedding models are built, changed ones
// rebuilt (with empty indexes), the prices renewed. The Redis client and
// timeout stay as started.
func (h *SemanticHandler) Reload(cfg *config.Config, o SemanticOptions) error {
	if cfg.Cache.Redis == "off" {
		o.Redis = nil
	}
	return h.reload(cfg, &o)
}

func (h *SemanticHandler) reload(cfg *config.Config, o *SemanticOptions) error {
	prices, err := gateway.Prices(cfg)
	if err != nil {
		return err
	}
	old := *h.models.Load()
	next := map[string]*embedModel{}
	var built []*embedModel
	for _, m := range cfg.Cache.Models {
		name := m.Semantic.EmbeddingModel
		if !m.Semantic.Enabled || next[name] != nil {
			continue
		}
		spec, opts, mock, err := embedderSpec(cfg, name)
		if err != nil {
			for _, em := range built {
				stopMock(em)
			}
			return err
		}
		if em := old[name]; em != nil && em.spec == spec {
			next[name] = em
			continue
		}
		em, err := h.newEmbedModel(cfg, name, spec, opts, mock, o)
		if err != nil {
			for _, em := range built {
				stopMock(em)
			}
			return err
		}
		next[name], built = em, append(built, em)
	}
	h.prices.Store(&prices)
	h.models.Store(&next)
	for name, em := range old {
		if next[name] != em {
			stopMock(em) // lookups still running on it fail: a miss
		}
	}
	return nil
}

func stopMock(em *embedModel) {
	if em.stop != nil {
		em.stop()
	}
}

// embedderSpec resolves an embedding model to its first deployment's
// upstream: the endpoint, credentials and model the embedder calls. spec
// identifies them (reloads compare it); it holds no secret in clear.
func embedderSpec(cfg *config.Config, name string) (spec string, o semantic.OpenAIEmbedderOptions, mock *config.MockUpstream, err error) {
	var model *config.Model
	for i := range cfg.Models {
		if cfg.Models[i].Name == name {
			model = &cfg.Models[i]
		}
	}
	if model == nil || len(model.Deployments) == 0 {
		return "", o, nil, fmt.Errorf("cache: semantic embedding_model %q is not a configured model with a deployment", name)
	}
	d := model.Deployments[0]
	var up *config.Upstream
	for i := range cfg.Upstreams {
		if cfg.Upstreams[i].Name == d.Upstream {
			up = &cfg.Upstreams[i]
		}
	}
	if up == nil {
		return "", o, nil, fmt.Errorf("cache: semantic embedding_model %q: unknown upstream %q", name, d.Upstream)
	}
	if config.IsTranslated(up.Kind) {
		return "", o, nil, fmt.Errorf("cache: semantic embedding_model %q is served by upstream %s of kind %s; the semantic cache embeds through an OpenAI-shaped upstream (openai, azure or mock)",
			name, up.Name, up.Kind)
	}
	o = semantic.OpenAIEmbedderOptions{BaseURL: up.BaseURL, APIKey: up.APIKey, Model: d.Model, MaxConns: up.MaxConns}
	switch up.Kind {
	case config.KindAzure:
		o.AzureAPIVersion = up.APIVersion
	case config.KindMock:
		o.BaseURL, o.APIKey = "http://mock/v1", ""
		mock = &up.Mock
	}
	spec = fmt.Sprintf("%s|%s|%s|%s|%s|%x|%+v", d.Name, up.Kind, o.BaseURL, o.AzureAPIVersion, o.Model,
		fingerprint(o.APIKey), up.Mock)
	return spec, o, mock, nil
}

// fingerprint tells two API keys apart without holding either.
func fingerprint(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func (h *SemanticHandler) newEmbedModel(cfg *config.Config, name, spec string, opts semantic.OpenAIEmbedderOptions,
	mock *config.MockUpstream, o *SemanticOptions) (*embedModel, error) {
	em := &embedModel{name: name, served: opts.Model, spec: spec}
	for _, m := range cfg.Models {
		if m.Name == name {
			em.deployment = m.Deployments[0].Name
		}
	}
	opts.Timeout = o.EmbedTimeout
	if mock != nil {
		if o.Mock == nil {
			return nil, errors.New("cache: semantic embedding_model " + name + " is on a mock upstream: it needs the in-process mock (SemanticOptions.Mock)")
		}
		dial, stop := o.Mock(*mock)
		opts.Dial = func(string) (net.Conn, error) { return dial() }
		em.stop = stop
	}
	emb, err := semantic.NewOpenAIEmbedder(opts)
	if err != nil {
		stopMock(em)
		return nil, fmt.Errorf("cache: semantic embedding_model %s: %w", name, err)
	}
	em.cache = semantic.New(semantic.Options{Embedder: emb, Redis: o.Redis, Logger: h.log}) // Redis: 100 ms per call
	return em, nil
}
