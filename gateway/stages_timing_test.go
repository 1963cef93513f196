package gateway_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/tollgate-ai/tollgate/policy"
	"github.com/valyala/fasthttp/fasthttputil"
)

// BenchmarkStages measures the gateway with every stage on (keys, limits,
// budgets, the example policies in both phases, ledger, health) against the
// same mock, in-process.
func BenchmarkStages(b *testing.B) {
	_, file, _, _ := runtime.Caller(0)
	examples := filepath.Join(filepath.Dir(file), "..", "policy", "examples")

	build := func(b *testing.B, evaluator string) *fasthttputil.InmemoryListener {
		cfg := parseConfig(b, `
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys: [{id: load, key: sk-load, tenant: globex, team: default, rpm: 100000000, tpm: 1000000000, budget: {daily_usd: 1000000}}]
`, nil)
		tokens, _ := tokenizer.New(tokenizer.Options{DefaultEncoding: tokenizer.O200KBase})
		ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = ledger.Close(context.Background()) })
		hr, err := health.New(gateway.HealthOptions(cfg, nil))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(hr.Close)
		var gw *gateway.Server
		limiter, _ := metering.NewLimiter(metering.LimitsOptions{},
			metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
		st := gateway.Stages{Tokens: tokens, Limiter: limiter, Ledger: ledger, Health: hr}
		if evaluator != "" {
			// A long timeout: a loaded benchmark machine must not turn a slow
			// decision into a 403 that fails the run.
			eng, err := policy.Open(policy.Options{Dir: examples, PollInterval: -1, Evaluator: evaluator, Timeout: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(eng.Close)
			st.Policy = eng
		}
		gw, err = gateway.New(cfg, gateway.Options{Stages: st, Mock: inProcessMock})
		if err != nil {
			b.Fatal(err)
		}
		ln := serveInMemory(b, gw)
		return ln
	}
	run := func(b *testing.B, ln *fasthttputil.InmemoryListener) {
		benchPost(b, inmemClient(ln), benchChat, false, "sk-load")
	}
	b.Run("all-but-policy", func(b *testing.B) { run(b, build(b, "")) })
	b.Run("all", func(b *testing.B) { run(b, build(b, policy.EvaluatorCompiled)) })
	b.Run("all-opa-evaluator", func(b *testing.B) { run(b, build(b, policy.EvaluatorOPA)) })
}
