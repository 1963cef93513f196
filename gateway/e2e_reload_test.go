package gateway_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
)

const reloadConfig = `
upstreams:
  - {name: a, kind: openai, base_url: "{{MOCK}}", headers: {x-variant: "%d"}}
models:
  - {name: mock-gpt, deployments: [{upstream: a}]}
  - {name: extra-%d, deployments: [{upstream: a, model: mock-gpt}]}
keys: [{id: k, key: sk-k}]
`

// reloadKeepingDeployments changes only a model beside mock-gpt: every
// reload reuses mock-gpt's deployment (same fingerprint) and re-attaches its
// health handle while requests are in flight on it.
const reloadKeepingDeployments = `
upstreams:
  - {name: a, kind: openai, base_url: "{{MOCK}}"}
models:
  - {name: mock-gpt, deployments: [{upstream: a}]}
  - {name: extra-%d, deployments: [{upstream: a, model: mock-gpt%d}]}
keys: [{id: k, key: sk-k}]
`

// TestReloadUnderTraffic swaps configs (new upstream pools each time) while
// clients stream and call: no request may fail.
func TestReloadUnderTraffic(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	vars := map[string]string{"MOCK": mockURL}
	base, gw := startGateway(t, fmt.Sprintf(reloadConfig, 0, 0), vars)
	reloadUnderTraffic(t, base, gw, reloadConfig, vars)
}

// TestReloadReusingDeploymentsUnderTraffic: the same with rolling health on
// and deployments kept across reloads; under -race it catches a reload
// writing a deployment's state (its health handle) that requests in flight
// read without synchronisation.
func TestReloadReusingDeploymentsUnderTraffic(t *testing.T) {
	mockURL, _ := startMock(t, mockllm.Options{})
	vars := map[string]string{"MOCK": mockURL}
	gw, _ := newHealthServer(t, parseConfig(t, fmt.Sprintf(reloadKeepingDeployments, 0, 0), vars), nil)
	base := serveGateway(t, gw) + "/v1"
	reloadUnderTraffic(t, base, gw, reloadKeepingDeployments, vars)
}

// reloadUnderTraffic reloads gw with config (two %d: the reload's number)
// while clients stream and call through base: no request may fail.
func reloadUnderTraffic(t *testing.T, base string, gw *gateway.Server, config string, vars map[string]string) {
	c := newClient(base, "sk-k")

	var sent, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 400; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				req := chatReq("mock-gpt", "reload me")
				var err error
				if w%2 == 0 {
					_, err = c.CreateChatCompletion(context.Background(), req)
				} else {
					req.Stream = true
					st, serr := c.CreateChatCompletionStream(context.Background(), req)
					if err = serr; err == nil {
						for {
							if _, rerr := st.Recv(); rerr != nil {
								if rerr.Error() != "EOF" {
									err = rerr
								}
								break
							}
						}
						st.Close()
					}
				}
				if err != nil {
					failed.Add(1)
					t.Errorf("request failed during reload: %v", err)
				}
			}
		}(w)
	}
	reloads := 0
	deadline := time.Now().Add(3 * time.Second)
	for i := 1; i <= 30 && time.Now().Before(deadline); i++ {
		if err := gw.Reload(parseConfig(t, fmt.Sprintf(config, i, i), vars)); err != nil {
			t.Fatal(err)
		}
		reloads++
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if _, err := c.GetModel(context.Background(), fmt.Sprintf("extra-%d", reloads)); err != nil {
		t.Fatalf("last reload not serving: %v", err)
	}
	t.Logf("%d reloads, %d requests, %d failed", reloads, sent.Load(), failed.Load())
	if sent.Load() == 0 || failed.Load() != 0 {
		t.Fatalf("sent %d failed %d", sent.Load(), failed.Load())
	}
}
