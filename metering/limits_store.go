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
// counters, how long until the oldest entry leaves the window; or the counter that denied it. The
// arrays hold a plan's counters in order (a plan has at most maxCounters), so a result allocates nothing.
type reserveResult struct {
	values  [maxCounters]int64
	resets  [maxCounters]time.Duration
	refs    [maxCounters]memRef // the embedded store's entries, for the settlement
	denied  int                 // index of the denying counter, -1 when admitted
	current int64               // the denying counter's use
	wait    time.Duration       // rate denial: until the request would fit
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
	ref         memRef
}

// memRef is the embedded store's entry a reservation counted in, so its
// settlement need not look the key up again; nil from other stores.
type memRef struct {
	ctr *memCounter
	log *memLog
}

// memStore is the embedded store: one mutex over budget counters and sliding logs, expiry swept lazily.
// Expiry is kept in Unix nanoseconds: time.Time's comparisons cost more than the rest of a counter's
// update, for each of a reservation's counters.
type memStore struct {
	mu        sync.Mutex
	m         map[string]*memCounter
	logs      map[string]*memLog
	lastMs    int64 // the last rate stamp: stamps are monotonic, so logs stay sorted and coalesce
	lastSweep int64 // Unix ns
	now       func() time.Time
}

// An entry of the store's maps is live until it is deleted from them,
// which marks it dead: a memRef to a live entry is the entry its key finds.
type memCounter struct {
	v    int64
	exp  int64 // Unix ns; 0: never
	dead bool
}

const memSweepEvery = 30 * time.Second

func newMemStore(now func() time.Time) *memStore {
	return &memStore{m: map[string]*memCounter{}, logs: map[string]*memLog{}, now: now}
}

// expired says whether c's period is over at now (Unix ns).
func (c *memCounter) expired(now int64) bool { return c.exp != 0 && now >= c.exp }

func (s *memStore) live(key string, now int64) *memCounter {
	c := s.m[key]
	if c != nil && c.expired(now) {
		delete(s.m, key)
		c.dead = true
		return nil
	}
	return c
}

// liveRef is live(key) for an entry a reservation found: the entry itself
// while it is in the map, without a lookup.
func (s *memStore) liveRef(key string, c *memCounter, now int64) *memCounter {
	if c == nil || c.dead {
		return s.live(key, now)
	}
	if c.expired(now) {
		delete(s.m, key)
		c.dead = true
		return nil
	}
	return c
}

func (s *memStore) sweep(now time.Time) {
	ns := now.UnixNano()
	if ns-s.lastSweep < int64(memSweepEvery) {
		return
	}
	s.lastSweep = ns
	for k, c := range s.m {
		if c.expired(ns) {
			delete(s.m, k)
			c.dead = true
		}
	}
	ms := now.UnixMilli()
	for k, g := range s.logs {
		if g.trim(ms); len(g.ent) == 0 {
			delete(s.logs, k)
			g.dead = true
		}
	}
}

func (s *memStore) reserve(_ context.Context, p *plan) (reserveResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep(p.now)
	return s.reserveLocked(p, nil)
}

// reserveLocked runs p against the store with limitOf giving each counter's limit (nil: the counter's
// own; the lease store substitutes its shares); a limit ≤ 0 is not checked. The counters the check
// finds are kept for the update, so each key is looked up once.
func (s *memStore) reserveLocked(p *plan, limitOf func(*counter) int64) (reserveResult, error) {
	ms := max(p.now.UnixMilli(), s.lastMs)
	ns := p.now.UnixNano()
	var (
		logs [maxCounters]*memLog
		ctrs [maxCounters]*memCounter
	)
	for i := range p.counters {
		c := &p.counters[i]
		var cur int64
		if c.rate() {
			if g := s.logs[c.key]; g != nil {
				g.trim(ms)
				cur, logs[i] = g.sum, g
			}
		} else if mc := s.live(c.key, ns); mc != nil {
			cur, ctrs[i] = mc.v, mc
		}
		limit := c.limit
		if limitOf != nil {
			limit = limitOf(c)
		}
		if limit > 0 && cur+c.inc > limit {
			r := reserveResult{denied: i, current: cur}
			if logs[i] != nil {
				r.wait = logs[i].wait(ms, c.inc, limit)
			}
			return r, nil
		}
	}
	s.lastMs, p.id = ms, ms // the id of an embedded reservation is its stamp
	r := reserveResult{denied: -1}
	for i := range p.counters {
		c := &p.counters[i]
		if c.rate() {
			g := logs[i]
			if g == nil {
				if g = s.logs[c.key]; g == nil {
					g = &memLog{}
					s.logs[c.key] = g
				}
			}
			g.add(ms, c.inc)
			r.values[i], r.resets[i], r.refs[i].log = g.sum, g.resetIn(ms), g
			continue
		}
		mc := ctrs[i]
		if mc == nil {
			if mc = s.live(c.key, ns); mc == nil {
				mc = &memCounter{}
				s.m[c.key] = mc
			}
		}
		mc.v += c.inc
		if c.ttl > 0 {
			mc.exp = ns + int64(c.ttl)
		}
		r.values[i], r.refs[i].ctr = mc.v, mc
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
	ms, ns := now.UnixMilli(), now.UnixNano()
	for i := range st.items {
		it := &st.items[i]
		if it.tokens {
			g := it.ref.log
			if g == nil || g.dead {
				g = s.logs[it.key]
			}
			if g != nil {
				g.trim(ms) // an entry that left the window is not re-weighed
				g.reweigh(st.id, it.from, it.to)
			}
		} else if mc := s.liveRef(it.key, it.ref.ctr, ns); mc != nil { // an expired period is not recreated
			mc.v += it.delta
		}
	}
}

func (s *memStore) get(_ context.Context, keys []string) ([]int64, error) {
	return s.getInto(make([]int64, len(keys)), keys), nil
}

// getInto is get into the caller's out (len(out) == len(keys)): the
// request path reads its budgets without allocating.
func (s *memStore) getInto(out []int64, keys []string) []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UnixNano()
	for i, k := range keys {
		out[i] = 0
		if mc := s.live(k, now); mc != nil {
			out[i] = mc.v
		}
	}
	return out
}
