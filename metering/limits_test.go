package metering

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/valyala/fasthttp"
)

// fakeClock is a settable clock so window and period boundaries are deterministic.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// forEachBackend runs fn against the embedded limiter and the Redis one: the semantics must match.
func forEachBackend(t *testing.T, fn func(t *testing.T, newLimiter func(rules RuleSource, clock *fakeClock) *Limiter)) {
	t.Run("embedded", func(t *testing.T) {
		fn(t, func(rules RuleSource, clock *fakeClock) *Limiter {
			l, err := NewLimiter(LimitsOptions{Now: clock.Now, Logger: quietLog()}, rules)
			if err != nil {
				t.Fatal(err)
			}
			return l
		})
	})
	t.Run("redis", func(t *testing.T) {
		addr := testredis.Start(t)
		fn(t, func(rules RuleSource, clock *fakeClock) *Limiter {
			l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, addr), Timeout: time.Second, Now: clock.Now, Logger: quietLog()}, rules)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = l.Close(ctx) })
			return l
		})
	})
}

var ctx = context.Background()

func limitErr(t *testing.T, err error) *LimitError {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a *LimitError", err)
	}
	return le
}

func TestLimiterRPM(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay.Add(15 * time.Second)} // 09:30:15
		l := newLimiter(&StaticRules{Keys: map[string]Limit{"k1": {RPM: 3}}}, clock)
		s := Subject{Tenant: "a", KeyID: "k1"}
		for i := range 3 {
			r, err := l.Reserve(ctx, s, 10, 0)
			if err != nil {
				t.Fatalf("request %d denied: %v", i+1, err)
			}
			// reset: until the oldest request leaves the sliding window (09:30:15 + 60 s)
			if h := r.Headers(); !h.HasRequests || h.LimitRequests != 3 || h.RemainingRequests != int64(2-i) || h.ResetRequests != time.Minute-time.Duration(i)*10*time.Second {
				t.Fatalf("request %d headers = %+v; want limit 3, remaining %d, reset %s", i+1, h, 2-i, time.Minute-time.Duration(i)*10*time.Second)
			}
			clock.Add(10 * time.Second)
		}
		_, err := l.Reserve(ctx, s, 10, 0) // 09:30:45: the first request leaves the window at 09:31:15
		le := limitErr(t, err)
		if !errors.Is(err, ErrRateLimited) || le.Kind != KindRequests || le.Scope != "key" || le.RetryAfter != 30*time.Second || le.Code() != "rate_limit_exceeded" {
			t.Fatalf("4th request: %+v; want requests/key, retry after 30s", le)
		}
		// Another key of the same tenant has its own window.
		if _, err := l.Reserve(ctx, Subject{Tenant: "a", KeyID: "k2"}, 10, 0); err != nil {
			t.Fatalf("other key denied: %v", err)
		}
		clock.Add(29 * time.Second) // 09:31:14: still three in the last 60 s
		if _, err := l.Reserve(ctx, s, 10, 0); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("at 09:31:14: %v; want denied (three requests in the last 60 s)", err)
		}
		clock.Add(time.Second) // 09:31:15: the first request left the window
		if _, err := l.Reserve(ctx, s, 10, 0); err != nil {
			t.Fatalf("at 09:31:15 denied: %v", err)
		}
		if _, err := l.Reserve(ctx, s, 10, 0); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("second at 09:31:15: %v; want denied", err)
		}
	})
}

// TestLimiterRPMBurstAcrossMinuteBoundary: with fixed UTC minutes a burst at 12:00:59.9 and another
// at 12:01:00.0 both passed (2× the limit in 100 ms); a sliding window admits the limit once.
func TestLimiterRPMBurstAcrossMinuteBoundary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: time.Date(2026, 3, 14, 12, 0, 59, 900_000_000, time.UTC)}
		l := newLimiter(&StaticRules{DefaultKey: Limit{RPM: 40}}, clock)
		s := Subject{Tenant: "a", KeyID: "k"}
		admitted := 0
		for range 50 {
			if _, err := l.Reserve(ctx, s, 1, 0); err == nil {
				admitted++
			}
		}
		clock.Add(100 * time.Millisecond) // 12:01:00.0
		for range 50 {
			if _, err := l.Reserve(ctx, s, 1, 0); err == nil {
				admitted++
			}
		}
		if admitted != 40 {
			t.Fatalf("admitted %d across the minute boundary with rpm 40; want 40", admitted)
		}
		clock.Add(59*time.Second + 900*time.Millisecond) // 12:01:59.9: the first burst left the window
		if _, err := l.Reserve(ctx, s, 1, 0); err != nil {
			t.Fatalf("a minute after the burst: %v", err)
		}
	})
}

// TestLimiterTPMSlidingSettle: TPM is a sliding window too; settle re-weighs the request's entry, so
// refunds keep working, and a settled entry leaves the window with its actual weight.
func TestLimiterTPMSlidingSettle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		l := newLimiter(&StaticRules{DefaultKey: Limit{TPM: 1000}}, clock)
		s := Subject{Tenant: "a", KeyID: "k"}
		r1, err := l.Reserve(ctx, s, 700, 0)
		if err != nil {
			t.Fatal(err)
		}
		clock.Add(30 * time.Second)
		r1.Settle(ctx, 200, 0) // 700 → 200
		r2, err := l.Reserve(ctx, s, 800, 0)
		if err != nil {
			t.Fatalf("800 after settling 700 to 200: %v", err)
		}
		if h := r2.Headers(); h.RemainingTokens != 0 || h.ResetTokens != 30*time.Second {
			t.Fatalf("headers %+v; want 0 tokens left, reset 30s (when the first entry leaves)", h)
		}
		_, err = l.Reserve(ctx, s, 150, 0)
		if le := limitErr(t, err); le.Kind != KindTokens || le.RetryAfter != 30*time.Second {
			t.Fatalf("150 more: %+v; want tokens, retry after 30s (the 200 of the first leave)", le)
		}
		clock.Add(30 * time.Second) // the first entry (200) left; 800 remain
		if _, err := l.Reserve(ctx, s, 200, 0); err != nil {
			t.Fatalf("200 after the first entry left: %v", err)
		}
		if _, err := l.Reserve(ctx, s, 1, 0); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("one more token: %v; want denied (1000 in the window)", err)
		}
		clock.Add(time.Minute)
		r2.Settle(ctx, 10, 0) // its entry left the window: nothing to re-weigh, nothing goes negative
		if r, err := l.Reserve(ctx, s, 1000, 0); err != nil || r.Headers().RemainingTokens != 0 {
			t.Fatalf("a full window later: %v %+v; want 1000 admitted", err, r.Headers())
		}
	})
}

func TestLimiterTPMSettleAndRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		l := newLimiter(&StaticRules{DefaultTenant: Limit{TPM: 1000}}, clock)
		s := Subject{Tenant: "t", Model: "gpt-4o"}
		r1, err := l.Reserve(ctx, s, 600, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = l.Reserve(ctx, s, 600, 0)
		if le := limitErr(t, err); le.Kind != KindTokens || le.Remaining != 400 || le.Requested != 600 {
			t.Fatalf("second 600-token request: %+v; want tokens, 400 remaining", le)
		}
		r1.Settle(ctx, 100, 0) // used 100 of 600: 500 tokens return
		r1.Settle(ctx, 0, 0)   // idempotent: no second adjustment
		r2, err := l.Reserve(ctx, s, 600, 0)
		if err != nil {
			t.Fatalf("after settle: %v", err)
		}
		if h := r2.Headers(); h.RemainingTokens != 300 || h.LimitTokens != 1000 {
			t.Fatalf("headers = %+v; want 300 tokens remaining", h)
		}
		r2.Release(ctx)
		if _, err := l.Reserve(ctx, s, 900, 0); err != nil {
			t.Fatalf("after release 900 tokens must fit (100 used): %v", err)
		}
		_, err = l.Reserve(ctx, s, 5000, 0)
		if le := limitErr(t, err); le.RetryAfter != 0 {
			t.Fatalf("a request above the whole limit: RetryAfter = %s; want 0 (waiting cannot help)", le.RetryAfter)
		}
	})
}

func TestLimiterBudgets(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		rules := &StaticRules{
			Teams:   map[string]Limit{"eng": {DailyMicros: 1000}},
			Tenants: map[string]Limit{"acme": {MonthlyMicros: 1500, TotalMicros: 100_000}},
		}
		l := newLimiter(rules, clock)
		s := Subject{Tenant: "acme", Team: "eng", KeyID: "k"}
		r1, err := l.Reserve(ctx, s, 0, 400)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reserve(ctx, s, 0, 400); err != nil {
			t.Fatal(err)
		}
		_, err = l.Reserve(ctx, s, 0, 400) // 800 + 400 > 1000
		le := limitErr(t, err)
		wantRetry := 24*time.Hour - 9*time.Hour - 30*time.Minute // until 00:00 UTC
		if !errors.Is(err, ErrBudgetExceeded) || le.Kind != KindBudgetDaily || le.Scope != "team" || le.Remaining != 200 || le.RetryAfter != wantRetry || le.Code() != "budget_exceeded" {
			t.Fatalf("third reservation: %+v (%v); want team daily budget, 200 left, retry %s", le, err, wantRetry)
		}
		r1.Settle(ctx, 0, 100) // actual 100 of 400 reserved
		if _, err := l.Reserve(ctx, s, 0, 400); err != nil {
			t.Fatalf("after settling to 100, 100+400+400 ≤ 1000 must fit: %v", err)
		}
		sp, err := l.Spend(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if sp.Team.TodayMicros != 900 || sp.Team.DailyBudget != 1000 || sp.Tenant.MonthMicros != 900 || sp.Tenant.MonthlyBudget != 1500 || sp.Key.TotalMicros != 900 {
			t.Fatalf("spend = %+v; want 900 spent/reserved everywhere, budgets from rules", sp)
		}

		if rem, ok := sp.Team.Remaining(); !ok || rem != 100 {
			t.Fatalf("team remaining = %d, %v; want 100, true", rem, ok)
		}
		if rem, ok := sp.Tenant.Remaining(); !ok || rem != 600 { // monthly 1500−900 is tighter than total
			t.Fatalf("tenant remaining = %d, %v; want 600, true", rem, ok)
		}
		if _, ok := sp.Key.Remaining(); ok {
			t.Fatal("key without budgets reports a remaining budget")
		}
		clock.Add(15 * time.Hour) // next day: the daily budget resets, the monthly does not
		_, err = l.Reserve(ctx, s, 0, 700)
		if le := limitErr(t, err); le.Kind != KindBudgetMonthly || le.Scope != "tenant" {
			t.Fatalf("next day 700: %+v; want tenant monthly (900+700 > 1500)", le)
		}
		if _, err := l.Reserve(ctx, s, 0, 600); err != nil {
			t.Fatalf("next day 600 must fit the monthly budget: %v", err)
		}
	})
}

func TestLimiterModelAndHeaderTightestScope(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		l := newLimiter(&StaticRules{DefaultKey: Limit{RPM: 100}, Models: map[string]Limit{"gpt-4o": {RPM: 2}}}, clock)
		s := Subject{Tenant: "a", KeyID: "k", Model: "gpt-4o"}
		r, err := l.Reserve(ctx, s, 1, 0)
		if err != nil {
			t.Fatal(err)
		}
		if h := r.Headers(); h.LimitRequests != 2 || h.RemainingRequests != 1 || h.HasTokens {
			t.Fatalf("headers = %+v; want the model's limit (2, 1 left) and no token headers", h)
		}
		var hdr fasthttp.ResponseHeader
		r.Headers().Apply(&hdr)
		if got := string(hdr.Peek("x-ratelimit-remaining-requests")); got != "1" {
			t.Fatalf("x-ratelimit-remaining-requests = %q; want 1", got)
		}
		if got := string(hdr.Peek("x-ratelimit-reset-requests")); got != "1m0s" { // the only request leaves the window in a minute
			t.Fatalf("x-ratelimit-reset-requests = %q; want 1m0s", got)
		}
		l.Reserve(ctx, s, 1, 0)
		_, err = l.Reserve(ctx, s, 1, 0)
		if le := limitErr(t, err); le.Scope != "model" {
			t.Fatalf("third request: %+v; want the model scope", le)
		}
		if _, err := l.Reserve(ctx, Subject{Tenant: "a", KeyID: "k", Model: "gpt-4o-mini"}, 1, 0); err != nil {
			t.Fatalf("another model: %v", err)
		}
	})
}

func TestLimiterNamesCannotBreakKeys(t *testing.T) {
	forEachBackend(t, func(t *testing.T, newLimiter func(RuleSource, *fakeClock) *Limiter) {
		clock := &fakeClock{t: testDay}
		l := newLimiter(&StaticRules{DefaultKey: Limit{RPM: 1}}, clock)
		// Names with ':', '{', '}' and '%' must neither share a counter nor split the Cluster slot.
		for _, s := range []Subject{{Tenant: "a}b", KeyID: "k"}, {Tenant: "a", KeyID: "}b:k"}, {Tenant: "", KeyID: "k"}, {Tenant: "{", KeyID: "%3A"}, {Tenant: "{", KeyID: ":"}} {
			if _, err := l.Reserve(ctx, s, 1, 0); err != nil {
				t.Fatalf("first request of %+v denied: %v (counter shared with another subject?)", s, err)
			}
		}
	})
}

func TestNewLimiterRejectsBadOptions(t *testing.T) {
	if _, err := NewLimiter(LimitsOptions{FailMode: "maybe"}, &StaticRules{}); err == nil {
		t.Error("fail mode maybe accepted")
	}
	if _, err := NewLimiter(LimitsOptions{LeaseFraction: 0.9}, &StaticRules{}); err == nil {
		t.Error("lease fraction 0.9 accepted")
	}
	if _, err := NewLimiter(LimitsOptions{}, nil); err == nil {
		t.Error("nil rules accepted")
	}
}

func TestNilReservationIsSafe(t *testing.T) {
	var r *Reservation
	r.Settle(ctx, 1, 1)
	r.Release(ctx)
	if h := r.Headers(); h.HasRequests || h.HasTokens {
		t.Fatalf("nil reservation headers = %+v; want none", h)
	}
}

func TestLimitErrorMessages(t *testing.T) {
	f := func(e *LimitError, want string) {
		t.Helper()
		if got := e.Error(); got != want {
			t.Errorf("Error() = %q\nwant      %q", got, want)
		}
	}
	f(&LimitError{Kind: KindRequests, Scope: "key", Limit: 60, RetryAfter: 12 * time.Second}, "rate limit exceeded: key limit of 60 requests per minute reached; retry after 12s")
	f(&LimitError{Kind: KindTokens, Scope: "team", Limit: 100, Remaining: 0, Requested: 500}, "rate limit exceeded: team limit of 100 tokens per minute: this request needs 500, 0 remain; the request alone exceeds the limit (lower max_tokens)")
	f(&LimitError{Kind: KindBudgetTotal, Scope: "tenant", Limit: 5_000_000, Remaining: 10, Requested: 42_500}, "budget exceeded: tenant total budget of $5: this request may cost up to $0.0425, $0.00001 remain")
	if got := RetryAfterSeconds(1500 * time.Millisecond); got != "2" {
		t.Errorf("RetryAfterSeconds(1.5s) = %s; want 2", got)
	}
}
