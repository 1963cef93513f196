package metering

import (
	"context"
	"sync"
	"time"
)

// limitStore applies plans atomically: the embedded memStore, the shared redisLimitStore and, during a
// Redis outage, the leaseStore.
type limitStore interface {
	// reserve checks every counter of p and, if all pass, counts the request in all of them. It sets
	// p.id to what names the request's rate-log entries (Redis: a unique id; embedded: its ms stamp).
	reserve(ctx context.Context, p *plan) (reserveResult, error)
	// adjust applies a settlement: TPM entries re-weighed, budget counters moved by a delta.
	adjust(ctx context.Context, st settlement) error
	// get reads budget counters.
	get(ctx context.Context, keys []string) ([]int64, error)
}

// reserveResult is a reservation's outcome: per counter its use after this request and, for rate
// counters, how long until the oldest entry leaves the window; or the counter that denied it.
type reserveResult struct {
	values  []int64
	resets  []time.Duration
	denied  int           // index of the denying counter, -1 when admitted
	current int64         // the denying counter's use
	wait    time.Duration // rate denial: until the request would fit
}

func admitted(n int) reserveResult {
	return reserveResult{values: make([]int64, n), resets: make([]time.Duration, n), denied: -1}
}

// settlement is what Settle or Release changes: re-weighed TPM entries and budget deltas.
type settlement struct {
	id    int64 // the reservation's rate-log entry id (plan.id)
	items []settleItem
}

type settleItem struct {
	key, sumKey string
	tokens      bool  // a TPM entry re-weighed from → to; else a budget counter += delta
	from, to    int64 // tokens
	delta       int64 // budget
}

// memStore is the embedded store: one mutex over budget counters and sliding logs, expiry swept lazily.
type memStore struct {
	mu        sync.Mutex
	m         map[string]*memCounter
	logs      map[string]*memLog
	lastMs    int64 // the last rate stamp: stamps are monotonic, so logs stay sorted and coalesce
	lastSweep time.Time
	now       func() time.Time
}

type memCounter struct {
	v   int64
	exp time.Time // zero: never
}

const memSweepEvery = 30 * time.Second

func newMemStore(now func() time.Time) *memStore {
	return &memStore{m: map[string]*memCounter{}, logs: map[string]*memLog{}, now: now}
}

func (s *memStore) live(key string, now time.Time) *memCounter {
	c := s.m[key]
	if c != nil && !c.exp.IsZero() && !now.Before(c.exp) {
		delete(s.m, key)
		return nil
	}
	return c
}

func (s *memStore) sweep(now time.Time) {
	if now.Sub(s.lastSweep) < memSweepEvery {
		return
	}
	s.lastSweep = now
	for k, c := range s.m {
		if !c.exp.IsZero() && !now.Before(c.exp) {
			delete(s.m, k)
		}
	}
	ms := now.UnixMilli()
	for k, g := range s.logs {
		if g.trim(ms); len(g.ent) == 0 {
			delete(s.logs, k)
		}
	}
}

// use is a counter's current use: a budget counter's value or what a log holds in the window.
func (s *memStore) use(c *counter, now time.Time, ms int64) (int64, *memLog) {
	if c.rate() {
		g := s.logs[c.key]
		if g == nil {
			return 0, nil
		}
		g.trim(ms)
		return g.sum, g
	}
	if mc := s.live(c.key, now); mc != nil {
		return mc.v, nil
	}
	return 0, nil
}

func (s *memStore) reserve(_ context.Context, p *plan) (reserveResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(p.now)
	return s.reserveLocked(p, func(c *counter) int64 { return c.limit })
}

// reserveLocked runs p against the store with limitOf giving each counter's limit (the lease store
// substitutes its shares); a limit ≤ 0 is not checked.
func (s *memStore) reserveLocked(p *plan, limitOf func(*counter) int64) (reserveResult, error) {
	ms := max(p.now.UnixMilli(), s.lastMs)
	for i := range p.counters {
		c := &p.counters[i]
		cur, g := s.use(c, p.now, ms)
		if limit := limitOf(c); limit > 0 && cur+c.inc > limit {
			r := reserveResult{denied: i, current: cur}
			if g != nil {
				r.wait = g.wait(ms, c.inc, limit)
			}
			return r, nil
		}
	}
	s.lastMs, p.id = ms, ms // the id of an embedded reservation is its stamp
	r := admitted(len(p.counters))
	for i := range p.counters {
		c := &p.counters[i]
		if c.rate() {
			g := s.logs[c.key]
			if g == nil {
				g = &memLog{}
				s.logs[c.key] = g
			}
			g.add(ms, c.inc)
			r.values[i], r.resets[i] = g.sum, g.resetIn(ms)
			continue
		}
		mc := s.live(c.key, p.now)
		if mc == nil {
			mc = &memCounter{}
			s.m[c.key] = mc
		}
		mc.v += c.inc
		if c.ttl > 0 {
			mc.exp = p.now.Add(c.ttl)
		}
		r.values[i] = mc.v
	}
	return r, nil
}

func (s *memStore) adjust(_ context.Context, st settlement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.adjustLocked(st, s.now())
	return nil
}

func (s *memStore) adjustLocked(st settlement, now time.Time) {
	for _, it := range st.items {
		if it.tokens {
			if g := s.logs[it.key]; g != nil {
				g.trim(now.UnixMilli()) // an entry that left the window is not re-weighed
				g.reweigh(st.id, it.from, it.to)
			}
		} else if mc := s.live(it.key, now); mc != nil { // an expired period is not recreated
			mc.v += it.delta
		}
	}
}

func (s *memStore) get(_ context.Context, keys []string) ([]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	out := make([]int64, len(keys))
	for i, k := range keys {
		if mc := s.live(k, now); mc != nil {
			out[i] = mc.v
		}
	}
	return out, nil
}
