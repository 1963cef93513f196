package cache

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
)

// Stage is the response cache in the gateway's pipeline (Stages.Cache). It
// answers in Answer (after the policy and limits), records a streamed
// answer with its StreamFilter, captures a buffered one in
// InspectResponse (before any output filter rewrites it) and stores at
// Finish.
type Stage struct {
	set      atomic.Pointer[settings]
	mem      *memory
	l2       *shared // nil: memory only
	gens     *gens
	flights  *flights
	semantic Semantic
	log      *slog.Logger

	stop chan struct{}
	wg   sync.WaitGroup

	hits, semanticHits, misses, coalesced, bypassed, stores atomic.Int64
}

var (
	_ gateway.Answerer          = (*Stage)(nil)
	_ gateway.StreamInspector   = (*Stage)(nil)
	_ gateway.ResponseInspector = (*Stage)(nil)
	_ gateway.Finisher          = (*Stage)(nil)
	_ gateway.UISection         = (*Stage)(nil)
)

// Options build a Stage.
type Options struct {
	Config   *config.CacheConfig
	Redis    redis.UniversalClient // nil (or cache.redis: off): memory only
	Semantic Semantic              // nil: no semantic lookups
	Logger   *slog.Logger
}

// current is the stage the process-wide gauges read.
var current atomic.Pointer[Stage]

// New builds the stage, or returns nil when no model is cached (the
// gateway then runs without one).
func New(o Options) *Stage {
	c := o.Config
	if !anyEnabled(c) {
		return nil
	}
	s := &Stage{mem: newMemory(c.MemoryBytes, evictions.Inc), flights: newFlights(), semantic: o.Semantic,
		log: o.Logger, stop: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	rdb := o.Redis
	if c.Redis == "off" {
		rdb = nil
	}
	s.gens = newGens(rdb, c.RedisTimeout)
	if rdb != nil {
		s.l2 = newShared(rdb, c.RedisTimeout)
		s.wg.Add(1)
		go s.refreshGens(c.GenerationRefresh)
	}
	s.set.Store(newSettings(c))
	if b, ok := o.Semantic.(interface{ bindStage(*Stage) }); ok {
		b.bindStage(s) // a semantic hit reads this stage's entries
	}
	registerGauges(s)
	return s
}

// Name implements gateway.Stage.
func (s *Stage) Name() string { return "cache" }

// Reload applies a new config's cache section (the memory bound, TTLs,
// per-model and per-key settings). Redis use and the refresh interval
// stay as started.
func (s *Stage) Reload(c *config.CacheConfig) {
	s.mem.resize(c.MemoryBytes)
	s.set.Store(newSettings(c))
}

// Close stops the background work (the Redis writer, the generation refresh).
func (s *Stage) Close() {
	close(s.stop)
	s.wg.Wait()
	if s.l2 != nil {
		s.l2.close()
	}
}

func (s *Stage) refreshGens(every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every)
			_ = s.gens.refresh(ctx)
			cancel()
		case <-s.stop:
			return
		}
	}
}

// reqState is what the stage keeps for a request it may store, from
// Answer to Finish.
type reqState struct {
	digest   Digest
	parts    KeyParts
	ttl      time.Duration
	maxEntry int
	flight   *flight // this request leads it
	follows  *flight // this request was answered from it
	rec      *recorder
	body     []byte // the buffered answer, captured before output filters
	pending  Pending
}

var statePool = sync.Pool{New: func() any { return new(reqState) }}

var recorderPool = sync.Pool{New: func() any { return new(recorder) }}

// Answer implements gateway.Answerer: a stored answer (hit), a coalesced
// follower's, or nil to let the request go upstream (miss, bypass).
func (s *Stage) Answer(v gateway.View) *gateway.Answer {
	set := s.set.Load()
	ms := set.model(v.Model())
	p := v.Principal()
	ks := set.keys[p.KeyID]
	if !ms.enabled || ks.disabled {
		return s.bypass(v)
	}
	noCache, noStore := requestControl(v)
	if noStore {
		return s.bypass(v)
	}
	ttl, ok := requestTTL(v, ms, ks, set.maxTTL)
	if !ok {
		return s.bypass(v)
	}
	endpoint := v.Endpoint()
	if v.Stream() && endpoint != "chat" { // only chat answers replay as streams
		return s.bypass(v)
	}
	parts := KeyParts{Endpoint: endpoint, Scope: p.Tenant, Profile: v.OutputProfile(), Model: v.Model()}
	if ms.shared {
		parts.Scope = sharedScope
	}
	key, d, facts, ok := s.key(v.Body(), &parts, endpoint != "embeddings" && !ms.always)
	if !ok {
		return s.bypass(v)
	}
	var pending Pending
	var lead *flight
	if !noCache {
		if e := s.lookup(key, ttl); e != nil {
			if a := s.serve(v, e); a != nil {
				s.hits.Add(1)
				v.SetCacheResult("hit")
				v.Note("hit")
				return a
			}
		}
		if ms.semantic.Enabled && s.semantic != nil && !facts.HasTools {
			hit, pend := s.semantic.Lookup(&SemanticRequest{Scope: parts.Scope, Model: parts.Model, Endpoint: endpoint,
				Profile: parts.Profile, Gen: parts.Gen, Body: v.Body(), Digest: d,
				EmbeddingModel: ms.semantic.EmbeddingModel, Threshold: ms.semantic.Threshold})
			if hit != nil {
				if pend != nil {
					pend.Release()
				}
				if a := s.serve(v, hit); a != nil {
					s.semanticHits.Add(1)
					v.SetCacheResult("semantic-hit")
					v.Note("semantic-hit")
					return a
				}
			}
			pending = pend
		}
		if set.coalesce {
			f, leader := s.flights.join(key)
			if !leader {
				if pending != nil {
					pending.Release()
				}
				s.coalesced.Add(1)
				v.SetCacheResult("coalesced")
				v.Note("coalesced")
				return s.follow(v, f, set.coalesceTimeout)
			}
			lead = f
		}
	}
	st := statePool.Get().(*reqState)
	*st = reqState{digest: d, parts: parts, ttl: ttl, maxEntry: set.maxEntry, flight: lead, pending: pending}
	v.SetState(st)
	if noCache {
		s.bypassed.Add(1)
		v.SetCacheResult("bypass") // not looked up; the fresh answer is stored
		v.Note("refresh")
	} else {
		s.misses.Add(1)
		v.SetCacheResult("miss")
		v.Note("miss")
	}
	return nil
}

// key canonicalises body and keys it under parts (its Gen filled in). ok
// is false for a request not to cache: one that cannot be keyed, asks for
// what entries do not keep, or is not deterministic when onlyDeterministic.
func (s *Stage) key(body []byte, parts *KeyParts, onlyDeterministic bool) (Key, Digest, Facts, bool) {
	d, facts, ok := digestIf(body, onlyDeterministic)
	if !ok {
		return Key{}, d, facts, false
	}
	parts.Gen = s.gens.of(parts.Scope, parts.Model)
	return MakeKey(parts, &d), d, facts, true
}

func (s *Stage) bypass(v gateway.View) *gateway.Answer {
	s.bypassed.Add(1)
	v.SetCacheResult("bypass")
	return nil
}

// lookup finds k in memory, then on Redis (a Redis hit is kept in memory).
func (s *Stage) lookup(k Key, ttl time.Duration) *Entry {
	if e := s.mem.get(k); e != nil {
		return e
	}
	if s.l2 == nil {
		return nil
	}
	e := s.l2.get(k)
	if e != nil {
		s.mem.set(k, e, ttl)
	}
	return e
}

// serve answers with a stored entry: JSON for a buffered request, a
// replayed stream for a streamed one. nil when it cannot (an entry that
// does not replay: a miss).
func (s *Stage) serve(v gateway.View, e *Entry) *gateway.Answer {
	a := &gateway.Answer{Usage: e.Usage, PricedAs: e.Model}
	if !v.Stream() {
		a.Body = e.Body
		return a
	}
	if e.Kind != KindChat {
		return nil
	}
	r, ok := replayChat(e, v.IncludeUsage())
	if !ok {
		corruptEntries.Inc()
		return nil
	}
	a.Events = r
	return a
}

func (s *Stage) release(st *reqState) {
	if st.rec != nil {
		r := st.rec
		p := r.p
		*r = recorder{p: p}
		recorderPool.Put(r)
	}
	*st = reqState{}
	statePool.Put(st)
}
