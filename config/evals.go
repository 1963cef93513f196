package config

// EvalsConfig samples live traffic for evals (package evals,
// docs/evals-sampling.md): which requests are sampled, how much text a sample
// keeps, and where samples go. Off unless enabled: samples hold prompt and
// answer text (redacted by the filters, then scrubbed of secrets and PII),
// which a gateway should not write to disk unless asked to.
type EvalsConfig struct {
	Enabled bool `yaml:"enabled"`
	// SampleRate is the share of requests sampled (default 0.01), unless a
	// tenant's or model's rate (below) or the policy's sample_rate says
	// otherwise. Precedence: policy, tenant, model, this.
	SampleRate *float64 `yaml:"sample_rate"`
	// Models and Tenants override the rate per model name and tenant.
	Models  map[string]EvalsRate `yaml:"models"`
	Tenants map[string]EvalsRate `yaml:"tenants"`
	// Stratification per (tenant, model) and minute: the first
	// MinPerMinute requests of a stratum are sampled whatever the rate (a
	// small tenant is seen; default 1, 0 = no floor) and at most
	// MaxPerMinute are (a large one does not fill the sink; default 60).
	MinPerMinute *int `yaml:"min_per_minute"`
	MaxPerMinute int  `yaml:"max_per_minute"`
	// MaxTextBytes caps a sample's prompt and its response, each (default
	// 16384); longer text is cut at a UTF-8 boundary.
	MaxTextBytes int `yaml:"max_text_bytes"`
	// QueueSize bounds the samples waiting for the sink (default 1024):
	// beyond it they are dropped and counted.
	QueueSize int             `yaml:"queue_size"`
	Sink      EvalsSinkConfig `yaml:"sink"`
	// BiasSchedule runs a bias suite periodically (config/evals_bias.go).
	BiasSchedule BiasSchedule `yaml:"bias_schedule"`
	// Drift is the continuous drift monitor (config/evals_drift.go).
	Drift DriftConfig `yaml:"drift"`
	// Report is the evals report /ui links to (config/evals_report.go).
	Report EvalsReport `yaml:"report"`
}

// EvalsRate is one model's or tenant's sample rate, in [0, 1].
type EvalsRate struct {
	SampleRate float64 `yaml:"sample_rate"`
}

// EvalsSinkConfig chooses where samples go: "file" (default), rotated
// size-capped JSONL, or "redis", a Redis stream on the redis section's
// server.
type EvalsSinkConfig struct {
	Kind  string               `yaml:"kind"`
	File  EvalsFileSinkConfig  `yaml:"file"`
	Redis EvalsRedisSinkConfig `yaml:"redis"`
}

// EvalsFileSinkConfig is the JSONL file sink: Path is rotated at
// MaxSizeMB (default 100), keeping MaxBackups older files (default 5).
type EvalsFileSinkConfig struct {
	Path       string `yaml:"path"` // default data/samples/samples.jsonl
	MaxSizeMB  int    `yaml:"max_size_mb"`
	MaxBackups int    `yaml:"max_backups"`
}

// EvalsRedisSinkConfig is the Redis Streams sink: XADD to Stream (default
// tg:samples) trimmed to about MaxLen entries (default 100000).
type EvalsRedisSinkConfig struct {
	Stream string `yaml:"stream"`
	MaxLen int64  `yaml:"maxlen"`
	// Shards > 1 writes to Stream:{s00} … (one Cluster slot each, so samples spread over a cluster's
	// masters); MaxLen bounds them together. Default 1: the one stream Stream.
	Shards int `yaml:"shards"`
}

// Evals sink kinds.
const (
	EvalsSinkFile  = "file"
	EvalsSinkRedis = "redis"
)

func defaultEvals(c *EvalsConfig) {
	if c.SampleRate == nil {
		r := 0.01
		c.SampleRate = &r
	}
	setInt(&c.MaxPerMinute, 60)
	if c.MinPerMinute == nil {
		n := 1
		c.MinPerMinute = &n
	}
	setInt(&c.MaxTextBytes, 16384)
	setInt(&c.QueueSize, 1024)
	if c.Sink.Kind == "" {
		c.Sink.Kind = EvalsSinkFile
	}
	if c.Sink.File.Path == "" {
		c.Sink.File.Path = "data/samples/samples.jsonl"
	}
	setInt(&c.Sink.File.MaxSizeMB, 100)
	setInt(&c.Sink.File.MaxBackups, 5)
	if c.Sink.Redis.Stream == "" {
		c.Sink.Redis.Stream = "tg:samples"
	}
	if c.Sink.Redis.MaxLen == 0 {
		c.Sink.Redis.MaxLen = 100000
	}
	if c.Sink.Redis.Shards == 0 {
		c.Sink.Redis.Shards = 1
	}
}
