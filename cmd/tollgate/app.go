package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/cache"
	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/evals"
	"github.com/tollgate-ai/tollgate/evals/drift"
	"github.com/tollgate-ai/tollgate/filters"
	"github.com/tollgate-ai/tollgate/filters/filterstage"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/gateway/rolloutgw"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/internal/redisconn"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/tollgate-ai/tollgate/rollouts"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/pprofhandler"
)

// app wires the gateway and its stages together. Stages that hold state
// (ledger, health, Redis) are built once; config reloads reach them through
// the gateway.
type app struct {
	gw      *gateway.Server
	log     *slog.Logger
	ledger  *metering.Ledger
	limiter *metering.Limiter
	health  *health.Registry
	policy  *policy.Engine
	filters *filterstage.Stage // nil when filters.enabled is off: the stage costs nothing
	redis   redis.UniversalClient
	cache   *cache.Stage // nil when no model is cached
	// evals samples traffic to its writer's sink; nil when evals.enabled is off.
	evals       *evals.Stage
	evalsWriter *evals.Writer
	// semantic is the cache's semantic half; nil unless a model enables it
	// (cache.models.<name>.semantic) at start.
	semantic *cache.SemanticHandler
	drift    *drift.Monitor // nil unless evals.drift.enabled
	// rollouts splits and judges rolled-out models (always built, so a
	// reload may add a rollout); runRollouts stops its loop.
	rollouts    *rollouts.Controller
	runRollouts context.CancelFunc
	closers     []io.Closer
}

func newApp(cfg *config.Config, log *slog.Logger) (a *app, err error) {
	a = &app{log: log}
	defer func() {
		if err != nil {
			a.closeStages(context.Background())
		}
	}()
	tokens, err := tokenizer.New(tokenizer.Options{Aliases: cfg.Metering.Aliases, DefaultEncoding: cfg.Metering.DefaultEncoding})
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	// Load the vocabularies the configured models use now, off the request
	// path: the first load of an encoding takes 0.1–0.3 s.
	go func() {
		for _, m := range cfg.Models {
			_, _ = tokens.ForModel(m.Name)
			for _, d := range m.Deployments {
				_, _ = tokens.ForModel(d.Model)
			}
		}
	}()
	if len(cfg.Redis.Addrs) > 0 {
		a.redis = newRedis(cfg.Redis)
	}
	if cfg.Metering.Ledger == "on" {
		ls := cfg.Metering.LedgerStore
		a.ledger, err = metering.OpenLedger(metering.LedgerOptions{Dir: cfg.Metering.LedgerDir, Redis: a.redis,
			QueueSize: cfg.Metering.LedgerQueue, Logger: log, Shards: ls.RedisShards, IDRetention: ls.RedisIDRetention,
			AggRetention: time.Duration(ls.AggregateRetentionDays) * 24 * time.Hour, StreamRetention: ls.RedisStreamRetention,
			StreamMaxLen: ls.RedisStreamMaxLen, Archive: ls.Archive == "on", FileMaxBytes: int64(ls.FileMaxMB) << 20,
			FileRetention: time.Duration(ls.FileRetentionDays) * 24 * time.Hour, CheckpointInterval: ls.CheckpointInterval,
			WaitReplicas: ls.RedisWaitReplicas, WaitTimeout: ls.RedisWaitTimeout})
		if err != nil {
			return nil, fmt.Errorf("ledger: %w", err)
		}
	}
	a.health, err = health.New(gateway.HealthOptions(cfg, log))
	if err != nil {
		return nil, fmt.Errorf("health: %w", err)
	}
	if a.drift, err = newDriftMonitor(cfg, a.health, log); err != nil {
		return nil, fmt.Errorf("evals.drift: %w", err)
	} else if a.drift != nil {
		a.closers = append(a.closers, a.drift)
	}
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{Redis: a.redis, Timeout: cfg.Redis.Timeout,
		FailMode: cfg.Metering.RedisFailMode, LeaseFraction: cfg.Metering.LeaseFraction, Logger: log},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		return nil, fmt.Errorf("limiter: %w", err)
	}
	a.limiter = limiter
	if cfg.Policy.Dir != "" {
		pc := cfg.Policy
		a.policy, err = policy.Open(policy.Options{Dir: pc.Dir, OnError: pc.OnError, Timeout: pc.Timeout, Evaluator: pc.Evaluator,
			PollInterval: pc.PollInterval, Logger: log, DecisionLog: policy.DecisionLogOptions{
				Path: pc.DecisionLog.Path, SampleRate: pc.DecisionLog.SampleRate, QueueSize: pc.DecisionLog.QueueSize}})
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
	}
	access, err := a.accessLog(cfg.Log.Access)
	if err != nil {
		return nil, err
	}
	if a.rollouts, err = a.newRollouts(cfg); err != nil {
		return nil, err
	}
	st := gateway.Stages{Tokens: tokens, Limiter: limiter, Ledger: a.ledger, Health: a.health, Access: access, Policy: a.policy,
		Rollouts: rolloutgw.New(a.rollouts)}
	if cfg.Filters.Enabled {
		sc, err := filterstage.NewScanner(&cfg.Filters)
		if err != nil {
			return nil, fmt.Errorf("filters: %w", err)
		}
		if a.filters, err = filterstage.New(cfg.Filters, sc); err != nil {
			return nil, err
		}
		st.Filters = a.filters
	}
	var feedback gateway.FeedbackStore
	if cfg.Evals.Enabled {
		if err := a.newEvals(cfg); err != nil {
			return nil, err
		}
		st.Evals, feedback = a.evals, a.evals.FeedbackStore()
	}
	co := cache.Options{Config: &cfg.Cache, Redis: a.redis, Logger: log}
	if cache.SemanticEnabled(&cfg.Cache) {
		if a.semantic, err = cache.NewSemantic(a.semanticOptions(cfg)); err != nil {
			return nil, err
		}
		co.Semantic = a.semantic
	}
	if a.cache = cache.New(co); a.cache != nil {
		st.Cache = a.cache
	}
	gw, err = gateway.New(cfg, gateway.Options{Logger: log, Mock: startMock, Stages: st, Feedback: feedback})
	if err != nil {
		return nil, err
	}
	// Ops endpoints read every tenant's figures: on the ops listener (open on
	// loopback) or with the admin/ops key. Admin ones change or cost things.
	gw.Handle("/metrics", a.health.ServeMetrics, gateway.Ops)
	gw.Handle("/v1/health/models", a.health.ServeModelsHealth, gateway.Ops)
	gw.Handle("/ui", a.health.ServeUI, gateway.Ops)
	gw.Handle("/ui/", a.health.ServeUI, gateway.Ops)
	if a.ledger != nil {
		gw.Handle("/v1/usage", a.ledger.ServeUsage, gateway.Admin)
		a.health.AddUISource("cost_by_tenant", func() any { return a.ledger.CostToday() })
	}
	gw.Handle("/v1/health/policy", a.servePolicyStatus, gateway.Ops)
	gw.Handle("/admin/cache", a.serveCache, gateway.Admin)
	gw.Handle("/debug/pprof/", pprofhandler.PprofHandler, gateway.Admin) // CPU and heap profiles of a live gateway
	a.health.AddUISource("policy", func() any {
		if a.policy == nil {
			return map[string]any{"revision": "none (allow all)"}
		}
		return a.policy.Status()
	})
	a.gw = gw
	return a, nil
}

// semanticOptions: the embedding models resolve to their upstreams (kind
// mock: their own in-process mock, as the gateway starts one); their calls
// are recorded in the ledger as the gateway's own cost.
func (a *app) semanticOptions(cfg *config.Config) cache.SemanticOptions {
	return cache.SemanticOptions{Config: cfg, Mock: startMock, Redis: a.redis, Ledger: a.ledger, Logger: a.log}
}

// newRedis: one node, Sentinel or Cluster (internal/redisconn says which and how).
func newRedis(c config.RedisConfig) redis.UniversalClient { return redisconn.New(c) }

// accessFlushInterval bounds how long an access-log line waits in memory:
// lines are written in batches, not a syscall per request.
const accessFlushInterval = 200 * time.Millisecond

// accessLog opens the access log: "" off, "-" stdout, else a file.
func (a *app) accessLog(dest string) (*health.AccessLog, error) {
	switch dest {
	case "":
		return nil, nil
	case "-":
		bw := health.NewBufferedWriter(os.Stdout, accessFlushInterval)
		a.closers = append(a.closers, bw)
		return health.NewAccessLogger(bw), nil
	}
	f, err := os.OpenFile(dest, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("log.access: %w", err)
	}
	bw := health.NewBufferedWriter(f, accessFlushInterval)
	a.closers = append(a.closers, bw, f) // flushed before the file closes
	return health.NewAccessLogger(bw), nil
}

// reload puts a new config in force: the gateway's, the filters' actions
// and detectors, the cache's settings and embedding models (turning the
// filters or the cache on needs a restart: their stages are built once).
func (a *app) reload(cfg *config.Config) error {
	var sc *filters.Scanner
	if a.filters != nil {
		var err error
		if sc, err = filterstage.NewScanner(&cfg.Filters); err != nil {
			return fmt.Errorf("filters: %w", err)
		}
	}
	if err := a.gw.Reload(cfg); err != nil {
		return err
	}
	if a.cache != nil {
		a.cache.Reload(&cfg.Cache)
	}
	if a.evals != nil { // rates and text cap; the sink and queue stay as started
		a.evals.Reload(&cfg.Evals)
	}
	if a.semantic != nil { // new or changed embedding models; the first semantic model needs a restart
		if err := a.semantic.Reload(cfg, a.semanticOptions(cfg)); err != nil {
			a.log.Error("semantic cache: reload kept the previous embedding models", "err", err)
		}
	}
	if a.filters != nil {
		return a.filters.Reload(cfg.Filters, sc)
	}
	return nil
}

// serveCache answers /admin/cache: the cache's stats (GET) and purges
// (DELETE ?tenant=&model=); 404 when no model is cached.
func (a *app) serveCache(ctx *fasthttp.RequestCtx) {
	if a.cache == nil {
		ctx.SetStatusCode(fasthttp.StatusNotFound)
		ctx.SetContentType("application/json")
		ctx.SetBodyString(`{"error":{"message":"the response cache is off (config section cache)","type":"invalid_request_error","code":"cache_off","param":null}}`)
		return
	}
	a.cache.ServeAdmin(ctx)
}

// servePolicyStatus answers /v1/health/policy: which revision serves and
// how the last reloads went.
func (a *app) servePolicyStatus(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("application/json")
	if a.policy == nil {
		ctx.SetBodyString(`{"enabled":false}`)
		return
	}
	b, err := json.Marshal(struct {
		Enabled bool `json:"enabled"`
		policy.Status
	}{true, a.policy.Status()})
	if err != nil {
		ctx.SetStatusCode(500)
		return
	}
	ctx.SetBody(b)
}

// shutdown stops taking requests, waits for in-flight ones, then drains
// the ledger so no record is lost.
func (a *app) shutdown(ctx context.Context) error {
	err := a.gw.Shutdown(ctx)
	return errors.Join(err, a.closeStages(ctx))
}

// newRollouts builds the rollouts' controller on the app's Redis (nil:
// state in memory) and alert path, and runs its analysis loop until the
// app closes. The gateway updates it on reload (gateway.Server.Reload).
func (a *app) newRollouts(cfg *config.Config) (*rollouts.Controller, error) {
	h := a.health
	set := metrics.NewSet() // tollgate_rollout_*, on /metrics beside the other packages'
	c, err := rollouts.New(cfg.Rollouts, rollouts.Options{Redis: a.redis, Metrics: set, Alert: func(al rollouts.Alert) {
		h.Alert(health.Alert{Name: al.Name, Severity: al.Severity, Labels: map[string]string{"model": al.Model},
			Annotations: map[string]string{"summary": al.Reason}, At: al.At})
	}})
	if err != nil {
		return nil, fmt.Errorf("rollouts: %w", err)
	}
	metrics.RegisterSet(set)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.Run(ctx) }()
	a.runRollouts = func() { cancel(); <-done; metrics.UnregisterSet(set, true) }
	return c, nil
}

func (a *app) closeStages(ctx context.Context) error {
	var errs []error
	if a.runRollouts != nil { // first: its sync writes to Redis
		a.runRollouts()
	}
	if a.semantic != nil { // first: its background stores use the ledger and Redis
		a.semantic.Close()
	}
	if a.ledger != nil {
		errs = append(errs, a.ledger.Close(ctx))
	}
	if a.limiter != nil { // gives budget leases back to Redis
		errs = append(errs, a.limiter.Close(ctx))
	}
	if a.health != nil {
		a.health.Close()
	}
	if a.policy != nil {
		a.policy.Close()
	}
	if a.cache != nil { // before Redis: its writer uses it
		a.cache.Close()
	}
	if a.evalsWriter != nil { // writes what is queued; before Redis, which a stream sink uses
		errs = append(errs, a.evalsWriter.Close())
	}
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
	}
	for _, c := range a.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
