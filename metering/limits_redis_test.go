package metering

import (
	"errors"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/internal/testredis"
)

// replicas builds n limiters on one Redis, each with its own client: n gateway replicas.
func replicas(t *testing.T, addr string, n int, rules RuleSource, clock *fakeClock) []*Limiter {
	t.Helper()
	out := make([]*Limiter, n)
	for i := range out {
		l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, addr), Timeout: 5 * time.Second, Now: clock.Now, Logger: quietLog()}, rules)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = l.Close(ctx) })
		out[i] = l
	}
	return out
}

// hammer runs attempts Reserve calls spread over every replica with 4 goroutines each, and returns
// the admitted reservations. Any error but a LimitError fails the test.
func hammer(t *testing.T, ls []*Limiter, attempts int, s Subject, est int, worst int64) []*Reservation {
	t.Helper()
	var mu sync.Mutex
	var admitted []*Reservation
	var wg sync.WaitGroup
	var left atomic.Int64
	left.Store(int64(attempts))
	for _, l := range ls {
		for range 4 {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					r, err := l.Reserve(ctx, s, est, worst)
					var le *LimitError
					switch {
					case err == nil:
						mu.Lock()
						admitted = append(admitted, r)
						mu.Unlock()
					case !errors.As(err, &le):
						t.Errorf("Reserve: %v", err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	return admitted
}

func TestLimiterThreeReplicasExact(t *testing.T) {
	addr := testredis.Start(t)
	clock := &fakeClock{t: testDay.Add(10 * time.Second)}
	rules := &StaticRules{
		Keys:    map[string]Limit{"rpm-key": {RPM: 50}},
		Tenants: map[string]Limit{"tpm": {TPM: 10_000}, "budget": {DailyMicros: 100_000}},
	}
	ls := replicas(t, addr, 3, rules, clock)

	if got := len(hammer(t, ls, 300, Subject{Tenant: "a", KeyID: "rpm-key"}, 1, 0)); got != 50 {
		t.Errorf("RPM 50 across 3 replicas admitted %d of 300; want exactly 50", got)
	}
	if got := len(hammer(t, ls, 300, Subject{Tenant: "tpm", KeyID: "k"}, 77, 0)); got != 10_000/77 {
		t.Errorf("TPM 10000 at 77 tokens each admitted %d; want exactly %d", got, 10_000/77)
	}

	// Budget phase 1: concurrent reservations stop exactly where the next worst case would overshoot.
	s := Subject{Tenant: "budget", Team: "eng", KeyID: "k"}
	const worst = 700
	held := hammer(t, ls, 300, s, 0, worst)
	if len(held) != 100_000/worst {
		t.Fatalf("budget $0.1 at worst $0.0007 admitted %d reservations; want exactly %d", len(held), 100_000/worst)
	}
	// Phase 2: settle to actual costs ≤ worst concurrently with new reserve+settle traffic.
	var settled atomic.Int64
	settle := func(r *Reservation) {
		actual := rand.Int64N(worst + 1)
		r.Settle(ctx, 0, actual)
		settled.Add(actual)
	}
	var wg sync.WaitGroup
	for i, r := range held {
		wg.Go(func() {
			settle(r)
			l := ls[i%len(ls)]
			if more, err := l.Reserve(ctx, s, 0, worst); err == nil {
				settle(more)
			}
		})
	}
	wg.Wait()
	sp, err := ls[0].Spend(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if settled.Load() > 100_000 {
		t.Errorf("settled spend %d micro-USD overshoots the 100000 budget", settled.Load())
	}
	if sp.Tenant.TodayMicros != settled.Load() || sp.Team.TodayMicros != settled.Load() {
		t.Errorf("Redis spend tenant %d, team %d; want the settled sum %d on every replica's view", sp.Tenant.TodayMicros, sp.Team.TodayMicros, settled.Load())
	}
	t.Logf("3 replicas: RPM 50 admitted 50/300; budget reservations %d; settled %d ≤ 100000 micro-USD", len(held), settled.Load())
}

func TestLimiterRedisDownFallsBackLocally(t *testing.T) {
	srv := testredis.StartOpts(t)
	clock := &fakeClock{t: testDay}
	l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, srv.Addr), Timeout: 50 * time.Millisecond, RetryInterval: 10 * time.Millisecond,
		TripAfter: 1, FailMode: FailLocal, Now: clock.Now, Logger: quietLog()}, &StaticRules{DefaultKey: Limit{RPM: 2}})
	if err != nil {
		t.Fatal(err)
	}
	s := Subject{Tenant: "a", KeyID: "k"}
	if _, err := l.Reserve(ctx, s, 1, 0); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	fallbackBefore := rateFallbackTotal.Get()
	for i := range 2 { // local counters start empty: 2 admitted, then the local limit holds
		if _, err := l.Reserve(ctx, s, 1, 0); err != nil {
			t.Fatalf("fallback request %d: %v", i, err)
		}
	}
	if _, err := l.Reserve(ctx, s, 1, 0); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("third fallback request: %v; want the local RPM limit", err)
	}
	if got := rateFallbackTotal.Get() - fallbackBefore; got != 3 {
		t.Errorf("tollgate_ratelimit_fallback_total grew by %d; want 3", got)
	}
	srv.Restart()
	waitFor(t, func() bool {
		before := rateFallbackTotal.Get()
		_, _ = l.Reserve(ctx, Subject{Tenant: "b", KeyID: "k"}, 1, 0)
		return rateFallbackTotal.Get() == before
	})
}

// blackhole accepts connections and never answers: a hung Redis.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

func TestLimiterHungRedisNeverHangs(t *testing.T) {
	addr := blackhole(t)
	f := func(mode string, check func(r *Reservation, err error)) {
		t.Helper()
		l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, addr), Timeout: 50 * time.Millisecond, FailMode: mode, Logger: quietLog()},
			&StaticRules{DefaultKey: Limit{RPM: 100}})
		t.Cleanup(func() { _ = l.Close(ctx) })
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var r *Reservation
		go func() { r, err = l.Reserve(ctx, Subject{Tenant: "a", KeyID: "k"}, 1, 0); close(done) }()
		select {
		case <-done: // a hung Redis would block here forever without the timeout
		case <-time.After(5 * time.Second):
			t.Fatalf("fail mode %s: Reserve still blocked after 5s on a hung Redis (timeout 50ms)", mode)
		}
		check(r, err)
	}
	f(FailLease, func(r *Reservation, err error) { // no lease was ever taken: a share of the rate limit only
		if err != nil || r == nil || !r.Headers().HasRequests {
			t.Errorf("lease: %v, %+v; want a reservation within this replica's share", err, r)
		}
	})
	f(FailLocal, func(r *Reservation, err error) {
		if err != nil || r == nil || !r.Headers().HasRequests {
			t.Errorf("local: %v, %+v; want a local reservation with headers", err, r)
		}
	})
	f(FailOpen, func(r *Reservation, err error) {
		if err != nil || r != nil {
			t.Errorf("open: %v, %+v; want admitted without a reservation", err, r)
		}
	})
	f(FailClosed, func(r *Reservation, err error) {
		if !errors.Is(err, ErrLimiterUnavailable) {
			t.Errorf("closed: %v; want ErrLimiterUnavailable", err)
		}
	})
}

func TestLimiterSkipsHungRedisUntilRetryInterval(t *testing.T) {
	l, err := NewLimiter(LimitsOptions{Redis: newTestRedis(t, blackhole(t)), Timeout: 20 * time.Millisecond, RetryInterval: time.Hour,
		TripAfter: 2, Logger: quietLog()}, &StaticRules{DefaultKey: Limit{RPM: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	errsBefore, fallbackBefore := rateRedisErrorsTotal.Get(), rateFallbackTotal.Get()
	for i := range 20 {
		if _, err := l.Reserve(ctx, Subject{Tenant: "a", KeyID: "k"}, 1, 0); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if got := rateRedisErrorsTotal.Get() - errsBefore; got != 4 {
		t.Errorf("redis was tried %d times during the outage; want 2 calls × 2 attempts until the circuit opens, then none", got)
	}
	if got := rateFallbackTotal.Get() - fallbackBefore; got != 20 {
		t.Errorf("fallbacks counted %d; want 20", got)
	}
}
