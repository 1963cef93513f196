package config

import (
	"strings"
	"testing"
)

func TestEvalsDefaultsOffWithFileSink(t *testing.T) {
	c, err := Parse([]byte("evals: {}\n"), "cfg.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := c.Evals
	if e.Enabled || *e.SampleRate != 0.01 || *e.MinPerMinute != 1 || e.MaxPerMinute != 60 || e.MaxTextBytes != 16384 ||
		e.QueueSize != 1024 || e.Sink.Kind != EvalsSinkFile || e.Sink.File.Path != "data/samples/samples.jsonl" ||
		e.Sink.Redis.Stream != "tg:samples" {
		t.Fatalf("defaults %+v", e)
	}
	// Zero is a rate and a floor, not "unset".
	c, err = Parse([]byte("evals: {enabled: true, sample_rate: 0, min_per_minute: 0}\n"), "cfg.yaml")
	if err != nil || *c.Evals.SampleRate != 0 || *c.Evals.MinPerMinute != 0 {
		t.Fatalf("explicit zeros: %v %+v", err, c.Evals)
	}
}

func TestEvalsInvalid(t *testing.T) {
	models := "upstreams: [{name: u, kind: mock}]\nmodels: [{name: m, deployments: [{upstream: u}]}]\n"
	for _, c := range []struct{ yml, want string }{
		{"evals:\n  sample_rate: 1.5\n", "cfg.yaml:2: evals.sample_rate: must be within [0,1]"},
		{models + "evals:\n  models: {zz: {sample_rate: 0.1}}\n", `evals.models.zz: unknown model "zz"`},
		{models + "evals:\n  models: {m: {sample_rate: -1}}\n", "evals.models.m.sample_rate: must be within [0,1]"},
		{"evals:\n  tenants: {acme: {sample_rate: 2}}\n", "evals.tenants.acme.sample_rate"},
		{"evals:\n  min_per_minute: 10\n  max_per_minute: 5\n", "evals.min_per_minute: must not exceed max_per_minute"},
		{"evals:\n  max_text_bytes: 10\n", "cfg.yaml:2: evals.max_text_bytes"},
		{"evals:\n  queue_size: -1\n", "evals.queue_size"},
		{"evals:\n  sink: {kind: kafka}\n", "evals.sink.kind: must be file or redis"},
		{"evals:\n  sink: {kind: redis}\n", "evals.sink.kind: redis needs a server in the redis section"},
		{"evals:\n  report: {path: r.html, every: 10s}\n", "evals.report.every: must be at least 1m"},
		{"evals:\n  report: {every: 1h}\n", "evals.report.path: required with every"},
		{"redis: {addrs: [a:1]}\nevals:\n  sink: {kind: redis, redis: {shards: 300}}\n", "evals.sink.redis.shards: must be within [1,256], got 300"},
		{"evals:\n  report: {path: r.html, max_samples: -1}\n", "evals.report.max_samples"},
	} {
		_, err := Parse([]byte(c.yml), "cfg.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.yml, err, c.want)
		}
	}
}
