package config

import (
	"strings"
	"time"
)

// Defaults chosen for LLM traffic: bodies carry long prompts, answers take
// minutes, streams may pause for a while between events.
const (
	DefaultListen          = "127.0.0.1:8080"
	DefaultOpsListen       = "127.0.0.1:9090"
	defaultMaxBodyBytes    = 8 << 20
	defaultReadBufferBytes = 64 << 10 // the 4 KiB fasthttp default answers 431 to large headers
)

func applyDefaults(c *Config) {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Ops.Listen == "" {
		c.Ops.Listen = DefaultOpsListen
	}
	s := &c.Server
	setInt(&s.MaxBodyBytes, defaultMaxBodyBytes)
	setInt(&s.ReadBufferBytes, defaultReadBufferBytes)
	setDur(&s.ReadTimeout, 60*time.Second)
	setDur(&s.IdleTimeout, 120*time.Second)
	setDur(&s.ShutdownTimeout, 30*time.Second)
	setDur(&s.StreamWriteTimeout, 30*time.Second)

	r := &c.Routing
	if r.Balance == "" {
		r.Balance = BalanceLatency
	}
	defaultRetry(&r.Retry)
	defaultCircuit(&r.Circuit)

	for i := range c.Upstreams {
		u := &c.Upstreams[i]
		setInt(&u.MaxConns, 1024)
		setDur(&u.MaxIdleConnDuration, 90*time.Second)
		t := &u.Timeouts
		setDur(&t.Connect, 5*time.Second)
		setDur(&t.FirstByte, 60*time.Second)
		setDur(&t.Idle, 60*time.Second)
		setDur(&t.Total, 10*time.Minute)
		if u.StreamUsage == "" {
			u.StreamUsage = "inject"
		}
		defaultProviderUpstream(u)
		if u.Kind == KindAzure && u.APIVersion == "" {
			u.APIVersion = "2024-10-21"
		}
	}
	for i := range c.Models {
		m := &c.Models[i]
		if m.Balance == "" {
			m.Balance = r.Balance
		}
		if m.Retry == nil {
			rc := r.Retry
			m.Retry = &rc
		} else {
			defaultRetry(m.Retry)
		}
		if m.Circuit == nil {
			cc := r.Circuit
			m.Circuit = &cc
		} else {
			defaultCircuit(m.Circuit)
		}
		for j := range m.Deployments {
			d := &m.Deployments[j]
			setInt(&d.Weight, 1)
			if d.Model == "" {
				d.Model = m.Name
			}
			if d.Name == "" {
				d.Name = d.Upstream + "/" + d.Model
			}
		}
	}
	for i := range c.Routes {
		// "/v2/models/" and "/v2/models" are the same segment prefix.
		if r := &c.Routes[i]; len(r.Prefix) > 1 && strings.HasPrefix(r.Prefix, "/") {
			if r.Prefix = strings.TrimRight(r.Prefix, "/"); r.Prefix == "" {
				r.Prefix = "/"
			}
		}
	}
	for i := range c.Keys {
		if c.Keys[i].Tenant == "" {
			c.Keys[i].Tenant = "default"
		}
	}
	setDur(&c.Redis.Timeout, 100*time.Millisecond)
	m := &c.Metering
	if m.DefaultEncoding == "" {
		m.DefaultEncoding = "o200k_base"
	}
	if m.Ledger == "" {
		m.Ledger = "on"
	}
	if m.LedgerDir == "" {
		m.LedgerDir = "data/ledger"
	}
	if m.RedisFailMode == "" {
		m.RedisFailMode = "lease"
	}
	if m.LeaseFraction == 0 {
		m.LeaseFraction = 0.1
	}
	if c.Policy.OnError == "" {
		c.Policy.OnError = "deny"
	}
	if c.Policy.Evaluator == "" {
		c.Policy.Evaluator = "compiled"
	}
	setDur(&c.Policy.Timeout, 50*time.Millisecond)
	defaultCache(&c.Cache)
	defaultDrift(&c.Evals.Drift)
	defaultFilters(&c.Filters)
	defaultEvals(&c.Evals)
	defaultRollouts(c.Rollouts)
	if c.Log.Level == "" {
		c.Log.Level = "info"
	}
}

func defaultRetry(r *RetryConfig) {
	setInt(&r.Attempts, 3)
	setDur(&r.Backoff, 50*time.Millisecond)
	setDur(&r.MaxBackoff, 2*time.Second)
}

func defaultCircuit(c *CircuitConfig) {
	setInt(&c.ConsecutiveFailures, 5)
	if c.ErrorRate == 0 {
		c.ErrorRate = 0.5
	}
	setDur(&c.Window, 30*time.Second)
	setInt(&c.MinRequests, 20)
	setDur(&c.Cooldown, 30*time.Second)
	setInt(&c.HalfOpenProbes, 1)
}

func setInt(p *int, v int) {
	if *p == 0 {
		*p = v
	}
}

func setDur(p *time.Duration, v time.Duration) {
	if *p == 0 {
		*p = v
	}
}
