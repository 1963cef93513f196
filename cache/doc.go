// Package cache is Tollgate's response cache, a pipeline stage in the
// gateway's Stages.Cache slot (gateway/stage.go): it answers a request
// from a stored answer in the upstream's place, stores complete answers,
// replays stored answers as JSON or as SSE streams, makes concurrent
// identical misses share one upstream call, and keeps tenants apart.
//
// The pieces, one file each:
//
//	key.go       the canonical key over the request that goes upstream (SHA-256)
//	entry.go     the stored form of an answer and its checked binary encoding
//	memory.go    L1: otter, bounded by bytes, per-entry TTL
//	redis.go     L2: compressed entries on Redis, shared by replicas
//	gens.go      purge generations per (tenant, model): a purge is one INCR
//	record.go    collects a streamed answer's deltas into an entry
//	replay.go    replays an entry as SSE chunks
//	flight.go    coalescing of identical misses, live events for followers
//	stage.go     the Stage: Answer, InspectStream, Finish, UISection
//	settings.go  what is cached for which model and key (config.CacheConfig)
//	semantic.go  the seam the semantic cache (cache/semantic) plugs into
//	admin.go     DELETE /admin/cache and GET /admin/cache (stats)
//
// docs/cache.md describes the behaviour and the measurements.
package cache
