// Package config holds Tollgate's YAML schema, its defaults, ${ENV} expansion,
// validation with file:line errors, the embedded default config and reload.
package config

import "time"

// Config is the whole gateway configuration. Field order follows the request
// path: where clients connect, who they are, where their requests go.
type Config struct {
	Listen    string         `yaml:"listen"`
	Server    ServerConfig   `yaml:"server"`
	Admin     AdminConfig    `yaml:"admin"`
	Auth      AuthConfig     `yaml:"auth"`
	Ops       OpsConfig      `yaml:"ops"`
	Routing   RoutingConfig  `yaml:"routing"`
	Upstreams []Upstream     `yaml:"upstreams"`
	Models    []Model        `yaml:"models"`
	Routes    []Route        `yaml:"routes"`
	Keys      []Key          `yaml:"keys"`
	Tenants   []LimitScope   `yaml:"tenants"`
	Teams     []LimitScope   `yaml:"teams"`
	Redis     RedisConfig    `yaml:"redis"`
	Policy    PolicyConfig   `yaml:"policy"`
	Filters   FiltersConfig  `yaml:"filters"`
	Metering  MeteringConfig `yaml:"metering"`
	Cache     CacheConfig    `yaml:"cache"`
	Evals     EvalsConfig    `yaml:"evals"`
	Health    HealthConfig   `yaml:"health"`
	Log       LogConfig      `yaml:"log"`
	Rollouts  []Rollout      `yaml:"rollouts"`

	// Source names where this config came from ("embedded" or a file path).
	Source string `yaml:"-"`
}

// ServerConfig tunes the client-facing fasthttp server.
type ServerConfig struct {
	MaxBodyBytes    int           `yaml:"max_body_bytes"`
	ReadBufferBytes int           `yaml:"read_buffer_bytes"`
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	Concurrency     int           `yaml:"concurrency"`
	// StreamWriteTimeout bounds each write of a stream to its client: a
	// client that stops reading for this long loses its stream (and frees
	// the upstream connection). Not a whole-response timeout, which would
	// cut long streams.
	StreamWriteTimeout time.Duration `yaml:"stream_write_timeout"`
}

// AdminConfig guards admin endpoints (usage, reload, status).
type AdminConfig struct {
	Key       string `yaml:"key"`
	KeySHA256 string `yaml:"key_sha256"`
}

// AuthConfig holds what auth itself cannot infer from the keys.
type AuthConfig struct {
	// AllowUnauthenticated lets a gateway with no keys proxy to a real
	// (non-mock) upstream on a non-loopback address: without it such a
	// gateway refuses to start (and such a reload is rejected), since anyone
	// who reaches it spends on the upstream's key.
	AllowUnauthenticated bool `yaml:"allow_unauthenticated"`
}

// OpsConfig is the ops listener: metrics, /ui, /v1/health/*, and the admin
// endpoints, apart from client traffic.
type OpsConfig struct {
	// Listen is the ops address (default 127.0.0.1:9090); "off" serves no
	// ops listener (ops endpoints then need the admin key on the main one).
	Listen string `yaml:"listen"`
	// Key (or KeySHA256) lets a scraper read the ops endpoints (not the
	// admin ones) where a key is needed; the admin key works too.
	Key       string `yaml:"key"`
	KeySHA256 string `yaml:"key_sha256"`
}

// OpsListenOff disables the ops listener.
const OpsListenOff = "off"

// Upstream kinds.
const (
	KindOpenAI = "openai" // any OpenAI-compatible server
	KindAzure  = "azure"  // Azure OpenAI deployments
	KindMock   = "mock"   // the in-process mock LLM
)

// Upstream is one provider endpoint with its own connection pool.
type Upstream struct {
	Name       string            `yaml:"name"`
	Kind       string            `yaml:"kind"`
	BaseURL    string            `yaml:"base_url"`
	APIKey     string            `yaml:"api_key"`
	APIVersion string            `yaml:"api_version"`
	Headers    map[string]string `yaml:"headers"`
	MaxConns   int               `yaml:"max_conns"`
	// MaxIdleConnDuration closes pooled connections idle this long.
	MaxIdleConnDuration time.Duration `yaml:"max_idle_conn_duration"`
	Timeouts            Timeouts      `yaml:"timeouts"`
	Mock                MockUpstream  `yaml:"mock"`
	// The translated kinds' own settings (config/upstream_providers.go).
	Anthropic AnthropicUpstream `yaml:"anthropic"`
	Gemini    GeminiUpstream    `yaml:"gemini"`
	Bedrock   BedrockUpstream   `yaml:"bedrock"`
	// StreamUsage "inject" (default) adds stream_options.include_usage to
	// streams so they are billed from the upstream's own count; "off" for
	// servers that reject the field (Tollgate then counts tokens itself).
	StreamUsage string `yaml:"stream_usage"`
}

// Timeouts bound each phase of an upstream call.
type Timeouts struct {
	Connect   time.Duration `yaml:"connect"`
	FirstByte time.Duration `yaml:"first_byte"` // streams: until response headers and each first read
	Idle      time.Duration `yaml:"idle"`       // streams: longest gap between reads
	Total     time.Duration `yaml:"total"`      // whole call, all retries included
}

// MockUpstream configures kind: mock (the in-process mock LLM).
type MockUpstream struct {
	Latency      time.Duration `yaml:"latency"`
	TTFT         time.Duration `yaml:"ttft"`
	TokensPerSec float64       `yaml:"tokens_per_sec"`
	ErrorRate    float64       `yaml:"error_rate"`
	Embeddings   string        `yaml:"embeddings"` // "random" (default) or "lexical" (similar texts, similar vectors)
}

// RoutingConfig holds defaults every model inherits unless it overrides them.
type RoutingConfig struct {
	Balance string        `yaml:"balance"`
	Retry   RetryConfig   `yaml:"retry"`
	Circuit CircuitConfig `yaml:"circuit"`
}

// Balancing strategies.
const (
	BalanceWeighted      = "weighted"
	BalanceLeastInFlight = "least_inflight"
	BalanceLatency       = "latency"
)

// RetryConfig: attempts counts tries per model (1 = no retry).
type RetryConfig struct {
	Attempts   int           `yaml:"attempts"`
	Backoff    time.Duration `yaml:"backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// CircuitConfig opens a deployment's circuit on consecutive failures or an
// error-rate window, and probes it again after Cooldown.
type CircuitConfig struct {
	ConsecutiveFailures int           `yaml:"consecutive_failures"`
	ErrorRate           float64       `yaml:"error_rate"`
	Window              time.Duration `yaml:"window"`
	MinRequests         int           `yaml:"min_requests"`
	Cooldown            time.Duration `yaml:"cooldown"`
	HalfOpenProbes      int           `yaml:"half_open_probes"`
}

// Model is a client-facing model name and the deployments serving it.
type Model struct {
	Name        string         `yaml:"name"`
	Deployments []Deployment   `yaml:"deployments"`
	Fallbacks   []string       `yaml:"fallbacks"`
	Balance     string         `yaml:"balance"`
	Retry       *RetryConfig   `yaml:"retry"`
	Circuit     *CircuitConfig `yaml:"circuit"`
	// RPM and TPM limit each tenant's use of this model.
	RPM int `yaml:"rpm"`
	TPM int `yaml:"tpm"`
}

// Deployment is one (upstream, upstream model) pair behind a model.
type Deployment struct {
	Name     string `yaml:"name"`
	Upstream string `yaml:"upstream"`
	Model    string `yaml:"model"`
	Weight   int    `yaml:"weight"`
}

// Route passes any request under Prefix through to Upstream as it is.
type Route struct {
	// Prefix is matched on whole path segments ("/pt" matches /pt and /pt/x,
	// never /ptx). One segment may be "{model}": it matches any single
	// segment and names the model the request counts as (keys' models
	// allowlists, limits, ledger).
	Prefix      string `yaml:"prefix"`
	Upstream    string `yaml:"upstream"`
	StripPrefix bool   `yaml:"strip_prefix"`
	// Model is the model every request on the route counts as, for routes
	// whose path names none (e.g. TGI's /generate serving one model).
	Model string `yaml:"model"`
	// Models, when set, are the only names the {model} segment may take
	// (others get 404); keys' models lists may name them.
	Models []string `yaml:"models"`
	// Keys are the key ids allowed on the route; empty = every key. A key
	// with a models allowlist may use a route that names no model only
	// when listed here.
	Keys []string `yaml:"keys"`
}

// Key is a virtual key: what clients send as their API key.
type Key struct {
	ID        string            `yaml:"id"`
	Key       string            `yaml:"key"`
	KeySHA256 string            `yaml:"key_sha256"`
	Tenant    string            `yaml:"tenant"`
	Team      string            `yaml:"team"`
	Tags      map[string]string `yaml:"tags"`
	Models    []string          `yaml:"models"`
	RPM       int               `yaml:"rpm"`
	TPM       int               `yaml:"tpm"`
	Budget    Budget            `yaml:"budget"`
}

// LimitScope holds the limits of one tenant or team (by name).
type LimitScope struct {
	Name   string `yaml:"name"`
	RPM    int    `yaml:"rpm"`
	TPM    int    `yaml:"tpm"`
	Budget Budget `yaml:"budget"`
}

// Budget limits spend in USD; zero means unlimited.
type Budget struct {
	DailyUSD   float64 `yaml:"daily_usd"`
	MonthlyUSD float64 `yaml:"monthly_usd"`
	TotalUSD   float64 `yaml:"total_usd"`
}

// RedisConfig selects single node, Sentinel or Cluster (go-redis UniversalOptions).
type RedisConfig struct {
	Addrs      []string      `yaml:"addrs"`
	MasterName string        `yaml:"master_name"`
	Username   string        `yaml:"username"`
	Password   string        `yaml:"password"`
	DB         int           `yaml:"db"`
	TLS        bool          `yaml:"tls"`
	Timeout    time.Duration `yaml:"timeout"`
}

// PolicyConfig configures the embedded OPA engine.
type PolicyConfig struct {
	Dir          string            `yaml:"dir"`
	OnError      string            `yaml:"on_error"`
	Timeout      time.Duration     `yaml:"timeout"`
	PollInterval time.Duration     `yaml:"poll_interval"`
	DecisionLog  DecisionLogConfig `yaml:"decision_log"`
	// Evaluator: "compiled" (default) runs OPA's query plan of the policy in
	// Tollgate's interpreter, falling back to "opa" (topdown) per revision
	// when the plan cannot be built or disagrees with topdown at load.
	Evaluator string `yaml:"evaluator"`
}

// DecisionLogConfig: Path "" = off, "-" = stdout.
type DecisionLogConfig struct {
	Path       string  `yaml:"path"`
	SampleRate float64 `yaml:"sample_rate"`
	QueueSize  int     `yaml:"queue_size"`
}

// MeteringConfig configures token counting, prices and the ledger.
type MeteringConfig struct {
	// DefaultEncoding counts models the tokenizer does not know.
	DefaultEncoding string `yaml:"default_encoding"`
	// Aliases map model names to known models or encodings (tokens and prices).
	Aliases map[string]string `yaml:"aliases"`
	// Prices override the embedded price table (USD per 1M tokens).
	Prices map[string]Price `yaml:"prices"`
	// FallbackPrice bills models with no known price.
	FallbackPrice Price `yaml:"fallback_price"`
	// Ledger "on" (default) records every request; "off" keeps no ledger
	// (no usage queries; budgets and limits still work).
	Ledger string `yaml:"ledger"`
	// LedgerDir holds the embedded ledger and the spool (default data/ledger).
	LedgerDir string `yaml:"ledger_dir"`
	// LedgerQueue bounds the queue between requests and the ledger writer.
	LedgerQueue int `yaml:"ledger_queue"`
	// RedisFailMode is what limits do when Redis is down: lease (default) | local | open | closed.
	RedisFailMode string `yaml:"redis_fail_mode"`
	// LeaseFraction sizes the lease fail mode's leases: of a budget's remainder, of a rate limit.
	LeaseFraction float64 `yaml:"lease_fraction"`
}

// Price per one million tokens, in USD.
type Price struct {
	Input       float64 `yaml:"input"`
	CachedInput float64 `yaml:"cached_input"`
	Output      float64 `yaml:"output"`
	Reasoning   float64 `yaml:"reasoning"`
}

// HealthConfig configures metrics, SLOs, push and alerts.
type HealthConfig struct {
	SLOs    map[string]SLO `yaml:"slos"`
	Tenants []string       `yaml:"tenants"`
	Push    PushConfig     `yaml:"push"`
	Alerts  AlertsConfig   `yaml:"alerts"`
}

// SLO per model; zero fields fall back to anomaly detection.
type SLO struct {
	MaxErrorRate float64       `yaml:"max_error_rate"`
	LatencyP99   time.Duration `yaml:"latency_p99"`
	TTFTP99      time.Duration `yaml:"ttft_p99"`
}

// PushConfig pushes all metrics to a Prometheus/VictoriaMetrics import URL.
type PushConfig struct {
	URL      string            `yaml:"url"`
	Interval time.Duration     `yaml:"interval"`
	Labels   map[string]string `yaml:"labels"`
}

// AlertsConfig sends health transitions to Alertmanager and/or a webhook.
type AlertsConfig struct {
	AlertmanagerURL string `yaml:"alertmanager_url"`
	WebhookURL      string `yaml:"webhook_url"`
}

// LogConfig: access log and level.
type LogConfig struct {
	Level  string `yaml:"level"`
	Access string `yaml:"access"` // "" off, "-" stdout, else a file path
}
