package cache

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/valyala/fastjson"
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

// follow answers a coalesced follower from its leader's flight.
func (s *Stage) follow(v gateway.View, f *flight, timeout time.Duration) *gateway.Answer {
	st := statePool.Get().(*reqState)
	*st = reqState{follows: f}
	v.SetState(st)
	if v.Stream() {
		return &gateway.Answer{Events: &follower{f: f, includeUsage: v.IncludeUsage(), timeout: timeout, stop: make(chan struct{})}}
	}
	for have := 0; ; {
		evs, done, ok := f.wait(have, timeout, nil)
		if !ok {
			return leaderFailed(504, "coalesce_timeout", "the identical request this one waited for did not answer in time")
		}
		if done {
			break
		}
		have = evs.n()
	}
	f.mu.Lock()
	e, fail := f.entry, f.fail
	f.mu.Unlock()
	switch {
	case fail != nil && fail.body != nil:
		return &gateway.Answer{Status: fail.status, Body: fail.body}
	case fail != nil || e == nil || e.Body == nil:
		return leaderFailed(502, "coalesced_request_failed", errLeaderFailed.Error())
	}
	return &gateway.Answer{Body: e.Body, Usage: e.Usage, PricedAs: e.Model}
}

func leaderFailed(status int, code, msg string) *gateway.Answer {
	b := []byte(`{"error":{"message":` + strconv.Quote(msg) + `,"type":"server_error","code":"` + code + `","param":null}}`)
	return &gateway.Answer{Status: status, Body: b}
}

// InspectStream implements gateway.StreamInspector: a streamed miss that
// may be stored (or leads followers) is recorded.
func (s *Stage) InspectStream(v gateway.View) gateway.StreamFilter {
	st, _ := v.State().(*reqState)
	if st == nil || st.follows != nil || v.AnsweredBy() != "" {
		return nil
	}
	r := recorderPool.Get().(*recorder)
	r.flight, r.limit = st.flight, st.maxEntry
	st.rec = r
	return r
}

// InspectResponse implements gateway.ResponseInspector: it keeps a copy of
// a buffered answer it may store, as the upstream gave it.
func (s *Stage) InspectResponse(v gateway.View, body []byte) ([]byte, *gateway.APIError) {
	st, _ := v.State().(*reqState)
	// A leader keeps any size: its followers get the answer even when it is
	// too big to store.
	if st != nil && st.follows == nil && v.AnsweredBy() == "" && (len(body) <= st.maxEntry || st.flight != nil) {
		st.body = append(st.body[:0], body...)
	}
	return body, nil
}

// Finish implements gateway.Finisher: a complete, successful answer is
// stored under the model that served it, and a leader's followers get it.
func (s *Stage) Finish(v gateway.View, body []byte) {
	st, _ := v.State().(*reqState)
	if st == nil {
		return
	}
	defer s.release(st)
	if st.follows != nil {
		st.follows.mu.Lock()
		e := st.follows.entry
		st.follows.mu.Unlock()
		if e != nil {
			v.SetAnswerUsage(e.Usage, e.Model)
		}
		return
	}
	e, complete := s.answerOf(v, st)
	if st.flight != nil {
		if complete {
			s.flights.end(st.flight, e, nil)
		} else {
			s.flights.end(st.flight, nil, failureOf(v, body))
		}
	}
	if !complete || e == nil || e.Body == nil {
		if st.pending != nil {
			st.pending.Release()
		}
		return
	}
	served := v.ServedModel()
	if served == "" {
		served = st.parts.Model
	}
	parts := st.parts
	if served != parts.Model { // a fallback answered: its own key
		parts.Model = served
		parts.Gen = s.gens.of(parts.Scope, served)
	}
	if len(e.Body) > st.maxEntry {
		notStored["too_big"].Inc()
		if st.pending != nil {
			st.pending.Release()
		}
		return
	}
	k := MakeKey(&parts, &st.digest)
	s.mem.set(k, e, st.ttl)
	if s.l2 != nil {
		s.l2.set(k, e, st.ttl)
	}
	s.stores.Add(1)
	stored.Inc()
	if st.pending != nil {
		st.pending.Store(e, st.ttl)
	}
}

// answerOf is the answer the request got, as an entry: complete is false
// when it failed, was cut or abandoned. A complete answer too big to
// collect is complete with a nil Body (followers of a stream still finish).
func (s *Stage) answerOf(v gateway.View, st *reqState) (e *Entry, complete bool) {
	if v.Status() != 200 || v.AnsweredBy() != "" {
		return nil, false
	}
	u, known := v.Usage()
	if st.rec != nil {
		if !st.rec.complete() {
			if !st.rec.tooBig {
				notStored["incomplete"].Inc()
				return nil, false
			}
			notStored["too_big"].Inc()
			return &Entry{Kind: KindChat, Usage: u}, st.rec.flushed && !st.rec.broken
		}
		e = st.rec.entry(u, known)
		if e.Model == "" {
			e.Model = v.ServedModel()
		}
		return e, true
	}
	if st.body == nil {
		notStored["too_big"].Inc()
		return &Entry{Kind: KindChat, Usage: u}, true
	}
	return bufferedEntry(st.parts.Endpoint, st.body, u, known, v.ServedModel())
}

var parserPool fastjson.ParserPool

// bufferedEntry checks a buffered answer is complete (every choice has a
// finish_reason; embeddings have data) and makes it an entry. body is
// owned by the entry from here on.
func bufferedEntry(endpoint string, body []byte, u metering.Usage, known bool, served string) (*Entry, bool) {
	p := parserPool.Get()
	defer parserPool.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil || v.Type() != fastjson.TypeObject {
		notStored["incomplete"].Inc()
		return nil, false
	}
	kind := KindJSON
	if endpoint == "embeddings" {
		if len(v.GetArray("data")) == 0 {
			notStored["incomplete"].Inc()
			return nil, false
		}
	} else {
		choices := v.GetArray("choices")
		for _, c := range choices {
			if len(c.GetStringBytes("finish_reason")) == 0 {
				choices = nil
				break
			}
		}
		if len(choices) == 0 {
			notStored["incomplete"].Inc()
			return nil, false
		}
		if endpoint == "chat" {
			kind = KindChat
		}
	}
	if !known {
		if uv := v.Get("usage"); uv != nil {
			u = metering.Usage{PromptTokens: uv.GetInt("prompt_tokens"), CompletionTokens: uv.GetInt("completion_tokens")}
		}
	}
	model := string(v.GetStringBytes("model"))
	if model == "" {
		model = served
	}
	return &Entry{Kind: kind, Model: model, Usage: u, Body: body}, true
}

// failureOf is what a failed leader's buffered followers get: its own
// error answer when it had one.
func failureOf(v gateway.View, body []byte) *failed {
	st := v.Status()
	if st >= 400 && len(body) > 0 && !v.Stream() {
		return &failed{status: st, body: append([]byte(nil), body...)}
	}
	return &failed{status: 502}
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

// requestControl reads the client's no-cache and no-store directives from
// Cache-Control, or from x-tollgate-cache-control (same syntax), which wins.
// A streamed request's Cache-Control: no-cache is not taken as a refresh:
// SSE clients (browsers' EventSource, the Go OpenAI SDK) send it with every
// stream, as transport hygiene; x-tollgate-cache-control: no-cache refreshes
// a stream.
func requestControl(v gateway.View) (noCache, noStore bool) {
	if h := v.Header("X-Tollgate-Cache-Control"); len(h) > 0 {
		return cacheControl(h)
	}
	noCache, noStore = cacheControl(v.Header("Cache-Control"))
	if v.Stream() {
		noCache = false
	}
	return noCache, noStore
}

// cacheControl reads the no-cache and no-store directives.
func cacheControl(h []byte) (noCache, noStore bool) {
	for len(h) > 0 {
		var tok []byte
		tok, h = nextToken(h)
		switch {
		case equalFold(tok, "no-cache"):
			noCache = true
		case equalFold(tok, "no-store"):
			noStore = true
		}
	}
	return noCache, noStore
}

func nextToken(h []byte) (tok, rest []byte) {
	i := 0
	for i < len(h) && h[i] != ',' {
		i++
	}
	tok, rest = h[:i], h[min(i+1, len(h)):]
	for len(tok) > 0 && (tok[0] == ' ' || tok[0] == '\t') {
		tok = tok[1:]
	}
	for len(tok) > 0 && (tok[len(tok)-1] == ' ' || tok[len(tok)-1] == '\t') {
		tok = tok[:len(tok)-1]
	}
	return tok, rest
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// requestTTL is how long the request's answer is kept: the model's TTL,
// shortened by the key's; a client's x-tollgate-cache-ttl replaces it (up
// to max_ttl); the policy's cache_ttl_s caps it. ok is false when the
// answer must not be cached (a TTL of 0 from the client or the policy).
func requestTTL(v gateway.View, ms modelSettings, ks keySettings, maxTTL time.Duration) (time.Duration, bool) {
	ttl := ms.ttl
	if ks.ttl > 0 {
		ttl = min(ttl, ks.ttl)
	}
	if h := v.Header("X-Tollgate-Cache-Ttl"); len(h) > 0 {
		if n, err := strconv.Atoi(string(h)); err == nil && n >= 0 {
			if n == 0 {
				return 0, false
			}
			ttl = min(time.Duration(n)*time.Second, maxTTL)
		}
	}
	switch p := v.Decision().CacheTTLSeconds; {
	case p == 0:
		return 0, false
	case p > 0:
		ttl = min(ttl, time.Duration(p)*time.Second)
	}
	return ttl, ttl > 0
}
