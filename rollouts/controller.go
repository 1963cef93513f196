package rollouts

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals/drift"
	"github.com/tollgate-ai/tollgate/evals/refusal"
	"github.com/tollgate-ai/tollgate/evals/sentiment"
)

// Errors of the manual actions.
var (
	ErrUnknownRollout = errors.New("no rollout for this model")
	ErrFinished       = errors.New("the rollout is finished (promoted or rolled back)")
)

// Defaults of Options.
const (
	DefaultQueueSize = 8192
	DefaultSync      = time.Second
)

// maxWindowIntervals bounds a window that holds: past it, the oldest
// interval leaves the window.
const maxWindowIntervals = 12

// redisTimeout bounds each sync's Redis work per rollout.
const redisTimeout = 2 * time.Second

// Controller runs every configured rollout. Its methods are safe for
// concurrent use; Run's goroutine is the only one aggregating.
type Controller struct {
	o     Options
	st    store
	table atomicTable

	q         chan item
	dropped   *metrics.Counter
	storeErrs *metrics.Counter
	set       *metrics.Set

	updateMu sync.Mutex

	// The worker's own (Run's goroutine, or a test driving drain/tick).
	rng   *rand.Rand
	ex    *drift.Extractor
	exErr error
}

// item is one observation waiting for the worker.
type item struct {
	r    *rollout
	v    Variant
	pair bool // a shadow pair: o is the candidate's answer, s stable's
	o, s Observation
}

// New builds a Controller for the configured (validated) rollouts and
// loads their shared state. Call Run to aggregate, sync and analyse.
func New(rollouts []config.Rollout, o Options) (*Controller, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Metrics == nil {
		o.Metrics = metrics.NewSet()
	}
	if o.Replica == "" {
		h, _ := os.Hostname()
		o.Replica = h + "-" + strconv.Itoa(os.Getpid())
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.Sync <= 0 {
		o.Sync = DefaultSync
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	c := &Controller{
		o:         o,
		q:         make(chan item, o.QueueSize),
		set:       o.Metrics,
		dropped:   o.Metrics.GetOrCreateCounter("tollgate_rollout_observations_dropped_total"),
		storeErrs: o.Metrics.GetOrCreateCounter("tollgate_rollout_redis_errors_total"),
		rng:       newRand(o.Seed),
	}
	if o.Redis != nil {
		c.st = &redisStore{rdb: o.Redis}
	} else {
		c.st = newMemStore()
	}
	// Load the models the scorers need now, not on the first answer.
	refusal.Default()
	sentiment.Score("")
	if err := c.Update(rollouts); err != nil {
		return nil, err
	}
	return c, nil
}

// Update applies a reloaded config: a rollout whose targets, mode, steps
// and interval are unchanged keeps its state (its limits change in place);
// a changed one starts over at its first step.
func (c *Controller) Update(rollouts []config.Rollout) error {
	c.updateMu.Lock()
	defer c.updateMu.Unlock()
	old := c.table.load()
	next := &table{byModel: make(map[string]*rollout, len(rollouts))}
	for i := range rollouts {
		cfg := rollouts[i]
		if cfg.Model == "" || len(cfg.Steps) == 0 && cfg.Mode != config.RolloutModeShadow {
			return fmt.Errorf("rollouts: %s: not a validated rollout (model and steps are required)", cfg.Model)
		}
		if _, dup := next.byModel[cfg.Model]; dup {
			return fmt.Errorf("rollouts: two rollouts for model %q", cfg.Model)
		}
		fp := fingerprint(&cfg)
		r := old.byModel[cfg.Model]
		if r == nil || r.fp != fp {
			r = c.newRollout(cfg.Model, fp)
		}
		r.cfg.Store(&cfg)
		if sh, ok := r.snapshot(); ok {
			r.route(sh.rec)
		}
		next.byModel[cfg.Model] = r
		next.list = append(next.list, r)
	}
	c.table.store(next)
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	for _, r := range next.list {
		if !r.started() {
			c.syncState(ctx, r, c.o.Now())
		}
	}
	return nil
}

func (c *Controller) newRollout(model, fp string) *rollout {
	r := &rollout{model: model, fp: fp, cur: map[int64]*variantPair{}, ready: map[int64]*variantPair{}}
	q := strconv.Quote(model)
	r.skipConcurrency = c.set.GetOrCreateCounter(`tollgate_rollout_shadow_skipped_total{model=` + q + `,reason="concurrency"}`)
	r.skipBudget = c.set.GetOrCreateCounter(`tollgate_rollout_shadow_skipped_total{model=` + q + `,reason="budget"}`)
	r.skipInactive = c.set.GetOrCreateCounter(`tollgate_rollout_shadow_skipped_total{model=` + q + `,reason="inactive"}`)
	c.set.GetOrCreateGauge(`tollgate_rollout_step{model=`+q+`}`, func() float64 {
		if r := c.table.load().byModel[model]; r != nil {
			if sh, ok := r.snapshot(); ok {
				return float64(sh.rec.Step)
			}
		}
		return 0
	})
	c.set.GetOrCreateGauge(`tollgate_rollout_percent{model=`+q+`}`, func() float64 {
		if r := c.table.load().byModel[model]; r != nil {
			return r.percent()
		}
		return 0
	})
	return r
}

// Run aggregates observations, syncs state with the store and analyses
// each finished interval until ctx ends. Aggregation and store I/O run on
// two goroutines, so a slow or unreachable Redis never stalls the queue.
func (c *Controller) Run(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(c.syncEvery())
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				c.sync(ctx)
				t.Reset(c.syncEvery()) // a reload may have shortened an interval
			}
		}
	}()
	t := time.NewTicker(c.syncEvery())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			<-done
			return
		case it := <-c.q:
			c.aggregate(it)
		case <-t.C:
			c.collect(c.o.Now())
			t.Reset(c.syncEvery())
		}
	}
}

// syncEvery is Options.Sync, at most a quarter of the shortest interval.
func (c *Controller) syncEvery() time.Duration {
	d := c.o.Sync
	for _, r := range c.table.load().list {
		d = min(d, r.cfg.Load().Interval/4)
	}
	return max(d, 10*time.Millisecond)
}

// Route splits one request of model: zero allocations, no Redis call.
// sticky is the request's user field (or key id, per the rollout's sticky).
func (c *Controller) Route(model, sticky string) Route {
	r := c.table.load().byModel[model]
	if r == nil {
		return Route{}
	}
	rt := Route{Active: true}
	if th := r.threshold.Load(); th > 0 && bucket(model, sticky) < th {
		rt.Variant = Candidate
	}
	if cut := r.shadowCut.Load(); cut > 0 && rand.Uint64()>>11 < cut {
		rt.Shadow = true
	}
	return rt
}

// Observe records a finished request of a variant. It never blocks: a full
// queue drops and counts (tollgate_rollout_observations_dropped_total).
func (c *Controller) Observe(model string, v Variant, o Observation) {
	if r := c.table.load().byModel[model]; r != nil {
		c.enqueue(item{r: r, v: v, o: o})
	}
}

// ObserveShadow records a shadow pair: the candidate's answer and its
// agreement with stable's answer to the same request. Stable's own
// observation is recorded by Observe as usual.
func (c *Controller) ObserveShadow(model string, stable, candidate Observation) {
	if r := c.table.load().byModel[model]; r != nil {
		c.enqueue(item{r: r, v: Candidate, pair: true, o: candidate, s: stable})
	}
}

func (c *Controller) enqueue(it item) {
	select {
	case c.q <- it:
	default:
		c.dropped.Inc()
	}
}

// drain aggregates whatever is queued (tests drive the worker with it).
func (c *Controller) drain() {
	for {
		select {
		case it := <-c.q:
			c.aggregate(it)
		default:
			return
		}
	}
}

func intervalIndex(t time.Time, iv time.Duration) int64 { return t.UnixNano() / int64(iv) }

func intervalEnd(k int64, iv time.Duration) time.Time { return time.Unix(0, (k+1)*int64(iv)) }

// aggregate adds one observation to its rollout's open interval.
func (c *Controller) aggregate(it item) {
	cfg := it.r.cfg.Load()
	k := intervalIndex(c.o.Now(), cfg.Interval)
	p := it.r.cur[k]
	if p == nil {
		p = new(variantPair)
		it.r.cur[k] = p
	}
	var ex *drift.Extractor
	if cfg.Checks.Drift.On && !cfg.Checks.Drift.Off {
		ex = c.extractor()
	}
	switch {
	case it.pair:
		p.Candidate.add(&it.o, ex, c.rng)
		p.Candidate.Agreement.add(agreement(&it.s, &it.o))
	case it.v == Candidate:
		p.Candidate.add(&it.o, ex, c.rng)
	default:
		p.Stable.add(&it.o, ex, c.rng)
	}
}

// extractor builds the drift features' extractor on first use (it loads a
// tokenizer); nil when that failed.
func (c *Controller) extractor() *drift.Extractor {
	if c.ex == nil && c.exErr == nil {
		c.ex, c.exErr = drift.NewExtractor(drift.TextScorers{Refusal: refusal.Score, Sentiment: sentiment.Score})
	}
	return c.ex
}

// tick is one round of both of Run's goroutines (tests drive it).
func (c *Controller) tick(ctx context.Context) {
	c.collect(c.o.Now())
	c.sync(ctx)
}

// collect hands the worker's finished intervals to the syncer (worker
// goroutine).
func (c *Controller) collect(now time.Time) {
	for _, r := range c.table.load().list {
		cur := intervalIndex(now, r.cfg.Load().Interval)
		for k, p := range r.cur {
			if k >= cur {
				continue
			}
			delete(r.cur, k)
			r.mu.Lock()
			if q := r.ready[k]; q != nil {
				q.Stable.merge(&p.Stable, c.rng)
				q.Candidate.merge(&p.Candidate, c.rng)
			} else {
				r.ready[k] = p
			}
			r.mu.Unlock()
		}
	}
}

// sync writes finished intervals, reloads state, syncs shadow spend and
// judges what is due, for every rollout (syncer goroutine).
func (c *Controller) sync(ctx context.Context) {
	now := c.o.Now()
	for _, r := range c.table.load().list {
		rctx, cancel := context.WithTimeout(ctx, redisTimeout)
		c.flush(rctx, r, now)
		c.syncState(rctx, r, now)
		c.syncSpend(rctx, r, now)
		c.judge(rctx, r, now)
		cancel()
	}
}

// flush writes this replica's finished intervals to the store. One that
// cannot be written is retried for two intervals, then dropped and counted.
func (c *Controller) flush(ctx context.Context, r *rollout, now time.Time) {
	cur := intervalIndex(now, r.cfg.Load().Interval)
	ttl := time.Duration(maxWindowIntervals+4) * r.cfg.Load().Interval
	r.mu.Lock()
	ready := r.ready
	r.ready = map[int64]*variantPair{}
	r.mu.Unlock()
	for k, p := range ready {
		if err := c.st.putAggregate(ctx, r.model, k, c.o.Replica, p, ttl); err != nil {
			c.storeErrs.Inc()
			if k >= cur-2 {
				r.mu.Lock()
				if q := r.ready[k]; q != nil { // a late observation of k arrived meanwhile
					rng := newRand(uint64(k))
					p.Stable.merge(&q.Stable, rng)
					p.Candidate.merge(&q.Candidate, rng)
				}
				r.ready[k] = p
				r.mu.Unlock()
				continue
			}
			c.dropped.Add(int(p.Stable.Requests + p.Candidate.Requests))
		}
	}
}

// syncState reloads the shared state; it starts this config's run when
// the store has none or one of another config (once per config, so two
// replicas reloading different configs do not restart it back and forth).
// On a store error the last known state stays in force.
func (c *Controller) syncState(ctx context.Context, r *rollout, now time.Time) {
	sh, ok, err := c.st.load(ctx, r.model)
	if err != nil {
		c.storeErrs.Inc()
		return
	}
	if !ok || (sh.rec.Fingerprint != r.fp && !r.started()) {
		cfg := r.cfg.Load()
		k := intervalIndex(now, cfg.Interval)
		rec := record{
			Version: sh.rec.Version + 1, Fingerprint: r.fp, State: StateRunning, Started: now, Updated: now,
			Reason: "started", WindowStart: k, LastJudged: k - 1,
		}
		d := &Decision{At: now, Outcome: OutcomeStart, Percent: stepPercent(cfg, 0), Reason: "started", By: c.o.Replica}
		if _, err := c.st.commit(ctx, r.model, sh.rec.Version, rec, d, &Analysis{At: now, Outcome: OutcomeStart}); err != nil {
			c.storeErrs.Inc()
			return
		}
		if sh, ok, err = c.st.load(ctx, r.model); err != nil || !ok {
			c.storeErrs.Inc()
			return
		}
	}
	r.mu.Lock()
	r.initDone = true
	r.mu.Unlock()
	r.apply(sh)
}

// Status lists every rollout, in config order.
func (c *Controller) Status() []Status {
	list := c.table.load().list
	out := make([]Status, 0, len(list))
	for _, r := range list {
		out = append(out, c.status(r))
	}
	return out
}

func (c *Controller) status(r *rollout) Status {
	cfg := r.cfg.Load()
	sh, known := r.snapshot()
	s := Status{
		Model: r.model, Mode: cfg.Mode, State: "unknown", Percent: r.percent(), Steps: cfg.Steps,
		Candidate: targetName(cfg.Candidate), Stable: targetName(cfg.Stable),
	}
	if known {
		s.State, s.Step, s.Started, s.Updated = sh.rec.State, sh.rec.Step, sh.rec.Started, sh.rec.Updated
		s.Reason, s.Failures, s.Last = sh.rec.Reason, sh.rec.Failures, sh.last
		s.Decisions = sh.decisions
	}
	if cfg.Mode == config.RolloutModeShadow {
		s.Shadow = &ShadowStatus{
			Share: cfg.Shadow.Share, InFlight: int(r.inflight.Load()), MaxConcurrency: cfg.Shadow.MaxConcurrency,
			SpentUSD: float64(r.spent.Load()) / 1e6, DailyUSD: cfg.Shadow.DailyUSD, Active: r.shadowCut.Load() > 0,
		}
	}
	return s
}

func targetName(t config.RolloutTarget) string {
	if t.Model != "" {
		return t.Model
	}
	if len(t.Deployments) == 1 {
		return t.Deployments[0].Name
	}
	return strconv.Itoa(len(t.Deployments)) + " deployments"
}
