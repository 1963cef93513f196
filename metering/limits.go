package metering

import (
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

// Fail modes when Redis is slow or down.
const (
	FailLocal  = "local"  // default: enforce limits per replica in memory until Redis answers again
	FailOpen   = "open"   // admit without limits
	FailClosed = "closed" // deny with ErrLimiterUnavailable
)

// LimitsOptions configure NewLimiter.
type LimitsOptions struct {
	// Redis shares counters across replicas; nil = in-process only. Create the client with
	// ContextTimeoutEnabled: true so Timeout reaches the socket.
	Redis redis.UniversalClient
	// Timeout bounds one Redis call; default 50ms.
	Timeout time.Duration
	// FailMode is FailLocal (default), FailOpen or FailClosed.
	FailMode string
	// RetryInterval is how long to skip Redis after a failure before trying again; default 1s.
	// Without it every request during an outage would wait Timeout.
	RetryInterval time.Duration
	// Now is the clock (tests); default time.Now. Replicas' clocks should agree (NTP): windows are
	// aligned UTC minutes computed on the replica.
	Now    func() time.Time
	Logger *slog.Logger
}

// Limiter enforces RPM/TPM limits and budgets for key, team, tenant and model.
type Limiter struct {
	opts      LimitsOptions
	rules     RuleSource
	log       *slog.Logger
	local     *memStore
	remote    limitStore   // nil without Redis
	downUntil atomic.Int64 // unix nanos until which Redis is skipped
	wasDown   atomic.Bool  // logs the outage once, and its end once
}

// NewLimiter builds a limiter. rules is consulted on every Reserve and Spend.
func NewLimiter(opts LimitsOptions, rules RuleSource) (*Limiter, error) {
	if rules == nil {
		return nil, errors.New("limits: a RuleSource is required (use &StaticRules{} for none)")
	}
	switch opts.FailMode {
	case "":
		opts.FailMode = FailLocal
	case FailLocal, FailOpen, FailClosed:
	default:
		return nil, fmt.Errorf("limits: fail mode %q is not one of local, open, closed", opts.FailMode)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 50 * time.Millisecond
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
	l := &Limiter{opts: opts, rules: rules, log: log.With("component", "limits"), local: newMemStore(opts.Now)}
	if opts.Redis != nil {
		l.remote = &redisLimitStore{rdb: opts.Redis}
		if !contextTimeoutEnabled(opts.Redis) {
			l.log.Warn("limits: redis client lacks ContextTimeoutEnabled; a stalled socket may outlive the timeout")
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

// Reservation is an admitted request's hold on TPM and budget. Settle or Release it exactly once
// (later calls do nothing). A nil Reservation is valid and does nothing.
type Reservation struct {
	l       *Limiter
	store   limitStore
	keys    []string // TPM and budget counters to adjust
	tokens  []bool   // keys[i] is a TPM counter (else budget)
	est     int64
	worst   int64
	headers RateHeaders
	done    atomic.Bool
}

// Reserve checks and counts one request: RPM +1, TPM +estTokens (prompt estimate + max_tokens) and
// budgets +worstCostMicros, for every scope of s, atomically (one Redis round trip with Redis).
// Denied: a *LimitError wrapping ErrRateLimited or ErrBudgetExceeded; nothing is counted.
func (l *Limiter) Reserve(ctx context.Context, s Subject, estTokens int, worstCostMicros int64) (*Reservation, error) {
	p := buildPlan(s, l.rules.Rules(s), l.opts.Now(), int64(max(estTokens, 0)), max(worstCostMicros, 0))
	store, vals, denied, cur, err := l.reserveSomewhere(ctx, p)
	if err != nil {
		return nil, err
	}
	if store == nil { // FailOpen
		return nil, nil
	}
	if denied >= 0 {
		le := p.counters[denied].denial(cur)
		if le.Kind == KindRequests || le.Kind == KindTokens {
			rateDeniedRate.Inc()
		} else {
			rateDeniedBudget.Inc()
		}
		return nil, le
	}
	r := &Reservation{l: l, store: store, est: int64(max(estTokens, 0)), worst: max(worstCostMicros, 0)}
	for i, c := range p.counters {
		switch c.kind {
		case KindRequests:
			r.headers.observe(c.kind, c.limit, vals[i], c.reset)
		case KindTokens:
			r.headers.observe(c.kind, c.limit, vals[i], c.reset)
			r.keys, r.tokens = append(r.keys, c.key), append(r.tokens, true)
		default:
			r.keys, r.tokens = append(r.keys, c.key), append(r.tokens, false)
		}
	}
	return r, nil
}

// reserveSomewhere runs the plan on Redis, or on the fallback when Redis fails or is known down.
// It returns a nil store for FailOpen.
func (l *Limiter) reserveSomewhere(ctx context.Context, p plan) (limitStore, []int64, int, int64, error) {
	if l.redisUsable() {
		rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
		vals, denied, cur, err := l.remote.reserve(rctx, p)
		cancel()
		if err == nil {
			l.redisOK()
			return l.remote, vals, denied, cur, nil
		}
		if ctx.Err() != nil { // the caller gave up; not Redis's fault
			return nil, nil, 0, 0, ctx.Err()
		}
		l.redisFailed(err)
	}
	if l.remote != nil {
		rateFallbackTotal.Inc()
		switch l.opts.FailMode {
		case FailOpen:
			return nil, nil, -1, 0, nil
		case FailClosed:
			return nil, nil, 0, 0, ErrLimiterUnavailable
		}
	}
	vals, denied, cur, err := l.local.reserve(ctx, p)
	return l.local, vals, denied, cur, err
}

// redisUsable says whether to call Redis now: always while healthy; after a failure only once per
// RetryInterval, and then by one caller (the CAS winner) while the others keep using the fallback.
func (l *Limiter) redisUsable() bool {
	if l.remote == nil {
		return false
	}
	until := l.downUntil.Load()
	if until == 0 {
		return true
	}
	now := time.Now().UnixNano()
	return now >= until && l.downUntil.CompareAndSwap(until, now+int64(l.opts.RetryInterval))
}

func (l *Limiter) redisOK() {
	if l.downUntil.Load() != 0 {
		l.downUntil.Store(0)
		l.log.Info("limits: redis answers again; shared limits restored")
	}
}

func (l *Limiter) redisFailed(err error) {
	rateRedisErrorsTotal.Inc()
	if l.downUntil.Swap(time.Now().Add(l.opts.RetryInterval).UnixNano()) == 0 {
		l.log.Warn("limits: redis unavailable; falling back", "fail_mode", l.opts.FailMode, "retry_in", l.opts.RetryInterval, "err", err)
	}
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
	deltas := make([]int64, len(r.keys))
	for i := range r.keys {
		if r.tokens[i] {
			deltas[i] = tokenDelta
		} else {
			deltas[i] = costDelta
		}
	}
	if r.store != r.l.local { // Redis: bounded, and not cut short by a request that already ended
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), r.l.opts.Timeout)
		defer cancel()
	}
	if err := r.store.adjust(ctx, r.keys, deltas); err != nil {
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
	rules := l.rules.Rules(s)
	p := buildPlan(s, rules, l.opts.Now(), 0, 0)
	var keys []string
	var owners []*int64
	var out Spend
	for _, c := range p.counters {
		if c.kind == KindRequests || c.kind == KindTokens {
			continue
		}
		sc := map[string]*ScopeSpend{"key": &out.Key, "team": &out.Team, "tenant": &out.Tenant}[c.scope]
		keys = append(keys, c.key)
		switch c.kind {
		case KindBudgetDaily:
			owners, sc.DailyBudget = append(owners, &sc.TodayMicros), c.limit
		case KindBudgetMonthly:
			owners, sc.MonthlyBudget = append(owners, &sc.MonthMicros), c.limit
		default:
			owners, sc.TotalBudget = append(owners, &sc.TotalMicros), c.limit
		}
	}
	vals, err := l.readCounters(ctx, keys)
	if err != nil {
		return Spend{}, err
	}
	for i, v := range vals {
		*owners[i] = v
	}
	return out, nil
}

func (l *Limiter) readCounters(ctx context.Context, keys []string) ([]int64, error) {
	if l.redisUsable() {
		rctx, cancel := context.WithTimeout(ctx, l.opts.Timeout)
		vals, err := l.remote.get(rctx, keys)
		cancel()
		if err == nil {
			l.redisOK()
			return vals, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		l.redisFailed(err)
	}
	if l.remote != nil {
		rateFallbackTotal.Inc()
	}
	return l.local.get(ctx, keys)
}
