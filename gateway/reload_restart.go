package gateway

import (
	"reflect"

	"github.com/tollgate-ai/tollgate/config"
)

// restartOnly lists the settings a running gateway reads once, so a reload
// cannot apply them: the fasthttp options it cannot change
// safely while serving (fasthttp reads them from its Server struct without
// synchronisation), and the stages cmd/tollgate builds at start (ledger,
// Redis, limiter, tokenizer, policy engine, health push and alerts, logs).
// Everything else (upstreams, models, routes, keys, limits, prices, admin
// key, health SLOs and tenants, server.max_body_bytes) applies on reload.
// A change of listen or ops.listen is rejected outright (checkReloadListeners).
var restartOnly = []struct {
	name string
	get  func(c *config.Config) any
}{
	{"server.read_buffer_bytes", func(c *config.Config) any { return c.Server.ReadBufferBytes }},
	{"server.read_timeout", func(c *config.Config) any { return c.Server.ReadTimeout }},
	{"server.idle_timeout", func(c *config.Config) any { return c.Server.IdleTimeout }},
	{"server.shutdown_timeout", func(c *config.Config) any { return c.Server.ShutdownTimeout }},
	{"server.concurrency", func(c *config.Config) any { return c.Server.Concurrency }},
	{"redis", func(c *config.Config) any { return c.Redis }},
	{"metering.ledger", func(c *config.Config) any { return c.Metering.Ledger }},
	{"metering.ledger_dir", func(c *config.Config) any { return c.Metering.LedgerDir }},
	{"metering.ledger_queue", func(c *config.Config) any { return c.Metering.LedgerQueue }},
	{"metering.redis_fail_mode", func(c *config.Config) any { return c.Metering.RedisFailMode }},
	{"metering.default_encoding", func(c *config.Config) any { return c.Metering.DefaultEncoding }},
	// Prices follow aliases live; the tokenizer keeps the ones it started with.
	{"metering.aliases (token counting)", func(c *config.Config) any { return c.Metering.Aliases }},
	{"policy.dir", func(c *config.Config) any { return c.Policy.Dir }},
	{"policy.on_error", func(c *config.Config) any { return c.Policy.OnError }},
	{"policy.timeout", func(c *config.Config) any { return c.Policy.Timeout }},
	{"policy.poll_interval", func(c *config.Config) any { return c.Policy.PollInterval }},
	{"policy.decision_log", func(c *config.Config) any { return c.Policy.DecisionLog }},
	{"policy.evaluator", func(c *config.Config) any { return c.Policy.Evaluator }},
	{"health.push", func(c *config.Config) any { return c.Health.Push }},
	{"health.alerts", func(c *config.Config) any { return c.Health.Alerts }},
	{"log.level", func(c *config.Config) any { return c.Log.Level }},
	{"log.access", func(c *config.Config) any { return c.Log.Access }},
	{"filters.enabled", func(c *config.Config) any { return c.Filters.Enabled }}, // the stage is built at start
	{"evals.enabled", func(c *config.Config) any { return c.Evals.Enabled }},     // the stage and its sink are built at start
	{"evals.queue_size", func(c *config.Config) any { return c.Evals.QueueSize }},
	{"evals.sink", func(c *config.Config) any { return c.Evals.Sink }},
}

// needsRestart names the settings of next that differ from those the
// process started with and cannot change live. Names only: values may be
// secrets (redis.password, push URLs with credentials).
func needsRestart(started, next *config.Config) []string {
	var out []string
	for _, s := range restartOnly {
		if !reflect.DeepEqual(s.get(started), s.get(next)) {
			out = append(out, s.name)
		}
	}
	return out
}
