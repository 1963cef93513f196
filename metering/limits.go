package metering

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Subject is who a request counts against. KeyID is the virtual key's id, never the secret.
type Subject struct {
	Tenant, Team, KeyID, Model string
}

// Fail modes when Redis is down (after a retry, tripAfter calls in a row).
const (
	FailLease  = "lease"  // default: admit within leases taken from Redis beforehand; bounded, see limits_lease.go
	FailLocal  = "local"  // each replica enforces the whole limit alone in memory: N replicas admit up to N× the limit
	FailOpen   = "open"   // admit without limits
	FailClosed = "closed" // deny with ErrLimiterUnavailable
)

// LimitsOptions configure NewLimiter.
type LimitsOptions struct {
	// Redis shares counters across replicas; nil = in-process only. Create the client with
	// ContextTimeoutEnabled: true and socket timeouts of at least RetryTimeout.
	Redis redis.UniversalClient
	// Timeout bounds a Redis call's first attempt; default 50ms.
	Timeout time.Duration
	// RetryTimeout bounds the one retry of a failed call; default 4 × Timeout.
	RetryTimeout time.Duration
	// TripAfter is how many calls in a row must fail (both attempts) before Redis counts as down;
	// default 3. A single failed call falls back for that request only.
	TripAfter int
	// FailMode is FailLease (default), FailLocal, FailOpen or FailClosed.
	FailMode string
	// LeaseFraction sizes leases (FailLease): a budget lease is this fraction of what the counter has
	// left, a replica's outage share of a rate limit this fraction of the limit; default 0.1.
	LeaseFraction float64
	// LeaseIdle gives back budget leases not used for this long; default 30s.
	LeaseIdle time.Duration
	// RetryInterval is how long to skip Redis once it is down before one caller tries again; default 1s.
	RetryInterval time.Duration
	// Now is the clock (tests); default time.Now. Replicas' clocks should agree (NTP): rate-log entries
	// are stamped by the replica that admits them.
	Now    func() time.Time
	Logger *slog.Logger
}

// Limiter enforces RPM/TPM limits and budgets for key, team, tenant and model.
type Limiter struct {
	opts    LimitsOptions
	rules   RuleSource
	plans   planCache
	log     *slog.Logger
	local   *memStore
	remote  *redisLimitStore // nil without Redis
	leases  *leaseStore      // FailLease with Redis
	circuit redisCircuit
	topUps  chan []leaseMove
	stop    chan struct{}
	stopped chan struct{}
	closed  atomic.Bool
}

// NewLimiter builds a limiter. rules is consulted on every Reserve and Spend. With Redis and the lease
// fail mode it runs one goroutine (lease top-ups and returns): call Close when done.
func NewLimiter(opts LimitsOptions, rules RuleSource) (*Limiter, error) {
	if rules == nil {
		return nil, errors.New("limits: a RuleSource is required (use &StaticRules{} for none)")
	}
	switch opts.FailMode {
	case "":
		opts.FailMode = FailLease
	case FailLease, FailLocal, FailOpen, FailClosed:
	default:
		return nil, fmt.Errorf("limits: fail mode %q is not one of lease, local, open, closed", opts.FailMode)
	}
	if opts.LeaseFraction < 0 || opts.LeaseFraction > 0.5 {
		return nil, fmt.Errorf("limits: lease fraction %g is not within 0..0.5", opts.LeaseFraction)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 50 * time.Millisecond
	}
	if opts.RetryTimeout <= 0 {
		opts.RetryTimeout = 4 * opts.Timeout
	}
	if opts.TripAfter <= 0 {
		opts.TripAfter = 3
	}
	if opts.LeaseFraction == 0 {
		opts.LeaseFraction = 0.1
	}
	if opts.LeaseIdle <= 0 {
		opts.LeaseIdle = 30 * time.Second
	}
	if opts.RetryInterval <= 0 {
		opts.RetryInterval = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "limits")
	l := &Limiter{opts: opts, rules: rules, log: log, local: newMemStore(opts.Now),
		circuit: redisCircuit{tripAfter: int64(opts.TripAfter), retryEvery: opts.RetryInterval, log: log, failMode: opts.FailMode}}
	if opts.Redis != nil {
		l.remote = newRedisLimitStore(opts.Redis)
		if !contextTimeoutEnabled(opts.Redis) {
			l.log.Warn("limits: redis client lacks ContextTimeoutEnabled; a stalled socket may outlive the timeout")
		}
		if opts.FailMode == FailLease {
			l.leases = newLeaseStore(opts.LeaseFraction, opts.Now)
			l.topUps = make(chan []leaseMove, 256)
			l.stop, l.stopped = make(chan struct{}), make(chan struct{})
			go l.leaseLoop()
		}
	}
	return l, nil
}

func contextTimeoutEnabled(c redis.UniversalClient) bool {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	}
	return true // Ring or wrappers: cannot tell, do not warn
}

// Close gives the budget leases back to Redis and stops the lease goroutine. Reserve keeps working
// after Close (without leases).
func (l *Limiter) Close(ctx context.Context) error {
	if l.leases == nil || !l.closed.CompareAndSwap(false, true) {
		return nil
	}
	close(l.stop)
	<-l.stopped
	return l.moveLeases(ctx, l.leases.takeBack(nil, time.Time{}))
}

// Reservation is an admitted request's hold on TPM and budget. Settle or Release it exactly once
// (later calls do nothing). A nil Reservation is valid and does nothing.
type Reservation struct {
	l       *Limiter
	store   limitStore
	id      int64
	items   []settleItem // TPM entries and budget counters to adjust
	est     int64
	worst   int64
	headers RateHeaders
	done    atomic.Bool
}

// Reserve checks and counts one request: RPM +1, TPM +estTokens (prompt estimate + max_tokens) and
// budgets +worstCostMicros, for every scope of s, atomically (one Redis round trip with Redis).
// Denied: a *LimitError wrapping ErrRateLimited or ErrBudgetExceeded; nothing is counted.
func (l *Limiter) Reserve(ctx context.Context, s Subject, estTokens int, worstCostMicros int64) (*Reservation, error) {
	a := new(Admission)
	l.Plan(a, s)
	return l.ReservePlanned(ctx, a, estTokens, worstCostMicros)
}

// ReservePlanned is Reserve on a planned admission (Plan): its counters are
// not built again, and the Reservation is kept in a (nothing is allocated
// per request): it is valid while a is, so settle or release it before a is
// reused. a must not be used by two requests.
func (l *Limiter) ReservePlanned(ctx context.Context, a *Admission, estTokens int, worstCostMicros int64) (*Reservation, error) {
	est, worst := int64(max(estTokens, 0)), max(worstCostMicros, 0)
	p, into := &a.p, a.reservation()
	p.setIncrements(est, worst)
	if l.remote == nil {
		return l.reserveOn(ctx, l.local, p, est, worst, into)
	}
	r, err := l.reserveRedis(ctx, p, est, worst, into)
	if err == nil || !errors.Is(err, errRedisFailed) {
		return r, err
	}
	rateFallbackTotal.Inc()
	switch l.opts.FailMode {
	case FailOpen:
		return nil, nil
	case FailClosed:
		return nil, ErrLimiterUnavailable
	case FailLocal:
		return l.reserveOn(ctx, l.local, p, est, worst, into)
	}
	p.id = 0
	return l.reserveOn(ctx, l.leases, p, est, worst, into)
}

// errRedisFailed marks a Redis call that failed (both attempts) or was skipped while Redis is down.
var errRedisFailed = errors.New("redis unavailable")

// reserveRedis runs the plan on Redis. A denial by a budget this replica holds leases on gives those
// leases back and asks once more, so leases never deny the replica the last of a budget.
func (l *Limiter) reserveRedis(ctx context.Context, p *plan, est, worst int64, into *Reservation) (*Reservation, error) {
	var res reserveResult
	run := func(c context.Context) (err error) { res, err = l.remote.reserve(c, p); return err }
	if err := l.callRedis(ctx, run); err != nil {
		return nil, err
	}
	if res.denied >= 0 && l.leases != nil && !p.counters[res.denied].rate() {
		if back := l.leases.takeBack(budgetKeys(p), time.Time{}); len(back) > 0 {
			if err := l.moveLeases(ctx, back); err == nil {
				p.id = 0
				if err := l.callRedis(ctx, run); err != nil {
					return nil, err
				}
			}
		}
	}
	if res.denied < 0 && l.leases != nil {
		if moves := l.leases.observe(p, res.values[:]); len(moves) > 0 {
			select {
			case l.topUps <- moves:
			default:
				l.leases.granted(moves, nil)
			}
		}
	}
	return l.result(l.remote, p, &res, est, worst, into)
}

// callRedis runs fn with Timeout, and once more with RetryTimeout if that failed (fn must be
// idempotent), and reports to the circuit. It wraps errRedisFailed when Redis failed or is down.
func (l *Limiter) callRedis(ctx context.Context, fn func(context.Context) error) error {
	if !l.circuit.allow() {
		return errRedisFailed
	}
	var err error
	for attempt, d := range [2]time.Duration{l.opts.Timeout, l.opts.RetryTimeout} {
		rctx, cancel := context.WithTimeout(ctx, d)
		err = fn(rctx)
		cancel()
		if err == nil {
			l.circuit.success()
			return nil
		}
		if ctx.Err() != nil { // the caller gave up; not Redis's fault
			return ctx.Err()
		}
		rateRedisErrorsTotal.Inc()
		if attempt == 0 {
			rateRedisRetries.Inc()
		}
	}
	l.circuit.failure(err)
	return fmt.Errorf("%w: %w", errRedisFailed, err)
}

func (l *Limiter) reserveOn(ctx context.Context, store limitStore, p *plan, est, worst int64, into *Reservation) (*Reservation, error) {
	res, err := store.reserve(ctx, p)
	if err != nil {
		return nil, err
	}
	return l.result(store, p, &res, est, worst, into)
}

// result turns a store's answer into a Reservation (filled into r) or a LimitError.
func (l *Limiter) result(store limitStore, p *plan, res *reserveResult, est, worst int64, r *Reservation) (*Reservation, error) {
	if res.denied >= 0 {
		le := p.counters[res.denied].denial(res.current, res.wait)
		if le.Kind == KindRequests || le.Kind == KindTokens {
			rateDeniedRate.Inc()
		} else {
			rateDeniedBudget.Inc()
		}
		return nil, le
	}
	r.l, r.store, r.id, r.est, r.worst, r.headers = l, store, p.id, est, worst, RateHeaders{}
	r.items = r.items[:0]
	r.done.Store(false)
	for i := range p.counters {
		c := &p.counters[i]
		switch c.kind {
		case KindRequests:
			r.headers.observe(c.kind, c.limit, res.values[i], res.resets[i])
		case KindTokens:
			r.headers.observe(c.kind, c.limit, res.values[i], res.resets[i])
			r.items = append(r.items, settleItem{key: c.key, sumKey: c.sumKey, tokens: true, ref: res.refs[i]})
		default:
			r.items = append(r.items, settleItem{key: c.key, ref: res.refs[i]})
		}
	}
	return r, nil
}

func budgetKeys(p *plan) []string {
	keys := make([]string, 0, len(p.counters))
	for i := range p.counters {
		if c := &p.counters[i]; !c.rate() && c.limit > 0 {
			keys = append(keys, c.key)
		}
	}
	return keys
}

// leaseLoop tops leases up as Reserve asks and gives back those idle for LeaseIdle.
func (l *Limiter) leaseLoop() {
	defer close(l.stopped)
	tick := time.NewTicker(l.opts.LeaseIdle / 2)
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case moves := <-l.topUps:
			l.grantLeases(moves)
		case <-tick.C:
			_ = l.moveLeases(context.Background(), l.leases.takeBack(nil, l.opts.Now().Add(-l.opts.LeaseIdle)))
		}
	}
}

func (l *Limiter) grantLeases(moves []leaseMove) {
	if l.circuit.open() {
		l.leases.granted(moves, nil)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.RetryTimeout)
	defer cancel()
	moved, _, err := l.remote.moveLeases(ctx, moves)
	if err != nil {
		rateLeaseErrors.Inc()
		moved = nil
	}
	l.leases.granted(moves, moved)
}

// moveLeases gives leases back (negative deltas), one script per tenant. Not retried: a give-back that
// may have been applied must not be applied twice; one that failed leaves the amount counted.
func (l *Limiter) moveLeases(ctx context.Context, moves []leaseMove) error {
	var firstErr error
	for _, g := range byTenant(moves) {
		rctx, cancel := context.WithTimeout(ctx, l.opts.RetryTimeout)
		_, _, err := l.remote.moveLeases(rctx, g)
		cancel()
		if err != nil {
			rateLeaseErrors.Inc()
			firstErr = cmp.Or(firstErr, err)
		}
	}
	return firstErr
}

// Headers returns the x-ratelimit-* values observed at Reserve.
func (r *Reservation) Headers() RateHeaders {
	if r == nil {
		return RateHeaders{}
	}
	return r.headers
}

// Settle replaces the reserved estimates with actual tokens and cost. If actual cost exceeds the
// reserved worst case (an upstream ignoring max_tokens), the budget is charged the actual cost.
func (r *Reservation) Settle(ctx context.Context, actualTokens int, actualCostMicros int64) {
	r.finish(ctx, int64(max(actualTokens, 0))-r.estOrZero(), max(actualCostMicros, 0)-r.worstOrZero())
}

// Release returns the whole reservation (the request failed before using the upstream). RPM stays counted.
func (r *Reservation) Release(ctx context.Context) {
	r.finish(ctx, -r.estOrZero(), -r.worstOrZero())
}

func (r *Reservation) estOrZero() int64 {
	if r == nil {
		return 0
	}
	return r.est
}

func (r *Reservation) worstOrZero() int64 {
	if r == nil {
		return 0
	}
	return r.worst
}

func (r *Reservation) finish(ctx context.Context, tokenDelta, costDelta int64) {
	if r == nil || !r.done.CompareAndSwap(false, true) || (tokenDelta == 0 && costDelta == 0) {
		return
	}
	for i := range r.items {
		it := &r.items[i]
		if it.tokens {
			it.from, it.to = r.est, r.est+tokenDelta
		} else {
			it.delta = costDelta
		}
	}
	st := settlement{id: r.id, items: r.items}
	var err error
	if r.store == limitStore(r.l.remote) {
		// Bounded, not cut short by a request that already ended, and not retried: a settle that may
		// have been applied must not be applied twice.
		if r.l.circuit.open() { // not a probe: the circuit's probes are Reserve's
			err = errRedisFailed
		} else {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.l.opts.RetryTimeout)
			err = r.store.adjust(sctx, st)
			cancel()
		}
	} else {
		err = r.store.adjust(ctx, st)
	}
	if err != nil {
		// The worst case stays reserved: budgets err on the safe side until the period ends.
		rateSettleErrors.Inc()
		r.l.log.Warn("limits: settle failed; the reserved worst case stays charged", "err", err)
	}
}

// ScopeSpend is one scope's spend in micro-USD (settled plus in-flight reservations) and its budgets
// (0 = none).
type ScopeSpend struct {
	TodayMicros, MonthMicros, TotalMicros   int64
	DailyBudget, MonthlyBudget, TotalBudget int64
}

// Remaining is what the tightest of the scope's budgets leaves, in micro-USD; ok is false when the
// scope has no budget.
func (s ScopeSpend) Remaining() (micros int64, ok bool) {
	for _, b := range []struct{ budget, spent int64 }{{s.DailyBudget, s.TodayMicros}, {s.MonthlyBudget, s.MonthMicros}, {s.TotalBudget, s.TotalMicros}} {
		if b.budget <= 0 {
			continue
		}
		if r := max(b.budget-b.spent, 0); !ok || r < micros {
			micros, ok = r, true
		}
	}
	return micros, ok
}

// Spend is what a subject's key, team and tenant have spent, for policy input.spend.
type Spend struct {
	Key, Team, Tenant ScopeSpend
}

// Spend reads the budget counters of s. With Redis down it reads the local fallback counters.
func (l *Limiter) Spend(ctx context.Context, s Subject) (Spend, error) {
	var a Admission
	l.Plan(&a, s)
	return l.SpendPlanned(ctx, &a)
}

// SpendPlanned is Spend on a planned admission (Plan).
// It runs per request when the policy reads input.spend: which field each
// value goes to is kept as the counter's index, not a pointer into out, so
// out and the key list stay on the stack.
func (l *Limiter) SpendPlanned(ctx context.Context, a *Admission) (Spend, error) {
	p := &a.p
	var (
		keyBuf [9]string // three scopes by three budget kinds
		out    Spend
	)
	keys := keyBuf[:0]
	for _, c := range p.counters {
		if c.kind == KindRequests || c.kind == KindTokens {
			continue
		}
		sc := out.scope(c.scope)
		keys = append(keys, c.key)
		switch c.kind {
		case KindBudgetDaily:
			sc.DailyBudget = c.limit
		case KindBudgetMonthly:
			sc.MonthlyBudget = c.limit
		default:
			sc.TotalBudget = c.limit
		}
	}
	var valBuf [len(keyBuf)]int64
	vals, err := l.readCounters(ctx, keys, valBuf[:len(keys)])
	if err != nil {
		return Spend{}, err
	}
	i := 0
	for _, c := range p.counters {
		if c.kind == KindRequests || c.kind == KindTokens {
			continue
		}
		if i == len(vals) {
			break
		}
		sc := out.scope(c.scope)
		switch c.kind {
		case KindBudgetDaily:
			sc.TodayMicros = vals[i]
		case KindBudgetMonthly:
			sc.MonthMicros = vals[i]
		default:
			sc.TotalMicros = vals[i]
		}
		i++
	}
	return out, nil
}

// scope is the part of s a counter's scope names.
func (s *Spend) scope(name string) *ScopeSpend {
	switch name {
	case "key":
		return &s.Key
	case "team":
		return &s.Team
	}
	return &s.Tenant
}

// readCounters reads the counters of keys; the embedded store (no Redis,
// or its fallback) writes them into local (len(keys)), without allocating.
func (l *Limiter) readCounters(ctx context.Context, keys []string, local []int64) ([]int64, error) {
	if l.remote == nil {
		return l.local.getInto(local, keys), nil
	}
	var vals []int64
	err := l.callRedis(ctx, func(c context.Context) (err error) { vals, err = l.remote.get(c, keys); return err })
	if err == nil || !errors.Is(err, errRedisFailed) {
		return vals, err
	}
	rateFallbackTotal.Inc()
	if l.opts.FailMode == FailLocal {
		return l.local.getInto(local, keys), nil
	}
	return nil, err
}
