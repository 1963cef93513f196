package gateway

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/config"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp"
)

// readsNothingCostly reads only fields the gateway has parsed already.
const readsNothingCostly = `package tollgate

decision := {"allow": input.request.model == "mock-gpt"}
`

// readsEveryCostlyPart allows only when the estimate, health, tools,
// metadata and time were all filled: a missing part leaves it undefined.
const readsEveryCostlyPart = `package tollgate

default decision := {"allow": false}

decision := {"allow": true} if {
	input.estimate.prompt_tokens > 0
	is_object(input.health)
	"lookup" in input.request.tools
	input.request.metadata.app == "bot"
	input.time.hour >= 0
}
`

// TestDecideFillsOnlyWhatThePolicyReads: a policy that reads no estimate,
// health, tools, metadata or time costs no tokenizer pass, health snapshot
// or extras parse; one that reads them gets them. Limits are off, so only
// the policy could ask for the estimate.
func TestDecideFillsOnlyWhatThePolicyReads(t *testing.T) {
	body := []byte(`{"model":"mock-gpt","messages":[{"role":"user","content":"hello there"}],` +
		`"tools":[{"type":"function","function":{"name":"lookup"}}],"metadata":{"app":"bot"}}`)
	for _, c := range []struct {
		name, rego string
		filled     bool
	}{{"reads-nothing-costly", readsNothingCostly, false}, {"reads-every-part", readsEveryCostlyPart, true}} {
		t.Run(c.name, func(t *testing.T) {
			s := decideServer(t, regoDir(t, c.rego))
			x := decideExchange(t, s, body)
			if e := s.decide(&fasthttp.RequestCtx{}, x); e != nil { // both allow when what they read is there
				t.Fatalf("policy denied: %+v", e)
			}
			tokenized, snapshot, extras := x.meter.Estimated(), s.healthView.Load() != nil, slices.Equal(x.fields.Tools, []string{"lookup"})
			if tokenized != c.filled || snapshot != c.filled || extras != c.filled {
				t.Fatalf("tokenizer pass %v, health snapshot %v, extras parsed %v; want all %v", tokenized, snapshot, extras, c.filled)
			}
		})
	}
}

// regoDir is a policy directory holding src.
func regoDir(t testing.TB, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.rego"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// decideServer serves mock-gpt to key k (tenant globex, team default, a
// daily budget) with every stage decide uses on: the policy in dir,
// tokenizer, health and a local limiter.
func decideServer(t testing.TB, dir string) *Server {
	t.Helper()
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1, Timeout: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	cfg, err := config.Parse([]byte(`
upstreams: [{name: up, kind: openai, base_url: "http://127.0.0.1:1/v1"}]
models: [{name: mock-gpt, deployments: [{upstream: up}]}]
keys: [{id: k, key: sk-k, tenant: globex, team: default, budget: {daily_usd: 100}}]
`), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	hr, err := health.New(HealthOptions(cfg, nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(hr.Close)
	tokens, err := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
	if err != nil {
		t.Fatal(err)
	}
	var s *Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{}, metering.RuleFunc(func(sub metering.Subject) metering.Rules { return s.Rules(sub) }))
	if err != nil {
		t.Fatal(err)
	}
	s, err = New(cfg, Options{Stages: Stages{Tokens: tokens, Health: hr, Policy: eng, Limiter: limiter}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// decideExchange is a parsed chat request of key k, as decide receives it.
func decideExchange(t testing.TB, s *Server, body []byte) *Exchange {
	t.Helper()
	x := &Exchange{endpoint: epChat, body: body, rt: s.rt.Load(), principal: &Principal{Tenant: "globex", Team: "default", KeyID: "k"}}
	if e := s.readBody(x, epChat, body); e != nil {
		t.Fatal(e)
	}
	x.requested = x.rt.models["mock-gpt"]
	return x
}
