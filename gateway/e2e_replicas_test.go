package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/internal/testredis"
	"github.com/tollgate-ai/tollgate/metering"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const replicaConfig = `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
keys:
  - {id: k-rpm, key: sk-rpm, tenant: acme, rpm: 30}
  - {id: k-budget, key: sk-budget, tenant: acme, budget: {total_usd: 0.001}}
`

// replica is one gateway instance with its own Redis client, limiter and
// ledger, as a separate process would have.
type replica struct {
	base    string
	limiter *metering.Limiter
}

func startReplica(t *testing.T, redisAddr, mockURL string) replica {
	t.Helper()
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{redisAddr}, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	ledger, err := metering.OpenLedger(metering.LedgerOptions{Dir: t.TempDir(), Redis: rdb})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ledger.Close(context.Background()) })
	var gw *gateway.Server
	limiter, err := metering.NewLimiter(metering.LimitsOptions{Redis: rdb, Timeout: time.Second},
		metering.RuleFunc(func(s metering.Subject) metering.Rules { return gw.Rules(s) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = limiter.Close(context.Background()) })
	gw, err = gateway.New(parseConfig(t, replicaConfig, map[string]string{"MOCK": mockURL}),
		gateway.Options{Stages: gateway.Stages{Limiter: limiter, Ledger: ledger}})
	if err != nil {
		t.Fatal(err)
	}
	return replica{base: serveGateway(t, gw) + "/v1", limiter: limiter}
}

// fire sends n concurrent requests spread over the replicas and counts
// answers by status.
func fire(t *testing.T, reps []replica, n int, key, body string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	var next atomic.Int64
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	for w := 0; w < 24; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				req, _ := http.NewRequest(http.MethodPost, reps[i%int64(len(reps))].base+"/chat/completions", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+key)
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				mu.Lock()
				counts[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return counts
}

// TestThreeReplicasShareLimitsExactly: three gateway instances on one real
// Redis admit exactly the RPM limit between them, and concurrent requests
// never push spend past a budget.
func TestThreeReplicasShareLimitsExactly(t *testing.T) {
	redisAddr := testredis.Start(t)
	mockURL, _ := startMock(t, mockllm.Options{})
	reps := []replica{startReplica(t, redisAddr, mockURL), startReplica(t, redisAddr, mockURL), startReplica(t, redisAddr, mockURL)}
	body := `{"model":"mock-gpt","max_tokens":5,"messages":[{"role":"user","content":"count me"}]}`

	// RPM is a sliding window: no need to start inside a UTC minute.
	got := fire(t, reps, 150, "sk-rpm", body)
	t.Logf("rpm 30 across 3 replicas, 150 requests: %v", got)
	if got[200] < 29 || got[200] > 31 || got[200]+got[429] != 150 {
		t.Fatalf("admitted %d of 150 with rpm 30 across three replicas: %v", got[200], got)
	}

	got = fire(t, reps, 300, "sk-budget", body)
	sp, err := reps[0].limiter.Spend(context.Background(), metering.Subject{Tenant: "acme", KeyID: "k-budget", Model: "mock-gpt"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("budget $0.001 across 3 replicas, 300 requests: %v, spent %d micro-USD", got, sp.Key.TotalMicros)
	if got[200] == 0 || got[429] == 0 || got[200]+got[429] != 300 {
		t.Fatalf("budget run: %v", got)
	}
	if sp.Key.TotalMicros > 1000 || sp.Key.TotalMicros == 0 {
		t.Fatalf("spent %d micro-USD of a 1000 micro-USD budget", sp.Key.TotalMicros)
	}
}
