package gateway

import (
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
)

func testBreaker() *breaker {
	return newBreaker(config.CircuitConfig{ConsecutiveFailures: 3, ErrorRate: 0.5, Window: 10 * time.Second,
		MinRequests: 10, Cooldown: time.Second, HalfOpenProbes: 1})
}

func TestBreakerConsecutiveFailures(t *testing.T) {
	b := testBreaker()
	now := time.Unix(1000, 0)
	for i := 0; i < 2; i++ {
		b.record(now, false)
	}
	if b.current() != circuitClosed {
		t.Fatal("opened too early")
	}
	b.record(now, false)
	if _, ok := b.allow(now.Add(500 * time.Millisecond)); b.current() != circuitOpen || ok {
		t.Fatal("want open and refusing")
	}
	// Half-open: exactly one probe.
	later := now.Add(1100 * time.Millisecond)
	probe, ok := b.allow(later)
	if _, again := b.allow(later); !ok || again {
		t.Fatal("want exactly one probe")
	}
	probe.succeed(later)
	if _, ok := b.allow(later); b.current() != circuitClosed || !ok {
		t.Fatal("a successful probe must close")
	}
}

// trippedHalfOpen returns a breaker whose cool-down is over at the returned time.
func trippedHalfOpen(t *testing.T, probes int) (*breaker, time.Time) {
	t.Helper()
	b := newBreaker(config.CircuitConfig{ConsecutiveFailures: 1, ErrorRate: 1, Window: 10 * time.Second,
		MinRequests: 100, Cooldown: time.Second, HalfOpenProbes: probes})
	now := time.Unix(4000, 0)
	tk, _ := b.allow(now)
	tk.fail(now)
	if b.current() != circuitOpen {
		t.Fatal("one failure must open")
	}
	return b, now.Add(2 * time.Second)
}

// TestBreakerReleasedProbeLetsTheNextProbe: a probe that ends with no
// outcome (a 429, a stale connection, a departed client) gives its slot
// back; it used to keep the circuit half-open and refusing forever.
func TestBreakerReleasedProbeLetsTheNextProbe(t *testing.T) {
	b, later := trippedHalfOpen(t, 1)
	probe, ok := b.allow(later)
	if !ok || b.current() != circuitHalfOpen {
		t.Fatal("want a half-open probe")
	}
	if _, ok := b.allow(later); ok {
		t.Fatal("the only probe slot is taken")
	}
	probe.release()
	if b.current() != circuitHalfOpen {
		t.Fatal("a released probe has no outcome: the circuit stays half-open")
	}
	next, ok := b.allow(later)
	if !ok {
		t.Fatal("the released slot was not given back")
	}
	next.succeed(later)
	if b.current() != circuitClosed {
		t.Fatal("the next probe's success must close")
	}
}

// TestBreakerTicketResolvesOnce: the deferred release after an outcome is a
// no-op, and a second outcome is ignored.
func TestBreakerTicketResolvesOnce(t *testing.T) {
	b, later := trippedHalfOpen(t, 1)
	probe, _ := b.allow(later)
	probe.fail(later)
	probe.release()
	probe.succeed(later)
	if b.current() != circuitOpen {
		t.Fatalf("state %d: a failed probe must reopen, later resolutions must not count", b.current())
	}
	if _, ok := b.allow(later.Add(500 * time.Millisecond)); ok {
		t.Fatal("reopened circuit admits during its cool-down")
	}
}

// TestBreakerReleaseFromAnEarlierHalfOpenIsIgnored: a slot taken in one
// half-open period is not given back to a later one, whose probes would
// then exceed half_open_probes.
func TestBreakerReleaseFromAnEarlierHalfOpenIsIgnored(t *testing.T) {
	b, later := trippedHalfOpen(t, 2)
	old, _ := b.allow(later)
	failing, _ := b.allow(later)
	failing.fail(later) // reopens
	again := later.Add(2 * time.Second)
	if _, ok := b.allow(again); !ok {
		t.Fatal("want a probe in the second half-open period")
	}
	if _, ok := b.allow(again); !ok {
		t.Fatal("want the second probe slot")
	}
	old.release()
	if _, ok := b.allow(again); ok {
		t.Fatal("a stale release freed a slot of the new half-open period")
	}
}
