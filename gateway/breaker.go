package gateway

import (
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
)

// Circuit states. They are health's values: onChange hands them to
// health.Deployment.SetCircuit, which exports them as tollgate_circuit_state
// and judges an open circuit unhealthy (own numbers here once swapped open
// and half-open there).
const (
	circuitClosed   = health.CircuitClosed
	circuitOpen     = health.CircuitOpen
	circuitHalfOpen = health.CircuitHalfOpen
)

const breakerBuckets = 10

// breaker opens a deployment's circuit after ConsecutiveFailures in a row or
// when the error rate over Window reaches ErrorRate (with MinRequests seen).
// After Cooldown it lets HalfOpenProbes requests through; one success closes
// it, one failure opens it again. The window is a ring of buckets: no timers
// or goroutines per failure.
//
// Every admission is a ticket (allow) that must be resolved: a half-open
// probe slot is only given back by its ticket, so a lost ticket would keep
// the circuit half-open and refusing forever.
type breaker struct {
	cfg config.CircuitConfig

	mu          sync.Mutex
	state       int
	openedAt    time.Time
	consecutive int
	probes      int    // half-open probe slots taken
	halfOpens   uint64 // counts entries into half-open: a ticket's slot belongs to one of them
	buckets     [breakerBuckets]struct {
		start     int64 // unix nanos of the bucket's slot
		ok, fails int
	}
	onChange func(state int)
}

func newBreaker(cfg config.CircuitConfig) *breaker { return &breaker{cfg: cfg} }

// ticket is one request admitted by allow. Its holder resolves it exactly
// once: succeed or fail feed the outcome, release gives the admission back
// with no outcome (the deployment said nothing about its health: a 429, a
// stale pooled connection, a client that left, a panic). Resolving again is
// a no-op, so `defer t.release()` right after allow covers every exit.
type ticket struct {
	b        *breaker
	halfOpen uint64 // the half-open period whose probe slot this holds; 0 = no slot
	done     bool
}

// allow admits a request to this deployment now, or reports false.
func (b *breaker) allow(now time.Time) (ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case circuitOpen:
		if now.Sub(b.openedAt) < b.cfg.Cooldown {
			return ticket{}, false
		}
		b.halfOpens++
		b.setState(circuitHalfOpen)
		b.probes = 1
		return ticket{b: b, halfOpen: b.halfOpens}, true
	case circuitHalfOpen:
		if b.probes >= b.cfg.HalfOpenProbes {
			return ticket{}, false
		}
		b.probes++
		return ticket{b: b, halfOpen: b.halfOpens}, true
	}
	return ticket{b: b}, true
}

// succeed records that the deployment answered well.
func (t *ticket) succeed(now time.Time) {
	if t.b != nil && !t.done {
		t.done = true
		t.b.record(now, true)
	}
}

// fail records a failure of the deployment.
func (t *ticket) fail(now time.Time) {
	if t.b != nil && !t.done {
		t.done = true
		t.b.record(now, false)
	}
}

// release resolves the ticket without an outcome. A half-open probe slot
// is given back, so the next request probes instead of the circuit staying
// half-open with no probe in flight.
func (t *ticket) release() {
	if t.b == nil || t.done {
		return
	}
	t.done = true
	if t.halfOpen == 0 {
		return
	}
	b := t.b
	b.mu.Lock()
	if b.state == circuitHalfOpen && b.halfOpens == t.halfOpen && b.probes > 0 {
		b.probes--
	}
	b.mu.Unlock()
}

// available is allow without taking a probe slot: for the balancer's scan.
func (b *breaker) available(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case circuitOpen:
		return now.Sub(b.openedAt) >= b.cfg.Cooldown
	case circuitHalfOpen:
		return b.probes < b.cfg.HalfOpenProbes
	}
	return true
}

// record feeds one outcome of an allowed request.
func (b *breaker) record(now time.Time, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk := b.bucket(now)
	if ok {
		bk.ok++
		b.consecutive = 0
		if b.state == circuitHalfOpen {
			b.setState(circuitClosed)
			b.resetWindow()
		}
		return
	}
	bk.fails++
	b.consecutive++
	switch b.state {
	case circuitHalfOpen:
		b.trip(now)
	case circuitClosed:
		if b.consecutive >= b.cfg.ConsecutiveFailures {
			b.trip(now)
			return
		}
		total, fails := b.window(now)
		if total >= b.cfg.MinRequests && float64(fails) >= b.cfg.ErrorRate*float64(total) {
			b.trip(now)
		}
	}
}

func (b *breaker) trip(now time.Time) {
	b.openedAt = now
	b.probes = 0
	b.setState(circuitOpen)
}

func (b *breaker) setState(s int) {
	if b.state == s {
		return
	}
	b.state = s
	if b.onChange != nil {
		b.onChange(s)
	}
}

func (b *breaker) current() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

func (b *breaker) slot() int64 {
	s := int64(b.cfg.Window) / breakerBuckets
	if s <= 0 {
		s = int64(time.Second)
	}
	return s
}

func (b *breaker) bucket(now time.Time) *struct {
	start     int64
	ok, fails int
} {
	slot := b.slot()
	start := now.UnixNano() / slot * slot
	bk := &b.buckets[(start/slot)%breakerBuckets]
	if bk.start != start {
		bk.start, bk.ok, bk.fails = start, 0, 0
	}
	return bk
}

func (b *breaker) window(now time.Time) (total, fails int) {
	oldest := now.UnixNano() - int64(b.cfg.Window)
	for i := range b.buckets {
		if bk := &b.buckets[i]; bk.start > oldest {
			total += bk.ok + bk.fails
			fails += bk.fails
		}
	}
	return total, fails
}

func (b *breaker) resetWindow() {
	for i := range b.buckets {
		b.buckets[i].start = 0
	}
}
