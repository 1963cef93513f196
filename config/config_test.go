package config

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestEmbeddedDefaultLoads(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != DefaultListen || len(c.Keys) != 0 {
		t.Fatalf("listen %q keys %d", c.Listen, len(c.Keys))
	}
	var got []string
	for _, m := range c.Models {
		got = append(got, m.Name)
	}
	if strings.Join(got, ",") != "mock-gpt,mock-embed" {
		t.Fatalf("models %v", got)
	}
	if c.Models[0].Deployments[0].Model != "mock-gpt" || c.Models[0].Retry.Attempts != 3 {
		t.Fatalf("defaults not applied: %+v", c.Models[0])
	}
	if c.Server.StreamWriteTimeout != 30*time.Second {
		t.Fatalf("server.stream_write_timeout default %s", c.Server.StreamWriteTimeout)
	}
}

func TestFullConfig(t *testing.T) {
	t.Setenv("TG_TEST_OPENAI_KEY", "sk-upstream")
	c, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Upstreams[0].APIKey != "sk-upstream" || c.Admin.Key != "admin-secret" {
		t.Fatalf("env expansion: %q %q", c.Upstreams[0].APIKey, c.Admin.Key)
	}
	if c.Upstreams[0].Timeouts.Idle != 15*time.Second || c.Upstreams[2].Timeouts.Idle != 60*time.Second {
		t.Fatalf("timeouts %+v %+v", c.Upstreams[0].Timeouts, c.Upstreams[2].Timeouts)
	}
	if c.Upstreams[1].APIVersion == "" {
		t.Fatal("azure api_version default missing")
	}
	m := c.Models[0]
	if m.Balance != BalanceLeastInFlight || m.Retry.Attempts != 2 || m.Circuit.ConsecutiveFailures != 3 || m.Circuit.Cooldown != 30*time.Second {
		t.Fatalf("model inheritance: %+v %+v %+v", m, m.Retry, m.Circuit)
	}
	if m.Deployments[1].Weight != 1 || m.Deployments[0].Name != "openai/gpt-4o-2024-08-06" {
		t.Fatalf("deployment defaults: %+v", m.Deployments)
	}
	if c.Keys[1].Tenant != "beta" || c.Keys[0].Tags["env"] != "prod" {
		t.Fatalf("keys %+v", c.Keys)
	}
}

func TestInvalidConfigs(t *testing.T) {
	f := func(yml string, wantParts ...string) {
		t.Helper()
		_, err := Parse([]byte(yml), "cfg.yaml")
		if err == nil {
			t.Fatalf("no error for:\n%s", yml)
		}
		for _, w := range wantParts {
			if !strings.Contains(err.Error(), w) {
				t.Fatalf("error %q lacks %q", err, w)
			}
		}
	}
	f("listen: [", "cfg.yaml", "line")
	f("lisen: x\n", "cfg.yaml:1: lisen: unknown field", "listen")
	f("upstreams:\n  - name: a\n    kind: grpc\n", "cfg.yaml:3: upstreams[0].kind: unknown kind \"grpc\"")
	f("upstreams:\n  - name: a\n    kind: openai\n    base_url: ftp://x\n", "cfg.yaml:4: upstreams[0].base_url")
	f("upstreams:\n  - {name: a, kind: mock}\nmodels:\n  - name: m\n    deployments:\n      - upstream: b\n",
		"cfg.yaml:6: models[0].deployments[0].upstream: unknown upstream \"b\" (defined: a)")
	f("upstreams:\n  - {name: a, kind: mock}\nmodels:\n  - {name: m, deployments: [{upstream: a}], fallbacks: [zz]}\n", "fallbacks[0]: unknown model \"zz\"")
	f("upstreams:\n  - {name: a, kind: mock, api_key: \"${TG_SURELY_UNSET_VAR}\"}\n", "cfg.yaml:2", "TG_SURELY_UNSET_VAR is not set")
	f("keys:\n  - {id: k, tenant: t}\n", "keys[0]: exactly one of key or key_sha256")
	f("keys:\n  - {id: k, key_sha256: abc}\n", "key_sha256: must be 64 hex")
	f("server:\n  read_timeout: soon\n", "line 2", "soon")
	f("server:\n  stream_write_timeout: -1s\n", "cfg.yaml:2: server.stream_write_timeout: must be positive")
	f("policy:\n  on_error: maybe\n", "cfg.yaml:2: policy.on_error")
	f("policy:\n  evaluator: wasm\n", "cfg.yaml:2: policy.evaluator")
	f("routing:\n  balance: random\n", "routing.balance: unknown strategy")
	f("metering:\n  redis_fail_mode: maybe\n", "metering.redis_fail_mode: must be lease, local, open or closed")
	f("metering:\n  lease_fraction: 0.9\n", "metering.lease_fraction: must be above 0 and at most 0.5")
	f("upstreams:\n  - {name: a, kind: mock}\n  - {name: a, kind: mock}\n", "duplicate upstream \"a\"")
	f("upstreams:\n  - {name: a, kind: mock, mock: {embeddings: bert}}\n", "cfg.yaml:2: upstreams[0].mock.embeddings: must be random or lexical")
	f("admin: {key: same}\nkeys:\n  - {id: k, key: same}\n", "keys[0]: is the admin key")
	f("ops: {key: scrape}\nkeys:\n  - {id: k, key_sha256: "+sha256Hex("scrape")+"}\n", "keys[0]: is the ops key")
	f("ops: {listen: 127.0.0.1:8080}\n", "ops.listen: is 127.0.0.1:8080, the same as listen")
	f("ops: {listen: nine}\n", "ops.listen: must be host:port or off")
	f("ops: {key_sha256: xyz}\n", "ops.key_sha256: must be 64 hex")
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestEnvExpansionKeepsStructure(t *testing.T) {
	t.Setenv("TG_TRICKY", "a: b # not a comment")
	c, err := Parse([]byte("upstreams:\n  - {name: u, kind: mock, api_key: \"${TG_TRICKY}\"}\n"), "x")
	if err != nil {
		t.Fatal(err)
	}
	if c.Upstreams[0].APIKey != "a: b # not a comment" {
		t.Fatalf("got %q", c.Upstreams[0].APIKey)
	}
}

func TestErrorsNeverEchoSecrets(t *testing.T) {
	_, err := Parse([]byte("upstreams:\n  - {name: u, kind: openai, base_url: 'nope', api_key: sk-very-secret}\n"), "x")
	if err == nil || strings.Contains(err.Error(), "sk-very-secret") {
		t.Fatalf("err = %v", err)
	}
}
