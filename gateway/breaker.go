package gateway

import (
	"sync"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

// Circuit states, exported as tollgate_circuit_state values.
const (
	circuitClosed   = 0
	circuitOpen     = 1
	circuitHalfOpen = 2
)

const breakerBuckets = 10

// breaker opens a deployment's circuit after ConsecutiveFailures in a row or
// when the error rate over Window reaches ErrorRate (with MinRequests seen).
// After Cooldown it lets HalfOpenProbes requests through; one success closes
// it, one failure opens it again. The window is a ring of buckets: no timers
// or goroutines per failure.
type breaker struct {
	cfg config.CircuitConfig

	mu          sync.Mutex
	state       int
	openedAt    time.Time
	consecutive int
	probes      int
	buckets     [breakerBuckets]struct {
		start     int64 // unix nanos of the bucket's slot
		ok, fails int
	}
	onChange func(state int)
}

func newBreaker(cfg config.CircuitConfig) *breaker { return &breaker{cfg: cfg} }

// allow reports whether a request may go to this deployment now.
func (b *breaker) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case circuitOpen:
		if now.Sub(b.openedAt) < b.cfg.Cooldown {
			return false
		}
		b.setState(circuitHalfOpen)
		b.probes = 1
		return true
	case circuitHalfOpen:
		if b.probes >= b.cfg.HalfOpenProbes {
			return false
		}
		b.probes++
		return true
	}
	return true
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
