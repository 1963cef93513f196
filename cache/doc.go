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
//	stage.go     the Stage: New, Answer (lookup, hit, coalesce or miss)
//	follow.go    answering coalesced followers
//	store.go     InspectStream, InspectResponse, Finish: storing complete answers
//	control.go   Cache-Control, x-tollgate-cache-control, x-tollgate-cache-ttl, the policy's TTL
//	settings.go  what is cached for which model and key (config.CacheConfig)
//	metrics.go   the cache's own metrics
//	semantic.go  the seam the semantic cache (cache/semantic) plugs into
//	admin.go     DELETE /admin/cache and GET /admin/cache (stats), UISection
//
// docs/cache.md describes the behaviour and the measurements.
package cache
