package metering

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// slowFirstScript proxies to addr and holds the first chunk carrying a script call for delay before
// passing it on: one Redis call that is slow on a busy host, whose command still runs afterwards.
func slowFirstScript(t *testing.T, addr string, delay time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var held atomic.Bool
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go func() { _, _ = io.Copy(c, u); c.Close() }()
			go func() {
				defer u.Close()
				buf := make([]byte, 64<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if bytes.Contains(bytes.ToLower(buf[:n]), []byte("eval")) && held.CompareAndSwap(false, true) {
							time.Sleep(delay)
						}
						if _, werr := u.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						time.Sleep(delay) // let a held command reach Redis before the close
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestLimiterSlowCallRetriedNotFlipped: one Redis call slower than Timeout (the first attempt times
// out, its command still runs later) is retried with the longer timeout; the request is counted once,
// the replica does not fall back, and the circuit stays closed.
func TestLimiterSlowCallRetriedNotFlipped(t *testing.T) {
	srv := testredis.StartOpts(t)
	rdb := newTestRedis(t, srv.Addr)
	proxy := slowFirstScript(t, srv.Addr, 300*time.Millisecond)
	l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, proxy), Timeout: 50 * time.Millisecond, RetryTimeout: 2 * time.Second,
		TripAfter: 1, Logger: quietLog()}, &StaticRules{DefaultKey: Limit{RPM: 10, TotalMicros: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close(ctx) })
	fallbackBefore, retriesBefore := rateFallbackTotal.Get(), rateRedisRetries.Get()
	s := Subject{Tenant: "a", KeyID: "k"}
	r, err := l.Reserve(ctx, s, 1, 100)
	if err != nil || r.store != limitStore(l.remote) {
		t.Fatalf("Reserve: %v (store %T); want admitted by Redis", err, r.store)
	}
	if rateRedisRetries.Get()-retriesBefore != 1 || rateFallbackTotal.Get() != fallbackBefore || l.circuit.open() {
		t.Fatalf("retries +%d, fallbacks +%d, circuit open %v; want one retry, no fallback, closed",
			rateRedisRetries.Get()-retriesBefore, rateFallbackTotal.Get()-fallbackBefore, l.circuit.open())
	}
	time.Sleep(700 * time.Millisecond) // the held first attempt has now run on Redis too
	n, _ := rdb.ZCard(ctx, "tg:rl:{a}:k:k:rpm").Result()
	spent, _ := rdb.Get(ctx, "tg:budget:{a}:k:k:total").Int64()
	leased, _ := rdb.Get(ctx, "tg:budget:{a}:k:k:total:l").Int64()
	if n != 1 || spent-leased != 100 {
		t.Fatalf("after a retried call: %d rpm entries, %d micro-USD reserved (+%d leased); want 1 and 100: counted once", n, spent-leased, leased)
	}
}

// startLeaseReplicas builds n limiters on one Redis with the lease fail mode.
func startLeaseReplicas(t *testing.T, addr string, n int, rules RuleSource) []*Limiter {
	t.Helper()
	out := make([]*Limiter, n)
	for i := range out {
		l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, addr), Timeout: 50 * time.Millisecond, RetryTimeout: 100 * time.Millisecond,
			TripAfter: 1, RetryInterval: time.Hour, Logger: quietLog()}, rules)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close(ctx) })
		out[i] = l
	}
	return out
}

// TestLimiterLeaseBoundsOutage: three replicas spend a budget and an RPM limit, Redis is paused
// (SIGSTOP), and they go on alone. Budgets: nothing past the budget (leases were taken from it in
// Redis). RPM: at most limit + 3 × ceil(0.1 × limit) in the window.
func TestLimiterLeaseBoundsOutage(t *testing.T) {
	srv := testredis.StartOpts(t)
	const budget, worst, rpm = 100_000, 1_000, 100
	rules := &StaticRules{Keys: map[string]Limit{"money": {TotalMicros: budget}, "rate": {RPM: rpm}}}
	ls := startLeaseReplicas(t, srv.Addr, 3, rules)
	money, rate := Subject{Tenant: "a", KeyID: "money"}, Subject{Tenant: "a", KeyID: "rate"}

	var spent atomic.Int64
	spend := func(l *Limiter) bool {
		r, err := l.Reserve(ctx, money, 0, worst)
		if err != nil {
			return false
		}
		r.Settle(ctx, 0, worst) // the worst case is the actual: the hardest case for a budget
		spent.Add(worst)
		return true
	}
	rateAdmitted := 0
	for i := range 30 { // healthy: 30 of the budget's 100 requests, 30 of the rate limit
		spend(ls[i%3])
		if _, err := ls[i%3].Reserve(ctx, rate, 1, 0); err == nil {
			rateAdmitted++
		}
	}
	waitFor(t, func() bool { // leases are taken in the background
		for _, l := range ls {
			if l.leases.held() == 0 {
				return false
			}
		}
		return true
	})
	var held int64
	for _, l := range ls {
		held += l.leases.held()
	}

	srv.Pause()
	defer srv.Resume()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range 3 {
		wg.Go(func() {
			for range 60 {
				spend(ls[i])
				_, err := ls[i].Reserve(ctx, rate, 1, 0)
				mu.Lock()
				if err == nil {
					rateAdmitted++
				} else if !errors.Is(err, ErrLimiterUnavailable) && !errors.Is(err, ErrRateLimited) {
					t.Errorf("outage Reserve: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("leases held at the pause: %d micro-USD; spent %d of %d; rpm %d admitted %d (bound %d)",
		held, spent.Load(), budget, rpm, rateAdmitted, rpm+3*rateShare(0.1, rpm))
	if spent.Load() > budget {
		t.Errorf("spent %d micro-USD of a %d budget during an outage", spent.Load(), budget)
	}
	if spent.Load() <= 30*worst || spent.Load() > 30*worst+held {
		t.Errorf("outage spend %d; want some, and at most the leases held (%d)", spent.Load()-30*worst, held)
	}
	if rateAdmitted > rpm+3*int(rateShare(0.1, rpm)) {
		t.Errorf("rpm %d admitted %d with Redis paused; bound %d", rpm, rateAdmitted, rpm+3*rateShare(0.1, rpm))
	}
	for _, l := range ls {
		if !l.circuit.open() {
			t.Error("a replica did not notice the outage")
		}
	}
}

// TestLimiterLeasesGivenBackOnDenial: leases held by this replica never deny it the last of a budget.
func TestLimiterLeasesGivenBackOnDenial(t *testing.T) {
	srv := testredis.StartOpts(t)
	const budget, worst = 10_000, 1_000
	l := startLeaseReplicas(t, srv.Addr, 1, &StaticRules{DefaultKey: Limit{TotalMicros: budget}})[0]
	s := Subject{Tenant: "a", KeyID: "k"}
	admitted := 0
	for range 20 {
		r, err := l.Reserve(ctx, s, 0, worst)
		if err != nil {
			if !errors.Is(err, ErrBudgetExceeded) {
				t.Fatal(err)
			}
			continue
		}
		r.Settle(ctx, 0, worst)
		admitted++
		waitFor(t, func() bool { // let the background top-up land, so it competes with the next request
			l.leases.mu.Lock()
			defer l.leases.mu.Unlock()
			for _, b := range l.leases.leases {
				if b.pending {
					return false
				}
			}
			return true
		})
	}
	if admitted != budget/worst {
		t.Fatalf("admitted %d of a budget for %d; leases held it back", admitted, budget/worst)
	}
	sp, err := l.Spend(ctx, s)
	if err != nil || sp.Key.TotalMicros != budget {
		t.Fatalf("spend %+v, %v; want %d (leases left out)", sp.Key, err, budget)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := newTestRedis(t, srv.Addr).Get(context.Background(), "tg:budget:{a}:k:k:total").Int64(); v != budget {
		t.Fatalf("counter after Close = %d; want %d (leases given back)", v, budget)
	}
}
