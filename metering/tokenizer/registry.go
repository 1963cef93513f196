package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// Options configures a Registry.
type Options struct {
	// Aliases maps a model name to another model name or to an encoding name
	// (o200k_base, cl100k_base, p50k_base, r50k_base), e.g. a deployment name
	// "prod-chat" → "gpt-4o". Keys are matched case-insensitively after
	// provider prefixes ("azure/") are stripped.
	Aliases map[string]string
	// DefaultEncoding is used for models with no alias or built-in entry;
	// empty means such models are an error (ErrUnknownModel).
	DefaultEncoding string
}

// maxCachedModels bounds the per-model cache: model names come from clients.
const maxCachedModels = 4096

// Registry resolves model names to Encoders. It is safe for concurrent use.
type Registry struct {
	aliases         map[string]string
	defaultEncoding string

	cache  sync.Map // model string → *Encoder
	cached atomic.Int64
}

// New validates opts and returns a Registry. Encodings load lazily, once per
// process, on first use.
func New(opts Options) (*Registry, error) {
	r := &Registry{aliases: make(map[string]string, len(opts.Aliases))}
	if opts.DefaultEncoding != "" {
		if _, ok := encodings[opts.DefaultEncoding]; !ok {
			return nil, fmt.Errorf("tokenizer: DefaultEncoding %q is not one of %s, %s, %s, %s", opts.DefaultEncoding, O200KBase, CL100KBase, P50KBase, R50KBase)
		}
		r.defaultEncoding = opts.DefaultEncoding
	}
	for from, to := range opts.Aliases {
		if canonicalModel(from) == "" || to == "" {
			return nil, fmt.Errorf("tokenizer: alias %q → %q: both sides must be non-empty", from, to)
		}
		if _, isEncoding := encodings[to]; !isEncoding {
			to = canonicalModel(to)
		}
		r.aliases[canonicalModel(from)] = to
	}
	for from := range opts.Aliases {
		if _, err := r.resolve(from); err != nil {
			return nil, fmt.Errorf("tokenizer: alias %q: %w", from, err)
		}
	}
	return r, nil
}

// modelInfo is what a model name resolves to.
type modelInfo struct {
	enc  *Encoder
	chat chatRules
}

// ForModel returns the Encoder for model, cached per model string.
func (r *Registry) ForModel(model string) (*Encoder, error) {
	info, err := r.model(model)
	if err != nil {
		return nil, err
	}
	return info.enc, nil
}

func (r *Registry) model(model string) (*modelInfo, error) {
	if v, ok := r.cache.Load(model); ok {
		return v.(*modelInfo), nil
	}
	name, canonical, err := r.resolveModel(model)
	if err != nil {
		return nil, err
	}
	enc, err := r.encoder(name)
	if err != nil {
		return nil, err
	}
	info := &modelInfo{enc: enc, chat: chatRulesFor(canonical)}
	if r.cached.Load() < maxCachedModels {
		if _, loaded := r.cache.LoadOrStore(strings.Clone(model), info); !loaded {
			r.cached.Add(1)
		}
	}
	return info, nil
}

// ForEncoding returns the Encoder for an encoding name.
func (r *Registry) ForEncoding(name string) (*Encoder, error) {
	return r.encoder(name)
}

var sharedEncoders sync.Map // encoding name → *Encoder

func (r *Registry) encoder(name string) (*Encoder, error) {
	if e, ok := sharedEncoders.Load(name); ok {
		return e.(*Encoder), nil
	}
	enc, err := lookupEncoding(name)
	if err != nil {
		return nil, err
	}
	e, _ := sharedEncoders.LoadOrStore(name, &Encoder{enc: enc})
	return e.(*Encoder), nil
}
