package health

import "time"

// Record is what the gateway knows about one finished request. Handles come from Registry.Model and
// Model.Deployment; a nil Model or Deployment counts as "other". Tenant outside Options.Tenants counts as "other".
type Record struct {
	Model            *Model
	Deployment       *Deployment
	Tenant           string
	Status           int           // HTTP status sent to the client
	ErrKind          string        // "" or one of the Err* constants; anything else counts as "other"
	Duration         time.Duration // whole request as seen by the gateway
	TTFT             time.Duration // time to first upstream token/byte; 0 if unknown
	InterTokenMean   time.Duration // mean gap between streamed tokens; 0 if not streamed
	PromptTokens     int
	CompletionTokens int
	CostMicros       int64  // micro-dollars
	Cache            string // "hit", "semantic-hit", "coalesced", "miss", "bypass" or "" when the cache was not consulted
	Stream           bool
}

// Record updates all metrics and the rolling windows for one finished request. Safe for concurrent use;
// no allocations once the request's series exist (each is created on its first use).
func (r *Registry) Record(rec *Record) {
	m := rec.Model
	if m == nil {
		m = r.state.Load().other
	}
	d := rec.Deployment
	if d == nil || d.model != m {
		d = m.deps.Load().other
	}

	d.codeCounter(statusIndex(rec.Status)).Inc()
	kind := errKindIndex(rec.ErrKind)
	fault := rec.ErrKind == "" && rec.Status >= 500
	if kind >= 0 {
		d.kindCounter(kind).Inc()
		fault = errKinds[kind].upstreamFault
	}
	if rec.Duration > 0 {
		d.hist(histDuration).Update(rec.Duration.Seconds())
	}
	if rec.TTFT > 0 {
		d.hist(histTTFT).Update(rec.TTFT.Seconds())
	}
	if rec.InterTokenMean > 0 {
		d.hist(histInterToken).Update(rec.InterTokenMean.Seconds())
	}
	gen := generationTime(rec)
	if rec.CompletionTokens > 0 && gen > 0 {
		d.hist(histTokensPerSecond).Update(float64(rec.CompletionTokens) / gen.Seconds())
	}
	if rec.PromptTokens > 0 {
		m.tokenCounter(&m.tokensIn, "input").Add(rec.PromptTokens)
	}
	if rec.CompletionTokens > 0 {
		m.tokenCounter(&m.tokensOut, "output").Add(rec.CompletionTokens)
	}
	if rec.CostMicros > 0 {
		m.costCounter(rec.Tenant).Add(float64(rec.CostMicros) / 1e6)
	}
	cache := cacheIndex(rec.Cache)
	if cache >= 0 {
		m.cacheCounter(cache).Inc()
	}

	x := sample{
		fault: fault,
		// Policy denials, client errors and cache answers never reached the provider: their (tiny) latencies
		// would hide a slow upstream.
		served:     kind < 0 && !fault && !cacheAnswered(cache),
		latency:    rec.Duration,
		ttft:       rec.TTFT,
		outTokens:  rec.CompletionTokens,
		genTime:    gen,
		costMicros: rec.CostMicros,
		cache:      cache,
	}
	e := r.currentEpoch()
	d.win.add(e, &x)
	m.ring.add(e*slotSeconds/60, &x)
}

// generationTime is the time spent producing output: after the first token for streams, the whole request
// otherwise (a cache hit replays instantly, so it is excluded from throughput).
func generationTime(rec *Record) time.Duration {
	if cacheAnswered(cacheIndex(rec.Cache)) {
		return 0
	}
	if rec.TTFT > 0 && rec.Duration > rec.TTFT && rec.Stream {
		return rec.Duration - rec.TTFT
	}
	return rec.Duration
}
