package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/health"
	"github.com/tollgate-ai/tollgate/internal/benchcpu"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/metering/tokenizer"
	"github.com/valyala/fasthttp/fasthttputil"
)

// nonPolicyConfig is loadtest/gateway-full.yaml without its policy: a key
// with RPM, TPM and a daily budget, a tenant with a monthly budget.
const nonPolicyConfig = `
upstreams: [{name: mock, kind: mock}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys: [{id: load, key: sk-load, tenant: globex, team: default, rpm: 100000000, tpm: 1000000000, budget: {daily_usd: 1000000}}]
tenants: [{name: globex, budget: {monthly_usd: 10000000}}]
`

// serveNonPolicyStages serves the load run's gateway_all_but_policy target
// in-process: keys, limits and budgets (embedded store), the file ledger,
// health and an access log (buffered, to io.Discard like /dev/null).
func serveNonPolicyStages(tb testing.TB) *fasthttputil.InmemoryListener {
	tb.Helper()
	cfg := parseConfig(tb, nonPolicyConfig, nil)
	tokens, err := tokenizer.New(tokenizer.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := tokens.ForModel("mock-gpt"); err != nil {
		tb.Fatal(err)
	}
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: tb.TempDir(), Logger: quietLogger()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ledger.Close(context.Background()) })
	hr, err := health.New(gateway.HealthOptions(cfg, nil))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(hr.Close)
	bw := health.NewBufferedWriter(io.Discard, 200*time.Millisecond)
	tb.Cleanup(func() { _ = bw.Close() })
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{Logger: quietLogger()},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		tb.Fatal(err)
	}
	st := gateway.Stages{Tokens: tokens, Limiter: limiter, Ledger: ledger, Health: hr, Access: health.NewAccessLogger(bw)}
	if gw, err = gateway.New(cfg, gateway.Options{Stages: st, Mock: inProcessMock, Logger: quietLogger()}); err != nil {
		tb.Fatal(err)
	}
	return serveInMemory(tb, gw)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// BenchmarkNonPolicyStages is the CPU per request (cpu-ns/op, every thread:
// the ledger's writer and the garbage collector too) of the stages the load
// run's gateway_all_but_policy target adds over the bare proxy, in-process:
// the difference of the two rows. Compare within one run.
func BenchmarkNonPolicyStages(b *testing.B) {
	_, bare := proxyPair(b)
	stages := serveNonPolicyStages(b)
	run := func(ln *fasthttputil.InmemoryListener, key string) func(*testing.B) {
		return func(b *testing.B) {
			c := inmemClient(ln)
			start := benchcpu.CPUTime()
			benchPost(b, c, benchChat, false, key)
			benchcpu.ReportCPU(b, start)
		}
	}
	b.Run("bare", run(bare, ""))
	b.Run("all-but-policy", run(stages, "sk-load"))
}
