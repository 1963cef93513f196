package cache

import "time"

// Semantic is the seam the semantic cache (package cache/semantic) plugs
// into. The stage asks it only for models whose config enables it
// (cache.models.<name>.semantic.enabled), after an exact miss, never for
// requests with tools, and never across tenants (Scope). nil = off.
//
// Lookup runs on the handler, where r.Body is valid: it embeds what it
// needs (with its own short timeout; a failure is a miss, never an error)
// and returns a stored answer whose request means the same, or nil. It
// also returns a Pending (or nil) that the stage calls once the request
// is over: Store with the answer when the exact cache stored one, Release
// otherwise. A Pending must not keep r.Body (copy what it needs).
type Semantic interface {
	Lookup(r *SemanticRequest) (hit *Entry, p Pending)
	// Purge forgets (scope, model)'s answers; "" means every scope or model.
	Purge(scope, model string)
}

// SemanticRequest is what the stage knows of a request the semantic cache
// may answer.
type SemanticRequest struct {
	Scope    string // the tenant (or the shared scope): a hit never crosses it
	Model    string
	Endpoint string
	Profile  string // the output filtering in force
	Gen      uint64 // the purge generation of (Scope, Model)
	Body     []byte // the request as it goes upstream; borrowed for Lookup only
	Digest   Digest // the exact cache's digest of Body
	// From the model's config.
	EmbeddingModel string
	Threshold      float64
}

// Pending is a semantic lookup that missed, waiting for the answer.
type Pending interface {
	Store(e *Entry, ttl time.Duration)
	Release()
}
