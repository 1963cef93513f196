package metering

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// The lease fail mode bounds what a Redis outage can admit, by design rather than "each replica for
// itself":
//
//   - Budgets: each replica holds, per budget counter it serves, a lease: an amount it added to the
//     shared counter in Redis (atomically, as far as the limit allows), exactly as a reservation is
//     added. While Redis is reachable the lease is not used. While it is not, the replica admits a
//     request only by drawing its worst case from the leases of every limited budget counter, and
//     settles against them. Leases are already counted in the shared counters, so an outage cannot
//     spend past a budget: the slack for money is 0. A lease is sized LeaseFraction × what the counter
//     had left when it was taken, topped up in the background after requests that find it below half
//     that, given back when idle for LeaseIdle, when Redis denies a request on that budget (so leases
//     never hold back the last of a budget from the replica that needs it), and at Close.
//   - Rate limits: leases of a sliding window would hold back requests from other replicas while
//     Redis is healthy, so they are not taken from Redis. Instead each replica admits at most
//     ceil(LeaseFraction × limit) per window on its own during an outage. In any rateWindow the
//     replicas together admit at most limit + N × ceil(LeaseFraction × limit) (N replicas).
//
// What leases cost while Redis is healthy: the leases other replicas hold (at most (N−1) ×
// LeaseFraction × the budget left when they were taken, shrinking as they are given back) cannot be
// reserved by this one, so near the end of a budget a replica may be denied up to that much early.
// A replica that crashes keeps its leases counted until the period ends (total budgets: for good);
// this errs on the safe side and is bounded by one lease per budget counter.

// budgetLease is one replica's lease on one budget counter.
type budgetLease struct {
	limit   int64
	ttl     time.Duration
	granted int64 // added to the shared counter for this replica and not given back
	drawn   int64 // drawn by requests admitted during outages (settled or in flight)
	pending bool  // a top-up is queued
	used    time.Time
}

func (b *budgetLease) avail() int64 { return b.granted - b.drawn }

// leaseStore is the limitStore of the lease fail mode, used while Redis is unreachable.
type leaseStore struct {
	mu     sync.Mutex
	frac   float64
	rates  *memStore // sliding windows of this replica's outage shares
	leases map[string]*budgetLease
	now    func() time.Time
}

func newLeaseStore(frac float64, now func() time.Time) *leaseStore {
	return &leaseStore{frac: frac, rates: newMemStore(now), leases: map[string]*budgetLease{}, now: now}
}

// rateShare is what one replica admits per window on its own during an outage.
func rateShare(frac float64, limit int64) int64 {
	return int64(math.Ceil(frac * float64(limit)))
}

func (s *leaseStore) reserve(_ context.Context, p *plan) (reserveResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range p.counters {
		c := &p.counters[i]
		if c.rate() || c.limit <= 0 {
			continue
		}
		if b := s.leases[c.key]; b == nil && c.inc > 0 || b != nil && b.avail() < c.inc {
			return reserveResult{}, fmt.Errorf("%w: redis is unreachable and this replica's lease of the %s %s is used up",
				ErrLimiterUnavailable, c.scope, strings.ReplaceAll(c.kind, "_", " "))
		}
	}
	s.rates.mu.Lock()
	res, _ := s.rates.reserveLocked(p, func(c *counter) int64 {
		if c.rate() {
			return rateShare(s.frac, c.limit)
		}
		return 0
	})
	s.rates.mu.Unlock()
	if res.denied >= 0 {
		c := &p.counters[res.denied]
		return reserveResult{}, fmt.Errorf("%w: redis is unreachable and this replica's share (%d) of the %s %s limit is used up",
			ErrLimiterUnavailable, rateShare(s.frac, c.limit), c.scope, c.kind)
	}
	now := s.now()
	for i := range p.counters {
		c := &p.counters[i]
		if b := s.leases[c.key]; b != nil && !c.rate() && c.limit > 0 {
			b.drawn += c.inc
			b.used = now
			res.values[i] = c.limit - b.avail() // headers: what this replica may still spend
		}
	}
	return res, nil
}

func (s *leaseStore) adjust(_ context.Context, st settlement) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rates.mu.Lock()
	s.rates.adjustLocked(st, s.now())
	s.rates.mu.Unlock()
	for _, it := range st.items {
		if b := s.leases[it.key]; b != nil && !it.tokens {
			b.drawn += it.delta
		}
	}
	return nil
}

func (s *leaseStore) get(context.Context, []string) ([]int64, error) {
	return nil, fmt.Errorf("%w: redis is unreachable; spend is not known", ErrLimiterUnavailable)
}

// observe runs after Redis admitted p (values: the counters after it) and returns the top-ups the
// plan's leases need: a lease below half its target LeaseFraction × (left + own lease) is topped up.
func (s *leaseStore) observe(p *plan, values []int64) []leaseMove {
	var moves []leaseMove
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for i := range p.counters {
		c := &p.counters[i]
		if c.rate() || c.limit <= 0 {
			continue
		}
		b := s.leases[c.key]
		if b == nil {
			b = &budgetLease{limit: c.limit, ttl: c.ttl}
			s.leases[c.key] = b
		}
		b.used, b.limit = now, c.limit
		target := int64(s.frac * float64(c.limit-values[i]+b.avail()))
		if b.pending || b.avail() >= target/2 || target <= b.avail() {
			continue
		}
		b.pending = true
		moves = append(moves, leaseMove{key: c.key, limit: c.limit, delta: target - b.avail(), ttl: c.ttl})
	}
	return moves
}

// granted records the outcome of top-ups (moved nil: the call failed; Redis may have granted them,
// which then stay counted: the safe side).
func (s *leaseStore) granted(moves []leaseMove, moved []int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, m := range moves {
		if b := s.leases[m.key]; b != nil {
			b.pending = false
			if moved != nil {
				b.granted += moved[i]
			}
		}
	}
}

// takeBack removes from the leases what they have left, for keys (or, keys nil, for the leases idle
// since before idleBefore and not being topped up; all of them when idleBefore is zero) and returns it
// as moves to give back. The amounts are gone from the leases
// before Redis is asked, so they can never be drawn twice; if giving back fails they stay counted in
// Redis (the safe side).
func (s *leaseStore) takeBack(keys []string, idleBefore time.Time) []leaseMove {
	s.mu.Lock()
	defer s.mu.Unlock()
	var moves []leaseMove
	take := func(k string, b *budgetLease) {
		if b.granted > 0 || b.avail() > 0 { // what was drawn becomes plain spend in Redis
			moves = append(moves, leaseMove{key: k, limit: b.limit, delta: -max(b.avail(), 0), leased: -max(b.granted, 0), ttl: b.ttl})
			b.granted, b.drawn = 0, 0
		}
	}
	if keys != nil {
		for _, k := range keys {
			if b := s.leases[k]; b != nil {
				take(k, b)
			}
		}
		return moves
	}
	for k, b := range s.leases {
		if idleBefore.IsZero() || b.used.Before(idleBefore) && !b.pending {
			take(k, b)
			delete(s.leases, k)
		}
	}
	return moves
}

// held is the total of what the leases have left (tests, metrics).
func (s *leaseStore) held() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, b := range s.leases {
		n += b.avail()
	}
	return n
}

// byTenant splits moves into groups whose keys share a hash tag (one Cluster slot per script).
func byTenant(moves []leaseMove) [][]leaseMove {
	var groups [][]leaseMove
	idx := map[string]int{}
	for _, m := range moves {
		tag := m.key
		if i := strings.IndexByte(tag, '}'); i >= 0 {
			tag = tag[:i]
		}
		j, ok := idx[tag]
		if !ok {
			j = len(groups)
			idx[tag] = j
			groups = append(groups, nil)
		}
		groups[j] = append(groups[j], m)
	}
	return groups
}
