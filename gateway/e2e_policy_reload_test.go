package gateway_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-ai/tollgate/gateway"
	"github.com/tollgate-ai/tollgate/mockllm"
	"github.com/tollgate-ai/tollgate/policy"
)

// TestPolicyReloadUnderTraffic rewrites the policy directory (valid and
// broken revisions alternating) while clients call the gateway: broken
// revisions are rejected, valid ones take over, and no request fails.
func TestPolicyReloadUnderTraffic(t *testing.T) {
	dir := t.TempDir()
	write := func(src string) {
		t.Helper()
		tmp := filepath.Join(dir, ".decision.rego.tmp")
		if err := os.WriteFile(tmp, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "decision.rego")); err != nil { // atomic, as editors save
			t.Fatal(err)
		}
	}
	good := func(n int) string {
		return "package tollgate\n\ndecision := {\"allow\": true, \"headers\": {\"x-policy-rev\": \"" + string(rune('a'+n%26)) + "\"}}\n"
	}
	write(good(0))
	eng, err := policy.Open(policy.Options{Dir: dir, PollInterval: 5 * time.Millisecond, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	mockURL, _ := startMock(t, mockllm.Options{})
	gw, err := gateway.New(parseConfig(t, `
upstreams: [{name: mock, kind: openai, base_url: "{{MOCK}}"}]
models: [{name: mock-gpt, deployments: [{upstream: mock}]}]
`, map[string]string{"MOCK": mockURL}), gateway.Options{Stages: gateway.Stages{Policy: eng}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(serveGateway(t, gw)+"/v1", "")

	var sent, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sent.Add(1)
				if _, err := c.CreateChatCompletion(context.Background(), chatReq("mock-gpt", "hi")); err != nil {
					failed.Add(1)
					t.Errorf("request failed during policy reload: %v", err)
				}
			}
		}()
	}
	revisions := map[string]bool{}
	for i := 1; i <= 20; i++ {
		write("package tollgate\n\ndecision := {\"allow\": true\n") // broken: rejected, last good serves
		time.Sleep(15 * time.Millisecond)
		write(good(i))
		time.Sleep(15 * time.Millisecond)
		revisions[eng.Status().Revision] = true
	}
	close(stop)
	wg.Wait()
	st := eng.Status()
	t.Logf("%d requests during 40 policy writes: %d failed; %d reloads ok, %d rejected; %d distinct serving revisions seen",
		sent.Load(), failed.Load(), st.ReloadsOK, st.ReloadsFailed, len(revisions))
	if sent.Load() == 0 || failed.Load() != 0 || st.ReloadsFailed == 0 || st.ReloadsOK == 0 {
		t.Fatalf("sent %d failed %d status %+v", sent.Load(), failed.Load(), st)
	}
}
