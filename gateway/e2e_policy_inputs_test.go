package gateway_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/policy"
)

// mgetCounter counts MGET commands: the limiter's Spend is the only caller.
type mgetCounter struct{ n atomic.Int64 }

func (c *mgetCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (c *mgetCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (c *mgetCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "mget" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// TestPolicyWithoutSpendSkipsTheRedisRead: with budgets in Redis, a policy
// that never reads input.spend costs no spend read; after a reload to one
// that does, each request reads it and the policy sees the budget.
func TestPolicyWithoutSpendSkipsTheRedisRead(t *testing.T) {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{testredis.Start(t)}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	mgets := &mgetCounter{}
	rdb.AddHook(mgets)

	dir := t.TempDir()
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, "decision.rego"), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("package tollgate\n\ndecision := {\"allow\": input.principal.tenant == \"acme\"}\n")
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1, Timeout: 10 * time.Second, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	mockURL, _ := startMock(t, mockllm.Options{})
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{Redis: rdb, Timeout: time.Second},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = limiter.Close(context.Background()) })
	gw, err = gateway.New(parseConfig(t, `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys: [{id: k, key: sk-k, tenant: acme, budget: {daily_usd: 100}}]
`, map[string]string{"MOCK": mockURL}), gateway.Options{Stages: gateway.Stages{Policy: eng, Limiter: limiter}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(serveGateway(t, gw)+"/v1", "sk-k")
	ctx := context.Background()
	for range 3 {
		if _, err := c.CreateChatCompletion(ctx, chatReq("mock-gpt", "hi")); err != nil {
			t.Fatal(err)
		}
	}
	if n := mgets.n.Load(); n != 0 {
		t.Fatalf("%d spend reads for a policy that never reads input.spend", n)
	}

	// budget_remaining is undefined without the read, and so is the decision (an error: deny).
	write("package tollgate\n\ndecision := {\"allow\": true, \"headers\": {\"x-budget-left\": sprintf(\"%v\", [input.spend.budget_remaining])}}\n")
	if err := eng.Reload(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		resp, err := c.CreateChatCompletion(ctx, chatReq("mock-gpt", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		if left, err := strconv.ParseFloat(resp.Header().Get("X-Budget-Left"), 64); err != nil || left <= 0 || left > 100 {
			t.Fatalf("x-budget-left %q: the policy did not get the spend", resp.Header().Get("X-Budget-Left"))
		}
		if n := mgets.n.Load(); n != int64(i+1) {
			t.Fatalf("%d spend reads after %d requests reading spend", n, i+1)
		}
	}
}

// TestPolicyReloadBetweenInputPartsUnderTraffic alternates a policy that
// reads no spend with one that denies (undefined decision) when it gets no
// spend, both with a response phase, while clients call: a request filled
// for one revision and decided (in either phase) by the other would be
// denied, so none may be.
func TestPolicyReloadBetweenInputPartsUnderTraffic(t *testing.T) {
	dir := t.TempDir()
	policies := [2]string{
		"package tollgate\n\ndecision := {\"allow\": input.principal.tenant == \"acme\"} if input.phase in {\"request\", \"response\"}\n",
		"package tollgate\n\ndecision := {\"allow\": input.spend.budget_remaining > 0} if input.phase in {\"request\", \"response\"}\n",
	}
	write := func(src string) {
		t.Helper()
		tmp := filepath.Join(dir, ".decision.rego.tmp")
		if err := os.WriteFile(tmp, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "decision.rego")); err != nil {
			t.Fatal(err)
		}
	}
	write(policies[0])
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: -1, Timeout: time.Minute, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eng.Close)
	mockURL, _ := startMock(t, mockllm.Options{})
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	gw, err = gateway.New(parseConfig(t, `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys: [{id: k, key: sk-k, tenant: acme, budget: {daily_usd: 1000}}]
`, map[string]string{"MOCK": mockURL}), gateway.Options{Stages: gateway.Stages{Policy: eng, Limiter: limiter}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(serveGateway(t, gw)+"/v1", "sk-k")

	var sent, failed atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	for range 3 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 500 {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				if _, err := c.CreateChatCompletion(context.Background(), chatReq("mock-gpt", "hi")); err != nil {
					if failed.Add(1) == 1 {
						t.Errorf("request failed across a reload: %v", err)
					}
				}
			}
		}()
	}
	for i := range 30 {
		write(policies[(i+1)%2])
		if err := eng.Reload(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	for range 3 {
		<-done
	}
	if failed.Load() != 0 || sent.Load() == 0 {
		t.Fatalf("%d of %d requests failed", failed.Load(), sent.Load())
	}
}
