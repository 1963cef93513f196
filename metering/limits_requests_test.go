package metering

import (
	"errors"
	"testing"
	"time"
)

// ReserveRequest shares the key's RPM window with model calls and is
// never refused by a full token window or a spent budget.
func TestLimiterReserveRequestRPMOnly(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		l := newLimiter(&StaticRules{Keys: map[string]Limit{"k": {RPM: 4, TPM: 100, DailyMicros: 50}}}, clock)
		s := Subject{Tenant: "a", KeyID: "k"}
		r, err := l.Reserve(ctx, s, 100, 50) // fills the token window and the budget
		if err != nil {
			t.Fatal(err)
		}
		r.Settle(ctx, 100, 50)
		if _, err := l.Reserve(ctx, s, 1, 0); err == nil {
			t.Fatal("a model call passed a full token window: the premise failed")
		}
		for i := range 3 { // 1 model call + 3 = RPM 4
			r, err := l.ReserveRequest(ctx, s)
			if err != nil {
				t.Fatalf("request-only %d denied: %v", i+1, err)
			}
			if h := r.Headers(); !h.HasRequests || h.RemainingRequests != int64(2-i) {
				t.Fatalf("request-only %d headers %+v", i+1, h)
			}
			r.Settle(ctx, 0, 0)
		}
		_, err = l.ReserveRequest(ctx, s)
		if le := limitErr(t, err); !errors.Is(err, ErrRateLimited) || le.Kind != KindRequests || le.Scope != "key" {
			t.Fatalf("5th request in a minute: %+v; want the key's RPM", le)
		}
		clock.Add(61 * time.Second)
		if _, err := l.ReserveRequest(ctx, s); err != nil {
			t.Fatalf("a minute later: %v", err)
		}
	})
}
