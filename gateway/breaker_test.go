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
	if b.current() != circuitOpen || b.allow(now.Add(500*time.Millisecond)) {
		t.Fatal("want open and refusing")
	}
	// Half-open: exactly one probe.
	later := now.Add(1100 * time.Millisecond)
	if !b.allow(later) || b.allow(later) {
		t.Fatal("want exactly one probe")
	}
	b.record(later, true)
	if b.current() != circuitClosed || !b.allow(later) {
		t.Fatal("a successful probe must close")
	}
}

func TestBreakerErrorRateWindow(t *testing.T) {
	b := testBreaker()
	now := time.Unix(2000, 0)
	// Alternate: never 3 in a row, but 50% errors over >= 10 requests.
	for i := 0; i < 10; i++ {
		b.record(now.Add(time.Duration(i)*100*time.Millisecond), i%2 == 0)
	}
	if b.current() != circuitOpen {
		t.Fatal("error-rate window did not open the circuit")
	}
}

func TestBreakerWindowForgetsOldFailures(t *testing.T) {
	b := testBreaker()
	now := time.Unix(3000, 0)
	for i := 0; i < 9; i++ {
		b.record(now, i%3 == 0) // 6 failures, 3 ok, never 3 in a row
	}
	// 20 s later the old failures are out of the window.
	later := now.Add(20 * time.Second)
	for i := 0; i < 9; i++ {
		b.record(later, true)
	}
	b.record(later, false)
	if b.current() != circuitClosed {
		t.Fatal("old failures counted after the window passed")
	}
}
